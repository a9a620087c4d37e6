"""The application's one clock: "now" and "today", in UTC.

UTC because every stored instant is UTC (`UTCDateTime`), because the people using the
application work across several time zones, and because the server's own zone is an accident of
deployment: a rule such as "overdue" must give the same answer on every server, in every
process and in every test. Nothing in `app/` reads the system clock any other way (monotonic
timers that measure durations excepted).

Tests fix the clock with `frozen(at)`. The override is process-wide on purpose: routes run in
worker threads (and the test client serves the application from a thread of its own), which a
context variable set in the test's thread would not reach. No request ever freezes the clock.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time

# Set only by `frozen` (tests); read without a lock: one reference read is atomic.
_frozen_at: datetime | None = None


def now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    at = _frozen_at
    return at if at is not None else datetime.now(UTC)


def today() -> date:
    """The current date in UTC."""
    return now().date()


@contextmanager
def frozen(at: datetime | date) -> Iterator[datetime]:
    """For tests: `now()` answers `at` (a date: its midnight, UTC) until the block ends, in every
    thread. Blocks nest; each restores the clock it found."""
    global _frozen_at
    if isinstance(at, datetime):
        if at.tzinfo is None:
            raise ValueError("frozen() needs an aware datetime (or a date)")
        instant = at.astimezone(UTC)
    else:
        instant = datetime.combine(at, time.min, tzinfo=UTC)
    previous, _frozen_at = _frozen_at, instant
    try:
        yield instant
    finally:
        _frozen_at = previous
