export * from './runtime-config';
export * from './run-folder';
export * from './parameter-types';
export * from './parameter-schema';
export { convertCommandLineValue, checkValue, defaultValue, type MissingValue, type ValueMismatch } from './parameter-values';
export * from './parameters';
export * from './env-file';
export * from './environment';
export * from './mounts';
