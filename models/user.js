'use strict';

module.exports = (sequelize, DataTypes) => {
  const User = sequelize.define(
    'User',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false },
      email: { type: DataTypes.STRING, allowNull: false, unique: true },
      password: { type: DataTypes.STRING, allowNull: false },
      created_at: { type: DataTypes.DATE, allowNull: false, defaultValue: sequelize.fn('now') },
      phone_number: { type: DataTypes.STRING, allowNull: true },
    },
    { tableName: 'users', timestamps: false },
  );
  User.associate = (models) => {
    User.hasMany(models.Post, { foreignKey: 'owner_id', onDelete: 'CASCADE', onUpdate: 'NO ACTION' });
  };
  return User;
};
