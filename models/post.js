'use strict';

module.exports = (sequelize, DataTypes) => {
  const Post = sequelize.define(
    'Post',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false },
      title: { type: DataTypes.STRING, allowNull: false },
      content: { type: DataTypes.TEXT, allowNull: false },
      published: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
      created_at: { type: DataTypes.DATE, allowNull: false, defaultValue: sequelize.fn('now') },
      updated_at: { type: DataTypes.DATE, allowNull: false, defaultValue: sequelize.fn('now') },
      status: {
        type: DataTypes.ENUM('draft', 'published', 'archived'),
        allowNull: false,
        defaultValue: 'published',
      },
    },
    {
      tableName: 'posts',
      timestamps: false,
      indexes: [{ name: 'posts_owner_id_created_at', fields: ['owner_id', 'created_at'] }],
    },
  );
  Post.associate = (models) => {
    Post.belongsTo(models.User, {
      foreignKey: { name: 'owner_id', allowNull: false },
      onDelete: 'CASCADE',
      onUpdate: 'NO ACTION',
    });
  };
  return Post;
};
