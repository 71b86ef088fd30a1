"""Settings of the app, read from environment variables (the same names in development, CI and
production; Schemabot's `env:` mapping points them at its throwaway database)."""

import os


class MissingSetting(RuntimeError):
    pass


class Settings:
    """The database settings the app and its migrations need; a missing one is named in the error."""

    def __init__(self, environ=None):
        environ = os.environ if environ is None else environ
        self.database_hostname = self._required(environ, "DATABASE_HOSTNAME")
        self.database_port = int(environ.get("DATABASE_PORT") or "5432")
        self.database_username = self._required(environ, "DATABASE_USERNAME")
        self.database_password = environ.get("DATABASE_PASSWORD", "")
        self.database_name = self._required(environ, "DATABASE_NAME")

    @staticmethod
    def _required(environ, name):
        value = environ.get(name)
        if not value:
            raise MissingSetting(
                "%s is not set. Export it (see .env.example), or run through Schemabot, whose "
                ".schemabot.yml env: mapping sets it." % name
            )
        return value

    @property
    def database_url(self):
        """The SQLAlchemy URL, with the user and password quoted for use in a URL."""
        from urllib.parse import quote_plus

        return "postgresql+psycopg2://%s:%s@%s:%d/%s" % (
            quote_plus(self.database_username),
            quote_plus(self.database_password),
            self.database_hostname,
            self.database_port,
            quote_plus(self.database_name),
        )


_settings = None


def get_settings():
    """The settings, read once on first use (importing the models needs no environment)."""
    global _settings
    if _settings is None:
        _settings = Settings()
    return _settings
