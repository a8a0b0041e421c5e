import { logger, type ExecutorContext } from '@nx/devkit';

import { NxPeppyError } from '../../errors';
import { DEFAULT_MESSAGING_HOST } from '../../run-config';
import { StopSignals } from '../../runtime';
import { loadNodeContext, reportInputErrors } from '../node-context';
import { createServeRuntime, serveContainer } from './container';
import { recordExecutorPid, recordExitStatus } from './exit-status';
import { serveProcess } from './process-node';
import { optionsLabel, prepareRunInputs } from './run-inputs';
import type { ServeExecutorSchema } from './schema';

/** The host a container in a Lima VM reaches the host's messaging router at, as PeppyOS writes it. */
const LIMA_MESSAGING_HOST = 'host.lima.internal';

function checkKillTimeout(options: ServeExecutorSchema, label: string): void {
  const value = options.killTimeout;
  if (value === undefined || (typeof value === 'number' && Number.isFinite(value) && value >= 0)) return;
  throw new NxPeppyError({ file: label, field: 'killTimeout', message: `invalid killTimeout ${JSON.stringify(value)}`, fix: 'set a number of seconds, 0 or more' });
}

/**
 * Runs a node the way `peppy node run` does and ends with its exit status.
 * The status also goes to `nx-peppy serve`, because `nx` itself reports
 * every failed task as status 1.
 */
export default async function serveExecutor(options: ServeExecutorSchema, context: ExecutorContext): Promise<{ success: boolean }> {
  // Listen before anything else, so that a signal from nx or `nx-peppy serve`
  // cannot end this process before it has recorded the status. A stop
  // requested while the inputs are prepared means the node never starts.
  const stop = new StopSignals();
  const forgetPid = recordExecutorPid();
  try {
    return await reportInputErrors(async () => {
      const node = loadNodeContext(context);
      const { execution } = node.manifest;
      checkKillTimeout(options, optionsLabel(node));

      let exitCode: number;
      if (execution.kind === 'container') {
        const runtime = createServeRuntime(node, execution, options);
        const messagingHost = options.messagingHost ?? (runtime.kind === 'lima' ? LIMA_MESSAGING_HOST : DEFAULT_MESSAGING_HOST);
        const inputs = prepareRunInputs(node, options, context.root, messagingHost);
        exitCode = await serveContainer(node, execution, options, context, inputs, runtime, stop);
      } else {
        const inputs = prepareRunInputs(node, options, context.root, options.messagingHost ?? DEFAULT_MESSAGING_HOST);
        exitCode = await serveProcess(node, execution, options, inputs, stop);
      }

      recordExitStatus(exitCode);
      if (exitCode !== 0) logger.error(`${node.projectName} exited with status ${exitCode}.`);
      return { success: exitCode === 0 };
    });
  } finally {
    forgetPid();
    stop.dispose();
  }
}
