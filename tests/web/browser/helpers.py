"""What the browser tests (and scripts/screenshots.py) drive the pages with: Debian's Chromium,
a server on a database of its own loaded with the demo data, signing in through the real form,
a recorder of console errors and failed requests, axe-core, and the keyboard.

Playwright is imported by the functions that need it, so that a machine without it gets the
clear message of `require_browser()` rather than an import error.
"""

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from app.seed.demo_data.reference import DEMO_PASSWORD, KATRIN
from tests.conftest import TEST_SECRET_KEY
from tests.live.conftest import ROOT, LiveServer, start_live_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CONSULTANT = KATRIN  # a consultant, lead of the Wallonia engagement
MONITOR = "monitor@clustercase.example"
ADMIN = "admin@clustercase.example"
STAKEHOLDER = "wallonia@clustercase.example"
WALLONIA = "EOCIC-2018-BE3"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = ("serious", "critical")
MISSING_BROWSER = (
    "The browser tests drive Debian's Chromium at {path} with Playwright, and {what} is "
    "missing. Install it: `make install` run as root installs the system packages (chromium "
    "among them) and the Python ones, or `apt-get install chromium` and "
    "`.venv/bin/pip install -e '.[dev]'`."
)


class BrowserMissing(RuntimeError):
    """Chromium or Playwright is not installed."""


def require_browser() -> None:
    """Raise BrowserMissing, with what to install, unless Chromium and Playwright are here."""
    missing = []
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(str(CHROMIUM))
    try:
        import axe_playwright_python  # noqa: F401
        import playwright  # noqa: F401
    except ImportError as exc:
        missing.append(f"the Python package {exc.name}")
    if missing:
        raise BrowserMissing(MISSING_BROWSER.format(path=CHROMIUM, what=" and ".join(missing)))


def launch_chromium(playwright: Any) -> Any:
    """A headless Chromium (Debian's, not a downloaded one) of a started sync Playwright."""
    require_browser()
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


# -- the server ------------------------------------------------------------------------------------


def _cli(url: str, *args: str) -> None:
    """Run `clustercase ARGS` on the database `url`; its output in the error when it fails."""
    env = os.environ | {"CLUSTERCASE_DATABASE_URL": url, "CLUSTERCASE_SECRET_KEY": TEST_SECRET_KEY}
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"clustercase {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def demo_database(directory: Path) -> str:
    """A new SQLite database in `directory`, migrated and loaded with the demo data; its URL."""
    directory.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{directory / 'demo.db'}"
    _cli(url, "db", "upgrade")
    _cli(url, "seed", "demo")
    return url


@dataclass
class DemoServer:
    """`clustercase serve` (one worker) on a demo database: its base URL, database and log."""

    server: LiveServer
    database_url: str

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def engagement_id(self, reference: str) -> int:
        """The id of the engagement `reference`, read from the server's database."""
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                found = connection.scalar(
                    text("SELECT id FROM engagements WHERE reference = :r"), {"r": reference}
                )
        finally:
            engine.dispose()
        if found is None:
            raise LookupError(f"no engagement {reference} in {self.database_url}")
        return int(found)

    def stop(self) -> None:
        self.server.stop()


def start_demo_server(directory: Path) -> DemoServer:
    """Serve a new demo database in `directory` (the server's output in `server.log` there)."""
    url = demo_database(directory)
    return DemoServer(start_live_server(url, directory / "server.log"), url)


# -- what a page must not do -----------------------------------------------------------------------

# Chromium logs a document's error status (a 401 sign-in, a 404 page) as a console error; the
# test asserts those pages itself.
_DOCUMENT_STATUS = re.compile(r"^Failed to load resource: the server responded with a status of 4")
_ASSETS = frozenset({"stylesheet", "script", "image", "font", "media"})


@dataclass
class BrowserProblems:
    """Console errors, uncaught exceptions and failed requests of a page, as they happen."""

    problems: list[str] = field(default_factory=list)
    _documents_4xx: set[str] = field(default_factory=set)

    def watch(self, page: Any) -> "BrowserProblems":
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught exception: {error}"))
        page.on("requestfailed", self._request_failed)
        page.on("response", self._response)
        return self

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "")
        if _DOCUMENT_STATUS.match(message.text) and url in self._documents_4xx:
            return
        self.problems.append(f"console error: {message.text} ({url})")

    def _request_failed(self, request: Any) -> None:
        # A navigation superseded by another one, or turned into a download, is aborted; so is
        # a file the page was still loading when the user moved on (a missing or broken file
        # answers 4xx or 5xx instead, which _response reports).
        aborted = request.failure == "net::ERR_ABORTED"
        if aborted and (request.resource_type == "document" or request.method == "GET"):
            return
        self.problems.append(f"request failed: {request.method} {request.url}: {request.failure}")

    def _response(self, response: Any) -> None:
        kind = response.request.resource_type
        if kind == "document" and 400 <= response.status < 500:
            self._documents_4xx.add(response.url)
        elif response.status >= 500 or (kind in _ASSETS and response.status >= 400):
            self.problems.append(f"{kind} answered {response.status}: {response.url}")


# -- signing in and out ----------------------------------------------------------------------------


def sign_in(page: Any, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the /login form (from wherever the page is); wait for the page after."""
    if "/login" not in page.url:
        page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def sign_out(page: Any) -> None:
    """Press the header's "Sign out" button."""
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile(r"^Sign out")).click()


# -- accessibility and the keyboard ----------------------------------------------------------------


def accessibility_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations of the WCAG 2.1 A and AA rules on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}}
    return list(Axe().run(page, options=options).response["violations"])


def assert_accessible(page: Any) -> None:
    """Fail, listing them, on any axe violation of impact serious or critical."""
    blocking = [v for v in accessibility_violations(page) if v["impact"] in BLOCKING_IMPACTS]
    lines = [
        f"- {v['id']} ({v['impact']}): {v['help']}; {len(v['nodes'])} element(s): "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in blocking
    ]
    assert not blocking, f"axe on {page.url}:\n" + "\n".join(lines)


def focused_matches(page: Any, selector: str) -> bool:
    return bool(page.evaluate("s => !!document.activeElement?.matches(s)", selector))


def tab_to(page: Any, selector: str, *, limit: int = 120) -> int:
    """Press Tab until the focused element matches `selector` (as a keyboard user would reach
    it); how many presses it took. Fails when it is not reached within `limit` presses."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if focused_matches(page, selector):
            return presses
    raise AssertionError(f"{selector} was not reached with {limit} presses of Tab on {page.url}")


def accept_confirmations(page: Any) -> None:
    """Answer OK to the page's `data-confirm` questions (Playwright dismisses them otherwise)."""
    page.on("dialog", lambda dialog: dialog.accept())


def horizontal_overflow(page: Any) -> int:
    """How many pixels the page is wider than the window (0: no horizontal scroll)."""
    return int(
        page.evaluate(
            "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
            " - document.documentElement.clientWidth"
        )
    )
