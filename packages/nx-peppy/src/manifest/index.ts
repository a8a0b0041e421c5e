export * from './model';
export { MANIFEST_FILE, parseNodeManifest, readManifestText, readNodeManifest } from './parse';
export { NODE_NAME_PATTERN } from './common-schema';
