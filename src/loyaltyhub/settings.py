"""Settings from the environment (prefix ``LOYALTYHUB_``)."""

from __future__ import annotations

import logging
from functools import cache, cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from loyaltyhub.storage import Storage, parse_bucket_url, storage_for

DEFAULT_SECRET_KEY = "dev-secret-key-change-me"
# The key signs one-time-password digests and reporting cursors: 32 bytes is 256 bits, what an HMAC-SHA256
# key should carry (``openssl rand -hex 32`` gives 64 characters).
MIN_SECRET_KEY_BYTES = 32
# A key repeating a few characters is no random key. Not 16: a random ``openssl rand -hex 32`` key lacks one of
# the 16 hex digits about one time in four (README's own instruction was refused); fewer than 10 distinct
# characters in 64 random hex digits does not happen (p < 1e-12).
MIN_SECRET_KEY_DISTINCT = 10


def secret_key_entropy_bits(key: str) -> float:
    """An estimate of the bits of entropy of ``key``: its length times the bits a character carries in the
    smallest usual alphabet holding all of it (hex 4, letters and digits 5.95, base64 6, printable ASCII
    6.57, anything else 8 per byte). Generous to a key that only looks random; it catches what matters: a
    short hex key (``openssl rand -hex 16`` is 128 bits), a word, a repeated character."""
    import math
    import string

    characters = set(key)
    if characters <= set(string.hexdigits):
        per_char = 4.0
    elif characters <= set(string.ascii_letters + string.digits):
        per_char = math.log2(62)
    elif characters <= set(string.ascii_letters + string.digits + "+/=-_"):
        per_char = 6.0
    elif characters <= set(string.printable):
        per_char = math.log2(95)
    else:
        return len(key.encode()) * 8.0 if len(characters) >= MIN_SECRET_KEY_DISTINCT else 0.0
    return len(key) * per_char if len(characters) >= MIN_SECRET_KEY_DISTINCT else 0.0


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LOYALTYHUB_", env_file=".env", extra="ignore")

    env: Literal["dev", "test", "prod"] = "dev"
    database_url: str = "sqlite:///./var/loyaltyhub.db"
    # Connections each server process keeps open. Size it to the requests a process runs at once:
    # connections beyond it (up to the overflow) are opened and closed per request, and a new
    # PostgreSQL connection costs far more than a use of an offer (docs/decisions/member_offers.md).
    # Processes × (pool + overflow) must stay under PostgreSQL's max_connections.
    database_pool_size: int = Field(default=32, ge=1)
    database_max_overflow: int = Field(default=8, ge=0)
    redis_url: str | None = None
    secret_key: str = DEFAULT_SECRET_KEY
    # The public address of this server as members reach it: short links, the e-mail open pixel and the
    # one-click unsubscribe in sent messages start with it.
    links_base_url: str = "http://127.0.0.1:8000"

    # HTTP
    max_body_bytes: int = 1_048_576
    sql_echo: bool = False
    # Check every statement for a club criterion on tenant tables (loyaltyhub.db.tenancy): a statement
    # without one fails. On in the test suite and in its live servers; costs ~0.1 ms per statement.
    tenancy_audit: bool = False
    # Request bodies as the vendor reads them (unknown keys dropped, "true"/"12" read as true/12) unless
    # strict: then an unknown key is 422 unknown_attribute and a scalar must have its JSON type. A request
    # may ask for strict input itself with `X-Strict-Input: true` (loyaltyhub.schemas).
    strict_input: bool = False

    # Tokens
    user_token_ttl_seconds: int = 12 * 3600
    member_access_token_ttl_seconds: int = 24 * 3600
    # Staff console (/console): a sign-in lasts this long; the cookie is Secure unless told otherwise
    # (default: Secure in production, where the console is served over HTTPS behind the proxy).
    console_session_ttl_seconds: int = 8 * 3600
    console_secure_cookie: bool | None = None
    member_refresh_token_ttl_seconds: int = 365 * 24 * 3600
    idempotency_ttl_seconds: int = 24 * 3600
    # Verified client tokens are cached in each server process this long (0: off). A token revoked
    # elsewhere (another process, the database) keeps working here for at most this long.
    client_token_cache_seconds: float = 10.0

    # Rate limiting (token buckets, reference A.2): capacity in tokens, refill in tokens per second.
    ratelimit_enabled: bool = True
    ratelimit_general_capacity: int = 600
    ratelimit_general_refill_per_second: float = 10.0
    ratelimit_reporting_capacity: int = 300
    ratelimit_reporting_refill_per_second: float = 5.0
    # Failed sign-ins (member password/OTP grants, staff tokens, the console): free failures per identifier
    # and per client address, then delays doubling from the base up to the maximum (ratelimit/logins.py).
    login_throttle_enabled: bool = True
    login_throttle_free_failures: int = Field(default=10, ge=0)
    login_throttle_address_free_failures: int = Field(default=50, ge=0)
    login_throttle_base_delay_seconds: float = Field(default=1.0, gt=0)
    login_throttle_max_delay_seconds: float = Field(default=900.0, gt=0)
    login_throttle_forget_after_seconds: float = Field(default=3600.0, gt=0)

    # Operations: logs are JSON lines in production, readable lines otherwise ("auto"); /metrics in
    # Prometheus' format (its multi-process files live in metrics_dir when serve runs several workers).
    log_level: str = "INFO"
    log_format: Literal["auto", "json", "text"] = "auto"
    access_log: bool = True
    metrics_dir: str = "./var/prometheus"

    # Background work (snapshots, exports). Jobs run in every server process unless this is off (then run
    # ``loyaltyhub worker`` on dedicated nodes); periodic jobs run once per interval for the whole cluster.
    run_worker_in_server: bool = True
    job_intervals: dict[str, float] = Field(default_factory=dict)
    """Seconds between runs, by job name, overriding the defaults of ``loyaltyhub.worker.JOBS``."""
    export_dir: str = "./var/exports"
    """Where exports are written; also where they are kept unless export_storage_url names a bucket."""
    export_storage_url: str = ""
    """``s3://bucket[/prefix]``: finished export files live in that S3-compatible bucket, readable from every
    node (credentials from boto3's chain: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, an instance role)."""
    s3_endpoint_url: str | None = None
    """Another S3 API than AWS's (MinIO, Ceph, R2, ...), for export files and uploaded files alike."""
    s3_region: str | None = None
    export_ttl_seconds: int = 7 * 24 * 3600
    # An export whose worker has not beaten for this long is taken over by another worker (after a backoff
    # that starts at export_retry_backoff_seconds and grows ×4 per attempt).
    export_stale_seconds: float = Field(default=30.0, gt=0)
    export_retry_backoff_seconds: float = Field(default=5.0, ge=0)
    # Webhooks: targets on private, loopback or link-local addresses are refused unless allowed (a test or a
    # private deployment); a failed delivery is retried after webhook_backoff_seconds, ×4 per attempt (at most
    # 12 h), for webhook_retry_window_seconds (the vendor's 20 days); a worker holds a delivery for
    # webhook_lease_seconds (a killed worker's deliveries are sent again after it).
    webhook_allow_private_targets: bool = False
    webhook_backoff_seconds: float = Field(default=30.0, ge=0)
    webhook_retry_window_seconds: float = Field(default=20 * 24 * 3600.0, gt=0)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_lease_seconds: float = Field(default=60.0, gt=0)
    # Triggerer: pairs judged per transaction, in batches (one statement per kind per batch; at most 200 on
    # SQLite, where a batch holds the one write lock) or, to compare (bench/events.py --judge both), one
    # pair at a time as before.
    triggerer_batch_size: int = Field(default=1000, ge=1, le=5000)
    triggerer_judge: Literal["batched", "pairwise"] = "batched"

    # Files (uploads in parts): where they are stored (loyaltyhub.storage), the largest file, the largest
    # part (one request body; other requests keep max_body_bytes).
    files_dir: str = "./var/files"
    """Where uploaded files are kept unless files_storage_url names a bucket."""
    files_storage_url: str = ""
    """``s3://bucket[/prefix]``: uploaded files live in that S3-compatible bucket (the same credentials,
    ``s3_endpoint_url`` and ``s3_region`` as export files)."""
    file_max_bytes: int = Field(default=64 * 1024 * 1024, ge=1)
    file_part_max_bytes: int = Field(default=16 * 1024 * 1024, ge=1)
    # TrueType fonts for rendered offer images (loyaltyhub.offer_images.fonts): Debian's fonts-dejavu-core
    # and fonts-dejavu-extra (the Dockerfile installs them).
    fonts_dir: str = "/usr/share/fonts/truetype/dejavu"

    @model_validator(mode="after")
    def _refuse_default_secrets_in_prod(self) -> Settings:
        if self.env == "prod":
            if self.secret_key == DEFAULT_SECRET_KEY:
                raise ValueError("LOYALTYHUB_SECRET_KEY must be set to a non-default value when LOYALTYHUB_ENV=prod")
            if secret_key_entropy_bits(self.secret_key) < MIN_SECRET_KEY_BYTES * 8:
                raise ValueError(
                    f"LOYALTYHUB_SECRET_KEY must be at least {MIN_SECRET_KEY_BYTES} bytes of entropy when "
                    f"LOYALTYHUB_ENV=prod, e.g. 64 hex digits from openssl rand -hex 32 (at least "
                    f"{MIN_SECRET_KEY_DISTINCT} distinct characters)"
                )
        elif self.env == "dev" and self.secret_key == DEFAULT_SECRET_KEY:
            _warn_default_secret_key()
        return self

    @field_validator("export_storage_url", "files_storage_url")
    @classmethod
    def _bucket_url(cls, value: str) -> str:
        if value:
            parse_bucket_url(value)
        return value

    @cached_property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def export_files(self) -> Storage:
        """Where finished export files are kept (see :mod:`loyaltyhub.storage`)."""
        return storage_for(self.export_storage_url, self.export_dir, self.s3_endpoint_url, self.s3_region)

    def uploaded_files(self) -> Storage:
        """Where uploaded files are kept (see :mod:`loyaltyhub.storage`)."""
        return storage_for(self.files_storage_url, self.files_dir, self.s3_endpoint_url, self.s3_region)

    def ensure_local_dirs(self) -> None:
        """Create the folder of a file-based SQLite database and the export folder."""
        if self.is_sqlite and ":memory:" not in self.database_url:
            path = self.database_url.split("///", 1)[-1]
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(self.export_dir).mkdir(parents=True, exist_ok=True)


@cache
def _warn_default_secret_key() -> None:
    """Once per process: development runs on the published default key."""
    logging.getLogger(__name__).warning(
        "LOYALTYHUB_SECRET_KEY is the published default: fine for development, refused with LOYALTYHUB_ENV=prod"
    )
