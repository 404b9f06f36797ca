"""docker-compose.yml cannot run here (no Docker engine); keep it true by reading it."""

from pathlib import Path

import yaml

from config.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def load():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_services_of_the_distributed_shape():
    services = load()["services"]
    assert {"api", "redis", "postgres", "minio", "createbuckets"} <= set(services)
    workers = [s for s in services.values() if s.get("command", [None])[:2] == ["mam", "worker"]]
    queues = {q for w in workers for q in w["command"][w["command"].index("--queues") + 1].split(",")}
    assert queues == {"ingest", "transcode", "analyze"}
    assert services["api"]["command"][:2] == ["mam", "serve"]
    assert services["api"]["build"] == "."
    assert "mb" in services["createbuckets"]["command"][0] and "local/mam" in services["createbuckets"]["command"][0]


def test_every_setting_name_exists_and_points_at_the_right_service():
    services = load()["services"]
    fields = set(Settings.model_fields)
    for name, svc in services.items():
        for key in svc.get("environment") or {}:
            if key.startswith("MAM_"):
                assert key[4:].lower() in fields, f"{name}: unknown setting {key}"
    env = services["api"]["environment"]
    assert env["MAM_DATABASE_URL"].startswith("postgresql+psycopg://") and "@postgres:" in env["MAM_DATABASE_URL"]
    assert env["MAM_STORAGE_URL"].startswith("s3://") and env["MAM_S3_ENDPOINT_URL"] == "http://minio:9000"
    assert env["MAM_BROKER_URL"] == "redis://redis:6379/0"


def test_dockerfile_installs_ffmpeg_and_the_package():
    text = (ROOT / "Dockerfile").read_text()
    assert "ffmpeg" in text and "pip install" in text
    for pkg in ("mam", "pipelines", "workers", "api", "config", "cli", "app"):
        assert f"COPY {pkg} {pkg}" in text
