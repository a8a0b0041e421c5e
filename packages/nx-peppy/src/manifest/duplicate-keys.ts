import JSON5 from 'json5';

import type { Problem } from '../errors';
import { fieldPath, quoteValue } from './problems';

/**
 * An object or array that the scan is inside. `segment` is the key or index that leads to it
 * from its parent, and is undefined for the top-level object.
 */
interface Container {
  segment?: string | number;
  isObject: boolean;
  /** Object only: offset of the first occurrence of each key. */
  firstOffsets: Map<string, number>;
  /** Object only: offsets of every occurrence of the keys that occur more than once. */
  repeated: Map<string, number[]>;
  /** Object only: the last key read, which names the value being read. */
  key?: string;
  /** Object only: true after "{" or ",", until the key is read. */
  expectingKey: boolean;
  /** Array only: index of the item being read. */
  index: number;
}

// JSON5 whitespace (ES5 WhiteSpace and LineTerminator) is the set JavaScript's \s matches.
const WHITESPACE = /\s/;

function skipString(text: string, start: number): number {
  const quote = text[start];
  let index = start + 1;
  while (index < text.length) {
    const character = text[index];
    if (character === '\\') index += 2;
    else if (character === quote) return index + 1;
    else index++;
  }
  return text.length;
}

function skipComment(text: string, start: number): number {
  if (text[start + 1] === '*') {
    const end = text.indexOf('*/', start + 2);
    return end < 0 ? text.length : end + 2;
  }
  let index = start + 2;
  while (index < text.length && !'\n\r\u2028\u2029'.includes(text[index])) index++;
  return index;
}

/** Returns the end of an unquoted key, which JSON5 follows by whitespace, a comment or ":". */
function skipIdentifier(text: string, start: number): number {
  let index = start;
  while (index < text.length && text[index] !== ':' && text[index] !== '/' && !WHITESPACE.test(text[index])) index++;
  return index;
}

/** Returns the key that a quoted or unquoted key token names, with escapes such as `\u0061` decoded. */
function decodeKey(token: string): string {
  const quoted = token[0] === '"' || token[0] === "'";
  if (!token.includes('\\')) return quoted ? token.slice(1, -1) : token;
  // JSON5 itself decodes the rare key with an escape, so both readings agree.
  return quoted ? (JSON5.parse(token) as string) : Object.keys(JSON5.parse(`{${token}:0}`) as object)[0];
}

function lineFinder(text: string): (offset: number) => number {
  const lineStarts = [0];
  for (let index = text.indexOf('\n'); index >= 0; index = text.indexOf('\n', index + 1)) lineStarts.push(index + 1);

  return (offset) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (lineStarts[middle] <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  };
}

function describeLines(lines: number[]): string {
  if (lines.every((line) => line === lines[0])) return `${lines.length === 2 ? 'both' : 'all'} on line ${lines[0]}`;
  return `on lines ${lines.slice(0, -1).join(', ')} and ${lines[lines.length - 1]}`;
}

function duplicateProblem(file: string, path: (string | number)[], key: string, offsets: number[], lineOf: (offset: number) => number): Problem {
  const times = offsets.length === 2 ? 'twice' : `${offsets.length} times`;
  const quoted = quoteValue(key);
  return {
    file,
    field: fieldPath([...path, key]),
    message: `duplicate key ${quoted}: given ${times} in one object, ${describeLines(offsets.map(lineOf))}, and JSON5 keeps only the last value`,
    fix: offsets.length === 2 ? `remove one of the two ${quoted} keys` : `keep one ${quoted} key and remove the others`,
  };
}

/**
 * Finds keys given more than once in one object of a JSON5 text, which `JSON5.parse` accepts
 * silently by keeping the last value. serde, which PeppyOS parses manifests with, rejects a
 * struct field given twice.
 *
 * NOTE: this also rejects a parameter name given twice in `parameters`, which PeppyOS reads
 * into a map and so accepts, keeping the last value as JSON5 does. Call it only on text that `JSON5.parse` accepted: it
 * reads just the tokens that matter for keys (strings, comments, unquoted keys and the
 * punctuation), and relies on the text being valid for the rest. It walks the text in one pass
 * with its own stack, so deep nesting cannot overflow the call stack.
 */
export function findDuplicateKeys(text: string, file: string): Problem[] {
  const problems: Problem[] = [];
  const stack: Container[] = [];
  let lineOf: ((offset: number) => number) | undefined;

  const recordKey = (container: Container, key: string, offset: number) => {
    container.key = key;
    container.expectingKey = false;
    const first = container.firstOffsets.get(key);
    if (first === undefined) {
      container.firstOffsets.set(key, offset);
      return;
    }
    const offsets = container.repeated.get(key);
    if (offsets) offsets.push(offset);
    else container.repeated.set(key, [first, offset]);
  };

  const close = () => {
    const container = stack.pop();
    if (!container || container.repeated.size === 0) return;

    lineOf ??= lineFinder(text);
    const path = stack.slice(1).map((parent) => parent.segment as string | number);
    if (container.segment !== undefined) path.push(container.segment);
    for (const [key, offsets] of container.repeated) problems.push(duplicateProblem(file, path, key, offsets, lineOf));
  };

  let index = 0;
  while (index < text.length) {
    const character = text[index];
    const top = stack[stack.length - 1] as Container | undefined;

    if (character === '/') {
      index = skipComment(text, index);
      continue;
    }
    if (character === '"' || character === "'") {
      const end = skipString(text, index);
      if (top?.isObject && top.expectingKey) recordKey(top, decodeKey(text.slice(index, end)), index);
      index = end;
      continue;
    }

    if (character === '{' || character === '[') {
      let segment: string | number | undefined;
      if (top?.isObject) segment = top.key;
      else if (top) segment = top.index;
      const isObject = character === '{';
      stack.push({ segment, isObject, firstOffsets: new Map(), repeated: new Map(), expectingKey: isObject, index: 0 });
    } else if (character === '}' || character === ']') {
      close();
    } else if (character === ',') {
      if (top?.isObject) top.expectingKey = true;
      else if (top) top.index++;
    } else if (top?.isObject && top.expectingKey && !WHITESPACE.test(character)) {
      const end = skipIdentifier(text, index);
      recordKey(top, decodeKey(text.slice(index, end)), index);
      index = end;
      continue;
    }
    // Anything else is whitespace, ":" or part of a number or literal, which no key depends on.
    index++;
  }

  return problems;
}
