"""Bringing a database's schema up to date: ``supportbot db upgrade`` and ``db current``.

The migration history lives in ``bot/storage/migrations/versions`` (Alembic). ``upgrade``
is idempotent and safe to call from several processes at once: on PostgreSQL they wait on an
advisory lock, on SQLite on a lock file next to the database, and whoever comes second finds
nothing left to do. ``supportbot run`` upgrades before it starts any server.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.errors import StorageError
from bot.storage.engines import engine_for, sqlite_path

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: Any constant: the key of PostgreSQL's advisory lock held while migrating.
_PG_LOCK_KEY = 0x5B0_7DE5


def _config(connection: sa.Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head() -> str:
    """The newest revision this code knows."""
    revision = ScriptDirectory.from_config(_config()).get_current_head()
    assert revision is not None
    return revision


def current(url: str) -> str | None:
    """The revision the database at ``url`` is at (None: never migrated)."""
    _quiet_alembic()
    try:
        with engine_for(url).connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except sa.exc.SQLAlchemyError as exc:
        cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise StorageError(
            f"cannot read the database at {safe_url(url)}: {cause}",
            hint="check SUPPORTBOT_DATABASE_URL and that the database server is running",
        ) from exc


def upgrade(url: str) -> tuple[str | None, str]:
    """Bring the database at ``url`` to the newest revision; (before, after)."""
    target = head()
    before = current(url)
    if before == target:
        return before, target
    with _exclusive(url):
        engine = engine_for(url)
        with engine.begin() as connection:
            before = MigrationContext.configure(connection).get_current_revision()
            if before != target:
                logger.info("upgrading %s from %s to %s", safe_url(url), before, target)
                command.upgrade(_config(connection), "head")
    return before, target


def _quiet_alembic() -> None:
    """Alembic's own lines ("Context impl SQLiteImpl ...") say nothing an operator needs."""
    logging.getLogger("alembic").setLevel(logging.WARNING)


def safe_url(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    return str(sa.engine.make_url(url).render_as_string(hide_password=True))


@contextlib.contextmanager
def _exclusive(url: str) -> Iterator[None]:
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with (path.parent / f"{path.name}.migrate-lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        return
    if engine_for(url).dialect.name != "postgresql":
        yield
        return
    with engine_for(url).connect() as connection:
        connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": _PG_LOCK_KEY})
        try:
            yield
        finally:
            connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": _PG_LOCK_KEY})
