import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * A static check of the plugin's source: which files start processes, and
 * where a shell could read text that a user wrote. The architecture allows
 * spawning only in `runtime/`, always with an argument array, so a new call
 * elsewhere, `shell: true` or a new `sh -c` fails this test.
 */

const SOURCE_ROOT = join(__dirname, '..');

/** Source files of the plugin, as POSIX paths relative to `src/`; tests, fixtures and templates excluded. */
function sourceFiles(folder = SOURCE_ROOT): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === '__fixtures__' || entry.name === 'files' || entry.name === 'node_modules') continue;
      files.push(...sourceFiles(path));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
      files.push(relative(SOURCE_ROOT, path).split(sep).join('/'));
    }
  }
  return files.sort();
}

/**
 * Removes `//` and `/* *\/` comments and keeps string literals, so a word in
 * a comment does not count while a word in code or in a string does.
 */
function stripComments(text: string): string {
  let output = '';
  let index = 0;
  while (index < text.length) {
    const character = text[index];
    const next = text[index + 1];
    if (character === '/' && next === '/') {
      while (index < text.length && text[index] !== '\n') index++;
    } else if (character === '/' && next === '*') {
      const end = text.indexOf('*/', index + 2);
      index = end < 0 ? text.length : end + 2;
    } else if (character === '"' || character === "'" || character === '`') {
      let end = index + 1;
      while (end < text.length && text[end] !== character) end += text[end] === '\\' ? 2 : 1;
      output += text.slice(index, end + 1);
      index = end + 1;
    } else {
      output += character;
      index++;
    }
  }
  return output;
}

/** Ways to start a process from Node. A bare `exec(` is a call of child_process's `exec`; `regex.exec(` is not. */
const SPAWN_PATTERNS: Record<string, RegExp> = {
  'child_process module': /['"](node:)?child_process['"]/,
  'execa module': /['"]execa['"]/,
  'execa call': /\bexeca(Sync|Command|CommandSync|Node)?\s*\(/,
  'spawn call': /\bspawn(Sync)?\s*\(/,
  'exec call': /(?<![.\w])exec(Sync|File|FileSync)?\s*\(/,
  'fork call': /(?<![.\w])fork\s*\(/,
};

/** Ways to hand text to a shell. */
const SHELL_PATTERNS: Record<string, RegExp> = {
  'shell option': /\bshell\s*:\s*(?!false\b)/,
  'sh -c text': /\b(ba)?sh -c\b/,
  '-c argument': /['"`]-c['"`]/,
  'shell path': /['"`]\/bin\/(ba|da)?sh['"`]/,
  'Nx runtime input': /\bruntime\s*:\s*[`'"]/,
};

type Findings = Record<string, string[]>;

/** Returns, for each file, the names of the patterns found in its code. */
function scan(files: Record<string, string>, patterns: Record<string, RegExp>): Findings {
  const findings: Findings = {};
  for (const [file, text] of Object.entries(files)) {
    const code = stripComments(text);
    const found = Object.entries(patterns)
      .filter(([, pattern]) => pattern.test(code))
      .map(([name]) => name);
    if (found.length > 0) findings[file] = found;
  }
  return findings;
}

function readSources(): Record<string, string> {
  return Object.fromEntries(sourceFiles().map((file) => [file, readFileSync(join(SOURCE_ROOT, file), 'utf8')]));
}

describe('process spawning in the plugin source', () => {
  const sources = readSources();

  it('source tree is found', () => {
    expect(Object.keys(sources)).toEqual(expect.arrayContaining(['runtime/spawn.ts', 'executors/build/container.ts', 'apptainer/command.ts']));
  });

  it('only runtime/spawn.ts starts processes', () => {
    expect(scan(sources, SPAWN_PATTERNS)).toEqual({
      'runtime/spawn.ts': ['execa module', 'execa call'],
    });
  });

  it('shells appear only where PeppyOS uses one', () => {
    const expected: Findings = {
      // Nx runs runtime inputs in a shell; the path is single-quoted (see its test).
      'inputs/file-hash-input.ts': ['Nx runtime input'],
      // `limactl shell` runs a fixed script, `cd "$1" && shift && exec "$@"`;
      // the folder and the command follow it as separate arguments.
      'runtime/lima-command.ts': ['-c argument'],
    };
    // A one-element PeppyOS `build_cmd` runs as `sh -c "<element>"`, as
    // PeppyOS's run_build_cmd does.
    if (sources['process/commands.ts'] !== undefined) expected['process/commands.ts'] = ['-c argument'];

    expect(scan(sources, SHELL_PATTERNS)).toEqual(expected);
  });

  it('spawn.ts passes an argument array to execa', () => {
    const code = stripComments(sources['runtime/spawn.ts']);
    const calls = code.match(/\bexeca(Sync)?\s*\([^)]*/g) ?? [];

    // The streaming spawn, the short probe and the terminal-sharing spawn.
    expect(calls).toHaveLength(3);
    for (const call of calls) expect(call).toMatch(/^execa(Sync)?\(file, (args|\[\.\.\.args\]), \{/);
  });

  it('Lima guest script is a constant', () => {
    const code = stripComments(sources['runtime/lima-command.ts']);

    expect(code).toContain(`export const GUEST_CD_SCRIPT = 'cd "$1" && shift && exec "$@"';`);
    expect(code).toMatch(/'sh',\s*'-c',\s*GUEST_CD_SCRIPT,\s*'sh',/);
  });

  it('sh -c in commands.ts only for one-element commands', () => {
    const text = sources['process/commands.ts'];
    if (text === undefined) return;
    const lines = stripComments(text)
      .split('\n')
      .filter((line) => /['"`]-c['"`]/.test(line));

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/command\.length === 1/);
  });
});

describe('spawn scanner', () => {
  it('finds a new spawn with a shell', () => {
    const findings = scan(
      {
        'executors/new.ts': "import { spawn } from 'node:child_process';\nspawn('sh', ['-c', userText], { shell: true });\n",
      },
      { ...SPAWN_PATTERNS, ...SHELL_PATTERNS },
    );

    expect(findings).toEqual({ 'executors/new.ts': ['child_process module', 'spawn call', 'shell option', '-c argument'] });
  });

  it('finds exec, execSync and execFile', () => {
    const findings = scan(
      {
        'a.ts': 'exec(`ls ${x}`);',
        'b.ts': 'const out = execSync(command);',
        'c.ts': "execFile('apptainer', args);",
        'd.ts': "import { execaCommand } from 'execa';\nawait execaCommand(line);",
      },
      SPAWN_PATTERNS,
    );

    expect(findings).toEqual({
      'a.ts': ['exec call'],
      'b.ts': ['exec call'],
      'c.ts': ['exec call'],
      'd.ts': ['execa module', 'execa call'],
    });
  });

  it('ignores comments and RegExp exec', () => {
    const findings = scan(
      {
        'a.ts': "// spawn('sh', ['-c', x]) with shell: true\nconst match = /x/.exec(text);\n/* execa(file) */\n",
      },
      { ...SPAWN_PATTERNS, ...SHELL_PATTERNS },
    );

    expect(findings).toEqual({});
  });
});
