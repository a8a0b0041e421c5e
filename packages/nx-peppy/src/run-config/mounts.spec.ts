import { parseParameterSchema } from './parameter-schema';
import type { ParameterValue } from './parameter-types';
import { isUnder, normalizeMountPath, resolveMountPaths, type MountContext } from './mounts';

const SCHEMA = parseParameterSchema(
  { device_path: 'string', storage: { root: 'string' }, rate: 'u32', missing_value: 'string' },
  { file: 'peppy.json5', field: 'execution.parameters' },
).root;

function context(overrides: Partial<MountContext> = {}, existing: string[] = ['/data', '/srv/app', '/home/robot/.cache/isaac']): MountContext {
  const parameters: Record<string, ParameterValue> = { device_path: '/dev/video2', storage: { root: '/srv/recordings' }, rate: 30 };
  return {
    file: 'nodes/cam/peppy.json5',
    field: 'execution.container.mount_paths',
    schema: SCHEMA,
    parameters,
    homeDir: '/home/robot',
    pathExists: (path) => existing.includes(path),
    ...overrides,
  };
}

function plan(entries: string[], overrides: Partial<MountContext> = {}) {
  return resolveMountPaths(entries, context(overrides));
}

function problemMessages(entries: string[]): string[] {
  return plan(entries).problems.map((problem) => `${problem.field}: ${problem.message}`);
}

describe('resolveMountPaths binds', () => {
  it.each([
    ['source only', '/data', '/data'],
    ['source and destination', '/data:/mnt/data', '/data:/mnt/data'],
    ['read-only', '/data:/mnt/data:ro', '/data:/mnt/data:ro'],
    ['read-write', '/data:/data:rw', '/data:/data:rw'],
    ['option without destination', '/data::ro', '/data:/data:ro'],
    ['double slashes collapsed', '//srv//app//', '/srv/app'],
    ['trailing slash stripped', '/srv/app/:/app/', '/srv/app:/app'],
    ['home folder', '~', '/home/robot'],
    ['home subfolder', '~/.cache/isaac:/isaac-sim/kit/cache:rw', '/home/robot/.cache/isaac:/isaac-sim/kit/cache:rw'],
    ['subfolder of a blocked folder', '/tmp/video_reconstruction:/tmp/video_reconstruction:rw', '/tmp/video_reconstruction:/tmp/video_reconstruction:rw'],
    ['subfolder of /etc', '/etc/my_app', '/etc/my_app'],
    ['/run/user passes through', '/run/user', '/run/user'],
  ])('%s', (_label, entry, bind) => {
    const result = plan([entry]);

    expect(result.problems).toEqual([]);
    expect(result.binds).toEqual([bind]);
  });

  it('keeps manifest order', () => {
    expect(plan(['/data', '/srv/app:/app', '~/.cache/isaac']).binds).toEqual(['/data', '/srv/app:/app', '/home/robot/.cache/isaac']);
  });

  it('sources listed for visibility checks', () => {
    expect(plan(['/data:/x', '~/.cache/isaac']).sources).toEqual(['/data', '/home/robot/.cache/isaac']);
  });
});

describe('resolveMountPaths parameter references', () => {
  it('string parameter as source', () => {
    expect(plan(['${parameters:storage.root}']).binds).toEqual(['/srv/recordings']);
  });

  it('same parameter on both sides', () => {
    const result = plan(['${parameters:storage.root}:${parameters:storage.root}:rw']);

    expect(result.binds).toEqual(['/srv/recordings:/srv/recordings:rw']);
  });

  it('device parameter with its own path is left to /dev', () => {
    const result = plan(['${parameters:device_path}:${parameters:device_path}:rw']);

    expect(result.binds).toEqual([]);
    expect(result.skippedDevices).toEqual(['/dev/video2']);
  });

  it('substituted value is checked against blocked folders', () => {
    const result = plan(['${parameters:storage.root}'], { parameters: { storage: { root: '/etc' } } });

    expect(result.problems[0].message).toContain('top-level system folders');
  });

  it('undeclared parameter', () => {
    expect(problemMessages(['${parameters:nope}'])).toEqual([
      'execution.container.mount_paths[0]: invalid parameter reference ${parameters:nope} in mount path: the parameter is not declared',
    ]);
  });

  it('parameter that is not a string', () => {
    expect(problemMessages(['${parameters:rate}'])).toEqual([
      'execution.container.mount_paths[0]: invalid parameter reference ${parameters:rate} in mount path: the parameter must be of type string, found u32',
    ]);
  });

  it('parameter without a value is skipped without a second problem', () => {
    const result = plan(['${parameters:missing_value}']);

    expect(result.problems).toEqual([]);
    expect(result.binds).toEqual([]);
  });

  it('value with a colon', () => {
    expect(plan(['${parameters:storage.root}'], { parameters: { storage: { root: '/a:b' } } }).problems[0].message).toBe(
      'parameter "storage.root" = "/a:b" contains ":", which would split the mount path',
    );
  });
});

describe('resolveMountPaths rejected entries', () => {
  it.each(['/', '/bin', '/dev', '/etc', '/home', '/opt', '/sbin', '/tmp', '/usr', '/var', '/etc/', '//etc', '/tmp/..', '/private/tmp', '/private/var', '/private'])(
    'blocked source %s',
    (source) => {
      const result = plan([`${source}:/mnt`]);

      expect(result.binds).toEqual([]);
      expect(result.problems).toHaveLength(1);
      expect(result.problems[0].message).toContain('top-level system folders (/ /bin /dev /etc /home /opt /sbin /tmp /usr /var) cannot be mount sources');
    },
  );

  it.each([
    ['~user', '~root/data', 'invalid mount path "~root/data": ~user is not supported'],
    ['relative source', 'data:/data', 'invalid mount path "data:/data": the host path must be absolute or start with ~/'],
    ['empty source', ':/data', 'invalid mount path ":/data": the host path is empty'],
    ['relative destination', '/data:data', 'invalid container path "data" in "/data:data": it must be absolute'],
    ['bad option', '/data:/data:rx', 'invalid mount option "rx" in "/data:/data:rx"'],
    ['too many parts', '/data:/data:ro:x', 'invalid mount path "/data:/data:ro:x": more than two ":" separators'],
    ['comma', '/data,x:/data', 'mount path "/data,x:/data" contains ",", which Apptainer reads as a separator between binds'],
  ])('%s', (_label, entry, message) => {
    expect(plan([entry]).problems.map((problem) => problem.message)).toEqual([message]);
  });

  it('problems name the entry index and the fix', () => {
    const result = plan(['/data', '/etc']);

    expect(result.problems).toEqual([
      {
        file: 'nodes/cam/peppy.json5',
        field: 'execution.container.mount_paths[1]',
        message: expect.stringContaining('invalid mount path "/etc"'),
        fix: 'mount a subfolder instead, for example /etc/my_app',
      },
    ]);
  });

  it('every bad entry is reported', () => {
    expect(plan(['/etc', '~bob', '/var']).problems).toHaveLength(3);
  });
});

describe('resolveMountPaths devices and missing sources', () => {
  it('/dev entry without destination is skipped', () => {
    const result = plan(['/dev/video0']);

    expect(result.binds).toEqual([]);
    expect(result.skippedDevices).toEqual(['/dev/video0']);
  });

  it('remapped device is bound', () => {
    expect(plan(['/dev/video2:/dev/video0']).binds).toEqual(['/dev/video2:/dev/video0']);
  });

  it('missing source is listed for creation', () => {
    expect(plan(['/srv/new_folder:/data']).missingSources).toEqual(['/srv/new_folder']);
  });

  it('existing source is not', () => {
    expect(plan(['/data']).missingSources).toEqual([]);
  });

  it.each(['/proc/driver/x', '/run/user', '/sys/class/gpio', '/dev/ttyUSB0:/dev/ttyACM0'])('host-provided %s is never created', (entry) => {
    expect(plan([entry]).missingSources).toEqual([]);
  });
});

describe('mount path helpers', () => {
  it.each([
    ['//a//b/', '/a/b'],
    ['/a/./b/../c', '/a/c'],
    ['/', '/'],
  ])('normalizeMountPath %s', (input, expected) => {
    expect(normalizeMountPath(input)).toBe(expected);
  });

  it('isUnder matches the folder and below, not siblings', () => {
    expect(isUnder('/dev', ['/dev'])).toBe(true);
    expect(isUnder('/dev/video0', ['/dev'])).toBe(true);
    expect(isUnder('/devices', ['/dev'])).toBe(false);
  });
});
