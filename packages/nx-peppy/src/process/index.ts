export { expandVariables, processBuildInvocation, processRunInvocation, type CommandInvocation, type CommandSource } from './commands';
export { forwardedCallerEnvironment, type FilteredEnvironment } from './environment';
