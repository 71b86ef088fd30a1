import { main } from './cli/main.js';
import { signalExitCode } from './postgres/cleanup.js';

const code = await main(process.argv.slice(2));
process.exitCode = signalExitCode() ?? code;
