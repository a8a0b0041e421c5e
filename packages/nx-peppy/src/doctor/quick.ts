import { formatCheck, type CheckResult } from './check-result';
import { hostChecks } from './doctor';
import { nodeSystemProbe, type SystemProbe } from './system';

export interface PreflightSummary {
  results: CheckResult[];
  failures: CheckResult[];
  /** One line per failed check, with its fix; empty when every check passed. */
  text: string;
}

/**
 * Runs the cheap part of `nx-peppy doctor`: file reads only, no process
 * started. Meant for the moment Apptainer has failed, to add the missing host
 * prerequisite (user namespaces, newuidmap, subordinate ids, AppArmor, temp
 * space) to the error. On macOS it checks nothing, because these belong to
 * the Lima VM.
 */
export function quickPreflight(probe: SystemProbe = nodeSystemProbe()): PreflightSummary {
  const results = probe.platform === 'linux' ? hostChecks(probe, false) : [];
  const failures = results.filter((result) => !result.ok);
  return { results, failures, text: failures.map(formatCheck).join('\n') };
}
