import { clip, type DiagnosticList, quote } from './diagnostics';
import { splitFields, trimSpace } from './lines';
import { readSectionHeading } from './sections';
import type { FilesEntry, Section } from './types';

/** Whitespace of Go's regexp `\s`, which Apptainer splits `%files` lines with: ASCII only. */
const ASCII_SPACE = new Set(['\t', '\n', '\f', '\r', ' ']);

/** A placeholder left in the text, which Apptainer keeps in one word even with spaces inside. */
const PLACEHOLDER_AT = /\{\{[\t\n\f\r ]*[0-9A-Za-z_]+[\t\n\f\r ]*\}+/y;

export interface FilesLineTokens {
  words: string[];
  /** Offset of the first `"` with no closing `"` on the line. Apptainer skips such a quote. */
  unterminatedQuoteAt?: number;
}

/**
 * Splits a `%files` line into words as Apptainer 1.4/1.5 does. Only double quotes group
 * words: `"my file.txt"` is one word. A `"` with no closing quote is skipped. A `'` is not a
 * quote but starts a word that runs to the next `'`, so `'a b'` yields the words `'a b` and `'`.
 * Words end at `"` and `'`, so `a"b c"` yields `a` and `"b c"`.
 *
 * NOTE: after a placeholder that templating left in place, Apptainer's word pattern also stops
 * at `{` and `}`. This tokenizer does not, so such a leftover word can split differently.
 */
export function tokenizeFilesLine(text: string): FilesLineTokens {
  const words: string[] = [];
  let unterminatedQuoteAt: number | undefined;
  let position = 0;

  while (position < text.length) {
    const character = text[position];

    if (ASCII_SPACE.has(character)) {
      position++;
    } else if (character === '"') {
      const close = text.indexOf('"', position + 1);
      if (close < 0) {
        unterminatedQuoteAt ??= position;
        position++;
      } else {
        words.push(text.slice(position, close + 1));
        position = close + 1;
      }
    } else if (character === "'") {
      const close = text.indexOf("'", position + 1);
      const end = close < 0 ? text.length : close;
      words.push(text.slice(position, end));
      position = end;
    } else {
      const start = position;
      while (position < text.length) {
        PLACEHOLDER_AT.lastIndex = position;
        const placeholder = PLACEHOLDER_AT.exec(text);
        if (placeholder) {
          position += placeholder[0].length;
        } else if (!ASCII_SPACE.has(text[position]) && text[position] !== '"' && text[position] !== "'") {
          position++;
        } else {
          break;
        }
      }
      words.push(text.slice(start, position));
    }
  }

  return { words, unterminatedQuoteAt };
}

/** Removes surrounding whitespace and every leading and trailing `"`, as Apptainer does. */
function unquote(word: string): string {
  return trimSpace(word).replace(/^"+|"+$/g, '');
}

/**
 * Returns true when a `%files` source is a shell glob: it contains an unescaped `*`, `?` or `[`,
 * or an extended glob `@(...)`, `+(...)` or `!(...)`. Apptainer expands sources with bash
 * rules, extended globs and `**` included.
 */
export function isGlobPattern(source: string): boolean {
  for (let index = 0; index < source.length; index++) {
    const character = source[index];
    if (character === '\\') {
      index++;
      continue;
    }
    if (character === '*' || character === '?' || character === '[') return true;
    if ((character === '@' || character === '+' || character === '!') && source[index + 1] === '(') return true;
  }
  return false;
}

/**
 * Returns the part of a source before its first glob segment: `../shared`
 * for `../shared/*.yaml`, `.` when the first segment is a glob. Every path the
 * glob expands to lies inside that folder.
 */
export function staticPrefix(source: string): string {
  const segments = source.split('/');
  const firstGlob = segments.findIndex((segment) => isGlobPattern(segment));
  if (firstGlob < 0) return source;

  const prefix = segments.slice(0, firstGlob).join('/');
  if (prefix === '') return firstGlob === 0 ? '.' : '/';
  return prefix;
}

/** Characters that make Apptainer's shell expansion of a source differ from the path as written. */
const SHELL_CHARACTERS: readonly string[] = ['$', '`', '~'];

/** Reports sources that Apptainer's shell expansion rejects or changes. */
function checkSource(source: string, line: number, diagnostics: DiagnosticList): void {
  if (source.includes("'")) {
    diagnostics.error(
      'single-quote-in-files',
      line,
      `%files source ${quote(source)} contains a single quote: Apptainer groups words only with double quotes, and its shell expansion of the source then fails on the unclosed quote`,
      'quote paths with double quotes, such as "my file.txt" "/opt/my dir/"',
    );
  }

  const found = SHELL_CHARACTERS.filter((character) => source.includes(character));
  if (found.length > 0) {
    diagnostics.warning(
      'shell-in-files-source',
      line,
      `%files source ${quote(source)} contains ${found.map((character) => quote(character)).join(' and ')}: Apptainer expands sources as shell words with no environment variables, so "$HOME" and "~" expand to empty text and a command substitution fails the build`,
      'write the path relative to the folder where apptainer build runs, without shell syntax',
    );
  }
}

/** Reads one `%files` body line into an entry, reporting what Apptainer would misread. */
function readFilesLine(
  text: string,
  line: number,
  fromStage: string | undefined,
  diagnostics: DiagnosticList,
): FilesEntry | undefined {
  const { words, unterminatedQuoteAt } = tokenizeFilesLine(text);

  if (unterminatedQuoteAt !== undefined) {
    diagnostics.error(
      'unterminated-quote',
      line,
      `unterminated double quote in %files line ${quote(text)}: Apptainer skips the quote and splits the path at its spaces`,
      'close the quote, such as "my file.txt" "/opt/my dir/"',
    );
  }
  if (words.length === 0) return undefined;

  const source = unquote(words[0]);
  const destination = words.length > 1 ? unquote(words[1]) : '';

  if (words.length > 1 && words[1].startsWith('#')) {
    diagnostics.warning(
      'comment-in-files-line',
      line,
      `%files line ${quote(text)} has ${quote(words[1])} as its destination: "#" starts a comment only at the start of a line`,
      'move the comment to a line of its own',
    );
  } else if (words.length > 2 && !words[2].startsWith('#')) {
    diagnostics.warning(
      'extra-files-field',
      line,
      `%files line ${quote(text)} has ${words.length} fields: Apptainer uses the source and the destination and ignores ${quote(words.slice(2).join(' '))}`,
      'put double quotes around a path that contains spaces',
    );
  }

  if (source === '') {
    diagnostics.warning(
      'empty-files-source',
      line,
      `%files line ${quote(text)} has an empty source, so Apptainer skips it`,
      'name the file or folder to copy, or delete the line',
    );
    return undefined;
  }

  checkSource(source, line, diagnostics);

  const entry: FilesEntry = { source, line };
  if (destination !== '') entry.destination = destination;
  if (fromStage !== undefined) entry.fromStage = fromStage;
  return entry;
}

/**
 * Returns the stage a `%files` section copies from, `null` for host files, or undefined when
 * Apptainer skips the section. Apptainer cuts the arguments at `#`. It copies host files when
 * nothing is left, so a second space after `%files` already counts as an argument. Otherwise it
 * needs exactly two words and takes the second as the stage name.
 */
function readFilesArguments(
  section: Section,
  rawArgs: string,
  diagnostics: DiagnosticList,
): string | null | undefined {
  const cleanArgs = rawArgs.split('#')[0];
  if (cleanArgs === '') return null;

  const words = splitFields(cleanArgs);
  if (words.length === 2) {
    if (words[0] !== 'from') {
      diagnostics.warning(
        'files-from-keyword',
        section.line,
        `"%files ${clip(trimSpace(cleanArgs))}" copies from stage ${quote(words[1])}: Apptainer ignores the first word, but it should be "from"`,
        `write "%files from ${clip(words[1])}"`,
      );
    }
    return words[1];
  }

  const message =
    words.length === 0
      ? `"%files" is followed by whitespace, so Apptainer skips the whole section and copies none of its files`
      : `"%files ${clip(trimSpace(cleanArgs))}" is neither "%files" nor "%files from STAGE", so Apptainer skips the whole section and copies none of its files`;
  diagnostics.warning(
    'ignored-files-section',
    section.line,
    message,
    words.length === 0
      ? 'remove the whitespace after "%files"'
      : 'write "%files" for host files, or "%files from STAGE" to copy from an earlier stage',
  );
  return undefined;
}

/** Reads `%appfiles NAME` lines: Apptainer cuts at `#` and splits at the first space only. */
function readAppFiles(section: Section, appName: string): FilesEntry[] {
  const entries: FilesEntry[] = [];

  for (const { text, line } of section.lines) {
    const trimmed = trimSpace(text);
    if (trimmed === '' || trimmed.startsWith('#')) continue;

    const content = trimSpace(trimmed.split('#')[0]);
    const space = content.indexOf(' ');
    const source = space < 0 ? content : content.slice(0, space);
    const destination = space < 0 ? content : content.slice(space + 1);
    entries.push({ source, destination, app: appName, line });
  }

  return entries;
}

/** A `%files from STAGE` section line. */
export interface StageCopy {
  fromStage: string;
  line: number;
}

/**
 * Reads the `%files` and `%appfiles` entries of one templated stage, and the `%files from`
 * section lines. `headingTexts` maps each section line number to its exact text, because the
 * untrimmed `%files` arguments decide whether Apptainer copies the section at all.
 */
export function readStageFiles(
  sections: Section[],
  headingTexts: ReadonlyMap<number, string>,
  diagnostics: DiagnosticList,
): { entries: FilesEntry[]; copies: StageCopy[] } {
  const entries: FilesEntry[] = [];
  const copies: StageCopy[] = [];

  for (const section of sections) {
    const heading = readSectionHeading(headingTexts.get(section.line) ?? '');

    if (section.name === 'appfiles' && heading.word === 'appfiles' && heading.appName) {
      entries.push(...readAppFiles(section, heading.appName));
      continue;
    }
    if (section.name !== 'files') continue;

    const fromStage = readFilesArguments(section, heading.args, diagnostics);
    if (fromStage === undefined) continue;
    if (fromStage !== null) copies.push({ fromStage, line: section.line });

    for (const { text, line } of section.lines) {
      const trimmed = trimSpace(text);
      if (trimmed === '' || trimmed.startsWith('#')) continue;

      const entry = readFilesLine(trimmed, line, fromStage ?? undefined, diagnostics);
      if (entry) entries.push(entry);
    }
  }

  return { entries, copies };
}
