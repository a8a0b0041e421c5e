#!/usr/bin/env node
import { runDoctorCommand } from './doctor-command';
import { runServeCommand } from './serve-command';

const USAGE = `Usage: nx-peppy <command>

Commands:
  doctor [options]          check the prerequisites of Apptainer (run "nx-peppy doctor --help")
  serve <project> [args]    run "nx serve <project> [args]" and exit with the node's own exit status
`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'doctor':
      return runDoctorCommand(rest);
    case 'serve':
      if (rest.length === 0 || rest[0].startsWith('-')) {
        process.stderr.write(`nx-peppy serve: missing project name\n\n${USAGE}`);
        return 2;
      }
      return runServeCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`nx-peppy: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then((status) => {
  process.exitCode = status;
});
