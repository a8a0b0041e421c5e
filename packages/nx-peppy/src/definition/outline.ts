import { type SourceLine, firstField, trimSpace } from './lines';

/** A section line and the lines up to the next section line or the end of the stage. */
export interface RawSection {
  heading: SourceLine;
  body: SourceLine[];
}

/** The lines of one stage, split into header lines and sections. */
export interface StageOutline {
  lines: SourceLine[];
  /** Lines before the first section line. */
  header: SourceLine[];
  sections: RawSection[];
}

/**
 * Returns true when the first whitespace-separated word starts with `%`. Apptainer opens a
 * section on such a line wherever it is, even inside a script.
 */
export function isSectionLine(text: string): boolean {
  return firstField(text)?.startsWith('%') ?? false;
}

/**
 * Splits the lines of a file into stage chunks. Apptainer starts a new stage at every line that
 * begins with `bootstrap:` (column 0, any case), and keeps the lines above the first one as a
 * chunk of their own.
 */
export function splitStageChunks(lines: SourceLine[]): SourceLine[][] {
  const chunks: SourceLine[][] = [[]];

  for (const line of lines) {
    if (/^bootstrap:/i.test(line.text) && chunks[chunks.length - 1].length > 0) chunks.push([]);
    chunks[chunks.length - 1].push(line);
  }

  return chunks.filter((chunk) => chunk.length > 0);
}

export function outlineStage(lines: SourceLine[]): StageOutline {
  const header: SourceLine[] = [];
  const sections: RawSection[] = [];

  for (const line of lines) {
    if (isSectionLine(line.text)) {
      sections.push({ heading: line, body: [] });
    } else if (sections.length === 0) {
      header.push(line);
    } else {
      sections[sections.length - 1].body.push(line);
    }
  }

  return { lines, header, sections };
}

/**
 * Returns true for a chunk with no section and only blank or comment header lines. Apptainer
 * drops such a chunk instead of counting it as a stage, so a comment block above the first
 * `Bootstrap:` line is harmless.
 */
export function isBlankOutline(outline: StageOutline): boolean {
  if (outline.sections.length > 0) return false;
  return outline.header.every((line) => {
    const text = trimSpace(line.text);
    return text === '' || text.startsWith('#');
  });
}
