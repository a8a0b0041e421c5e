import { join } from 'node:path';

import { fail, pass, type CheckResult } from './check-result';
import type { SystemProbe } from './system';

/** Apptainer 1.1 is the first release that builds unprivileged images without `--fakeroot` setup by root. */
export const MINIMUM_APPTAINER = [1, 1] as const;

/** Apptainer's `--fakeroot` maps 65536 subordinate ids, so a shorter range fails. */
export const SUBORDINATE_ID_COUNT = 65_536;

/** Below this, even a small image build runs out of room while Apptainer unpacks layers. */
export const MINIMUM_FREE_BYTES = 1024 ** 3;

const INSTALL_APPTAINER = 'install Apptainer 1.1 or newer (https://apptainer.org/docs/admin/main/installation.html), or put it on PATH';

/** Reads `major.minor[.patch]` from a `--version` output line. */
export function parseVersion(text: string): number[] | undefined {
  const match = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : undefined;
}

export function isAtLeast(version: readonly number[], minimum: readonly number[]): boolean {
  for (let index = 0; index < minimum.length; index++) {
    const part = version[index] ?? 0;
    if (part !== minimum[index]) return part > minimum[index];
  }
  return true;
}

export function checkApptainer(probe: SystemProbe, apptainerPath = 'apptainer'): CheckResult {
  const found = probe.which(apptainerPath);
  if (!found) return fail('apptainer', `${apptainerPath} not found on PATH`, INSTALL_APPTAINER);

  const output = probe.run(found, ['--version']);
  const text = `${output.stdout}${output.stderr}`.trim().split('\n')[0] ?? '';
  if (output.status !== 0) return fail('apptainer', `${found} --version failed: ${text || `exit status ${output.status}`}`, INSTALL_APPTAINER);

  const version = parseVersion(text);
  if (!version) return fail('apptainer', `cannot read the version from "${text}" (${found})`, INSTALL_APPTAINER);
  if (!isAtLeast(version, MINIMUM_APPTAINER)) return fail('apptainer', `${text} (${found}) is older than 1.1`, INSTALL_APPTAINER);
  return pass('apptainer', `${text} (${found})`);
}

function readNumber(probe: SystemProbe, path: string): number | undefined {
  const text = probe.readFile(path)?.trim();
  return text === undefined || text === '' ? undefined : Number(text);
}

/** Unprivileged user namespaces, which Apptainer without setuid needs for every build and run. */
export function checkUserNamespaces(probe: SystemProbe): CheckResult {
  const clone = readNumber(probe, '/proc/sys/kernel/unprivileged_userns_clone');
  const maximum = readNumber(probe, '/proc/sys/user/max_user_namespaces');

  if (maximum === 0) {
    return fail('user namespaces', 'user.max_user_namespaces is 0', 'sudo sysctl -w user.max_user_namespaces=15000 (and set it in /etc/sysctl.d/ to keep it)');
  }
  if (clone === 0) {
    if (probe.uid === 0) return pass('user namespaces', 'kernel.unprivileged_userns_clone is 0, which does not apply to root');
    return fail('user namespaces', 'kernel.unprivileged_userns_clone is 0', 'sudo sysctl -w kernel.unprivileged_userns_clone=1 (and set it in /etc/sysctl.d/ to keep it)');
  }

  const parts = [
    clone === undefined ? 'no unprivileged_userns_clone switch' : `unprivileged_userns_clone=${clone}`,
    maximum === undefined ? 'max_user_namespaces unknown' : `max_user_namespaces=${maximum}`,
  ];
  return pass('user namespaces', parts.join(', '));
}

/**
 * `newuidmap` or `newgidmap`, which `--fakeroot` runs to map subordinate ids.
 * They need setuid root or a file capability; `getcap` reports the latter
 * when `spawn` allows running it.
 */
export function checkIdMapTool(probe: SystemProbe, tool: 'newuidmap' | 'newgidmap', spawn = true): CheckResult {
  const found = probe.which(tool);
  if (!found) return fail(tool, 'not found on PATH', 'install the uidmap package (Debian and Ubuntu: sudo apt-get install uidmap; Fedora: shadow-utils)');

  const mode = probe.fileMode(found);
  if (mode !== undefined && (mode & 0o4000) !== 0) return pass(tool, `${found}, setuid root`);

  const capability = tool === 'newuidmap' ? 'cap_setuid' : 'cap_setgid';
  const getcap = spawn ? probe.which('getcap') : undefined;
  if (!getcap) return pass(tool, `${found} (not setuid; its file capabilities were not checked)`);
  const output = probe.run(getcap, [found]);
  if (output.stdout.includes(capability)) return pass(tool, `${found}, ${capability}`);
  return fail(tool, `${found} is neither setuid root nor has ${capability}`, `sudo chmod u+s ${found}, or reinstall the uidmap package`);
}

/** Checks for an `/etc/subuid` or `/etc/subgid` line for the current user (by name or id) with 65536 ids or more. */
export function checkSubordinateIds(probe: SystemProbe, file: '/etc/subuid' | '/etc/subgid'): CheckResult {
  const name = file.slice('/etc/'.length);
  const fix = `sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${probe.userName}`;
  const text = probe.readFile(file);
  if (text === undefined) return fail(name, `${file} not found`, fix);

  for (const line of text.split('\n')) {
    const [owner, start, count] = line.trim().split(':');
    if (owner !== probe.userName && owner !== String(probe.uid)) continue;
    if (Number(count) >= SUBORDINATE_ID_COUNT) return pass(name, `${owner}:${start}:${count}`);
    return fail(name, `${owner}:${start}:${count} maps fewer than ${SUBORDINATE_ID_COUNT} ids`, fix);
  }
  return fail(name, `no entry for ${probe.userName} (uid ${probe.uid}) in ${file}`, fix);
}

/**
 * Ubuntu 24.04 and later block unprivileged user namespaces through AppArmor
 * unless a profile allows them for the program. A profile under
 * /etc/apparmor.d that names Apptainer and allows `userns` counts as allowed.
 */
export function checkAppArmor(probe: SystemProbe): CheckResult {
  const restrict = readNumber(probe, '/proc/sys/kernel/apparmor_restrict_unprivileged_userns');
  if (restrict === undefined || restrict === 0) {
    return pass('AppArmor userns', restrict === undefined ? 'no user-namespace restriction in this kernel' : 'apparmor_restrict_unprivileged_userns=0');
  }
  if (!probe.exists('/sys/kernel/security/apparmor')) return pass('AppArmor userns', 'restriction set, but AppArmor is not active');
  if (probe.uid === 0) return pass('AppArmor userns', 'restriction set, which does not apply to root');

  for (const entry of probe.listDir('/etc/apparmor.d')) {
    const text = probe.readFile(join('/etc/apparmor.d', entry));
    if (text && /apptainer/i.test(text) && /\buserns\b/.test(text)) return pass('AppArmor userns', `restricted, and /etc/apparmor.d/${entry} allows Apptainer`);
  }
  return fail(
    'AppArmor userns',
    'kernel.apparmor_restrict_unprivileged_userns=1 and no AppArmor profile allows Apptainer',
    'add a profile with `userns,` for Apptainer\'s starter (libexec/apptainer/bin/starter) and load it with apparmor_parser, or sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0',
  );
}

/** Free space where Apptainer unpacks images: `APPTAINER_TMPDIR`, else the temp folder. */
export function checkTempSpace(probe: SystemProbe): CheckResult {
  const folder = probe.env.APPTAINER_TMPDIR || probe.tempDir;
  const free = probe.freeBytes(folder);
  if (free === undefined) return fail('temp space', `cannot read the free space of ${folder}`, 'create the folder, or set APPTAINER_TMPDIR to an existing folder');
  const gib = (free / 1024 ** 3).toFixed(1);
  if (free < MINIMUM_FREE_BYTES) {
    return fail('temp space', `${gib} GiB free in ${folder}, less than 1 GiB`, 'free some space, or set APPTAINER_TMPDIR to a folder on a larger disk');
  }
  return pass('temp space', `${gib} GiB free in ${folder}`);
}
