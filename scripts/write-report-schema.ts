// Writes docs/report.schema.json from src/report/contract/schema.ts (a test keeps the two identical), formatted
// as the repository's Prettier formats JSON.
import { writeFileSync } from 'node:fs';
import { format, resolveConfig } from 'prettier';
import { REPORT_SCHEMA } from '../src/report/contract/schema.js';

const target = new URL('../docs/report.schema.json', import.meta.url);
const options = (await resolveConfig(target)) ?? {};
writeFileSync(target, await format(JSON.stringify(REPORT_SCHEMA, null, 2), { ...options, parser: 'json' }));
