"""Screenshots of the main pages for the README: the app served on a new demo database, Debian's
Chromium signed in as the demo consultant, PNGs at 1280 px wide (and the engagement list at
360 px) in docs/screenshots/.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]     (or: make screenshots)

A page that answers 404 (not built yet) is left out with a note; any other error status makes
the exit status 1. The browser setup is the browser tests' (tests/web/browser/helpers.py).
"""

import argparse
import io
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, Python puts scripts/ on the path, not the repository.
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402  (Pillow: WeasyPrint's)

from tests.web.browser.helpers import (  # noqa: E402
    ADMIN,
    CONSULTANT,
    MONITOR,
    STAKEHOLDER,
    WALLONIA,
    BrowserMissing,
    DemoServer,
    launch_chromium,
    sign_in,
    start_demo_server,
)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 780}
MAX_HEIGHT = 2400  # a long page is cut here: the top is what a README shows
# (file name, path under /engagements/{id} of the Wallonia engagement)
WORKSPACE = [
    ("engagement-overview", ""),
    ("engagement-diagnosis", "/diagnosis"),
    ("engagement-evidence", "/evidence"),
    ("engagement-recommendations", "/recommendations"),
    ("engagement-follow-up", "/follow-up"),
    ("engagement-missions", "/missions"),
    ("engagement-reports", "/reports"),
]


def compact_png(png: bytes, out: Path) -> None:
    """Write `png` to `out` in 256 colours (a screenshot of flat colours and text loses
    nothing visible, and takes less than half the bytes in the repository)."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    flat = image.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    flat.save(out, "PNG", optimize=True)


def shoot(page: Any, path: str, out: Path) -> bool:
    """Open `path` and write its PNG to `out`; False (and a note) when it is not a 200 page."""
    response = page.goto(path)
    status = response.status if response else 0
    if status == 404:
        print(f"  skipped {path}: 404, the page does not exist yet")
        return True
    if status != 200:
        print(f"  FAILED {path}: answered {status}", file=sys.stderr)
        return False
    page.wait_for_load_state("networkidle")
    height = min(MAX_HEIGHT, int(page.evaluate("document.documentElement.scrollHeight")))
    width = page.viewport_size["width"]
    clip = {"x": 0, "y": 0, "width": width, "height": height}
    compact_png(page.screenshot(full_page=True, clip=clip), out)
    print(f"  {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out} ({path})")
    return True


def take_all(server: DemoServer, browser: Any, out: Path) -> bool:
    """Every screenshot; False when a page answered an error other than 404."""
    context = browser.new_context(base_url=server.base_url, viewport=DESKTOP)
    page = context.new_page()
    ok = shoot(page, "/login", out / "login.png")
    sign_in(page, CONSULTANT)
    ok &= shoot(page, "/engagements", out / "engagements.png")
    ok &= shoot(page, "/engagements/new", out / "engagement-new.png")
    wallonia = f"/engagements/{server.engagement_id(WALLONIA)}"
    for name, tail in WORKSPACE:
        ok &= shoot(page, wallonia + tail, out / f"{name}.png")
    # Regional statistics (issue #15): the datasets, and Wallonia's profile from its engagement.
    ok &= shoot(page, "/datasets", out / "datasets.png")
    page.goto(wallonia)
    profile = page.get_by_role("link", name="Indicator profile").get_attribute("href")
    if profile:
        ok &= shoot(page, profile, out / "region-profile.png")
    page.set_viewport_size(PHONE)
    ok &= shoot(page, "/engagements", out / "engagements-360px.png")
    context.close()
    # The other roles' homes and pages (issue #12), each signed in in a profile of its own.
    for email, shots in (
        (STAKEHOLDER, [("portal", "/portal"), ("portal-engagement", f"/portal{wallonia}")]),
        (MONITOR, [("portfolio", "/portfolio"), ("audit", "/audit")]),
        (STAKEHOLDER, [("library", "/library?q=cluster")]),
        (ADMIN, [("admin-users", "/admin/users")]),
    ):
        context = browser.new_context(base_url=server.base_url, viewport=DESKTOP)
        page = context.new_page()
        sign_in(page, email)
        for name, path in shots:
            ok &= shoot(page, path, out / f"{name}.png")
        context.close()
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        from playwright.sync_api import sync_playwright

        with tempfile.TemporaryDirectory(prefix="clustercase-shots-") as directory:
            print("serving a new demo database ...", flush=True)
            server = start_demo_server(Path(directory))
            try:
                with sync_playwright() as playwright:
                    browser = launch_chromium(playwright)
                    ok = take_all(server, browser, args.out.resolve())
                    browser.close()
            finally:
                server.stop()
    except (BrowserMissing, ImportError) as exc:
        print(f"screenshots: {exc}", file=sys.stderr)
        return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
