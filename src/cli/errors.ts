// The exit-code-2 errors belong to the modes (the action uses them too); the CLI's name for them stays.
export { UsageError, isEnvironmentError } from '../modes/errors.js';
