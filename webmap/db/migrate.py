"""Run the Alembic migrations in ``migrations/versions`` on a connection, from code:
no alembic.ini or env.py is needed at run time. No Flask here."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _script() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def head() -> str:
    return _script().get_current_head()


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(conn: Connection, target: str = "head") -> None:
    """Bring the schema on ``conn`` to ``target`` (idempotent; the caller commits)."""
    script = _script()

    def steps(rev, _context):
        return script._upgrade_revs(target, rev)

    with EnvironmentContext(Config(), script, fn=steps, destination_rev=target) as env:
        env.configure(connection=conn, transaction_per_migration=False)
        with env.begin_transaction():
            env.run_migrations()
