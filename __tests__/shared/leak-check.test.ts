import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error: the teardown is plain JavaScript (Jest loads it without a transform)
import leakCheck, { scanForCanary } from '../helpers/leak-check.js';

test('the leak check finds a canary in any recorded output or file of the cache and fails the suite on it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'schemabot-leak-'));
  try {
    writeFileSync(
      join(dir, 'clean'),
      'postgres://postgres:***@127.0.0.1:5432/db\n::add-mask::TestCanary-abc\n',
    );
    writeFileSync(join(dir, 'leaky'), 'error: pw TestCanary-abc and again TestCanary-abc');
    expect(scanForCanary(dir, 'TestCanary')).toEqual({
      scanned: 2,
      hits: [{ name: 'leaky', offsets: [10, 35] }],
    });
    const saved = { ...process.env };
    process.env.SCHEMABOT_TEST_OUTPUTS = dir;
    process.env.SCHEMABOT_PASSWORD_CANARY = 'TestCanary';
    // The base-state cache the suite's checks filled is scanned too (here one of this test's own).
    const cache = mkdtempSync(join(tmpdir(), 'schemabot-leak-cache-'));
    mkdirSync(join(cache, 'schemabot'));
    writeFileSync(join(cache, 'schemabot', 'base-state.sql'), "INSERT INTO t VALUES ('TestCanary-abc');");
    // And the kept clusters in it, whole: a server's files below their folder.
    const kept = join(cache, 'schemabot', 'cluster-0123456789abcdef-15');
    mkdirSync(join(kept, 'data', 'global'), { recursive: true });
    writeFileSync(join(kept, 'kept.json'), '{"database":"schemabot_x"}');
    writeFileSync(join(kept, 'data', 'global', '1260'), Buffer.from('\0\0TestCanary-abc\0', 'latin1'));
    process.env.SCHEMABOT_TEST_CACHE = cache;
    try {
      expect(() => (leakCheck as () => void)()).toThrow(
        /appears in 3 of 5 outputs of the suite:\n.*leaky at 10, 35\n.*\/schemabot\/base-state\.sql at 23\n.*\/schemabot\/cluster-0123456789abcdef-15\/data\/global\/1260 at 2\n/,
      );
    } finally {
      process.env.SCHEMABOT_TEST_OUTPUTS = saved.SCHEMABOT_TEST_OUTPUTS;
      process.env.SCHEMABOT_PASSWORD_CANARY = saved.SCHEMABOT_PASSWORD_CANARY;
      if (saved.SCHEMABOT_TEST_CACHE === undefined) delete process.env.SCHEMABOT_TEST_CACHE;
      else process.env.SCHEMABOT_TEST_CACHE = saved.SCHEMABOT_TEST_CACHE;
      rmSync(cache, { recursive: true, force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
