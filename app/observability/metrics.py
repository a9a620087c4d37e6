"""The app's Prometheus metrics, and who may read them.

Labels stay bounded: a request is counted under its route's template (never the raw path) or
`unmatched`, and its method (unknown ones as `other`). Gauges are "livesum" in multiprocess
mode (app/observability/multiproc.py): the sum over the worker processes that are running.
"""

import hmac
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    multiprocess,
)
from prometheus_client.exposition import choose_encoder

from app.config import Settings
from app.observability import multiproc

UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# The login routes (API and pages) and what their refusals mean: counted from the answer,
# so the login code itself needs no hook.
LOGIN_ROUTES = {("POST", "/api/v1/auth/token"): "api", ("POST", "/login"): "web"}
LOGIN_REFUSALS = {401: "invalid_credentials", 429: "throttled"}

HTTP_REQUESTS = Counter(
    "clustercase_http_requests_total",
    "HTTP requests answered, by method, route template and status code",
    ["method", "route", "status"],
)
HTTP_SECONDS = Histogram(
    "clustercase_http_request_duration_seconds",
    "Time from a request's arrival to the end of its response body",
    ["method", "route", "status_class"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
LOGIN_FAILURES = Counter(
    "clustercase_login_failures_total",
    "Refused sign-ins: wrong email or password, or throttled",
    ["channel", "reason"],
)

DB_POOL_SIZE = Gauge(
    "clustercase_db_pool_size", "Connections the pool keeps", multiprocess_mode="livesum"
)
DB_POOL_MAX_OVERFLOW = Gauge(
    "clustercase_db_pool_max_overflow",
    "Connections the pool may open beyond its size",
    multiprocess_mode="livesum",
)
DB_CONNECTIONS_OPEN = Gauge(
    "clustercase_db_connections_open",
    "Database connections open (pooled and overflow)",
    multiprocess_mode="livesum",
)
DB_CONNECTIONS_CHECKED_OUT = Gauge(
    "clustercase_db_connections_checked_out",
    "Database connections in use",
    multiprocess_mode="livesum",
)
DB_SESSION_SLOTS = Gauge(
    "clustercase_db_session_slots",
    "Requests that may hold a database session at once (app/db.py SessionSlots)",
    multiprocess_mode="livesum",
)
DB_SESSION_SLOTS_IN_USE = Gauge(
    "clustercase_db_session_slots_in_use",
    "Requests holding a database session",
    multiprocess_mode="livesum",
)
DB_SESSION_SLOTS_WAITING = Gauge(
    "clustercase_db_session_slots_waiting",
    "Requests waiting for a database session (503 busy past the pool timeout)",
    multiprocess_mode="livesum",
)
DB_SLOW_STATEMENTS = Counter(
    "clustercase_db_slow_statements_total",
    "SQL statements slower than CLUSTERCASE_SLOW_SQL_MS",
)

RENDER_WORKERS = Gauge(
    "clustercase_render_workers", "Report renders that run at once", multiprocess_mode="livesum"
)
RENDER_CAPACITY = Gauge(
    "clustercase_render_capacity",
    "Report renders admitted at once (running and queued); beyond it 503",
    multiprocess_mode="livesum",
)
RENDER_PENDING = Gauge(
    "clustercase_render_pending",
    "Report renders admitted and not done: running or queued",
    multiprocess_mode="livesum",
)
RENDER_QUEUED = Gauge(
    "clustercase_render_queued",
    "Report renders waiting for a render worker (the queue depth)",
    multiprocess_mode="livesum",
)
RENDER_SECONDS = Histogram(
    "clustercase_render_duration_seconds",
    "Time from a render's admission (queue included) to its PDF",
    buckets=(0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0),
)
RENDER_REFUSALS = Counter(
    "clustercase_render_refusals_total",
    "Renders that answered 503: pool full (busy), too slow (timeout), worker died (lost)",
    ["reason"],
)


def status_class(status: int) -> str:
    return f"{status // 100}xx"


# The labelled children of the request metrics, per (method, route, status): looking them up
# here costs a tenth of `labels()`. Bounded as the labels are.
_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def record_request(method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered request (and a refused sign-in)."""
    method = method if method in METHODS else "other"
    key = (method, route, status)
    children = _children.get(key)
    if children is None:
        children = _children[key] = (
            HTTP_REQUESTS.labels(method, route, str(status)),
            HTTP_SECONDS.labels(method, route, status_class(status)),
        )
    children[0].inc()
    children[1].observe(seconds)
    channel = LOGIN_ROUTES.get((method, route))
    if channel is not None and status in LOGIN_REFUSALS:
        LOGIN_FAILURES.labels(channel, LOGIN_REFUSALS[status]).inc()


def exposition(accept: str) -> tuple[bytes, str]:
    """The metrics, in the format the scraper's Accept header asks for (Prometheus' text
    format, or OpenMetrics), and its content type: every worker process's in multiprocess
    mode, which reads files: call it in a worker thread."""
    encode, content_type = choose_encoder(accept)
    path = multiproc.directory()
    if path is None:
        return encode(REGISTRY), content_type
    for pid in multiproc.dead_worker_pids(path):
        multiprocess.mark_process_dead(pid, path)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=path)
    return encode(registry), content_type


@dataclass(frozen=True)
class MetricsAccess:
    """Who may read /metrics: a client in one of `networks`, with the bearer `token` when one
    is set (both checks apply when both are configured)."""

    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    token: bytes | None

    @classmethod
    def from_settings(cls, settings: Settings) -> "MetricsAccess":
        """Refuses (ValueError, at start-up) a network that is not a CIDR."""
        token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
        return cls(
            networks=tuple(_networks(settings.metrics_networks.split(","))),
            token=token.encode() if token else None,
        )

    def allows(self, client_host: str | None, authorization: bytes | None) -> bool:
        if not self._network_allows(client_host):
            return False
        if self.token is None:
            return True
        scheme, _, given = (authorization or b"").partition(b" ")
        # Compared in constant time: the answer's timing says nothing about the token.
        return scheme.lower() == b"bearer" and hmac.compare_digest(given.strip(), self.token)

    def _network_allows(self, client_host: str | None) -> bool:
        try:
            address = ipaddress.ip_address(client_host or "")
        except ValueError:  # no client address (a Unix socket, a test client)
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        return any(address in network for network in self.networks)


def _networks(
    values: Iterable[str],
) -> Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    for value in values:
        if value.strip():
            try:
                yield ipaddress.ip_network(value.strip(), strict=False)
            except ValueError:
                raise ValueError(
                    f"CLUSTERCASE_METRICS_NETWORKS: {value.strip()!r} is not a network "
                    "(CIDR, e.g. 10.0.0.0/8)"
                ) from None


def render_admitted(*, queued: bool) -> None:
    """A render was admitted; `queued`: it waits for a worker (the pending beyond them)."""
    RENDER_PENDING.inc()
    if queued:
        RENDER_QUEUED.inc()


def render_released(*, queued: bool) -> None:
    """A render is done with; `queued`: one fewer waits (the pending was beyond the workers)."""
    RENDER_PENDING.dec()
    if queued:
        RENDER_QUEUED.dec()
