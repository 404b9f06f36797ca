"""What every pipeline step is handed: ids, settings and opened adapters, never ORM objects."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from config.settings import Settings
from mam.storage import Storage, open_storage


def storage_from_settings(settings: Settings) -> Storage:
    """The object store the settings name."""
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


@dataclass
class StepContext:
    """One asset's run through a pipeline step."""

    asset_id: str
    settings: Settings
    storage: Storage
    workdir: Path

    @property
    def db_url(self) -> str:
        return self.settings.database_url


@contextmanager
def step_context(asset_id: str, settings: Settings, storage: Storage | None = None) -> Iterator[StepContext]:
    """A context with a private work directory that is removed afterwards, whatever happens."""
    base = settings.data_dir / "work"
    base.mkdir(parents=True, exist_ok=True)
    for stale in base.glob(f"{asset_id}-*"):  # left by a run whose worker was killed; steps of one asset never overlap
        shutil.rmtree(stale, ignore_errors=True)
    workdir = Path(tempfile.mkdtemp(prefix=f"{asset_id}-", dir=base))
    try:
        yield StepContext(asset_id, settings, storage or storage_from_settings(settings), workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
