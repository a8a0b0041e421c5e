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

/** Splits text at runs of whitespace as Go's `strings.Fields` does. */
export function splitFields(text: string): string[] {
  const fields: string[] = [];
  let current = '';
  for (const character of text) {
    if (isSpace(character)) {
      if (current !== '') fields.push(current);
      current = '';
    } else {
      current += character;
    }
  }
  if (current !== '') fields.push(current);
  return fields;
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
