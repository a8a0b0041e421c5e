import type { Definition } from '../../definition';
import { hasPlaceholder } from './placeholders';
import type { InvalidEntry, PathReference } from './types';

export interface LocalImageReferences {
  /** Host paths of the bases of `localimage`, `oci`, `oci-archive` and `docker-archive` stages, relative to the folder where `apptainer build` runs. */
  images: PathReference[];
  invalid: InvalidEntry[];
}

/** Reads the host images that the stages of a parsed definition file start from: `localimage`, `oci` and the archive agents. */
export function localImageReferences(definition: Definition): LocalImageReferences {
  const result: LocalImageReferences = { images: [], invalid: [] };

  for (const stage of definition.stages) {
    if (stage.localImage === undefined) continue;

    const entry = `line ${stage.headerLines.from}: "Bootstrap: ${stage.bootstrap}" with "From: ${stage.from}"`;
    if (hasPlaceholder(stage.localImage)) {
      result.invalid.push({ entry, reason: 'the path uses a build argument that has no value, so it is unknown before the build' });
      continue;
    }
    result.images.push({ path: stage.localImage, entry });
  }

  return result;
}
