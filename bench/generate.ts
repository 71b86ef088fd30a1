/**
 * Generates a realistic sequelize-cli project: tables with foreign keys, added columns, indexes,
 * ENUM columns, type changes and a view, cycling through the DDL real projects accumulate.
 */
export function generateMigrations(count: number, startIndex = 0): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = startIndex; i < startIndex + count; i++) {
    const t = Math.floor(i / 5);
    const table = `t${t}`;
    const stamp = `2025${String(1000000000 + i).slice(1)}`; // 2025 + 10 digits = 14-digit timestamp
    let up: string;
    let down: string;
    switch (i % 5) {
      case 0:
        up = `await queryInterface.createTable('${table}', {
      id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true },
      name: { type: Sequelize.STRING(120), allowNull: false },
      body: { type: Sequelize.TEXT },
      score: { type: Sequelize.INTEGER, allowNull: false, defaultValue: 0 },
      ${t > 0 ? `parent_id: { type: Sequelize.INTEGER, references: { model: 't${t - 1}', key: 'id' }, onDelete: 'CASCADE' },` : ''}
      created_at: { type: Sequelize.DATE, allowNull: false, defaultValue: Sequelize.fn('now') },
    });`;
        down = `await queryInterface.dropTable('${table}');`;
        break;
      case 1:
        up = `await queryInterface.addColumn('${table}', 'email', { type: Sequelize.STRING, allowNull: true });`;
        down = `await queryInterface.removeColumn('${table}', 'email');`;
        break;
      case 2:
        up = `await queryInterface.addIndex('${table}', ['name', 'created_at'], { name: '${table}_name_created' });`;
        down = `await queryInterface.removeIndex('${table}', '${table}_name_created');`;
        break;
      case 3:
        up = `await queryInterface.addColumn('${table}', 'state', { type: Sequelize.ENUM('new', 'active', 'gone'), allowNull: false, defaultValue: 'new' });`;
        down = `await queryInterface.removeColumn('${table}', 'state');
    await queryInterface.sequelize.query('DROP TYPE "enum_${table}_state"');`;
        break;
      default:
        up = `await queryInterface.changeColumn('${table}', 'score', { type: Sequelize.BIGINT, allowNull: false, defaultValue: 0 });
    await queryInterface.sequelize.query('CREATE VIEW ${table}_active AS SELECT id, name FROM ${table} WHERE score > 0');`;
        down = `await queryInterface.sequelize.query('DROP VIEW ${table}_active');
    await queryInterface.changeColumn('${table}', 'score', { type: Sequelize.INTEGER, allowNull: false, defaultValue: 0 });`;
    }
    files[`migrations/${stamp}-step-${i}.js`] =
      `'use strict';\nmodule.exports = {\n  async up(queryInterface, Sequelize) {\n    ${up}\n  },\n  async down(queryInterface, Sequelize) {\n    ${down}\n  },\n};\n`;
  }
  return files;
}

/** The downs real histories contain that generated clean ones do not. */
export type DownShape = 'enum-left-behind' | 'column-readded' | 'down-fails' | 'irreversible';

/** How many of each shape a real-shaped history of `count` migrations holds (10/10/5/3 at 300). */
export function shapeCounts(count: number): Record<DownShape, number> {
  const scale = (k: number) => Math.max(1, Math.round((k * count) / 300));
  return {
    'enum-left-behind': scale(10),
    'column-readded': scale(10),
    'down-fails': scale(5),
    irreversible: scale(3),
  };
}

/**
 * A real-shaped history: the generated one, where some of the index migrations (every fifth, which
 * nothing later depends on) are replaced, spread over the whole history, by the downs real projects
 * accumulate: a `dropTable` that leaves its ENUM type behind (Sequelize 6's `createTable` then quietly
 * reuses it on the next up), a `removeColumn` whose down re-adds the column (it comes back last), a
 * down that fails (a misspelt column name) and a down that refuses on purpose (after a data backfill).
 * Returns the files and, for each replaced migration, its shape.
 */
export function generateRealMigrations(count: number): {
  files: Record<string, string>;
  shapes: Map<string, DownShape>;
} {
  const files = generateMigrations(count);
  const counts = shapeCounts(count);
  const kinds: DownShape[] = [];
  // Interleaved, so each shape is spread over the history rather than bunched in one stretch.
  while (Object.values(counts).some((n) => n > 0)) {
    for (const kind of Object.keys(counts) as DownShape[]) {
      if (counts[kind]-- > 0) kinds.push(kind);
    }
  }
  const slots = Math.floor(count / 5) - (count % 5 > 2 ? 0 : 1); // tables whose index slot exists
  const shapes = new Map<string, DownShape>();
  kinds.forEach((kind, j) => {
    const t = Math.floor(((j + 0.5) * (slots + 1)) / kinds.length);
    const i = t * 5 + 2;
    const table = `t${t}`;
    const stamp = `2025${String(1000000000 + i).slice(1)}`;
    const path = `migrations/${stamp}-step-${i}.js`;
    if (!files[path]) return;
    let up: string;
    let down: string;
    switch (kind) {
      case 'enum-left-behind':
        up = `await queryInterface.createTable('${table}_tags', {
      id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true },
      kind: { type: Sequelize.ENUM('plain', 'pinned'), allowNull: false, defaultValue: 'plain' },
    });`;
        down = `await queryInterface.dropTable('${table}_tags');`;
        break;
      case 'column-readded':
        up = `await queryInterface.removeColumn('${table}', 'body');`;
        down = `await queryInterface.addColumn('${table}', 'body', { type: Sequelize.TEXT });`;
        break;
      case 'down-fails':
        up = `await queryInterface.addColumn('${table}', 'slug', { type: Sequelize.STRING(80) });`;
        down = `await queryInterface.removeColumn('${table}', 'sulg');`;
        break;
      default:
        up = `await queryInterface.sequelize.query("UPDATE ${table} SET name = trim(name) WHERE name <> trim(name)");`;
        down = `throw new Error('irreversible: the untrimmed names are gone');`;
    }
    files[path] =
      `'use strict';\nmodule.exports = {\n  async up(queryInterface, Sequelize) {\n    ${up}\n  },\n  async down(queryInterface, Sequelize) {\n    ${down}\n  },\n};\n`;
    shapes.set(`${stamp}-step-${i}.js`, kind);
  });
  return { files, shapes };
}
