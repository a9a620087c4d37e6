"""Browser tests: Playwright drives Debian's Chromium against `clustercase serve` (one worker, a
process of its own) on a new SQLite database loaded with the demo data, shared by the session.

Every test here is marked `browser`. Fixtures: `demo_server` (its `base_url`, `database_url`,
`engagement_id(reference)`), `wallonia_id`, `page` (a fresh profile, 1280 px wide),
`consultant_page` (the same, signed in as the demo consultant), `open_page(email, viewport)`
(another user's tab beside it). A page of these fails its test when it logged a console error,
threw an uncaught exception or had a request fail (helpers.BrowserProblems); a page that
answers 4xx is the test's own business to assert. helpers.py has sign_in, sign_out,
assert_accessible, tab_to and the rest. A machine without Chromium fails every test with what
to install; nothing is skipped.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser.helpers import (
    CONSULTANT,
    WALLONIA,
    BrowserMissing,
    BrowserProblems,
    DemoServer,
    launch_chromium,
    require_browser,
    sign_in,
    start_demo_server,
)

HERE = Path(__file__).parent
TIMEOUT_MS = 15_000
DESKTOP = {"width": 1280, "height": 900}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """The app served on a demo database of its own (every test of the session shares it)."""
    server = start_demo_server(tmp_path_factory.mktemp("browser"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def wallonia_id(demo_server: DemoServer) -> int:
    return demo_server.engagement_id(WALLONIA)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless; the whole suite fails here when it is not installed."""
    missing = ""
    try:
        require_browser()
    except BrowserMissing as exc:
        missing = str(exc)
    if missing:
        pytest.fail(missing, pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


def _new_context(chromium: Any, server: DemoServer, viewport: dict[str, int]) -> Any:
    context = chromium.new_context(base_url=server.base_url, viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def context(chromium: Any, demo_server: DemoServer) -> Iterator[Any]:
    """A fresh browser profile (no cookies) on the demo server, 1280 px wide."""
    context = _new_context(chromium, demo_server, DESKTOP)
    yield context
    context.close()


@dataclass
class Watch:
    """A page and what went wrong on it."""

    page: Any
    recorder: BrowserProblems
    server: DemoServer

    def settle(self) -> None:
        if not self.page.is_closed():
            self.page.wait_for_load_state()
            self.page.evaluate("0")  # deliver the events still on their way

    def report(self) -> str:
        lines = [f"- {p}" for p in self.recorder.problems]
        if any(" answered 5" in p for p in self.recorder.problems):
            log = self.server.server.output().strip().splitlines()
            lines += [f"the server's output ({self.server.server.log}) ends with:", *log[-12:]]
        return "\n".join(lines)


def _watch(request: pytest.FixtureRequest, page: Any, server: DemoServer) -> Any:
    watches = request.node.__dict__.setdefault("browser_watches", [])
    watches.append(Watch(page, BrowserProblems().watch(page), server))
    return page


@pytest.fixture
def page(context: Any, demo_server: DemoServer, request: pytest.FixtureRequest) -> Any:
    """A tab whose console errors and failed requests fail the test (see pytest_runtest_call)."""
    return _watch(request, context.new_page(), demo_server)


@pytest.fixture
def consultant_page(page: Any) -> Any:
    """A tab signed in as the demo consultant (lead of the Wallonia engagement)."""
    sign_in(page, CONSULTANT)
    return page


@pytest.fixture
def open_page(
    chromium: Any, demo_server: DemoServer, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Any]]:
    """`open_page(email=None, viewport=DESKTOP)`: a watched tab in a browser profile of its
    own (another user beside `page`), signed in as `email` when given."""
    contexts: list[Any] = []

    def open_(email: str | None = None, viewport: dict[str, int] = DESKTOP) -> Any:
        contexts.append(_new_context(chromium, demo_server, viewport))
        page = _watch(request, contexts[-1].new_page(), demo_server)
        if email is not None:
            sign_in(page, email)
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """After a test passes, fail it when one of its pages logged a problem (after a failure,
    list them beside it)."""
    watches: list[Watch] = getattr(item, "browser_watches", [])
    try:
        result = yield
    except BaseException:
        reports = [w.report() for w in watches if w.recorder.problems]
        if reports:
            item.add_report_section("call", "browser problems", "\n".join(reports))
        raise
    for watch in watches:
        watch.settle()
    reports = [w.report() for w in watches if w.recorder.problems]
    if reports:
        pytest.fail("the page had problems:\n" + "\n".join(reports), pytrace=False)
    return result
