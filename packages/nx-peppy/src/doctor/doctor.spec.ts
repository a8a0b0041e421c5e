import { formatCheck } from './check-result';
import { runDoctor } from './doctor';
import { checkGuestApptainer, checkLimactl, checkLimaInstance } from './lima-checks';
import {
  checkAppArmor,
  checkApptainer,
  checkIdMapTool,
  checkSubordinateIds,
  checkTempSpace,
  checkUserNamespaces,
  isAtLeast,
  parseVersion,
} from './linux-checks';
import { quickPreflight } from './quick';
import type { CommandOutput, SystemProbe } from './system';

interface FakeMachine {
  files?: Record<string, string>;
  folders?: Record<string, string[]>;
  modes?: Record<string, number>;
  commands?: Record<string, string>;
  outputs?: Record<string, CommandOutput>;
  freeBytes?: number;
  uid?: number;
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
}

/** Builds a fake machine from tables; `outputs` is keyed by "file arg arg...". */
function probe(machine: FakeMachine = {}): SystemProbe & { runs: string[] } {
  const runs: string[] = [];
  return {
    runs,
    platform: machine.platform ?? 'linux',
    uid: machine.uid ?? 1000,
    userName: 'ada',
    homeDir: '/home/ada',
    tempDir: '/tmp',
    env: machine.env ?? {},
    readFile: (path) => machine.files?.[path],
    exists: (path) => path in (machine.files ?? {}) || path in (machine.folders ?? {}),
    listDir: (path) => machine.folders?.[path] ?? [],
    fileMode: (path) => machine.modes?.[path],
    which: (command) => machine.commands?.[command],
    run: (file, args) => {
      const key = [file, ...args].join(' ');
      runs.push(key);
      return machine.outputs?.[key] ?? { status: null, stdout: '', stderr: `${file}: not found` };
    },
    freeBytes: () => machine.freeBytes,
  };
}

const ok = (stdout: string): CommandOutput => ({ status: 0, stdout, stderr: '' });

/** A Linux machine on which every check passes. */
const HEALTHY: FakeMachine = {
  files: {
    '/proc/sys/kernel/unprivileged_userns_clone': '1\n',
    '/proc/sys/user/max_user_namespaces': '63664\n',
    '/etc/subuid': 'ada:100000:65536\n',
    '/etc/subgid': 'ada:100000:65536\n',
    '/proc/sys/kernel/apparmor_restrict_unprivileged_userns': '0\n',
  },
  modes: { '/usr/bin/newuidmap': 0o104755, '/usr/bin/newgidmap': 0o104755 },
  commands: { apptainer: '/usr/bin/apptainer', newuidmap: '/usr/bin/newuidmap', newgidmap: '/usr/bin/newgidmap' },
  outputs: { '/usr/bin/apptainer --version': ok('apptainer version 1.4.5\n') },
  freeBytes: 20 * 1024 ** 3,
};

function machine(changes: Partial<FakeMachine>): FakeMachine {
  return {
    ...HEALTHY,
    ...changes,
    files: { ...HEALTHY.files, ...changes.files },
    commands: { ...HEALTHY.commands, ...changes.commands },
    outputs: { ...HEALTHY.outputs, ...changes.outputs },
  };
}

function withoutFile(path: string): FakeMachine {
  const files = { ...HEALTHY.files };
  delete files[path];
  return { ...HEALTHY, files };
}

describe('runDoctor on a healthy Linux machine', () => {
  it('every check passes, in a fixed order', () => {
    const results = runDoctor(probe(HEALTHY));

    expect(results.map((result) => [result.name, result.ok])).toEqual([
      ['apptainer', true],
      ['user namespaces', true],
      ['newuidmap', true],
      ['newgidmap', true],
      ['subuid', true],
      ['subgid', true],
      ['AppArmor userns', true],
      ['temp space', true],
    ]);
  });

  it('lines name what was found', () => {
    expect(runDoctor(probe(HEALTHY)).map(formatCheck).slice(0, 2)).toEqual([
      'PASS  apptainer              apptainer version 1.4.5 (/usr/bin/apptainer)',
      'PASS  user namespaces        unprivileged_userns_clone=1, max_user_namespaces=63664',
    ]);
  });
});

describe('checkApptainer', () => {
  it('not on PATH', () => {
    const result = checkApptainer(probe(machine({ commands: { apptainer: undefined as unknown as string } })));

    expect(result).toEqual(expect.objectContaining({ ok: false, detail: 'apptainer not found on PATH' }));
    expect(result.fix).toContain('install Apptainer 1.1 or newer');
  });

  it('too old', () => {
    expect(checkApptainer(probe(machine({ outputs: { '/usr/bin/apptainer --version': ok('apptainer version 1.0.3\n') } }))).detail).toBe(
      'apptainer version 1.0.3 (/usr/bin/apptainer) is older than 1.1',
    );
  });

  it('--version fails', () => {
    const result = checkApptainer(probe(machine({ outputs: { '/usr/bin/apptainer --version': { status: 127, stdout: '', stderr: 'no Apptainer root\n' } } })));

    expect(result).toEqual(expect.objectContaining({ ok: false, detail: '/usr/bin/apptainer --version failed: no Apptainer root' }));
  });

  it('unreadable version', () => {
    expect(checkApptainer(probe(machine({ outputs: { '/usr/bin/apptainer --version': ok('apptainer version dev\n') } }))).ok).toBe(false);
  });

  it('distribution version suffix', () => {
    expect(checkApptainer(probe(machine({ outputs: { '/usr/bin/apptainer --version': ok('apptainer version 1.3.6-1.el9\n') } }))).ok).toBe(true);
  });
});

describe('checkUserNamespaces', () => {
  it('unprivileged_userns_clone=0', () => {
    const result = checkUserNamespaces(probe(machine({ files: { '/proc/sys/kernel/unprivileged_userns_clone': '0\n' } })));

    expect(result).toEqual(expect.objectContaining({ ok: false, detail: 'kernel.unprivileged_userns_clone is 0' }));
    expect(result.fix).toContain('sysctl -w kernel.unprivileged_userns_clone=1');
  });

  it('unprivileged_userns_clone=0 does not stop root', () => {
    expect(checkUserNamespaces(probe(machine({ uid: 0, files: { '/proc/sys/kernel/unprivileged_userns_clone': '0' } }))).ok).toBe(true);
  });

  it('max_user_namespaces=0', () => {
    const result = checkUserNamespaces(probe(machine({ files: { '/proc/sys/user/max_user_namespaces': '0' } })));

    expect(result).toEqual(expect.objectContaining({ ok: false, detail: 'user.max_user_namespaces is 0' }));
  });

  it('kernel without the Debian switch', () => {
    expect(checkUserNamespaces(probe(withoutFile('/proc/sys/kernel/unprivileged_userns_clone')))).toEqual(
      expect.objectContaining({ ok: true, detail: 'no unprivileged_userns_clone switch, max_user_namespaces=63664' }),
    );
  });
});

describe('checkIdMapTool', () => {
  it('newuidmap missing', () => {
    const result = checkIdMapTool(probe(machine({ commands: { newuidmap: undefined as unknown as string } })), 'newuidmap');

    expect(result).toEqual(expect.objectContaining({ ok: false, detail: 'not found on PATH' }));
    expect(result.fix).toContain('apt-get install uidmap');
  });

  it('newgidmap missing', () => {
    expect(checkIdMapTool(probe(machine({ commands: { newgidmap: undefined as unknown as string } })), 'newgidmap').ok).toBe(false);
  });

  it('neither setuid nor a file capability', () => {
    const fake = machine({ commands: { getcap: '/usr/sbin/getcap' }, outputs: { '/usr/sbin/getcap /usr/bin/newuidmap': ok('') } });
    fake.modes = { '/usr/bin/newuidmap': 0o100755 };

    expect(checkIdMapTool(probe(fake), 'newuidmap')).toEqual(
      expect.objectContaining({ ok: false, detail: '/usr/bin/newuidmap is neither setuid root nor has cap_setuid', fix: expect.stringContaining('chmod u+s') }),
    );
  });

  it('file capability instead of setuid', () => {
    const fake = machine({ commands: { getcap: '/usr/sbin/getcap' }, outputs: { '/usr/sbin/getcap /usr/bin/newuidmap': ok('/usr/bin/newuidmap cap_setuid=ep\n') } });
    fake.modes = { '/usr/bin/newuidmap': 0o100755 };

    expect(checkIdMapTool(probe(fake), 'newuidmap')).toEqual(expect.objectContaining({ ok: true, detail: '/usr/bin/newuidmap, cap_setuid' }));
  });

  it('without spawning, an unknown capability passes and says so', () => {
    const fake = machine({ commands: { getcap: '/usr/sbin/getcap' } });
    fake.modes = { '/usr/bin/newuidmap': 0o100755 };
    const system = probe(fake);

    expect(checkIdMapTool(system, 'newuidmap', false).detail).toBe('/usr/bin/newuidmap (not setuid; its file capabilities were not checked)');
    expect(system.runs).toEqual([]);
  });
});

describe('checkSubordinateIds', () => {
  it('no /etc/subuid', () => {
    const result = checkSubordinateIds(probe(withoutFile('/etc/subuid')), '/etc/subuid');

    expect(result).toEqual(expect.objectContaining({ ok: false, detail: '/etc/subuid not found', fix: 'sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ada' }));
  });

  it('no entry for the user', () => {
    expect(checkSubordinateIds(probe(machine({ files: { '/etc/subuid': 'bob:100000:65536\n' } })), '/etc/subuid').detail).toBe(
      'no entry for ada (uid 1000) in /etc/subuid',
    );
  });

  it('entry by uid', () => {
    expect(checkSubordinateIds(probe(machine({ files: { '/etc/subgid': '1000:200000:65536\n' } })), '/etc/subgid')).toEqual(
      expect.objectContaining({ ok: true, name: 'subgid', detail: '1000:200000:65536' }),
    );
  });

  it('range too short', () => {
    expect(checkSubordinateIds(probe(machine({ files: { '/etc/subuid': 'ada:100000:1000\n' } })), '/etc/subuid').detail).toBe(
      'ada:100000:1000 maps fewer than 65536 ids',
    );
  });
});

describe('checkAppArmor', () => {
  const restricted = { '/proc/sys/kernel/apparmor_restrict_unprivileged_userns': '1\n' };

  it('restriction set without a profile for Apptainer', () => {
    const result = checkAppArmor(probe(machine({ files: restricted, folders: { '/sys/kernel/security/apparmor': [], '/etc/apparmor.d': ['usr.bin.man'] } })));

    expect(result).toEqual(
      expect.objectContaining({ ok: false, detail: 'kernel.apparmor_restrict_unprivileged_userns=1 and no AppArmor profile allows Apptainer' }),
    );
    expect(result.fix).toContain('apparmor_restrict_unprivileged_userns=0');
  });

  it('restriction set with a profile that allows Apptainer', () => {
    const fake = machine({
      files: { ...restricted, '/etc/apparmor.d/apptainer': 'profile apptainer /usr/libexec/apptainer/bin/starter{,-suid} flags=(unconfined) {\n  userns,\n}\n' },
      folders: { '/sys/kernel/security/apparmor': [], '/etc/apparmor.d': ['apptainer'] },
    });

    expect(checkAppArmor(probe(fake))).toEqual(expect.objectContaining({ ok: true, detail: 'restricted, and /etc/apparmor.d/apptainer allows Apptainer' }));
  });

  it('restriction set but AppArmor inactive', () => {
    expect(checkAppArmor(probe(machine({ files: restricted }))).ok).toBe(true);
  });

  it('kernel without the setting', () => {
    expect(checkAppArmor(probe(withoutFile('/proc/sys/kernel/apparmor_restrict_unprivileged_userns'))).detail).toBe('no user-namespace restriction in this kernel');
  });
});

describe('checkTempSpace', () => {
  it('less than 1 GiB', () => {
    expect(checkTempSpace(probe(machine({ freeBytes: 200 * 1024 ** 2 })))).toEqual(
      expect.objectContaining({ ok: false, detail: '0.2 GiB free in /tmp, less than 1 GiB', fix: expect.stringContaining('APPTAINER_TMPDIR') }),
    );
  });

  it('APPTAINER_TMPDIR is the folder checked', () => {
    expect(checkTempSpace(probe(machine({ env: { APPTAINER_TMPDIR: '/scratch' } }))).detail).toBe('20.0 GiB free in /scratch');
  });

  it('unreadable folder', () => {
    expect(checkTempSpace(probe(machine({ freeBytes: undefined }))).ok).toBe(false);
  });
});

describe('Lima checks', () => {
  const LIMA: FakeMachine = {
    platform: 'darwin',
    commands: { limactl: '/opt/homebrew/bin/limactl' },
    outputs: {
      '/opt/homebrew/bin/limactl --version': ok('limactl version 2.2.0\n'),
      '/opt/homebrew/bin/limactl list --format {{.Status}} peppy': ok('Running\n'),
      '/opt/homebrew/bin/limactl shell peppy -- apptainer --version': ok('apptainer version 1.5.2\n'),
    },
    freeBytes: 50 * 1024 ** 3,
  };
  const noPeppyHome = () => false;

  it('macOS runs the Lima checks', () => {
    expect(runDoctor(probe(LIMA)).map((result) => [result.name, result.ok])).toEqual([
      ['limactl', true],
      ['Lima instance peppy', true],
      ['apptainer in peppy', true],
      ['temp space', true],
    ]);
  });

  it('limactl missing', () => {
    expect(checkLimactl(probe({ ...LIMA, commands: {} }))).toEqual(expect.objectContaining({ ok: false, fix: 'install Lima 2.1 or newer: brew install lima' }));
  });

  it('limactl too old', () => {
    expect(checkLimactl(probe({ ...LIMA, outputs: { '/opt/homebrew/bin/limactl --version': ok('limactl version 1.0.7\n') } })).detail).toBe(
      'limactl version 1.0.7 is older than 2.1.0',
    );
  });

  it('instance stopped', () => {
    const fake = { ...LIMA, outputs: { ...LIMA.outputs, '/opt/homebrew/bin/limactl list --format {{.Status}} peppy': ok('Stopped\n') } };

    expect(checkLimaInstance(probe(fake), 'peppy', noPeppyHome)).toEqual(
      expect.objectContaining({ ok: false, detail: 'status Stopped', fix: 'LIMA_HOME=/home/ada/.lima limactl start peppy' }),
    );
  });

  it('instance missing', () => {
    const fake = { ...LIMA, outputs: { ...LIMA.outputs, '/opt/homebrew/bin/limactl list --format {{.Status}} peppy': { status: 1, stdout: '', stderr: 'not found' } } };

    expect(checkLimaInstance(probe(fake), 'peppy', noPeppyHome).detail).toBe('not found in /home/ada/.lima');
  });

  it('apptainer missing in the VM', () => {
    const fake = { ...LIMA, outputs: { ...LIMA.outputs, '/opt/homebrew/bin/limactl shell peppy -- apptainer --version': { status: 127, stdout: '', stderr: 'apptainer: command not found' } } };

    expect(checkGuestApptainer(probe(fake), 'peppy', 'apptainer', noPeppyHome).detail).toBe('apptainer --version failed in the VM: apptainer: command not found');
  });

  it('runtime option forces Lima checks on Linux', () => {
    expect(runDoctor(probe({ ...LIMA, platform: 'linux' }), { runtime: 'lima' })[0].name).toBe('limactl');
  });
});

describe('quickPreflight', () => {
  it('lists only failures, with fixes, and starts no process', () => {
    const system = probe(machine({ commands: { newuidmap: undefined as unknown as string }, files: { '/etc/subuid': '' } }));

    const summary = quickPreflight(system);

    expect(summary.failures.map((result) => result.name)).toEqual(['newuidmap', 'subuid']);
    expect(summary.text.split('\n')).toEqual([expect.stringMatching(/^FAIL {2}newuidmap .*Fix: install the uidmap package/), expect.stringMatching(/^FAIL {2}subuid /)]);
    expect(system.runs).toEqual([]);
  });

  it('empty text when everything passes', () => {
    expect(quickPreflight(probe(HEALTHY)).text).toBe('');
  });

  it('nothing to check on macOS', () => {
    expect(quickPreflight(probe({ platform: 'darwin' })).results).toEqual([]);
  });
});

describe('version helpers', () => {
  it('parseVersion', () => {
    expect(parseVersion('apptainer version 1.4.5')).toEqual([1, 4, 5]);
    expect(parseVersion('limactl version 2.2')).toEqual([2, 2, 0]);
    expect(parseVersion('none')).toBeUndefined();
  });

  it('isAtLeast', () => {
    expect(isAtLeast([1, 1, 0], [1, 1])).toBe(true);
    expect(isAtLeast([1, 0, 9], [1, 1])).toBe(false);
    expect(isAtLeast([2, 0, 0], [1, 1])).toBe(true);
  });

  it('formatCheck of a failure', () => {
    expect(formatCheck({ name: 'subuid', ok: false, detail: '/etc/subuid not found', fix: 'add one' })).toBe('FAIL  subuid                 /etc/subuid not found. Fix: add one');
  });
});
