'use strict';

// Connection settings come from the environment only: never commit credentials.
const base = { use_env_variable: 'DATABASE_URL', dialect: 'postgres', logging: false };

module.exports = {
  development: base,
  test: base,
  production: {
    ...base,
    dialectOptions:
      process.env.DATABASE_SSL === 'true' ? { ssl: { require: true, rejectUnauthorized: true } } : {},
  },
};
