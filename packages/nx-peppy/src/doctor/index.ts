export { formatCheck, type CheckResult } from './check-result';
export { runDoctor, hostChecks, type DoctorOptions } from './doctor';
export { quickPreflight, type PreflightSummary } from './quick';
export { nodeSystemProbe, type CommandOutput, type SystemProbe } from './system';
export * from './linux-checks';
export * from './lima-checks';
