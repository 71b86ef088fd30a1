// The exit-code-2 errors are shared by every stage and both front ends; the CLI's name for them stays.
export { UsageError, isEnvironmentError } from '../shared/errors.js';
