"""PageCache: a page answers only at the counter it was built at, within a byte budget."""

from app.services.page_cache import ENTRY_OVERHEAD, PageCache


def test_a_page_answers_at_its_own_counter_only() -> None:
    pages = PageCache(max_bytes=10_000)
    pages.put("key", 5, b"page at 5")
    assert pages.get("key", 5) == b"page at 5"
    assert pages.get("key", 6) is None  # the data changed since
    assert pages.get("key", 4) is None  # a reader who cannot see the newer data yet
    assert pages.get("other key", 5) is None


def test_an_unknown_counter_keeps_and_answers_nothing() -> None:
    pages = PageCache(max_bytes=10_000)
    pages.put("key", None, b"page")
    assert pages.get("key", None) is None
    pages.put("key", 1, b"page")
    assert pages.get("key", None) is None


def test_the_least_recently_used_pages_go_first_past_the_budget() -> None:
    body = b"x" * 1000
    pages = PageCache(max_bytes=3 * (len(body) + ENTRY_OVERHEAD))
    for key in ("a", "b", "c"):
        pages.put(key, 1, body)
    assert pages.get("a", 1) == body  # "b" is now the least recently used
    pages.put("d", 1, body)
    assert [k for k in "abcd" if pages.get(k, 1) is not None] == ["a", "c", "d"]
    assert pages.size_bytes <= pages.max_bytes


def test_a_page_over_the_budget_or_a_zero_budget_keeps_nothing() -> None:
    small = PageCache(max_bytes=100)
    small.put("key", 1, b"x" * 200)
    assert small.get("key", 1) is None
    off = PageCache(max_bytes=0)
    off.put("key", 1, b"x")
    assert off.get("key", 1) is None and off.size_bytes == 0
