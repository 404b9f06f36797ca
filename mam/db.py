"""Engines, the unit of work and schema migrations (Alembic, applied at start-up).

Transactions belong to the unit of work: a caller opens one with ``with uow() as session:``; it commits
when the block ends and rolls back on any error. Work to do only once the data is durable (handing a
submitted step to the broker) is registered with ``after_commit(session, fn)`` and runs after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_AFTER_COMMIT = "after_commit_callbacks"


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout for many processes."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    """One engine per URL per process."""
    return make_engine(url)


@lru_cache(maxsize=8)
def _sessions(url: str) -> sessionmaker[Session]:
    """One session factory per URL per process, with the search index hooks attached once."""
    from mam.search.index import attach_hooks

    factory = sessionmaker(bind=get_engine(url), expire_on_commit=False)
    attach_hooks(factory)
    return factory


def after_commit(session: Session, fn: Callable[[], None]) -> None:
    """Run ``fn`` once the unit of work that owns ``session`` has committed (never on rollback)."""
    session.info.setdefault(_AFTER_COMMIT, []).append(fn)


class UnitOfWork:
    """The catalog's transactions. ``with uow() as s:`` commits on success and rolls back on error.

    Its sessions keep the search index in step (the index hooks listen on this factory's sessions only)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sessions = _sessions(url)

    @contextmanager
    def __call__(self) -> Iterator[Session]:
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            callbacks = session.info.pop(_AFTER_COMMIT, [])
            session.close()
        for fn in callbacks:  # only reached after a commit
            try:
                fn()
            except Exception:
                log.warning("after-commit action failed; it is retried by the dispatcher", exc_info=True)

    def read(self) -> Session:
        """A session for reading (the caller closes it); writes go through ``with uow()``."""
        return self.sessions()


def migrate(url: str) -> None:
    """Bring the catalog schema at ``url`` to the newest revision."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = get_engine(url)
    command.upgrade(cfg, "head")


def ping(url: str) -> None:
    """Raise if the catalog cannot answer ``SELECT 1``."""
    with get_engine(url).connect() as conn:
        conn.execute(text("SELECT 1"))
