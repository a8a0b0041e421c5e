import { globToRegExp, hasGlobSyntax, InvalidGlobError } from './glob';

function matches(pattern: string, path: string, matchSeparators = false): boolean {
  return globToRegExp(pattern, { matchSeparators }).test(path);
}

describe('globToRegExp by segment', () => {
  it.each([
    ['packages/*', 'packages/arm', true],
    ['packages/*', 'packages/arm/sub', false],
    ['packages/*', 'packages', false],
    ['packages/*', 'packages/.hidden', true],
    ['packages/a?m', 'packages/arm', true],
    ['packages/a?m', 'packages/a/m', false],
    ['packages/[ab]*', 'packages/arm', true],
    ['packages/[ab]*', 'packages/core', false],
    ['packages/[!ab]*', 'packages/core', true],
    ['packages/[!ab]*', 'packages/arm', false],
    ['packages/[a-c]rm', 'packages/brm', true],
    ['packages/[]]x', 'packages/]x', true],
    ['packages/[*]', 'packages/*', true],
    ['packages/[*]', 'packages/arm', false],
    ['lib.v1/*', 'libXv1/a', false],
    ['**/crate', 'crate', true],
    ['**/crate', 'a/b/crate', true],
    ['libs/**/crate', 'libs/crate', true],
    ['libs/**/crate', 'libs/a/b/crate', true],
    ['libs/**', 'libs', true],
    ['libs/**', 'libs/a/b', true],
    ['**', 'any/depth', true],
    ['../shared/*', '../shared/x', true],
  ])('%s against %s is %s', (pattern, path, expected) => {
    expect(matches(pattern, path)).toBe(expected);
  });
});

describe('globToRegExp across separators', () => {
  it('lets * match /', () => {
    expect(matches('packages/*', 'packages/arm/sub', true)).toBe(true);
  });

  it('lets ? match /', () => {
    expect(matches('a?b', 'a/b', true)).toBe(true);
  });
});

describe('globToRegExp errors', () => {
  it('rejects an unclosed class', () => {
    expect(() => globToRegExp('packages/[ab', { matchSeparators: false })).toThrow(InvalidGlobError);
  });

  it('rejects ** inside a segment', () => {
    expect(() => globToRegExp('packages/a**', { matchSeparators: false })).toThrow('"**" must be a whole path segment');
  });
});

describe('hasGlobSyntax', () => {
  it.each([
    ['libs/*', true],
    ['libs/a?', true],
    ['libs/[ab]', true],
    ['libs/arm', false],
    ['../libs/arm', false],
  ])('%s is %s', (pattern, expected) => {
    expect(hasGlobSyntax(pattern)).toBe(expected);
  });
});
