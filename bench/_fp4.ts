import pg from 'pg';
import { startPostgres } from '../src/postgres/index.js';
import { SchemaWatch, fingerprintQuery } from '../src/inspect/fingerprint.js';
const server = await startPostgres({ provider: 'local' } as any);
const db = await server.createDatabase();
const c = new pg.Client({ connectionString: server.url(db) }); await c.connect();
for (let i = 0; i < 1000; i++) await c.query(`CREATE TABLE t${i} (id serial primary key, name text not null default 'x', created_at timestamptz, ref int); CREATE INDEX ON t${i}(ref)`);
const w = await SchemaWatch.start(() => c, { schema: 'public', name: 'SequelizeMeta' });
await w.take();
let t0 = performance.now();
for (let k = 0; k < 20; k++) { await c.query(`ALTER TABLE t5 ADD COLUMN c${k} int`); }
console.log('20 alters', (performance.now() - t0).toFixed(0));
t0 = performance.now(); await w.take(); console.log('take after 20 alters', (performance.now() - t0).toFixed(1));
t0 = performance.now(); for (let k = 0; k < 20; k++) { await c.query(`ALTER TABLE t6 ADD COLUMN c${k} int`); await w.take(); } console.log('20 alter+take', (performance.now() - t0).toFixed(0));
t0 = performance.now(); for (let k = 0; k < 20; k++) { await w.take(); } console.log('20 idle take', (performance.now() - t0).toFixed(0));
const oid = (await c.query(`select 't7'::regclass::oid as o`)).rows[0].o;
const q = fingerprintQuery({ schema: 'public', name: 'SequelizeMeta' }, true);
for (const label of ['some', 'groups']) {
  const text = label === 'some' ? q : '';
  if (!text) continue;
  const params = label === 'some' ? [[oid], [], []] : [[`1259:${oid}`]];
  const r = await c.query('EXPLAIN ANALYZE ' + text, params);
  console.log(label, '\n' + r.rows.map((x: any) => x['QUERY PLAN']).filter((l: string) => (/actual time=[0-9.]+\.\.([0-9.]+)/.test(l) && Number(l.match(/actual time=[0-9.]+\.\.([0-9.]+)/)![1]) > 0.3) || /Execution|Planning/.test(l)).join('\n'));
}
await c.end(); await server.stop();
