export * from './model';
export { parseNodeManifest, readNodeManifest } from './parse';
export { MANIFEST_FILE, readManifestText } from './read';
export { LEGACY_TAG_PATTERN, NODE_NAME_PATTERN, NODE_V1_TAG_PATTERN } from './common-schema';
