export * from './model';
export { MANIFEST_FILE, parseNodeManifest, readManifestText, readNodeManifest } from './parse';
export { LEGACY_TAG_PATTERN, NODE_NAME_PATTERN, NODE_V1_TAG_PATTERN } from './common-schema';
