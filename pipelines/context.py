"""What every pipeline step is handed: ids, settings and opened adapters, never ORM objects.

The adapters are built once by the composition root (``app/bootstrap.py``) and reach the steps through
``Services``; nothing here builds storage or reads the environment.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from config.settings import Settings
from mam.db import UnitOfWork
from mam.storage import ObjectStore


class Enqueuer(Protocol):
    """Hands a step to the broker (Celery in production, a recorder in tests)."""

    def send(self, task: str, queue: str, args: list[str]) -> None:
        """Publish ``task`` with ``args`` on ``queue``; raises when the broker cannot take it."""


class Locks(Protocol):
    """Short-lived named locks that a running step keeps alive (Redis in production)."""

    def hold(self, name: str) -> AbstractContextManager[bool]:
        """Yield True with the lock held (renewed while held), or False if someone else holds it."""

    def is_held(self, name: str) -> bool:
        """Whether anyone holds ``name`` now."""


class Services(Protocol):
    """What the composition root hands the flow."""

    settings: Settings
    storage: ObjectStore
    uow: UnitOfWork
    enqueuer: Enqueuer
    locks: Locks
    presets: Mapping[str, Any]  # name -> mam.presets.Preset


@dataclass
class StepResult:
    """What a step reports besides its catalog writes: warnings as data, and how many of its items failed.

    A step with items (shots to analyse) whose every item failed is not done: the workflow fails it."""

    warnings: list[str] = field(default_factory=list)
    items: int = 0
    failed_items: int = 0
    first_failure: str | None = None


@dataclass
class StepContext:
    """One asset's run through a pipeline step."""

    asset_id: str
    settings: Settings
    storage: ObjectStore
    uow: UnitOfWork
    workdir: Path
    subject_id: str | None = None  # an export batch
    presets: Mapping[str, Any] = field(default_factory=dict)


def remove_work_dirs(settings: Settings, asset_id: str | None = None, older_than_s: float | None = None) -> int:
    """Remove work directories left by killed runs: an asset's (its steps never overlap), or every one older
    than ``older_than_s`` (no step runs longer than the hard time limit). Returns how many."""
    base = settings.data_dir / "work"
    if not base.is_dir():
        return 0
    now, removed = time.time(), 0
    for stale in base.glob(f"{asset_id}-*" if asset_id else "*"):
        try:
            if older_than_s is not None and now - stale.stat().st_mtime < older_than_s:
                continue
        except OSError:
            continue
        shutil.rmtree(stale, ignore_errors=True)
        removed += 1
    return removed


@contextmanager
def step_context(asset_id: str, services: Services, subject_id: str | None = None) -> Iterator[StepContext]:
    """A context with a private work directory (named after the subject, else the asset) that is removed
    afterwards, whatever happens."""
    base = services.settings.data_dir / "work"
    base.mkdir(parents=True, exist_ok=True)
    owner = subject_id or asset_id
    remove_work_dirs(services.settings, owner)  # left by a run whose worker was killed
    workdir = Path(tempfile.mkdtemp(prefix=f"{owner}-", dir=base))
    try:
        yield StepContext(asset_id, services.settings, services.storage, services.uow, workdir, subject_id,
                          getattr(services, "presets", {}))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
