import { type DiagnosticList, quote } from './diagnostics';
import { type SourceLine, trimSpace } from './lines';

/**
 * Header keys Apptainer 1.5 accepts, from `pkg/build/types/parser/deffile.go` in
 * apptainer/apptainer. Apptainer 1.4 lacks `target`, `frontend`, `filename` and `buildargs`,
 * which serve the 1.5 `buildkit` agent. `otherurl` takes a number suffix, see `isKnownHeaderKey`.
 */
export const KNOWN_HEADER_KEYS: readonly string[] = [
  'bootstrap', 'from', 'stage', 'includecmd', 'mirrorurl', 'updateurl', 'osversion', 'include', 'library',
  'registry', 'namespace', 'product', 'user', 'regcode', 'productpgp', 'registerurl', 'modules',
  'fingerprints', 'confurl', 'setopt', 'target', 'frontend', 'filename', 'buildargs',
];

/**
 * Bootstrap agents of Apptainer 1.5, compared case-sensitively. `buildkit` and `dockerfile` are
 * new in 1.5, and `dnf` is an alias of `yum`.
 */
export const BOOTSTRAP_AGENTS: readonly string[] = [
  'library', 'oras', 'shub', 'docker', 'docker-archive', 'docker-daemon', 'oci', 'oci-archive',
  'busybox', 'debootstrap', 'arch', 'localimage', 'yum', 'dnf', 'zypper', 'scratch', 'buildkit', 'dockerfile',
];

/** Agents that read the base image from `From:`, which they cannot do without it. */
const AGENTS_NEEDING_FROM: readonly string[] = [
  'library', 'oras', 'shub', 'docker', 'docker-archive', 'docker-daemon', 'oci', 'oci-archive', 'localimage',
];

export function isKnownHeaderKey(key: string): boolean {
  return KNOWN_HEADER_KEYS.includes(key) || /^otherurl[0-9]+$/.test(key);
}

export interface HeaderEntry {
  /** Lowercase key. */
  key: string;
  /** Key as written in the file. */
  written: string;
  value: string;
  line: number;
}

export interface HeaderSyntaxProblem {
  kind: 'missing-colon' | 'interrupted-continuation' | 'unfinished-continuation';
  line: number;
  text: string;
}

interface Continuation {
  key: string;
  written: string;
  value: string;
  line: number;
}

/**
 * Reads header lines as Apptainer does: blank lines and lines starting with `#` are skipped,
 * text after the first `#` is cut, the rest splits at the first `:`, and the key is lowercased.
 * A value ending in `\` continues on the next line, and a literal `\n` before that `\` becomes
 * a newline.
 */
export function readHeader(lines: SourceLine[]): { entries: HeaderEntry[]; problems: HeaderSyntaxProblem[] } {
  const entries: HeaderEntry[] = [];
  const problems: HeaderSyntaxProblem[] = [];
  let continuation: Continuation | undefined;

  for (const { text, line } of lines) {
    const trimmed = trimSpace(text);
    if (trimmed === '' || trimmed.startsWith('#')) {
      if (continuation) {
        problems.push({ kind: 'interrupted-continuation', line: continuation.line, text: continuation.written });
        continuation = undefined;
      }
      continue;
    }

    const content = trimmed.split('#')[0];
    let entry: HeaderEntry;
    if (continuation) {
      entry = { ...continuation, value: continuation.value + trimSpace(content) };
      continuation = undefined;
    } else {
      const colon = content.indexOf(':');
      if (colon < 0) {
        problems.push({ kind: 'missing-colon', line, text: trimmed });
        continue;
      }
      const written = trimSpace(content.slice(0, colon));
      entry = { key: written.toLowerCase(), written, value: trimSpace(content.slice(colon + 1)), line };
    }

    if (entry.value.endsWith('\\')) {
      let value = entry.value.slice(0, -1);
      if (value.endsWith('\\n')) value = `${value.slice(0, -2)}\n`;
      continuation = { ...entry, value };
      continue;
    }

    entries.push(entry);
  }

  if (continuation) {
    problems.push({ kind: 'unfinished-continuation', line: continuation.line, text: continuation.written });
  }

  return { entries, problems };
}

/** Reports header lines that Apptainer rejects before templating: bad syntax and unknown keys. */
export function checkHeaderSyntax(lines: SourceLine[], diagnostics: DiagnosticList): void {
  const { entries, problems } = readHeader(lines);

  for (const problem of problems) {
    if (problem.kind === 'missing-colon') {
      diagnostics.error(
        'invalid-header-line',
        problem.line,
        `header line ${quote(problem.text)} has no ":"`,
        'write it as "key: value"; every line above the first section line is a header line, so start sections with "%"',
      );
    } else if (problem.kind === 'interrupted-continuation') {
      diagnostics.error(
        'header-continuation',
        problem.line,
        `the value of header key ${quote(problem.text)} ends with "\\" but the next line is blank or a comment, which Apptainer cannot parse`,
        'remove the trailing "\\", or continue the value on the very next line',
      );
    } else {
      diagnostics.warning(
        'header-continuation',
        problem.line,
        `the value of header key ${quote(problem.text)} ends with "\\" on the last header line, so Apptainer drops the key`,
        'remove the trailing "\\"',
      );
    }
  }

  for (const entry of entries) {
    if (isKnownHeaderKey(entry.key)) continue;

    if (entry.written.startsWith('\ufeff')) {
      diagnostics.error(
        'byte-order-mark',
        entry.line,
        `the file starts with a byte order mark (U+FEFF), which Apptainer reads as part of the header key ${quote(entry.written)}`,
        'save the file as UTF-8 without a byte order mark',
      );
      continue;
    }

    diagnostics.error(
      'unknown-header-key',
      entry.line,
      `unknown header key ${quote(entry.written)}`,
      `remove the line or correct the key (Apptainer accepts ${KNOWN_HEADER_KEYS.join(', ')}, otherurl0, otherurl1, ...); put metadata such as a maintainer in %labels`,
    );
  }
}

/** Position of a stage in the file, used in the messages of `checkBootstrap`. */
export interface StagePlace {
  label: string;
  /** First line of the stage, where a missing key is reported. */
  firstLine: number;
  /** True when the stage contains the lines above the first `Bootstrap:` line and other stages follow. */
  aboveFirstBootstrap: boolean;
}

/** Reports a missing or invalid `Bootstrap:` and a missing `From:` in one templated stage header. */
export function checkBootstrap(
  header: Record<string, string>,
  headerLines: Record<string, number>,
  place: StagePlace,
  diagnostics: DiagnosticList,
): void {
  const bootstrap = header.bootstrap;

  if (bootstrap === undefined) {
    diagnostics.error(
      'missing-bootstrap',
      place.firstLine,
      place.aboveFirstBootstrap
        ? `${place.label} has no "Bootstrap:" line: Apptainer starts a new stage at each line that begins with "Bootstrap:", so the header keys above the first such line form a stage of their own`
        : `${place.label} has no "Bootstrap:" line`,
      place.aboveFirstBootstrap
        ? 'move "Bootstrap:" above the other header keys, so that it is the first header line'
        : 'add "Bootstrap: AGENT" as the first header line of the stage, such as "Bootstrap: docker"',
    );
    return;
  }

  if (bootstrap === '') {
    diagnostics.error(
      'missing-bootstrap',
      headerLines.bootstrap,
      `"Bootstrap:" in ${place.label} has no value`,
      `name the agent, such as "Bootstrap: docker" (one of ${BOOTSTRAP_AGENTS.join(', ')})`,
    );
    return;
  }

  if (!BOOTSTRAP_AGENTS.includes(bootstrap)) {
    const lowercase = bootstrap.toLowerCase();
    if (BOOTSTRAP_AGENTS.includes(lowercase)) {
      diagnostics.error(
        'invalid-bootstrap',
        headerLines.bootstrap,
        `invalid bootstrap agent ${quote(bootstrap)}: Apptainer compares agent names case-sensitively and they are lowercase`,
        `write "Bootstrap: ${lowercase}"`,
      );
    } else {
      diagnostics.error(
        'invalid-bootstrap',
        headerLines.bootstrap,
        `unknown bootstrap agent ${quote(bootstrap)}`,
        `use one of ${BOOTSTRAP_AGENTS.join(', ')}`,
      );
    }
    return;
  }

  if (AGENTS_NEEDING_FROM.includes(bootstrap) && !header.from) {
    diagnostics.error(
      'missing-from',
      headerLines.from ?? headerLines.bootstrap,
      `${place.label} uses "Bootstrap: ${bootstrap}" but has no "From:" value naming the base image`,
      `add "From: IMAGE" under "Bootstrap: ${bootstrap}"`,
    );
  }
}
