import { type DiagnosticList, quote } from './diagnostics';
import { isSpace, splitFields, trimSpace } from './lines';
import type { RawSection } from './outline';
import type { Section } from './types';

/** Sections Apptainer 1.4 and 1.5 accept. `pre` is deprecated but still runs. */
export const KNOWN_SECTIONS: readonly string[] = [
  'arguments', 'setup', 'files', 'labels', 'environment', 'pre', 'post', 'runscript', 'test', 'startscript', 'help',
];

/** SCIF app sections, which take the app name as their first argument. */
export const APP_SECTIONS: readonly string[] = [
  'appinstall', 'applabels', 'appfiles', 'appenv', 'apptest', 'apphelp', 'apprun', 'appstart',
];

/** Parts of a section line as Apptainer reads them. */
export interface SectionHeading {
  /** Lowercase text from after the leading `%` signs to the first ASCII space. */
  name: string;
  /** The same word in its original case, the form in which Apptainer matches app section names. */
  word: string;
  /** Exact text after the first ASCII space, untrimmed, or '' when there is none. */
  args: string;
  /** First argument of an app section, when there is one. */
  appName?: string;
}

/**
 * Reads a section line as Apptainer does: it strips the leading `%` signs and splits at the
 * first ASCII space only. So a TAB does not end the name, and on an indented line the name is
 * the empty text before the first space.
 */
export function readSectionHeading(text: string): SectionHeading {
  const afterPercent = text.replace(/^%+/, '');
  const space = afterPercent.indexOf(' ');
  const word = space < 0 ? afterPercent : afterPercent.slice(0, space);
  const args = space < 0 ? '' : afterPercent.slice(space + 1);
  const name = word.toLowerCase();

  const heading: SectionHeading = { name, word, args };
  if (APP_SECTIONS.includes(name) && space >= 0) {
    heading.appName = args.split(' ')[0];
  }
  return heading;
}

export function toSection(raw: RawSection): Section {
  const heading = readSectionHeading(raw.heading.text);
  return {
    name: heading.name,
    args: trimSpace(heading.args),
    line: raw.heading.line,
    lines: raw.body.map((line) => ({ text: line.text, line: line.line })),
  };
}

const SECTION_LIST = `${KNOWN_SECTIONS.map((name) => `%${name}`).join(', ')}, or an app section such as %apprun NAME`;

/** Reports section lines that Apptainer rejects as invalid sections. */
export function checkSectionHeading(line: number, text: string, diagnostics: DiagnosticList): void {
  const heading = readSectionHeading(text);
  const [percentWord] = splitFields(text);

  if (isSpace(text[0])) {
    diagnostics.error(
      'indented-section',
      line,
      `indented section line ${quote(text)}: Apptainer reads a section name only when "%" is the first character of the line, so it rejects this line as an unknown section`,
      `remove the whitespace before ${quote(percentWord)}; if the line belongs to a script, change it so that its first word does not start with "%"`,
    );
    return;
  }

  if (KNOWN_SECTIONS.includes(heading.name)) return;

  if (APP_SECTIONS.includes(heading.name)) {
    if (heading.appName === undefined) {
      diagnostics.error(
        'missing-app-name',
        line,
        `section "%${heading.word}" has no app name`,
        `name the SCIF app after the section: "%${heading.name} NAME"`,
      );
    } else if (heading.word !== heading.name) {
      diagnostics.error(
        'unknown-section',
        line,
        `unknown section "%${heading.word}": Apptainer matches app section names only in lowercase`,
        `write "%${heading.name}"`,
      );
    }
    return;
  }

  let separator = 0;
  while (separator < heading.name.length && !isSpace(heading.name[separator])) separator++;
  if (separator > 0 && separator < heading.name.length) {
    const prefix = heading.name.slice(0, separator);
    if (KNOWN_SECTIONS.includes(prefix) || APP_SECTIONS.includes(prefix)) {
      const character = heading.name[separator];
      if (character === '\r') {
        diagnostics.error(
          'unknown-section',
          line,
          `unknown section ${quote(`%${heading.word}`)}: Apptainer drops only one carriage return at the end of a line, and a second one stays in the section name`,
          `remove the extra carriage return after "%${prefix}"`,
        );
        return;
      }
      const separatorName = character === '\t' ? 'a TAB' : `the character ${quote(character)}`;
      diagnostics.error(
        'unknown-section',
        line,
        `unknown section ${quote(`%${heading.word}`)}: ${separatorName} after a section name is not a separator`,
        `put a space or a newline after "%${prefix}"`,
      );
      return;
    }
  }

  if (heading.name === '') {
    diagnostics.error(
      'unknown-section',
      line,
      `section line ${quote(text)} has no name after "%"`,
      'write the section name right after "%", such as "%post"',
    );
    return;
  }

  diagnostics.error(
    'unknown-section',
    line,
    `unknown section ${quote(`%${heading.word}`)}`,
    `use a section Apptainer knows (${SECTION_LIST}); if the line belongs to a script, change it so that its first word does not start with "%"`,
  );
}

/**
 * Warns about `%setup` and `%pre`: they run on the host during the build, so no parser can tell
 * which host files they read.
 */
export function checkHostSections(sections: Section[], stageLabel: string, diagnostics: DiagnosticList): void {
  for (const section of sections) {
    if (section.name !== 'setup' && section.name !== 'pre') continue;

    diagnostics.warning(
      'host-section',
      section.line,
      `%${section.name} in ${stageLabel} runs on the host, so its inputs are unknown and the whole node folder is hashed`,
      section.name === 'pre'
        ? 'move the commands to %post (%pre is deprecated), and copy host files in with %files'
        : 'copy host files in with %files and do the rest in %post, so that only the listed files are hashed',
    );
  }
}
