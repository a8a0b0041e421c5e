/** A `{{ NAME }}` build argument placeholder, which the definition parser leaves in place when it has no value. */
const PLACEHOLDER = /\{\{[\t\n\f\r ]*[0-9A-Za-z_]+[\t\n\f\r ]*\}\}/;

/** Returns true when a templated path still contains a placeholder, so the path is not known before the build. */
export function hasPlaceholder(text: string): boolean {
  return PLACEHOLDER.test(text);
}
