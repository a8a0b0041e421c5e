import { staticPrefix, type Definition, type FilesEntry } from '../../definition';
import { hasPlaceholder } from './placeholders';
import type { InvalidEntry, PathReference } from './types';

/** Characters that Apptainer's shell expansion of a source turns into another path. */
const SHELL_EXPANSION = /[$`]|^~/;

export interface FilesSourceReferences {
  /** Host paths that `%files` and `%appfiles` copy, relative to the folder where `apptainer build` runs. */
  sources: PathReference[];
  invalid: InvalidEntry[];
}

function describe(file: FilesEntry): string {
  const section = file.app === undefined ? '%files' : `%appfiles ${file.app}`;
  return `line ${file.line}: ${section} source "${file.source}"`;
}

/** Reads the host sources of the `%files` and `%appfiles` sections of a parsed definition file; `%files from STAGE` entries are left out. */
export function hostFileSources(definition: Definition): FilesSourceReferences {
  const result: FilesSourceReferences = { sources: [], invalid: [] };

  for (const stage of definition.stages) {
    for (const file of stage.files) {
      if (file.fromStage !== undefined) continue;

      const entry = describe(file);
      if (hasPlaceholder(file.source)) {
        result.invalid.push({ entry, reason: 'the path uses a build argument that has no value, so it is unknown before the build' });
      } else if (SHELL_EXPANSION.test(file.source)) {
        result.invalid.push({ entry, reason: 'the path uses shell syntax ("$", "`" or a leading "~") that Apptainer expands only at build time' });
      } else {
        result.sources.push({ path: staticPrefix(file.source), entry });
      }
    }
  }

  return result;
}
