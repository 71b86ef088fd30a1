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
