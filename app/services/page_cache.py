"""Pages a process has already written, served again while their data has not changed.

A page is kept with the value of the database's change counter it was built at
(app/models/change_counter.py, raised by triggers on every write to the tables the page reads),
and served again only to a request that reads the same value. The request reads the counter
before the page, in the same transaction: on SQLite both come from one snapshot; on PostgreSQL
(READ COMMITTED) the page may be newer than the counter, never older. So a kept page is never
older than the data of the counter it answers to, whichever process or client wrote last.

The key must hold everything the page depends on besides the data: the caller's visibility
(access.visibility_scope) and every query parameter.
"""

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

    def get(self, key: Hashable, counter: int | None) -> bytes | None:
        """The body kept for `key` at `counter`, or None (a page of another counter value is
        stale for this request: it may be older, or newer than what it can see)."""
        entry = self._entries.get(key)
        if entry is None or counter is None or entry[0] != counter:
            return None
        return entry[1]

    def put(self, key: Hashable, counter: int | None, body: bytes) -> None:
        """Keep `body` for `key` at `counter` (not when the counter is unknown, or the body
        alone is over the budget)."""
        if counter is None or len(body) + ENTRY_OVERHEAD > self.max_bytes:
            return
        self._entries[key] = (counter, body)

    @property
    def size_bytes(self) -> int:
        return int(self._entries.currsize)
