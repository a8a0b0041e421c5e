export * from './cache-lock';
export * from './command';
