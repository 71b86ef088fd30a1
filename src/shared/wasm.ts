import { setFlagsFromString } from 'node:v8';

let held = false;

/**
 * Keeps the SQL parser's WebAssembly on the code V8 first compiles it to. V8 recompiles the functions
 * that run most with its optimizing compiler, and the parser's grammar runs enough for that after a
 * few hundred statements (or one, without a raised budget): recompiling that one huge function took
 * 0.5 s of CPU and 550 MB of memory, in every process that parsed SQL, and a process that was done
 * waited for it before exiting. Parsing on the first code takes milliseconds. The tiering budget
 * alone only delays it; restricting tier-up to a function index no module has turns it off. V8 reads
 * both when it decides, so setting them before the first parse is enough.
 */
export function holdWasmTiering(): void {
  if (held) return;
  held = true;
  setFlagsFromString('--wasm-tiering-budget=2147483647');
  setFlagsFromString('--wasm-tier-up-filter=2147483647');
}
