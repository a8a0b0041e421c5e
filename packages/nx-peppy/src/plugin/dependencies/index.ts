export { createDependencies } from './create-dependencies';
export { imageOutputsByProject } from './image-outputs';
export { readCargoReferences, type CargoReferences } from './cargo';
export { readUvReferences, type UvReferences } from './uv';
export { localImageReferences, type LocalImageReferences } from './localimage';
export { hostFileSources, type FilesSourceReferences } from './files-sources';
export { InvalidTomlError } from './toml';
export type { InvalidEntry, PathReference, WorkspaceMemberGlobs } from './types';
