/** One line of a definition file, without its line break. */
export interface SourceLine {
  text: string;
  /** 1-based line number in the file. */
  line: number;
}

/**
 * Characters Go's `unicode.IsSpace` accepts. Apptainer trims and splits words with that
 * function, and it differs from JavaScript's `\s`: it includes U+0085 and excludes U+FEFF.
 */
const GO_SPACES = new Set([
  '\t', '\n', '\v', '\f', '\r', ' ', '\u0085', '\u00a0', '\u1680',
  '\u2000', '\u2001', '\u2002', '\u2003', '\u2004', '\u2005', '\u2006', '\u2007', '\u2008', '\u2009', '\u200a',
  '\u2028', '\u2029', '\u202f', '\u205f', '\u3000',
]);

export function isSpace(character: string): boolean {
  return GO_SPACES.has(character);
}

/** Removes leading and trailing whitespace as Go's `strings.TrimSpace` does. */
export function trimSpace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isSpace(text[start])) start++;
  while (end > start && isSpace(text[end - 1])) end--;
  return text.slice(start, end);
}

/**
 * Splits text at runs of whitespace as Go's `strings.Fields` does. Words are
 * sliced out by index, so a 10 MB line does not build a string per character.
 */
export function splitFields(text: string): string[] {
  const fields: string[] = [];
  let start = -1;
  for (let index = 0; index < text.length; index++) {
    if (isSpace(text[index])) {
      if (start >= 0) fields.push(text.slice(start, index));
      start = -1;
    } else if (start < 0) {
      start = index;
    }
  }
  if (start >= 0) fields.push(text.slice(start));
  return fields;
}

/** Returns the first word of the text as `splitFields` would, without splitting the rest. */
export function firstField(text: string): string | undefined {
  let start = 0;
  while (start < text.length && isSpace(text[start])) start++;
  if (start === text.length) return undefined;
  let end = start;
  while (end < text.length && !isSpace(text[end])) end++;
  return text.slice(start, end);
}

/**
 * Splits text into lines as Go's `bufio.ScanLines` does, which Apptainer reads definition files
 * with: a line ends at "\n", one trailing "\r" is dropped, and a final "\n" starts no extra line.
 * A "\r" elsewhere in a line stays.
 */
export function splitLines(text: string): SourceLine[] {
  if (text === '') return [];

  const pieces = text.split('\n');
  if (pieces[pieces.length - 1] === '') pieces.pop();

  return pieces.map((piece, index) => ({
    text: piece.endsWith('\r') ? piece.slice(0, -1) : piece,
    line: index + 1,
  }));
}
