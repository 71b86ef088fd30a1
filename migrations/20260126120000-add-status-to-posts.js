'use strict';

/** @type {import('sequelize-cli').Migration} */
module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.addColumn('posts', 'status', {
      type: Sequelize.ENUM('draft', 'published', 'archived'),
      allowNull: false,
      defaultValue: 'published',
    });
  },

  async down(queryInterface) {
    await queryInterface.removeColumn('posts', 'status');
    // removeColumn leaves the ENUM type behind; drop it so `up` can run again.
    await queryInterface.sequelize.query('DROP TYPE IF EXISTS "enum_posts_status";');
  },
};
