/** The outcome of one prerequisite check. */
export interface CheckResult {
  /** Short name of the prerequisite, such as `newuidmap`. */
  name: string;
  ok: boolean;
  /** Findings, such as the version or the value read. */
  detail: string;
  /** Remedy shown when the check failed. */
  fix?: string;
}

export function pass(name: string, detail: string): CheckResult {
  return { name, ok: true, detail };
}

export function fail(name: string, detail: string, fix: string): CheckResult {
  return { name, ok: false, detail, fix };
}

/** Formats a check as one line: `PASS name  detail`, or `FAIL name  detail. Fix: ...`. */
export function formatCheck(result: CheckResult): string {
  const status = result.ok ? 'PASS' : 'FAIL';
  const fix = result.ok || !result.fix ? '' : ` Fix: ${result.fix}`;
  return `${status}  ${result.name.padEnd(22)} ${result.detail}${fix ? `.${fix}` : ''}`;
}
