"""What the mixed-load and writer-isolation benchmarks send: a keep-alive client that times each
request, the engagements the bench consultant may change (built by api_throughput.build_data),
what is added to them through the API before a load, and the writes.

Every write here succeeds again and again and leaves the data the same size: a PATCH of an
engagement's summary, or of a milestone's title, with `If-Match: *`.
"""

import http.client
import json
import math
import time
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Engine, select

from app.models import EngagementMember, User
from bench._common import BenchError
from bench.api_throughput import BENCH_EMAIL

API = "/api/v1"
ANY_VERSION = {"If-Match": "*"}


class Client:
    """One keep-alive HTTP connection to the server, for a client thread: (status, seconds) of
    each request, timed from sending to the last byte read."""

    def __init__(self, base: str, headers: Mapping[str, str], timeout: float = 30.0) -> None:
        host, port = base.removeprefix("http://").rsplit(":", 1)
        self.connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
        self.headers = dict(headers)

    def call(
        self, method: str, path: str, body: Any = None, headers: Mapping[str, str] | None = None
    ) -> tuple[int, float, bytes]:
        """(status, seconds, body) of one request, with `headers` beside the client's own; a
        JSON body when `body` is given."""
        headers = self.headers | dict(headers or {})
        payload = None
        if body is not None:
            payload, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        started = time.perf_counter()
        try:
            self.connection.request(method, path, payload, headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            # A dropped or timed-out connection: counted as status 0; the next call reconnects.
            self.connection.close()
            return 0, time.perf_counter() - started, b""
        return response.status, time.perf_counter() - started, data

    def close(self) -> None:
        self.connection.close()


def percentile(samples: Sequence[float], p: float) -> float:
    """The nearest-rank `p`th percentile of `samples` (0 when there are none)."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    return ordered[max(math.ceil(p / 100 * len(ordered)) - 1, 0)]


def writable_engagements(engine: Engine, count: int) -> list[int]:
    """The ids of the first `count` engagements the bench consultant is a member of (only
    members and administrators may change an engagement)."""
    stmt = (
        select(EngagementMember.engagement_id)
        .join(User, User.id == EngagementMember.user_id)
        .where(User.email == BENCH_EMAIL)
        .order_by(EngagementMember.engagement_id)
        .limit(count)
    )
    with engine.connect() as connection:
        ids = list(connection.scalars(stmt))
    if len(ids) < count:
        raise BenchError(f"the bench consultant is a member of {len(ids)} engagements, not {count}")
    return ids


def engagement_path(engagement_id: int) -> str:
    return f"{API}/engagements/{engagement_id}"


def milestone_path(engagement_id: int, milestone_id: int) -> str:
    return f"{API}/engagements/{engagement_id}/milestones/{milestone_id}"


def summary_patch(n: int) -> dict[str, str]:
    """A new summary (numbered, so that every PATCH really changes the row)."""
    return {"summary": f"Advisory support on the cluster programme, revision {n} under load."}


def _created_id(client: Client, path: str, body: dict) -> int:
    status, _, raw = client.call("POST", path, body)
    if status != 201:
        raise BenchError(f"POST {path} answered {status}: {raw[:300]!r}")
    created: int = json.loads(raw)["id"]
    return created


def add_milestones(client: Client, engagement_ids: list[int]) -> list[int]:
    """One milestone in each engagement, through the API; their ids, in the same order."""
    body = {"title": "Interim findings workshop", "due_date": date(2027, 3, 1).isoformat()}
    return [_created_id(client, f"{engagement_path(e)}/milestones", body) for e in engagement_ids]


def add_recommendations(client: Client, engagement_ids: list[int], each: int) -> None:
    """`each` draft recommendations in each engagement, through the API (so that reading an
    engagement's recommendations reads something)."""
    instruments = ["funding", "governance", "skills", "network"]
    for e in engagement_ids:
        for n in range(each):
            body = {
                "title": f"Open the cluster voucher scheme to interregional projects ({n + 1})",
                "description": "Pilot it with two partner regions before opening it to all.",
                "instrument": instruments[n % len(instruments)],
            }
            _created_id(client, f"{engagement_path(e)}/recommendations", body)


def check_write(client: Client, path: str, body: dict) -> None:
    """Refuse to measure a PATCH (If-Match: *) that does not succeed."""
    status, _, raw = client.call("PATCH", path, body, ANY_VERSION)
    if status != 200:
        raise BenchError(f"PATCH {path} answered {status}: {raw[:300]!r}")
