import type { ExecutorContext } from '@nx/devkit';

/** The files Nx hashes for one task, and the dependency outputs it hashes. */
export interface TaskInputFiles {
  files: string[];
  depOutputs: string[];
}

interface HashInputs {
  files?: string[];
  depOutputs?: string[];
}

interface HashPlanInspectorLike {
  init(): Promise<void>;
  inspectTaskInputs(
    target: { project: string; target: string; configuration?: string },
    parsedArgs?: Record<string, unknown>,
    extraTargetDependencies?: Record<string, unknown>,
    excludeTaskDependencies?: boolean,
  ): Record<string, HashInputs>;
}

/**
 * Asks Nx's own hash planner which files make up the task hash, so the build
 * context contains exactly the hashed files and the two sets cannot drift apart.
 */
export async function resolveTaskInputFiles(context: ExecutorContext): Promise<TaskInputFiles> {
  const { projectName, targetName, configurationName } = context;
  if (!projectName || !targetName) throw new Error('resolveTaskInputFiles needs a project and a target');

  // NOTE: HashPlanInspector is internal to Nx (present in 21 to 24); a version
  // without `inspectTaskInputs` fails here with a message naming it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { HashPlanInspector } = require('nx/src/hasher/hash-plan-inspector') as {
    HashPlanInspector: new (graph: ExecutorContext['projectGraph'], root: string, nxJson: ExecutorContext['nxJsonConfiguration']) => HashPlanInspectorLike;
  };
  const inspector = new HashPlanInspector(context.projectGraph, context.root, context.nxJsonConfiguration);
  if (typeof inspector.inspectTaskInputs !== 'function') {
    throw new Error('this Nx version has no HashPlanInspector.inspectTaskInputs; nx-peppy needs Nx 23 or 24');
  }
  await inspector.init();

  const taskId = `${projectName}:${targetName}${configurationName ? `:${configurationName}` : ''}`;
  const plan = inspector.inspectTaskInputs({ project: projectName, target: targetName, configuration: configurationName }, {}, undefined, true);
  const inputs = plan[taskId] ?? Object.values(plan)[0] ?? {};
  return { files: [...(inputs.files ?? [])].sort(), depOutputs: [...(inputs.depOutputs ?? [])].sort() };
}
