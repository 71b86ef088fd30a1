'use strict';

module.exports = (sequelize, DataTypes) => {
  const Vote = sequelize.define(
    'Vote',
    {
      user_id: { type: DataTypes.INTEGER, primaryKey: true, allowNull: false },
      post_id: { type: DataTypes.INTEGER, primaryKey: true, allowNull: false },
    },
    { tableName: 'votes', timestamps: false },
  );
  Vote.associate = (models) => {
    Vote.belongsTo(models.User, { foreignKey: 'user_id', onDelete: 'CASCADE', onUpdate: 'NO ACTION' });
    Vote.belongsTo(models.Post, { foreignKey: 'post_id', onDelete: 'CASCADE', onUpdate: 'NO ACTION' });
  };
  return Vote;
};
