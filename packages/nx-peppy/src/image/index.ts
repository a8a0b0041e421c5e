export * from './atomic';
export * from './paths';
