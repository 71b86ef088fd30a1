// Writes docs/report.schema.json from src/report/schema.ts (a test keeps the two identical).
import { writeFileSync } from 'node:fs';
import { REPORT_SCHEMA } from '../src/report/schema.js';

writeFileSync(
  new URL('../docs/report.schema.json', import.meta.url),
  JSON.stringify(REPORT_SCHEMA, null, 2) + '\n',
);
