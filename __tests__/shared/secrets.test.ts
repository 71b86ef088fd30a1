import {
  maskCredentials,
  onSecret,
  redact,
  redactDeep,
  registerEnvironment,
  registerSecret,
  registerUrl,
} from '../../src/shared/secrets.js';
import { addSecret, addUrlSecret, redact as migrateRedact } from '../../src/migrate/redact.js';
import { passwordOf, redactText, redactUrl } from '../../src/postgres/redact.js';

test('the bare password of DATABASE_URL is a secret once the environment is registered', () => {
  const password = 'Env-Pw-71c0';
  const message = `migration failed: pw ${password}`;
  expect(redact(message)).toBe(message);
  registerEnvironment({ DATABASE_URL: `postgres://app:${password}@db.internal:5432/app`, HOME: '/home/x' });
  expect(redact(message)).toBe('migration failed: pw ***');
  expect(redact(`copied postgres://app:${password}@db.internal:5432/app as is`)).toBe(
    'copied postgres://app:***@db.internal:5432/app as is',
  );
});

test('a password is masked as written, decoded and percent-encoded', () => {
  registerUrl('postgres://u:p%40ss%2Fw0rd!@h:5432/db');
  expect(redact('a p@ss/w0rd! b p%40ss%2Fw0rd! c p%40ss%2Fw0rd%21')).toBe('a *** b *** c ***');
});

test('credentials in text are masked even when unknown, in well-formed and malformed URLs', () => {
  expect(maskCredentials('--database-url app:Unkn0wn-1@127.0.0.1:55432/prod')).toBe(
    '--database-url app:***@127.0.0.1:55432/prod',
  );
  expect(redact('postgres:/app:Unkn0wn-2@host/db')).toBe('postgres:/app:***@host/db');
  expect(redact('postgres:app:Unkn0wn-3@host/db')).not.toContain('Unkn0wn-3');
  expect(redact('postgres://app:p@ss@word@host/db')).toBe('postgres://app:***@host/db');
  expect(redact('host=db password=Unkn0wn-4 user=u')).toBe('host=db password=*** user=u');
  expect(redact('mail admin@example.com at 12:30')).toBe('mail admin@example.com at 12:30');
});

test('credentials ending a word of 70,000 characters are masked; the word around them is kept', () => {
  const long = 'x'.repeat(70_000);
  expect(maskCredentials(`${long}/app:Unkn0wn-5@host ${long}`)).toBe(`${long}/app:***@host ${long}`);
  expect(maskCredentials(`${long}:${long}`)).toBe(`${long}:${long}`);
});

test('the migrate and postgres views share the one registry', () => {
  addSecret('Shared-Pw-1');
  addUrlSecret('postgres://x:Shared-Pw-2@h/db');
  expect(redactText('Shared-Pw-1 and Shared-Pw-2')).toBe('*** and ***');
  expect(migrateRedact('Shared-Pw-1 and Shared-Pw-2')).toBe('***** and *****');
  expect(redactUrl('postgres://u:Other-Pw@h/db?password=Q1w2e3')).toBe('postgres://u:***@h/db?password=***');
  expect(passwordOf('postgres://u:p%40ss@h/db')).toBe('p@ss');
});

test('every secret, registered before or after, reaches a listener (the action adds it to ::add-mask::)', () => {
  registerSecret('Before-Listener-1');
  const seen: string[] = [];
  onSecret((s) => seen.push(s));
  registerUrl('postgres://u:After%2BListener@h/db');
  expect(seen).toEqual(
    expect.arrayContaining([
      'Before-Listener-1',
      'postgres://u:After%2BListener@h/db',
      'After%2BListener',
      'After+Listener',
    ]),
  );
});

test('redactDeep masks values and keeps the keys of a report', () => {
  registerSecret('postgres-key-pw');
  expect(redactDeep({ postgres: { error: 'pw postgres-key-pw' }, list: ['postgres-key-pw', 3] })).toEqual({
    postgres: { error: 'pw ***' },
    list: ['***', 3],
  });
});
