// The `schemabot` program with the production commands registered, as the CLI entry wires them.
import { CommanderError } from 'commander';
import { isEnvironmentError } from '../../src/cli/errors.js';
import { buildProgram } from '../../src/cli/main.js';
import { registerProductionCommands } from '../../src/cli/production.js';

let code = 0;
const io = { exit: (c: number) => void (code = c) };
const program = buildProgram(io);
if (!program.commands.some((c) => c.name() === 'upgrade')) registerProductionCommands(program, io);
try {
  await program.parseAsync(process.argv.slice(2), { from: 'user' });
} catch (err) {
  if (err instanceof CommanderError) code = err.exitCode === 0 ? 0 : 2;
  else if (isEnvironmentError(err)) {
    process.stderr.write(`schemabot: ${(err as Error).message}\n`);
    code = 2;
  } else {
    process.stderr.write(`schemabot: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
    code = 2;
  }
}
process.exitCode = code;
