import {
  DependencyType,
  validateDependency,
  type CreateDependenciesContext,
  type RawProjectGraphDependency,
  type StaticDependency,
} from '@nx/devkit';

import type { WarningLog } from './warnings';

/** Orders by UTF-16 code units, so the order does not depend on the locale. */
function compareText(first: string, second: string): number {
  if (first === second) return 0;
  return first < second ? -1 : 1;
}

/** A static edge with the file that declares it. */
type DeclaredDependency = StaticDependency & { sourceFile: string };

/** The static edges found in one run, without self edges or duplicates. */
export class DependencyEdges {
  private readonly keys = new Set<string>();
  private readonly edges: DeclaredDependency[] = [];

  /** Adds an edge from `source` to `target` declared in `sourceFile`; an edge to the source itself is dropped. */
  add(source: string, target: string, sourceFile: string): void {
    if (source === target) return;

    const key = JSON.stringify([source, target, sourceFile]);
    if (this.keys.has(key)) return;

    this.keys.add(key);
    this.edges.push({ source, target, sourceFile, type: DependencyType.static });
  }

  /**
   * Returns the edges whose target is in the graph and that pass Nx's
   * `validateDependency`, sorted by source, source file and target. Any other
   * edge is warned about and dropped, because one bad edge would otherwise
   * fail the whole project graph.
   */
  validated(context: CreateDependenciesContext, warnings: WarningLog): RawProjectGraphDependency[] {
    const sorted = [...this.edges].sort(
      (first, second) =>
        compareText(first.source, second.source) ||
        compareText(first.sourceFile, second.sourceFile) ||
        compareText(first.target, second.target),
    );

    return sorted.filter((edge) => {
      // validateDependency accepts an unknown target when the edge has a source file.
      if (!context.projects[edge.target]) {
        warnings.warn(edge.sourceFile, `the dependency of ${edge.source} on ${edge.target} is left out: ${edge.target} is not in the project graph.`);
        return false;
      }

      try {
        validateDependency(edge, context);
        return true;
      } catch (error) {
        const reason = (error as Error).message.replace(/\.$/, '');
        warnings.warn(edge.sourceFile, `the dependency of ${edge.source} on ${edge.target} is left out: ${reason}.`);
        return false;
      }
    });
  }
}
