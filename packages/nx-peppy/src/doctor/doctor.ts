import { defaultRuntimeKind, DEFAULT_LIMA_INSTANCE, type RuntimeKind } from '../runtime';
import type { CheckResult } from './check-result';
import { checkGuestApptainer, checkLimactl, checkLimaInstance } from './lima-checks';
import { checkAppArmor, checkApptainer, checkIdMapTool, checkSubordinateIds, checkTempSpace, checkUserNamespaces } from './linux-checks';
import type { SystemProbe } from './system';

export interface DoctorOptions {
  /** Default: `lima` on macOS, `native` elsewhere, as the serve executor picks. */
  runtime?: RuntimeKind;
  limaInstance?: string;
  apptainerPath?: string;
}

/** Runs every prerequisite check for the runtime and returns them in a fixed order. */
export function runDoctor(probe: SystemProbe, options: DoctorOptions = {}): CheckResult[] {
  const runtime = options.runtime ?? defaultRuntimeKind(probe.platform);
  if (runtime === 'lima') {
    const instance = options.limaInstance || DEFAULT_LIMA_INSTANCE;
    return [checkLimactl(probe), checkLimaInstance(probe, instance), checkGuestApptainer(probe, instance, options.apptainerPath), checkTempSpace(probe)];
  }
  return [checkApptainer(probe, options.apptainerPath), ...hostChecks(probe, true)];
}

/** Runs the host checks, which read files only, plus `getcap` when `spawn` allows it. */
export function hostChecks(probe: SystemProbe, spawn: boolean): CheckResult[] {
  return [
    checkUserNamespaces(probe),
    checkIdMapTool(probe, 'newuidmap', spawn),
    checkIdMapTool(probe, 'newgidmap', spawn),
    checkSubordinateIds(probe, '/etc/subuid'),
    checkSubordinateIds(probe, '/etc/subgid'),
    checkAppArmor(probe),
    checkTempSpace(probe),
  ];
}
