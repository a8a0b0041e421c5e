import { parseArgs } from 'node:util';

import { formatCheck, nodeSystemProbe, runDoctor, type DoctorOptions } from '../doctor';
import type { RuntimeKind } from '../runtime';

export const DOCTOR_USAGE = `Usage: nx-peppy doctor [--runtime native|lima] [--lima-instance NAME] [--apptainer PATH]

Checks what Apptainer needs on this machine (or, with the lima runtime, in the
Lima VM) and prints one line per prerequisite with PASS or FAIL and the fix.
Exits with status 1 when a check fails.`;

/** Runs the doctor, prints its lines and returns the exit status. */
export function runDoctorCommand(args: readonly string[], write: (text: string) => void = (text) => process.stdout.write(text)): number {
  let options: DoctorOptions;
  try {
    const { values } = parseArgs({
      args: [...args],
      options: {
        runtime: { type: 'string' },
        'lima-instance': { type: 'string' },
        apptainer: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
    if (values.help) {
      write(`${DOCTOR_USAGE}\n`);
      return 0;
    }
    if (values.runtime !== undefined && values.runtime !== 'native' && values.runtime !== 'lima') {
      throw new Error(`invalid --runtime "${values.runtime}": expected native or lima`);
    }
    options = { runtime: values.runtime as RuntimeKind | undefined, limaInstance: values['lima-instance'], apptainerPath: values.apptainer };
  } catch (error) {
    write(`nx-peppy doctor: ${(error as Error).message}\n\n${DOCTOR_USAGE}\n`);
    return 2;
  }

  const results = runDoctor(nodeSystemProbe(), options);
  for (const result of results) write(`${formatCheck(result)}\n`);
  const failed = results.filter((result) => !result.ok).length;
  write(failed === 0 ? `All ${results.length} checks passed.\n` : `${failed} of ${results.length} checks failed.\n`);
  return failed === 0 ? 0 : 1;
}
