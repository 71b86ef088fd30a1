import { registerEnvironment, redactStandardStreams } from './shared/secrets.js';
import { main } from './cli/main.js';
import { signalExitCode } from './postgres/cleanup.js';

// Before anything is printed: every URL with a password in the environment is a secret, and nothing
// reaches the terminal without passing through the secret registry.
registerEnvironment(process.env);
redactStandardStreams();
const code = await main(process.argv.slice(2));
process.exitCode = signalExitCode() ?? code;
