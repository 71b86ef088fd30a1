// A Jest reporter: after the run, the 10 test files that took longest, to show where time goes.
export default class SlowestFiles {
  onRunComplete(_contexts, results) {
    const files = results.testResults
      .map((r) => ({
        file: r.testFilePath.slice(process.cwd().length + 1),
        ms: r.perfStats.end - r.perfStats.start,
      }))
      .filter((f) => Number.isFinite(f.ms) && f.ms > 0)
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 10);
    if (files.length === 0) return;
    const width = Math.max(...files.map((f) => f.file.length));
    const lines = files.map((f) => `  ${f.file.padEnd(width)}  ${(f.ms / 1000).toFixed(1).padStart(6)} s`);
    process.stderr.write(`\nSlowest test files:\n${lines.join('\n')}\n`);
  }
}
