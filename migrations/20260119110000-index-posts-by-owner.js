'use strict';

/** @type {import('sequelize-cli').Migration} */
module.exports = {
  async up(queryInterface) {
    await queryInterface.addIndex('posts', ['owner_id', 'created_at'], { name: 'posts_owner_id_created_at' });
  },

  async down(queryInterface) {
    await queryInterface.removeIndex('posts', 'posts_owner_id_created_at');
  },
};
