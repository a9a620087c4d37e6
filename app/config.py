"""Settings, read from the environment (prefix CLUSTERCASE_)."""

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLUSTERCASE_", extra="ignore")

    database_url: str = "sqlite:///./clustercase.db"
    # Unset in development: a key is generated once into `secret_key_file` (git-ignored).
    secret_key: str | None = None
    secret_key_file: str = ".clustercase-secret"
    environment: Literal["development", "production"] = "development"
    # /docs and /openapi.json (app/api/docs.py; no /redoc): unset, on in development and off in
    # production; true or false decides in either (docs/security-headers.md).
    api_docs: bool | None = None
    access_token_minutes: int = 30
    # Failed-login throttling (app/services/auth.py, docs/security-sign-in.md): per account
    # and client address pair, the first `login_free_failures` failures are answered at once;
    # each further one doubles the wait before the next attempt from that pair, from
    # `login_delay_base_s` up to `login_delay_cap_s`. The same per client address across
    # accounts, with `login_address_free_failures`. An account with `login_account_alert_failures`
    # failures gives its pairs no free failures (it never refuses a pair's first attempt).
    # Failures are forgotten after `login_failure_memory_hours`.
    login_free_failures: int = Field(5, ge=0)
    login_address_free_failures: int = Field(20, ge=0)
    login_account_alert_failures: int = Field(100, ge=1)
    login_delay_base_s: int = Field(1, ge=1)
    login_delay_cap_s: int = Field(900, ge=1)
    login_failure_memory_hours: int = Field(24, ge=1)
    max_body_bytes: int = 1024 * 1024
    # Browser sign-ins (app/web): a session ends this long after sign-in, or after this long
    # without a request; the cookie is Secure in production (served over HTTPS only).
    web_session_hours: float = Field(12.0, gt=0)
    web_idle_minutes: float = Field(60.0, gt=0)
    # The client rates the implementation of each recommendation it accepted (fully or
    # partially) at least this often: a self-assessment is due this many days after its last
    # one, or after its response if it never rated (app/services/reminders.py).
    self_assessment_days: int = Field(90, ge=1)
    # Connections each process keeps open (and holds at most): mind PostgreSQL's max_connections.
    db_pool_size: int = Field(20, ge=1)
    # PostgreSQL: a statement that runs longer than this is cancelled (503 `busy`), so a request
    # waiting on a lock gives its worker thread back; a connection attempt that has not succeeded
    # within the connect timeout answers 503 `database_unavailable`; a request that waits
    # longer than the pool timeout for a free connection answers 503 `busy`.
    db_statement_timeout_ms: int = Field(5000, ge=1)
    db_connect_timeout_s: int = Field(3, ge=2)
    db_pool_timeout_s: float = Field(5.0, gt=0)
    # Open the pool's connections at start-up rather than all at once in the first burst of
    # requests (`clustercase serve` turns it on unless the variable is set).
    db_pool_warm: bool = False
    # Routes run in worker threads (the event loop never waits on the database): at most this
    # many requests run at once per process; the others wait for a thread. As many as the
    # connections a process may hold (`db_pool_size`), so that no request that has
    # a thread waits for a connection, and no more: threads beyond them only queue on the
    # pool, and take turns on the GIL.
    worker_threads: int = Field(20, ge=1)
    # Pin each server process to a core of its own (app/affinity.py): threads that take turns
    # on Python's GIL across cores cost several times the CPU. `clustercase serve` turns it
    # on unless the variable is set; off elsewhere (tests, scripts that build the app).
    pin_cpu: bool = False
    # On SIGTERM or SIGINT: how long running requests and renders may take to finish before the
    # server stops them and its render workers.
    shutdown_grace_s: float = Field(30.0, ge=0)
    # SQLite: how long a write waits for another writer's lock before the request answers 503.
    sqlite_busy_timeout_ms: int = Field(5000, ge=0)
    # Engagement list pages each app process keeps and serves again while the data they show
    # has not changed (app/services/page_cache.py); 0 turns the cache off.
    list_cache_bytes: int = Field(16 * 1024 * 1024, ge=0)
    # Portfolio dashboards (/portfolio, per filter set) each app process keeps while the
    # portfolio has not changed (app/models/change_log.py); 0 turns the cache off.
    portfolio_cache_bytes: int = Field(4 * 1024 * 1024, ge=0)
    # PDF rendering runs in worker processes (per app process): this many at once, this many
    # more waiting; beyond that a render request answers 503 with Retry-After.
    render_workers: int = 2
    render_queue: int = 8
    render_timeout_s: float = 120.0
    # Monitoring (docs/monitoring.md). /metrics answers clients of these networks (CIDRs,
    # comma-separated; empty: none), and only with this bearer token when one is set.
    metrics_networks: str = "127.0.0.0/8,::1/128"
    metrics_token: SecretStr | None = None
    # Log lines: JSON objects or plain text; unset, JSON in production and text in development.
    log_format: Literal["json", "text"] | None = None
    # SQL statements that take at least this long are logged (0: every statement).
    slow_sql_ms: int = Field(200, ge=0)
    # Reminder e-mails (`clustercase remind --send`): one SMTP connection per run.
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_from: str = "ClusterCase <noreply@clustercase.example>"
    smtp_timeout_s: float = 10.0
    # PostgreSQL backups (`clustercase backup`/`restore`, app/ops/pgtools.py): the folder of
    # pg_dump and pg_restore, which must be of the server's major version or newer; unset: PATH.
    pg_bin_dir: str | None = None


@lru_cache
def get_settings() -> Settings:
    return Settings()
