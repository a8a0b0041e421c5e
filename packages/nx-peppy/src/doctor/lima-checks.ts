import { existsSync } from 'node:fs';

import { resolveLimaHome } from '../runtime';
import { fail, pass, type CheckResult } from './check-result';
import { isAtLeast, parseVersion } from './linux-checks';
import type { SystemProbe } from './system';

/** The oldest Lima PeppyOS accepts. */
export const MINIMUM_LIMA = [2, 1, 0] as const;

const INSTALL_LIMA = 'install Lima 2.1 or newer: brew install lima';

export function checkLimactl(probe: SystemProbe): CheckResult {
  const found = probe.which('limactl');
  if (!found) return fail('limactl', 'not found on PATH', INSTALL_LIMA);
  const output = probe.run(found, ['--version']);
  const text = output.stdout.trim().split('\n')[0] ?? '';
  const version = parseVersion(text);
  if (output.status !== 0 || !version) return fail('limactl', `${found} --version failed: ${output.stderr.trim() || text}`, INSTALL_LIMA);
  if (!isAtLeast(version, MINIMUM_LIMA)) return fail('limactl', `${text} is older than 2.1.0`, 'brew upgrade lima');
  return pass('limactl', `${text} (${found})`);
}

function limaHomeOf(probe: SystemProbe, instance: string, exists: (path: string) => boolean): string {
  return resolveLimaHome(probe.env, probe.homeDir, instance, exists);
}

/** Checks that the instance exists and runs, with the status from `limactl list`, as PeppyOS reads it. */
export function checkLimaInstance(probe: SystemProbe, instance: string, exists: (path: string) => boolean = existsSync): CheckResult {
  const limactl = probe.which('limactl');
  if (!limactl) return fail(`Lima instance ${instance}`, 'limactl not found', INSTALL_LIMA);

  const limaHome = limaHomeOf(probe, instance, exists);
  const output = probe.run(limactl, ['list', '--format', '{{.Status}}', instance], { LIMA_HOME: limaHome });
  const status = output.stdout.trim();
  if (status === 'Running') return pass(`Lima instance ${instance}`, `running (LIMA_HOME=${limaHome})`);
  if (status === '' || output.status !== 0) {
    return fail(
      `Lima instance ${instance}`,
      `not found in ${limaHome}`,
      `run any \`peppy node\` command once to create it, or: limactl start --name=${instance} --mount-writable template:ubuntu-24.04`,
    );
  }
  return fail(`Lima instance ${instance}`, `status ${status}`, `LIMA_HOME=${limaHome} limactl start ${instance}`);
}

/** Checks Apptainer inside the instance, run the way serve runs it. */
export function checkGuestApptainer(probe: SystemProbe, instance: string, apptainerPath = 'apptainer', exists: (path: string) => boolean = existsSync): CheckResult {
  const limactl = probe.which('limactl');
  if (!limactl) return fail(`apptainer in ${instance}`, 'limactl not found', INSTALL_LIMA);

  const limaHome = limaHomeOf(probe, instance, exists);
  const output = probe.run(limactl, ['shell', instance, '--', apptainerPath, '--version'], { LIMA_HOME: limaHome });
  const text = output.stdout.trim().split('\n')[0] ?? '';
  const version = parseVersion(text);
  const fix = `install Apptainer 1.1 or newer inside the instance (limactl shell ${instance}), or set the serve option "apptainerPath" to its path in the VM`;
  if (output.status !== 0 || !version) return fail(`apptainer in ${instance}`, `${apptainerPath} --version failed in the VM: ${output.stderr.trim() || text}`, fix);
  if (!isAtLeast(version, [1, 1])) return fail(`apptainer in ${instance}`, `${text} is older than 1.1`, fix);
  return pass(`apptainer in ${instance}`, text);
}
