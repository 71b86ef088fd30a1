"""Schemabot's Alembic worker.

Speaks the worker protocol of ``src/migrate/protocol.ts``: JSON requests, one per line, on standard
input; one JSON answer per request, with the same ``id``, on file descriptor 3. Standard output and
error stay the project's own (Alembic's logging, prints of ``env.py``); Schemabot relays them.

Alembic is driven through its command API (``alembic.command``, ``Config``, ``ScriptDirectory``), one
revision at a time. Every statement a revision sends is captured with its duration through
SQLAlchemy's engine events; a statement belongs to the revision when the revision's file is on the
Python stack that sent it, so Alembic's own bookkeeping (the version table, reflection) is left out.

Standard library, Alembic and SQLAlchemy only: it runs with the project's own Python and packages.
"""

import ast
import json
import os
import re
import sys
import threading
import time
import traceback

# The project's checkout stays as it was: no __pycache__ folders written into it.
sys.dont_write_bytecode = True

# The project's modules (env.py imports its models) are found from the project's root, as with
# ``python -m alembic``; this file's own folder has nothing the project should import.
if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(os.path.abspath(__file__)):
    sys.path.pop(0)

alembic = None  # imported by ``load``: a missing package is the project's problem, told politely
sa = None


class ProjectError(Exception):
    """A configuration problem a person must fix (exit code 2 in Schemabot)."""

    def __init__(self, message, setting=None, unset_env=None):
        Exception.__init__(self, message)
        self.setting = setting
        self.unset_env = unset_env


class StateError(Exception):
    """A request the database's state does not allow (a caller's mistake, told without a traceback)."""


class Secrets(object):
    """Passwords to keep out of every answer (the connection URL's, the env mapping's)."""

    def __init__(self):
        self.values = set()

    def add(self, value):
        if value and len(value) >= 3:
            self.values.add(value)

    def redact(self, text):
        if text is None:
            return None
        text = re.sub(r"\b([a-z][a-z0-9+.-]*://[^:/?#@\s]*):[^@/\s]*@", r"\1:*****@", str(text), flags=re.I)
        for value in self.values:
            text = text.replace(value, "*****")
        return text


SECRETS = Secrets()


class RecordingEnviron(os._Environ):
    """`os.environ` that remembers the variables the project's own code asked for and did not find
    (while `missing` is a list): the names a failing env.py needs from the `env:` mapping."""

    missing = None

    def __getitem__(self, key):
        try:
            return os._Environ.__getitem__(self, key)
        except KeyError:
            if RecordingEnviron.missing is not None and asked_by_project():
                RecordingEnviron.missing.append(key)
            raise


PROJECT_ROOT = [None]


def asked_by_project():
    """The lookup comes from a file of the project (not from a library or the standard library)."""
    root = PROJECT_ROOT[0]
    if root is None:
        return False
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if not name.endswith(("os.py", "_collections_abc.py")):
            path = real(name)
            return path.startswith(root + os.sep) and "site-packages" not in path and "dist-packages" not in path
        frame = frame.f_back
    return False


try:
    os.environ.__class__ = RecordingEnviron
except TypeError:
    pass  # an unusual Python: unset variables are then not named


def ms_since(start):
    return round((time.perf_counter() - start) * 1000, 3)


def real(path):
    return os.path.normcase(os.path.realpath(os.path.abspath(path)))


class Statement(object):
    __slots__ = ("sql", "start", "ms", "failed", "line")

    def __init__(self, sql, line):
        self.sql = sql
        self.start = time.perf_counter()
        self.ms = None
        self.failed = False
        self.line = line

    def to_json(self, now):
        out = {"sql": SECRETS.redact(self.sql.strip()), "ms": self.ms if self.ms is not None else ms_since(self.start)}
        if self.failed:
            out["failed"] = True
        elif self.ms is None:
            out["unfinished"] = True
            out["ms"] = round((now - self.start) * 1000, 3)
        if self.line is not None:
            out["line"] = self.line
        return out


class Capture(object):
    """The statements sent from one revision file while one step runs."""

    def __init__(self, path):
        self.path = real(path)
        self.statements = []
        self.open = []  # statements sent and not yet answered (innermost last)
        self.transactions = []  # 'begin' / 'commit' / 'rollback', in order

    def owner_line(self, frame):
        """The line of the revision file on the stack that sent a statement, or None (bookkeeping)."""
        while frame is not None:
            code = frame.f_code
            name = PATHS.get(code.co_filename)
            if name is None:
                name = PATHS[code.co_filename] = real(code.co_filename)
            if name == self.path:
                return frame.f_lineno
            frame = frame.f_back
        return None


PATHS = {}


class Worker(object):
    def __init__(self, answers):
        self.answers = answers
        self.cwd = None
        self.cfg = None
        self.ini_file = None
        self.section = "alembic"
        self.url = None
        self.application_name = None
        self.timeout_ms = 0
        self.capture = None
        self.pinned = None
        self.engines = []
        self.backends = set()
        self.sync_url = None
        self.engine = None
        self.listening = False
        self.checkouts = {}
        self.version_tables = {}  # id(Config) -> (schema, table), as env.py configured it
        self.location_override = None

    # --- framing -------------------------------------------------------------------------------

    def serve(self, stream):
        for line in stream:
            line = line.strip()
            if not line:
                continue
            try:
                request = json.loads(line)
            except ValueError:
                continue
            rid = request.get("id")
            op = request.get("op")
            try:
                handler = OPS.get(op)
                if handler is None:
                    raise StateError("The Alembic worker has no operation %r." % (op,))
                result = handler(self, request)
                self.answer({"id": rid, "ok": True, "result": result})
            except ProjectError as error:
                failure = {"kind": "project", "message": SECRETS.redact(str(error))}
                if error.setting:
                    failure["setting"] = error.setting
                if error.unset_env:
                    failure["unsetEnv"] = error.unset_env
                self.answer({"id": rid, "ok": False, "error": failure})
            except StateError as error:
                self.answer({"id": rid, "ok": False, "error": {"kind": "runtime", "message": SECRETS.redact(str(error))}})
            except BaseException as error:  # every request gets its answer
                if isinstance(error, (KeyboardInterrupt, SystemExit)) and op == "close":
                    raise
                failure = {"kind": "runtime", "message": SECRETS.redact(describe_exception(error))}
                code = pg_code(error)
                if code:
                    failure["code"] = code
                traceback.print_exc(file=sys.stderr)
                self.answer({"id": rid, "ok": False, "error": failure})
            if op == "close":
                return

    def answer(self, message):
        self.answers.write(json.dumps(message, default=str) + "\n")
        self.answers.flush()

    # --- load ----------------------------------------------------------------------------------

    def load(self, request):
        global alembic, sa
        cwd = os.path.abspath(request.get("cwd") or os.getcwd())
        if not os.path.isdir(cwd):
            raise ProjectError("The project folder %s does not exist." % cwd)
        os.chdir(cwd)
        PROJECT_ROOT[0] = real(cwd)
        if cwd not in sys.path:
            sys.path.insert(0, cwd)
        self.cwd = cwd
        try:
            import alembic as alembic_module
            import alembic.command  # noqa: F401
            import alembic.config  # noqa: F401
            import alembic.script  # noqa: F401
            import alembic.runtime.environment  # noqa: F401
            import sqlalchemy as sa_module
        except ImportError as error:
            raise ProjectError(
                "%s cannot import %s, which the Alembic project needs. Install the project's "
                "requirements for this Python (pip install -r requirements.txt, or pip install alembic), "
                "or point Schemabot at the Python that has them (--python / the action's python input)."
                % (sys.executable, getattr(error, "name", None) or str(error))
            )
        alembic = alembic_module
        sa = sa_module
        from alembic.config import Config

        ini = os.environ.get("ALEMBIC_CONFIG") or "alembic.ini"
        ini_path = os.path.join(cwd, ini)
        migrations_path = request.get("migrationsPath")
        if request.get("config") == "none" or not os.path.isfile(ini_path):
            if not migrations_path:
                raise ProjectError(
                    "No %s in %s, so this is not an Alembic project. Run Schemabot from the folder that "
                    "holds alembic.ini (--cwd), or give the script location (--migrations-path)." % (ini, cwd),
                    setting="alembic.ini",
                )
            cfg = Config()
            self.ini_file = None
        else:
            cfg = Config(ini_path, ini_section=self.section)
            self.ini_file = ini_path
        if migrations_path:
            cfg.set_main_option("script_location", migrations_path.replace("%", "%%"))
            self.location_override = migrations_path
        location = cfg.get_main_option("script_location")
        if not location:
            raise ProjectError(
                "%s has no script_location in its [%s] section: Alembic cannot find env.py and the "
                "versions folder. Add script_location = <folder> (usually alembic or migrations)."
                % (ini, self.section),
                setting="%s [%s] script_location" % (ini, self.section),
            )
        self.cfg = cfg
        script = self.script()
        versions = os.path.abspath(script.versions)
        if not os.path.isfile(os.path.join(script.dir, "env.py")):
            raise ProjectError(
                "The Alembic script location %s has no env.py. Create it (alembic init writes one) or "
                "fix script_location in %s." % (script.dir, ini),
                setting="%s [%s] script_location" % (ini, self.section),
            )
        meta = version_table_of(os.path.join(script.dir, "env.py"))
        settings = {"script_location": location}
        for key in (
            "version_locations",
            "file_template",
            "prepend_sys_path",
            "timezone",
            "truncate_slug_length",
            "revision_environment",
            "sourceless",
            "output_encoding",
            "recursive_version_locations",
        ):
            value = cfg.get_main_option(key)
            if value is not None:
                settings[key] = value
        info = {
            "runner": "alembic",
            "cwd": cwd,
            "migrationsDir": versions,
            "env": self.section,
            "meta": meta,
            "config": settings,
            "libraryVersion": getattr(alembic, "__version__", None),
            "librarySource": "project",
        }
        if self.ini_file:
            info["configFile"] = self.ini_file
        return info

    def script(self, cfg=None):
        from alembic.script import ScriptDirectory
        from alembic.util import CommandError

        cfg = cfg or self.config()
        try:
            return ScriptDirectory.from_config(cfg)
        except CommandError as error:
            raise ProjectError(
                "Alembic cannot read the script location %r: %s. Fix script_location in %s."
                % (cfg.get_main_option("script_location"), error, os.path.basename(self.ini_file or "alembic.ini")),
                setting="script_location",
            )

    def checkout_config(self, root):
        """The Config of the same project in another checkout (`root`: its project folder, e.g. the
        base commit's), with the open database's URL; None when that checkout has no Alembic setup."""
        from alembic.config import Config

        root = os.path.abspath(root)
        cached = self.checkouts.get(root)
        if cached is not None:
            return cached
        ini = os.path.join(root, os.path.basename(self.ini_file or "alembic.ini"))
        if os.path.isfile(ini):
            cfg = Config(ini, ini_section=self.section)
        else:
            cfg = Config()
        location = self.location_override or cfg.get_main_option("script_location")
        if not location:
            return None
        if not os.path.isabs(location) and ":" not in location:
            location = os.path.join(root, location)
        if not os.path.isdir(location):
            return None
        cfg.set_main_option("script_location", location.replace("%", "%%"))
        versions = cfg.get_main_option("version_locations")
        if versions:
            paths = [v if os.path.isabs(v) else os.path.join(root, v) for v in versions.split()]
            cfg.set_main_option("version_locations", " ".join(paths).replace("%", "%%"))
        if self.url is not None:
            cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        self.checkouts[root] = cfg
        return cfg

    def config_of(self, path):
        """The Config whose scripts hold the revision file `path`: the project's, or (a path in
        another checkout of the project, e.g. the base commit's) that checkout's."""
        head = self.config()
        if not path:
            return head
        path = real(path)
        if path.startswith(real(self.cwd) + os.sep):
            return head
        folder = os.path.dirname(path)
        ini = os.path.basename(self.ini_file or "alembic.ini")
        while True:
            if os.path.isfile(os.path.join(folder, ini)):
                return self.checkout_config(folder) or head
            parent = os.path.dirname(folder)
            if parent == folder:
                return head
            folder = parent

    def config(self):
        if self.cfg is None:
            raise StateError("The Alembic worker was asked to work before load.")
        return self.cfg

    # --- open / connections --------------------------------------------------------------------

    def open(self, request):
        cfg = self.config()
        url = request["url"]
        for key, value in (request.get("env") or {}).items():
            os.environ[key] = str(value)
            if "PASSWORD" in key.upper() or "SECRET" in key.upper():
                SECRETS.add(str(value))
        sync_url = sqlalchemy_url(url)
        try:
            parsed = sa.engine.make_url(sync_url)
            if parsed.password:
                SECRETS.add(str(parsed.password))
        except Exception:
            pass
        # The driver the project configured (e.g. asyncpg for an async env.py) stays its driver.
        url = with_driver_of(configured_url(cfg), sync_url)
        self.url = url
        self.sync_url = sync_url
        self.application_name = request.get("applicationName") or "schemabot-alembic"
        self.timeout_ms = int(request.get("timeoutMs") or 0)
        # ConfigParser interpolation: a percent-encoded password must not be read as %(name)s.
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
        for other in self.checkouts.values():
            other.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
        self.listen()
        # Connect once now: a wrong URL or a missing driver is found here, not in the first step.
        self.engine = None
        with self.own_engine().connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        # env.py runs once now, reading the version table: a problem in it (a setting the env:
        # mapping does not set) is a configuration problem told before the first revision.
        self.version_tables = {}
        self.heads()
        return {"library": "alembic", "libraryVersion": getattr(alembic, "__version__", None)}

    def listen(self):
        if self.listening:
            return
        from sqlalchemy import event
        from sqlalchemy.engine import Engine
        from sqlalchemy.pool import Pool

        worker = self

        def on_connect(dbapi_connection, _record):
            # Every connection env.py opens is named, so Schemabot finds its backends.
            # Literal SQL, no parameters: every driver's paramstyle accepts it.
            settings = [("application_name", worker.application_name)]
            pinned = worker.pinned or {}
            if pinned.get("lockTimeoutMs"):
                settings.append(("lock_timeout", "%dms" % int(pinned["lockTimeoutMs"])))
            if pinned.get("statementTimeoutMs"):
                settings.append(("statement_timeout", "%dms" % int(pinned["statementTimeoutMs"])))
            sql = "SELECT pg_backend_pid(), " + ", ".join(
                "set_config(%s, %s, false)" % (literal(name), literal(value)) for name, value in settings
            )
            try:
                cursor = dbapi_connection.cursor()
                cursor.execute(sql)
                row = cursor.fetchone()
                if row:
                    worker.backends.add(row[0])
                cursor.close()
                dbapi_connection.commit()
            except Exception:
                pass

        def before(conn, cursor, statement, parameters, context, executemany):
            engine = conn.engine
            if engine not in worker.engines:
                worker.engines.append(engine)
            capture = worker.capture
            if capture is None:
                return
            line = capture.owner_line(sys._getframe(1))
            if line is None:
                return
            entry = Statement(statement, line)
            capture.statements.append(entry)
            capture.open.append(entry)

        def after(conn, cursor, statement, parameters, context, executemany):
            capture = worker.capture
            if capture is None or not capture.open:
                return
            if capture.open[-1].sql is statement or capture.open[-1].sql == statement:
                entry = capture.open.pop()
                entry.ms = ms_since(entry.start)

        def on_error(context):
            capture = worker.capture
            if capture is None or not capture.open:
                return
            entry = capture.open[-1]
            if context.statement is None or entry.sql == context.statement:
                capture.open.pop()
                entry.ms = ms_since(entry.start)
                entry.failed = True

        def marker(kind):
            def mark(conn, *rest):
                if worker.capture is not None:
                    worker.capture.transactions.append(kind)

            return mark

        event.listen(Pool, "connect", on_connect)
        event.listen(Engine, "before_cursor_execute", before)
        event.listen(Engine, "after_cursor_execute", after)
        event.listen(Engine, "handle_error", on_error)
        event.listen(Engine, "begin", marker("begin"))
        event.listen(Engine, "commit", marker("commit"))
        event.listen(Engine, "rollback", marker("rollback"))
        self.listening = True

    def release(self):
        """Closes the connections env.py's engines keep pooled (a database is copied only while unused)."""
        engines, self.engines = self.engines, []
        for engine in engines:
            try:
                engine.dispose()
            except Exception:
                pass

    def disconnect(self, _request):
        self.release()
        return None

    def close(self, _request):
        self.release()
        return None

    def require_open(self):
        if self.url is None:
            raise StateError("The Alembic worker was asked to use the database before open.")

    # --- reading the database through env.py ---------------------------------------------------

    def run_env(self, fn, **options):
        """Runs the project's env.py with `fn` as the migration function (what every command does).
        env.py failing before `fn` ran is a configuration problem: told with its file, line and the
        environment variables it read that are not set."""
        from alembic.runtime.environment import EnvironmentContext

        cfg = options.pop("cfg", None) or self.config()
        script = options.pop("script", None) or self.script(cfg)
        called = []

        def wrapped(rev, context):
            called.append(True)
            return fn(rev, context)

        unset = []
        RecordingEnviron.missing = unset
        try:
            with EnvironmentContext(cfg, script, fn=wrapped, **options):
                script.run_env()
        except Exception as error:
            if called:
                raise
            raise self.env_failure(error, script, unset)
        finally:
            RecordingEnviron.missing = None
        return script

    def env_failure(self, error, script, unset):
        env_py = os.path.join(script.dir, "env.py")
        place = None
        for frame in traceback.extract_tb(error.__traceback__):
            path = real(frame.filename)
            if path.startswith(real(self.cwd) + os.sep) or path == real(env_py):
                if "site-packages" not in path and "dist-packages" not in path:
                    place = frame
        where = "%s:%d" % (relative(place.filename, self.cwd), place.lineno) if place else relative(env_py, self.cwd)
        names = sorted(set(unset))
        message = "Alembic's env.py failed before any revision ran (%s): %s" % (where, describe_exception(error))
        message = message.rstrip(".") + "."
        if names:
            message += (
                " It read %s, which %s not set: if env.py builds its database URL from these, map them to "
                "Schemabot's database in .schemabot.yml (env: { %s: \"{host}\", ... }; placeholders {url} {host} "
                "{port} {user} {password} {database})." % (", ".join(names), "is" if len(names) == 1 else "are", names[0])
            )
        else:
            message += " Check that env.py runs with `alembic current` on a database you can reach."
        return ProjectError(message, setting="env.py", unset_env=names or None)

    def heads(self, script=None, cfg=None):
        """The version table's rows. The first read runs env.py (which decides the table's name and
        schema); later reads query that table directly, which costs a query instead of a whole env.py."""
        cfg = cfg or self.config()
        where = self.version_tables.get(id(cfg))
        if where is None:
            seen = self.current(script, cfg)
            self.version_tables[id(cfg)] = (seen["schema"], seen["table"])
            return seen["heads"]
        schema, table = where
        name = (quote_ident(schema) + "." if schema else "") + quote_ident(table)
        with self.own_engine().connect() as conn:
            exists = conn.execute(sa.text("SELECT to_regclass(:name) IS NOT NULL"), {"name": name}).scalar()
            if not exists:
                return ()
            return tuple(row[0] for row in conn.execute(sa.text("SELECT version_num FROM " + name)))

    def own_engine(self):
        """The worker's own engine (no pool: it keeps no connection open between uses)."""
        if self.engine is None:
            self.engine = sa.create_engine(self.sync_url, poolclass=sa.pool.NullPool)
        return self.engine

    def current(self, script=None, cfg=None):
        """The version table's rows and where the table is, as env.py configures it."""
        seen = {}

        def read(_rev, context):
            seen["heads"] = tuple(context.get_current_heads())
            seen["table"] = context.opts.get("version_table") or "alembic_version"
            seen["schema"] = context.opts.get("version_table_schema")
            return []

        try:
            self.run_env(read, dont_mutate=True, script=script, cfg=cfg)
        finally:
            self.release()
        if "heads" not in seen:
            raise ProjectError(
                "env.py did not call context.run_migrations() in online mode, so Alembic's version table "
                "could not be read. Check run_migrations_online() in env.py."
            )
        return seen

    def applied(self, _request):
        self.require_open()
        script = self.script()
        heads = self.heads(script)
        return ordered(script, heads)

    # --- one step ------------------------------------------------------------------------------

    def step(self, request):
        from alembic import command

        self.require_open()
        name = request["migration"]["name"]
        direction = request["direction"]
        # A base revision replays from the base commit's checkout, exactly as it was committed.
        cfg = self.config_of(request["migration"].get("path"))
        script = self.script(cfg)
        revision = get_revision(script, name)
        heads = self.heads(script, cfg)
        applied = ancestors(script, heads)
        parents = down_revisions(revision)
        file = relative(revision.path, self.cwd)

        if direction == "up":
            if name in applied:
                raise StateError("Revision %s is already applied (the database is at %s)." % (name, ", ".join(heads) or "base"))
            missing = [p for p in parents if p not in applied]
            if missing:
                raise StateError(
                    "Revision %s cannot be run alone: its parent %s is not applied (the database is at %s)."
                    % (name, ", ".join(missing), ", ".join(heads) or "base")
                )
            target = name
        else:
            if name not in heads:
                raise StateError(
                    "Revision %s cannot be reverted alone: %s (the database is at %s)."
                    % (
                        name,
                        "it is not applied" if name not in applied else "revisions after it are applied",
                        ", ".join(heads) or "base",
                    )
                )
            missing_down = missing_downgrade(revision.path)
            if missing_down:
                return {
                    "ok": False,
                    "ms": 0,
                    "statements": [],
                    "error": {
                        "message": "Revision %s has no down: its downgrade() %s, so it cannot be reverted. "
                        "Write a downgrade() that undoes upgrade()." % (name, missing_down),
                        "file": file,
                    },
                }
            if len(parents) > 1:
                target = parents[0]  # Alembic reverts only the merge point when given one of its parents
            elif len(heads) == 1:
                target = parents[0] if parents else "base"
            else:
                target = "%s@-1" % name  # only this branch: the others keep their heads

        capture = Capture(revision.path)
        self.pinned = request.get("pinned")
        timer = None
        timed_out = []
        if self.timeout_ms > 0:
            timer = threading.Timer(self.timeout_ms / 1000.0, self.stop_running, (timed_out,))
            timer.daemon = True
        started = time.perf_counter()
        error = None
        self.capture = capture
        try:
            if timer:
                timer.start()
            if direction == "up":
                command.upgrade(cfg, target)
            else:
                command.downgrade(cfg, target)
        except BaseException as raised:  # the project's code may raise anything
            if isinstance(raised, KeyboardInterrupt):
                raise
            error = raised
        finally:
            if timer:
                timer.cancel()
            self.capture = None
            self.pinned = None
            self.release()
        elapsed = ms_since(started)
        now = time.perf_counter()
        result = {
            "ok": error is None,
            "ms": elapsed,
            "statements": [s.to_json(now) for s in capture.statements],
            "error": None,
        }
        if error is not None:
            info = self.error_info(error, revision, capture)
            if timed_out:
                seconds = self.timeout_ms / 1000.0
                info["message"] = (
                    "Revision %s (%s) did not finish within %g s and was stopped; the statement running was "
                    "cancelled. Make it faster, or raise the timeout." % (name, direction, seconds)
                )
            elif direction == "down" and isinstance(error, NotImplementedError) and not capture.statements:
                info["message"] = (
                    "Revision %s has no down: its downgrade() raises %s, so it cannot be reverted. "
                    "Write a downgrade() that undoes upgrade()." % (name, describe_exception(error))
                )
            result["error"] = info
        if request.get("pinned"):
            kinds = capture.transactions
            result["transaction"] = "begin" in kinds
            result["rolledBack"] = ("rollback" in kinds) if error is not None else None
        return result

    def stop_running(self, flag):
        """The step's deadline passed: cancel whatever its connections are running."""
        flag.append(True)
        if not self.backends:
            return
        try:
            with self.own_engine().connect() as conn:
                conn.execute(
                    sa.text("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = :name AND pid <> pg_backend_pid()"),
                    {"name": self.application_name},
                )
        except Exception:
            pass

    def error_info(self, error, revision, capture):
        info = {"message": describe_exception(error)}
        frames = traceback.extract_tb(error.__traceback__)
        revision_path = real(revision.path)
        place = None
        for frame in frames:
            if real(frame.filename) == revision_path:
                place = frame
        if place is None:
            # Not the revision's code: name the last file of the project (env.py, a models module).
            for frame in frames:
                path = real(frame.filename)
                if path.startswith(real(self.cwd) + os.sep) and "site-packages" not in path and "dist-packages" not in path:
                    place = frame
        info["file"] = relative(place.filename if place else revision.path, self.cwd)
        if place is not None:
            info["line"] = place.lineno
        statement = getattr(error, "statement", None)
        failed = [s for s in capture.statements if s.failed]
        if failed:
            statement = failed[-1].sql
        if statement:
            info["sql"] = SECRETS.redact(statement.strip())
        orig = getattr(error, "orig", None)
        if orig is not None:
            code = getattr(orig, "pgcode", None) or getattr(orig, "sqlstate", None)
            if code:
                info["code"] = code
            diag = getattr(orig, "diag", None)
            if diag is not None:
                primary = getattr(diag, "message_primary", None)
                if primary:
                    info["message"] = primary
                for key, attr in (("detail", "message_detail"), ("hint", "message_hint")):
                    value = getattr(diag, attr, None)
                    if value:
                        info[key] = value
                position = getattr(diag, "statement_position", None)
                if position:
                    try:
                        info["position"] = int(position)
                    except ValueError:
                        pass
        for key in ("message", "detail", "hint"):
            if key in info:
                info[key] = SECRETS.redact(info[key])
        return info

    # --- stamp ---------------------------------------------------------------------------------

    def record(self, request):
        return self.stamp(request.get("names") or [], add=True)

    def unrecord(self, request):
        return self.stamp(request.get("names") or [], add=False)

    def stamp(self, names, add):
        from alembic import command

        self.require_open()
        script = self.script()
        for name in names:
            get_revision(script, name)
        heads = self.heads(script)
        applied = ancestors(script, heads)
        if add:
            wanted = applied | ancestors(script, names)
        else:
            gone = descendants(script, names)
            wanted = applied - gone
        new_heads = heads_of(script, wanted)
        if set(new_heads) == set(heads):
            return None
        try:
            command.stamp(self.config(), list(new_heads) or "base", purge=True)
        finally:
            self.release()
        return None

    # --- Alembic only --------------------------------------------------------------------------

    def revisions(self, request):
        """Every revision of the script directory (of `cwd`'s alembic.ini when given), without a database."""
        script = self.script()
        other = request.get("cwd")
        if other:
            cfg = self.checkout_config(other)
            if cfg is None:
                return {"revisions": [], "heads": [], "bases": []}
            script = self.script(cfg)
        from alembic.util import CommandError

        try:
            items = list(script.walk_revisions())
            heads = list(script.get_heads())
            bases = list(script.get_bases())
        except CommandError as error:
            raise ProjectError("Alembic cannot read the revisions of %s: %s" % (script.versions, error), setting="versions")
        items.reverse()  # base first
        out = []
        for rev in items:
            down = rev.down_revision
            if isinstance(down, (list, tuple)):
                down = list(down)
            deps = rev.dependencies
            if isinstance(deps, str):
                deps = [deps]
            elif deps is not None:
                deps = list(deps)
            out.append(
                {
                    "id": rev.revision,
                    "downRevision": down,
                    "branchLabels": sorted(rev.branch_labels or ()),
                    "dependsOn": deps,
                    "path": os.path.abspath(rev.path),
                    "doc": rev.doc or "",
                }
            )
        return {"revisions": out, "heads": heads, "bases": bases}

    def compare_models(self, _request):
        """`alembic check`'s comparison: env.py's target_metadata against the database."""
        from alembic.autogenerate import compare_metadata

        self.require_open()
        seen = {}

        def compare(_rev, context):
            metadata = context.opts.get("target_metadata")
            if metadata is None:
                seen["missing"] = True
                return []
            seen["diffs"] = compare_metadata(context, metadata)
            return []

        try:
            self.run_env(compare, dont_mutate=True)
        finally:
            self.release()
        if seen.get("missing"):
            raise ProjectError(
                "env.py passes no target_metadata to context.configure(), so the models cannot be compared. "
                "Set target_metadata = Base.metadata (your models' MetaData) in env.py.",
                setting="env.py target_metadata",
            )
        if "diffs" not in seen:
            raise ProjectError(
                "env.py did not call context.run_migrations() in online mode, so the models could not be "
                "compared. Check run_migrations_online() in env.py."
            )
        out = []
        for diff in seen["diffs"]:
            if isinstance(diff, list):
                out.extend(describe_diff(d) for d in diff)
            else:
                out.append(describe_diff(diff))
        return out


    def functions(self, request):
        """Which revisions can run up and down, reading them and running nothing: a downgrade() that
        is only `pass` or only raises cannot revert its revision."""
        out = []
        for item in request.get("migrations") or []:
            name = item["name"]
            try:
                revision = get_revision(self.script(self.config_of(item.get("path"))), name)
                out.append({"name": name, "up": True, "down": not missing_downgrade(revision.path)})
            except Exception as error:  # a revision file that does not load
                out.append({"name": name, "up": False, "down": False, "error": SECRETS.redact(describe_exception(error))})
        return out

    def autogenerate(self, request):
        """`alembic revision --autogenerate -m MESSAGE` against the open database, which must be at the
        head: the new revision holds what target_metadata has that the revisions do not create."""
        from alembic import command
        from alembic.util import CommandError

        self.require_open()
        cfg = self.config()
        script = self.script(cfg)
        at = set(self.heads(script, cfg))
        heads = set(script.get_heads())
        if at != heads:
            raise StateError(
                "The database is at %s, not at the head %s: autogenerate compares the models with the head's schema."
                % (", ".join(sorted(at)) or "base", ", ".join(sorted(heads)))
            )
        try:
            written = command.revision(cfg, message=request["message"], autogenerate=True)
        except CommandError as error:
            raise ProjectError(
                "alembic revision --autogenerate refused: %s. Set target_metadata = Base.metadata (your models' "
                "MetaData) in env.py." % (error,),
                setting="env.py target_metadata",
            )
        finally:
            self.release()
        if isinstance(written, (list, tuple)):
            written = written[0]
        return {"id": written.revision, "path": os.path.abspath(written.path)}

OPS = {
    "load": Worker.load,
    "open": Worker.open,
    "step": Worker.step,
    "applied": Worker.applied,
    "record": Worker.record,
    "unrecord": Worker.unrecord,
    "disconnect": Worker.disconnect,
    "close": Worker.close,
    "revisions": Worker.revisions,
    "compare-models": Worker.compare_models,
    "autogenerate": Worker.autogenerate,
    "functions": Worker.functions,
}


# --- helpers -------------------------------------------------------------------------------------


def sqlalchemy_url(url):
    """Schemabot's `postgres://` URL as SQLAlchemy names it, with a driver the project has installed
    (SQLAlchemy's default driver differs between versions: psycopg2 up to 2.0, psycopg from 2.1)."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in ("postgres", "postgresql"):
        return url
    major_minor = tuple(int(p) for p in re.findall(r"\d+", sa.__version__)[:2])
    drivers = [("psycopg2", "psycopg2")]
    if major_minor >= (2, 0):
        drivers.append(("psycopg", "psycopg"))
    for module, dialect in drivers:
        try:
            __import__(module)
        except ImportError:
            continue
        return "postgresql+%s://%s" % (dialect, rest)
    raise ProjectError(
        "%s has no PostgreSQL driver for SQLAlchemy. Add one to the project's requirements "
        "(pip install psycopg2-binary%s)." % (sys.executable, ", or psycopg[binary]" if major_minor >= (2, 0) else ""),
        setting="requirements.txt",
    )


def quote_ident(name):
    """A SQL identifier, quoted."""
    return '"' + str(name).replace('"', '""') + '"'


def literal(text):
    """A SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def configured_url(cfg):
    """The `sqlalchemy.url` the project's ini file sets, or None (it may be absent or not resolvable)."""
    try:
        return cfg.get_main_option("sqlalchemy.url")
    except Exception:
        return None


def with_driver_of(configured, url):
    """`url` with the PostgreSQL driver named in the project's own URL (`postgresql+asyncpg://...`)."""
    if not configured:
        return url
    scheme = configured.partition("://")[0]
    if not scheme.startswith("postgresql+"):
        return url
    return scheme + "://" + url.partition("://")[2]


def relative(path, cwd):
    path = os.path.abspath(path)
    try:
        rel = os.path.relpath(path, cwd)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def get_revision(script, name):
    from alembic.util import CommandError

    try:
        rev = script.get_revision(name)
    except CommandError as error:
        raise StateError("Alembic has no revision %s: %s" % (name, error))
    if rev is None:
        raise StateError("Alembic has no revision %s." % name)
    return rev


def down_revisions(rev):
    down = rev.down_revision
    if down is None:
        return []
    if isinstance(down, (list, tuple)):
        return list(down)
    return [down]


def all_down(rev):
    """Parents and dependencies: what must be applied before `rev`."""
    found = getattr(rev, "_all_down_revisions", None)
    if found is not None:
        return list(found)
    return down_revisions(rev)


def ancestors(script, names):
    """`names` and every revision they need, as ids."""
    seen = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        rev = script.get_revision(name)
        if rev is None or rev.revision in seen:
            continue
        seen.add(rev.revision)
        todo.extend(all_down(rev))
    return seen


def descendants(script, names):
    """`names` and every revision that needs one of them."""
    gone = set(script.get_revision(n).revision for n in names)
    changed = True
    revs = list(script.walk_revisions())
    while changed:
        changed = False
        for rev in revs:
            if rev.revision not in gone and any(d in gone for d in all_down(rev)):
                gone.add(rev.revision)
                changed = True
    return gone


def heads_of(script, applied):
    """The revisions of `applied` that no other revision of it builds on (the version table's rows)."""
    below = set()
    for name in applied:
        rev = script.get_revision(name)
        versioned = getattr(rev, "_versioned_down_revisions", None)
        below.update(versioned if versioned is not None else down_revisions(rev))
    return tuple(sorted(n for n in applied if n not in below))


def ordered(script, heads):
    """Version table rows in a stable order: the history's order, newest last."""
    order = [rev.revision for rev in script.walk_revisions()]
    order.reverse()
    rank = dict((name, i) for i, name in enumerate(order))
    return sorted(heads, key=lambda h: (rank.get(h, len(rank)), h))


def missing_downgrade(path):
    """Why the revision's downgrade() cannot revert anything (only `pass`, or only raises), or None.

    A revision whose upgrade() does nothing either (a merge point) has nothing to revert."""
    try:
        with open(path, "rb") as handle:
            tree = ast.parse(handle.read(), path)
    except (OSError, SyntaxError, ValueError):
        return None
    functions = dict((n.name, n) for n in tree.body if isinstance(n, ast.FunctionDef))
    upgrade = functions.get("upgrade")
    if upgrade is not None and all(is_noop(stmt) for stmt in upgrade.body):
        return None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "downgrade":
            body = [stmt for stmt in node.body if not is_noop(stmt) or isinstance(stmt, ast.Pass)]
            if all(is_noop(stmt) for stmt in body):
                return "does nothing (its body is only pass)"
            if all(is_noop(stmt) or isinstance(stmt, ast.Raise) for stmt in body):
                raised = next(stmt for stmt in body if isinstance(stmt, ast.Raise))
                exc = raised.exc
                if isinstance(exc, ast.Call):
                    exc = exc.func
                name = getattr(exc, "id", None) or getattr(exc, "attr", None) or "an exception"
                return "only raises %s" % name
            return None
    return "is missing"


def is_noop(stmt):
    if isinstance(stmt, ast.Pass):
        return True
    if isinstance(stmt, ast.Expr) and isinstance(getattr(stmt, "value", None), ast.Constant):
        return True  # `...` or a stray string
    return False


def version_table_of(env_path):
    """The version table env.py configures, when it is written as literals; else Alembic's default."""
    meta = {"table": "alembic_version"}
    try:
        with open(env_path, "rb") as handle:
            tree = ast.parse(handle.read(), env_path)
    except (OSError, SyntaxError, ValueError):
        return meta
    constants = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                constants[node.targets[0].id] = node.value.value
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if getattr(func, "attr", None) != "configure" and getattr(func, "id", None) != "configure":
            continue
        for keyword in node.keywords:
            value = keyword.value
            text = None
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                text = value.value
            elif isinstance(value, ast.Name):
                text = constants.get(value.id)
            if text is None:
                continue
            if keyword.arg == "version_table":
                meta["table"] = text
            elif keyword.arg == "version_table_schema":
                meta["schema"] = text
    return meta


def describe_exception(error):
    text = str(error).strip()
    orig = getattr(error, "orig", None)
    if orig is not None:
        text = str(orig).strip().splitlines()[0] if str(orig).strip() else text
        return text
    name = type(error).__name__
    return "%s: %s" % (name, text) if text else name


def pg_code(error):
    orig = getattr(error, "orig", None)
    return getattr(orig, "pgcode", None) or getattr(orig, "sqlstate", None)


def text_of(value):
    """A compared object as JSON-safe text: a table's full name, a column's name, a type's SQL."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return dict((str(k), text_of(v)) for k, v in value.items())
    if isinstance(value, (list, tuple, set)):
        return [text_of(v) for v in value]
    if sa is not None:
        if isinstance(value, sa.Table):
            return value.fullname
        if isinstance(value, sa.Column):
            return value.name
        if isinstance(value, sa.types.TypeEngine):
            try:
                return str(value.compile())
            except Exception:
                return repr(value)
    name = getattr(value, "name", None)
    if isinstance(name, str):
        return name
    return str(value)


def describe_diff(diff):
    """One difference of `compare_metadata` as plain data: op, table, the object, and before/after."""
    op = diff[0]
    out = {"op": op}
    args = diff[1:]
    if op in ("add_table", "remove_table"):
        table = args[0]
        out.update(schema=table.schema, table=table.name)
    elif op in ("add_column", "remove_column"):
        schema, table, column = args[0], args[1], args[2]
        out.update(schema=schema, table=table, name=column.name, type=text_of(column.type))
        out["nullable"] = bool(column.nullable)
    elif op in ("add_index", "remove_index", "add_constraint", "remove_constraint", "add_fk", "remove_fk"):
        obj = args[0]
        table = getattr(obj, "table", None)
        out.update(schema=getattr(table, "schema", None), table=getattr(table, "name", None), name=getattr(obj, "name", None))
        columns = getattr(obj, "columns", None)
        if columns is not None:
            try:
                out["columns"] = [c.name if hasattr(c, "name") else str(c) for c in columns]
            except TypeError:
                pass
        if op.endswith("_fk"):
            try:
                out["references"] = obj.referred_table.fullname
            except Exception:
                pass
    elif op.startswith("modify_") and len(args) >= 6:
        schema, table, column, existing, before, after = args[:6]
        out.update(schema=schema, table=table, name=column, before=text_of(before), after=text_of(after))
        out["existing"] = text_of(existing)
    else:
        out["args"] = text_of(list(args))
    out["text"] = "%s %s" % (op, ".".join(str(p) for p in (out.get("schema"), out.get("table"), out.get("name")) if p))
    return dict((k, v) for k, v in out.items() if v is not None or k in ("before", "after"))


def main():
    try:
        answers = os.fdopen(3, "w", buffering=1)
    except OSError:
        sys.stderr.write("The Schemabot Alembic worker answers on file descriptor 3; start it through Schemabot.\n")
        return 2
    worker = Worker(answers)
    worker.serve(sys.stdin)
    return 0


if __name__ == "__main__":
    sys.exit(main())
