"""Pages a process has already written, served again while their data has not changed.

A page is kept with the number of changes its data had seen when it was built (the sum of the
engagement list's change log, app/models/change_log.py, which the database raises on every
committed write to the tables the page reads), and served again only to a request that reads
the same number. The request reads the number before the page, in the same transaction: on
SQLite both come from one snapshot; on PostgreSQL (READ COMMITTED) the page may be newer than
the number, never older. So a kept page is never older than the data its number stands for,
whichever process or client wrote last.

The key must hold everything the page depends on besides the data: the caller's visibility
(access.visibility_scope, the same value the page's query is restricted by) and every query
parameter. Routes run in worker threads, so the cache takes a lock around each use.
"""

import threading
from collections.abc import Hashable

from cachetools import LRUCache

# Bytes counted per page beside its body: the key, the tuple, the LRU's bookkeeping.
ENTRY_OVERHEAD = 512


class PageCache:
    """Response bodies by key, each valid at one counter value; the least recently used go
    first once the bodies pass `max_bytes` (0: nothing is kept)."""

    def __init__(self, max_bytes: int) -> None:
        self._entries: LRUCache[Hashable, tuple[int, bytes]] = LRUCache(
            maxsize=max(max_bytes, 1), getsizeof=lambda entry: len(entry[1]) + ENTRY_OVERHEAD
        )
        self.max_bytes = max_bytes
        self._lock = threading.Lock()

    def get(self, key: Hashable, counter: int | None) -> bytes | None:
        """The body kept for `key` at `counter`, or None (a page of another counter value is
        stale for this request: it may be older, or newer than what it can see)."""
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or counter is None or entry[0] != counter:
            return None
        return entry[1]

    def put(self, key: Hashable, counter: int | None, body: bytes) -> None:
        """Keep `body` for `key` at `counter` (not when the counter is unknown, or the body
        alone is over the budget)."""
        if counter is None or len(body) + ENTRY_OVERHEAD > self.max_bytes:
            return
        with self._lock:
            self._entries[key] = (counter, body)

    @property
    def size_bytes(self) -> int:
        with self._lock:
            return int(self._entries.currsize)
