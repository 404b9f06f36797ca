
import pytest
from pydantic import ValidationError

from config.settings import Settings


def test_embedded_defaults_live_under_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = Settings()
    assert s.data_dir == (tmp_path / "var").resolve()
    assert s.database_url == f"sqlite:///{tmp_path.resolve() / 'var' / 'catalog.sqlite3'}"
    assert s.storage_url == f"file://{tmp_path.resolve() / 'var' / 'objects'}"
    assert s.embedded_broker and s.port == 8000 and s.host == "127.0.0.1"
    assert s.api_url == "http://127.0.0.1:8000"
    assert s.visibility_timeout_s > s.task_hard_time_limit_s > s.task_soft_time_limit_s


def test_everything_is_overridable_by_env(monkeypatch, tmp_path):
    env = {
        "MAM_HOST": "0.0.0.0", "MAM_PORT": "9000", "MAM_DATA_DIR": str(tmp_path),
        "MAM_DATABASE_URL": "postgresql+psycopg://u@db/mam", "MAM_STORAGE_URL": "s3://media",
        "MAM_S3_ENDPOINT_URL": "http://minio:9000", "MAM_BROKER_URL": "redis://redis:6379/0",
        "MAM_ADMIN_TOKEN": "secret",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    s = Settings()
    assert s.port == 9000 and s.data_dir == tmp_path.resolve()
    assert s.database_url.startswith("postgresql+psycopg://") and s.storage_url == "s3://media"
    assert not s.embedded_broker and s.admin_token.get_secret_value() == "secret"
    assert s.api_url == "http://127.0.0.1:9000"


@pytest.mark.parametrize("key,value", [("MAM_PORT", "-1"), ("MAM_STORAGE_URL", "ftp://x"),
                                       ("MAM_TASK_HARD_TIME_LIMIT_S", "20")])
def test_bad_values_are_refused_at_start(monkeypatch, key, value):
    monkeypatch.setenv(key, value)
    with pytest.raises(ValidationError):
        Settings()
