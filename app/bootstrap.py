"""The composition root: settings, storage, the unit of work, the enqueuer and the locks are built here,
once per process, and handed to the API, the Celery worker, ``mam serve``, ``mam worker`` and the CLI's
local commands. Nothing else builds storage from settings or reads the environment (``config.settings``
reads ``MAM_*`` variables; ``child_env`` below passes them on to child processes).

Tests build a root with fakes: ``build(settings, storage=InMemoryStorage(), enqueuer=RecordingEnqueuer(),
locks=MemoryLocks())``.

``start_up`` is the one place for start-up work: migrations, search backfill, the first admin token and the
requeue of unfinished work. ``mam serve`` and ``mam worker --init`` call it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from config.settings import Settings, get_settings
from mam.db import UnitOfWork, migrate
from mam.presets import Preset, PresetError, load_presets, with_limits
from mam.reviews import ReviewPolicy, load_policy
from mam.storage import Storage, open_storage
from mam.url_signing import UrlSigner
from pipelines.context import Enqueuer, Locks

log = logging.getLogger(__name__)


@dataclass
class Root:
    """Everything a process needs, built once."""

    settings: Settings
    storage: Storage
    uow: UnitOfWork
    enqueuer: Enqueuer
    locks: Locks
    presets: Mapping[str, Preset] = field(default_factory=dict)  # export presets, validated at start
    signer: UrlSigner | None = None  # signs media URLs the API serves itself (the secret is in the data dir)
    review: ReviewPolicy = field(default_factory=load_policy)  # 三审 levels and what needs them, validated at start


def storage_for(settings: Settings) -> Storage:
    """The object store the settings name (only the root calls this)."""
    secret = settings.s3_secret_access_key.get_secret_value() if settings.s3_secret_access_key else None
    return open_storage(
        settings.storage_url,
        endpoint_url=settings.s3_endpoint_url,
        public_endpoint_url=settings.s3_public_endpoint_url,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=secret,
        region=settings.s3_region,
        multipart_threshold=settings.s3_multipart_threshold_mb * 1024 * 1024,
        multipart_chunk=settings.s3_multipart_chunk_mb * 1024 * 1024,
    )


def build(settings: Settings | None = None, *, storage: Storage | None = None, uow: UnitOfWork | None = None,
          enqueuer: Enqueuer | None = None, locks: Locks | None = None,
          presets: Mapping[str, Preset] | None = None, review: ReviewPolicy | None = None) -> Root:
    """Wire the real adapters, or the fakes given. The export presets and the review policy are loaded and
    validated here: a bad file stops the process with the file, the field and the reason (``PresetError``,
    ``ReviewPolicyError``)."""
    settings = settings or get_settings()
    if enqueuer is None or locks is None:
        from workers.enqueue import CeleryEnqueuer
        from workers.locks import RedisLocks

        broker = settings.effective_broker_url()
        enqueuer = enqueuer or CeleryEnqueuer(settings)
        locks = locks or RedisLocks(broker, settings.lock_ttl_s)
    presets = configured_presets(settings) if presets is None else presets
    return Root(settings=settings, storage=storage or storage_for(settings),
                uow=uow or UnitOfWork(settings.database_url), enqueuer=enqueuer, locks=locks, presets=presets,
                signer=UrlSigner.from_file(settings.url_key_file),
                review=load_policy(settings.review_file, presets) if review is None else review)


def configured_presets(settings: Settings) -> dict[str, Preset]:
    """The presets from their files, with the limits ``MAM_PRESET_LIMITS`` sets (unconfirmed ones)."""
    found = load_presets(settings.presets_dir)
    for name, limits in settings.preset_limits.items():
        if name not in found:
            raise PresetError("MAM_PRESET_LIMITS", name, f"no preset {name!r}")
        found[name] = with_limits(found[name], **limits)
    return found


@lru_cache(maxsize=1)
def root() -> Root:
    """This process's root (built on first use from the environment's settings)."""
    return build()


def reset() -> None:
    """Forget the process's root and settings (after ``mam serve`` started the broker they name)."""
    root.cache_clear()
    get_settings.cache_clear()


def child_env(**overrides: str) -> dict[str, str]:
    """The environment for a child process of the product (workers, Redis): this one's, plus overrides."""
    return {**os.environ, **overrides}


def first_user(r: Root) -> str | None:
    """On first start with no users, add ``admin`` with a random password (kept in ``var/admin-password``,
    0600) and return it to print once: the web UI has someone to sign in as."""
    from mam.auth import ensure_first_user

    with r.uow() as s:
        return ensure_first_user(s, r.settings.first_password_file)


def start_up(r: Root, *, requeue: bool = True) -> str | None:
    """Migrate the catalog, index assets the search index lacks, requeue unfinished work; on first start
    without ``MAM_ADMIN_TOKEN`` create an admin token and return it (to print once)."""
    from mam.auth import ensure_admin_token
    from mam.search.index import backfill
    from pipelines import workflow
    from pipelines.context import remove_work_dirs

    r.settings.data_dir.mkdir(parents=True, exist_ok=True)
    if n := remove_work_dirs(r.settings, older_than_s=r.settings.task_hard_time_limit_s):
        log.info("removed %d work director(ies) left by killed runs", n)
    migrate(r.settings.database_url)
    with r.uow() as s:
        if n := backfill(s):
            log.info("indexed %d asset(s) for search", n)
    token = None
    if not r.settings.admin_token:
        with r.uow() as s:
            token = ensure_admin_token(s, r.settings.token_file)
    if requeue:
        try:
            if n := workflow.resume_unfinished(r):
                log.info("requeued %d unfinished asset(s)", n)
        except Exception as exc:  # the dispatcher hands the rows over once the broker answers
            log.warning("could not requeue unfinished work now: %s", exc)
    return token
