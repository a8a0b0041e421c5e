import { join } from 'node:path';

import { logger, type ExecutorContext } from '@nx/devkit';

import { NxPeppyError } from '../errors';
import { MANIFEST_FILE, readNodeManifest, type NodeManifest } from '../manifest';

export interface NodeContext {
  projectName: string;
  /** Project root relative to the workspace root, as Nx stores it. */
  projectRoot: string;
  /** Absolute path of the node folder. */
  nodeDir: string;
  manifest: NodeManifest;
}

/** Finds the project an executor runs for and reads its manifest. */
export function loadNodeContext(context: ExecutorContext): NodeContext {
  const projectName = context.projectName;
  const project = projectName ? context.projectsConfigurations?.projects[projectName] : undefined;
  if (!projectName || !project) {
    throw new NxPeppyError({
      file: 'nx.json',
      message: 'the executor ran without a project',
      fix: 'run it as a target of a project, for example `nx build my_node`',
    });
  }

  const nodeDir = join(context.root, project.root);
  const manifestPath = join(project.root, MANIFEST_FILE);
  const manifest = readNodeManifest(join(context.root, manifestPath), manifestPath);
  return { projectName, projectRoot: project.root, nodeDir, manifest };
}

/**
 * Runs an executor body, turning input errors into a logged message and a
 * failed task. Anything else is a bug and keeps its stack trace.
 */
export async function reportInputErrors(body: () => Promise<{ success: boolean }>): Promise<{ success: boolean }> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof NxPeppyError) {
      logger.error(error.message);
      return { success: false };
    }
    throw error;
  }
}
