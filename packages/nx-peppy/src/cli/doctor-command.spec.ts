import { runDoctorCommand } from './doctor-command';

describe('runDoctorCommand arguments', () => {
  function run(args: string[]): { status: number; output: string } {
    let output = '';
    const status = runDoctorCommand(args, (text) => {
      output += text;
    });
    return { status, output };
  }

  it('--help prints the usage', () => {
    expect(run(['--help'])).toEqual({ status: 0, output: expect.stringContaining('Usage: nx-peppy doctor') });
  });

  it('invalid runtime', () => {
    const result = run(['--runtime', 'docker']);

    expect(result.status).toBe(2);
    expect(result.output).toContain('invalid --runtime "docker": expected native or lima');
  });

  it('unknown option', () => {
    expect(run(['--frob']).status).toBe(2);
  });
});
