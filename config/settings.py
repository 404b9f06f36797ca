"""The one settings object. Every value comes from a ``MAM_*`` environment variable or its default.

``os.environ`` is read nowhere else in the product.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Typed settings; bad values are refused at start."""

    model_config = SettingsConfigDict(env_prefix="MAM_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    data_dir: Path = Path("./var")
    database_url: str = ""
    storage_url: str = ""
    s3_endpoint_url: str | None = None
    s3_public_endpoint_url: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_region: str = "us-east-1"
    s3_multipart_threshold_mb: int = Field(64, ge=5)
    s3_multipart_chunk_mb: int = Field(64, ge=5)
    broker_url: str = ""
    admin_token: SecretStr | None = None
    api_url: str = ""
    token: SecretStr | None = None

    # workers started by `mam serve` on the embedded shape
    workers: int = Field(2, ge=0, le=64)  # worker processes in all; split into an interactive and a heavy pool
    interactive_workers: int | None = Field(None, ge=0, le=64)  # default: half of MAM_WORKERS, at least 1
    interactive_max_s: float = Field(60.0, ge=0)  # media passes of sources up to this long stay interactive
    task_soft_time_limit_s: int = Field(3 * 3600, ge=10)
    task_hard_time_limit_s: int = Field(3 * 3600 + 300, ge=20)
    max_attempts: int = Field(3, ge=1)
    lock_ttl_s: int = Field(60, ge=2)
    ffmpeg_timeout_s: int = Field(3 * 3600, ge=5)
    ffprobe_timeout_s: int = Field(60, ge=1)
    presign_ttl_s: int = Field(900, ge=30, le=7 * 24 * 3600)  # upload part URLs
    url_ttl_s: int = Field(3600, ge=10, le=7 * 24 * 3600)  # media URLs the API hands out (signed / presigned)
    public_url: str = ""  # the URL browsers use (https makes the session cookie Secure)
    session_ttl_s: int = Field(12 * 3600, ge=60)  # a browser sign-in lasts this long
    login_max_failures: int = Field(10, ge=1)  # failed sign-ins for one name within the window -> 429
    login_window_s: int = Field(600, ge=1)
    trash_days: float = Field(30, ge=0)  # the sweeper purges assets in the trash this long
    dispatch_interval_s: float = Field(5.0, ge=0)  # how often the API hands queued work to the broker (0: never)
    redispatch_after_s: int = Field(900, ge=10)  # a sent or running step untouched this long is handed over again

    # web UI
    web_dir: Path | None = None  # the built UI (index.html + static/); default: web/dist beside the code
    map_tiles_url: str = ""  # e.g. https://tiles.example/{z}/{x}/{y}.png; empty: the offline base map the app serves
    map_tiles_attribution: str = ""

    # exports
    presets_dir: Path | None = None  # preset YAML files; default: the ones shipped in config/presets
    review_file: Path | None = None  # review levels (三审) and what needs them; default: config/review.yaml
    export_max_outputs: int = Field(20, ge=1, le=500)  # presets × assets in one export request
    # limits no platform document confirms, per preset, as JSON: {"xuexi": {"max_size_bytes": 2147483648}}
    preset_limits: dict[str, dict[str, float]] = Field(default_factory=dict)

    # uploads
    max_upload_bytes: int = Field(5 * 1024**4, ge=1)
    upload_ttl_s: int = Field(24 * 3600, ge=1)
    upload_part_mb: int = Field(16, ge=5, le=5 * 1024)
    upload_sweep_interval_s: int = Field(300, ge=1)
    allowed_media_kinds: str = "video,audio,image"
    cli_state_dir: Path = Path("~/.local/state/mam")

    # probe gate: refused before any decode
    max_pixels: int = Field(8192 * 8192, ge=1)
    max_streams: int = Field(32, ge=1)
    max_duration_s: float = Field(6 * 3600, gt=0)

    @field_validator("data_dir", "cli_state_dir")
    @classmethod
    def _absolute(cls, v: Path) -> Path:
        return v.expanduser().resolve()

    @model_validator(mode="after")
    def _defaults_under_data_dir(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'catalog.sqlite3'}"
        if not self.storage_url:
            self.storage_url = f"file://{self.data_dir / 'objects'}"
        if not self.api_url:
            host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
            self.api_url = f"http://{host}:{self.port}"
        if self.task_hard_time_limit_s <= self.task_soft_time_limit_s:
            raise ValueError("MAM_TASK_HARD_TIME_LIMIT_S must be above MAM_TASK_SOFT_TIME_LIMIT_S")
        scheme = self.storage_url.split("://", 1)[0]
        if scheme not in ("file", "s3"):
            raise ValueError(f"MAM_STORAGE_URL must start with file:// or s3://, got {self.storage_url!r}")
        return self

    @property
    def embedded_broker(self) -> bool:
        """True when `mam serve` must start and own its Redis."""
        return not self.broker_url

    @property
    def visibility_timeout_s(self) -> int:
        """Redis visibility timeout: always above the hard time limit, so no task runs twice."""
        return self.task_hard_time_limit_s + 600

    @property
    def allowed_kinds(self) -> frozenset[str]:
        """Media kinds accepted as originals (decided from the content)."""
        return frozenset(k.strip() for k in self.allowed_media_kinds.split(",") if k.strip())

    @property
    def broker_file(self) -> Path:
        """Where `mam serve` writes the URL of the Redis it started, for local `mam worker`/`mam doctor`."""
        return self.data_dir / "broker-url"

    def effective_broker_url(self) -> str:
        """MAM_BROKER_URL, else the embedded Redis of a `mam serve` running on this data dir, else ''."""
        if self.broker_url:
            return self.broker_url
        try:
            return self.broker_file.read_text().strip()
        except OSError:
            return ""

    @property
    def login_token_file(self) -> Path:
        """Where `mam login` keeps the CLI's own token (mode 0600)."""
        return self.cli_state_dir / "login.json"

    @property
    def url_key_file(self) -> Path:
        """The secret that signs media URLs on the local store (mode 0600, made on first start)."""
        return self.data_dir / "url-signing-key"

    @property
    def first_password_file(self) -> Path:
        """Where the first-start password of the ``admin`` user (for the web UI) is kept (mode 0600)."""
        return self.data_dir / "admin-password"

    @property
    def token_file(self) -> Path:
        """Where the first-start admin token is kept for the local CLI (mode 0600)."""
        return self.data_dir / "admin-token"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings()
