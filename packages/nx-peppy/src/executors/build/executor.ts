import type { ExecutorContext } from '@nx/devkit';

import { loadNodeContext, reportInputErrors } from '../node-context';
import { buildContainerNode } from './container';
import { buildProcessNode } from './process';
import type { BuildExecutorSchema } from './schema';

export default async function buildExecutor(options: BuildExecutorSchema, context: ExecutorContext): Promise<{ success: boolean }> {
  return reportInputErrors(async () => {
    const node = loadNodeContext(context);
    const { execution } = node.manifest;

    if (execution.kind === 'process') return buildProcessNode(node, execution);
    return buildContainerNode(node, execution, options, context);
  });
}
