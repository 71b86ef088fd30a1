import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error: the teardown is plain JavaScript (Jest loads it without a transform)
import leakCheck, { scanForCanary } from '../helpers/leak-check.js';

test('the leak check finds a canary in any recorded output and fails the suite on it', () => {
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
    try {
      expect(() => (leakCheck as () => void)()).toThrow(
        /appears in 1 of 2 outputs of the suite:\n.*leaky at 10, 35/,
      );
    } finally {
      process.env.SCHEMABOT_TEST_OUTPUTS = saved.SCHEMABOT_TEST_OUTPUTS;
      process.env.SCHEMABOT_PASSWORD_CANARY = saved.SCHEMABOT_PASSWORD_CANARY;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
