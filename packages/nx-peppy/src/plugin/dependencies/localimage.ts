import type { Definition } from '../../definition';
import { hasPlaceholder } from './placeholders';
import type { InvalidEntry, PathReference } from './types';

export interface LocalImageReferences {
  /** `From:` paths of `Bootstrap: localimage` stages, relative to the folder where `apptainer build` runs. */
  images: PathReference[];
  invalid: InvalidEntry[];
}

/** Reads the host images that the `Bootstrap: localimage` stages of a parsed definition file start from. */
export function localImageReferences(definition: Definition): LocalImageReferences {
  const result: LocalImageReferences = { images: [], invalid: [] };

  for (const stage of definition.stages) {
    if (stage.localImage === undefined) continue;

    const entry = `line ${stage.headerLines.from}: "Bootstrap: localimage" with "From: ${stage.localImage}"`;
    if (hasPlaceholder(stage.localImage)) {
      result.invalid.push({ entry, reason: 'the path uses a build argument that has no value, so it is unknown before the build' });
      continue;
    }
    result.images.push({ path: stage.localImage, entry });
  }

  return result;
}
