"""The foundation in a real browser: signing in and out through the form, each role's home,
axe on the pages that exist from the start, the "New engagement" form with the keyboard alone,
hostile text that stays text, and the list at 360 px wide."""

import os
import re
import uuid
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.web.browser.helpers import (
    ADMIN,
    CHROMIUM,
    CONSULTANT,
    MONITOR,
    STAKEHOLDER,
    DemoServer,
    assert_accessible,
    focused_matches,
    horizontal_overflow,
    sign_in,
    sign_out,
    tab_to,
)

HOSTILE_TITLE = "<img src=x onerror=window.__pwned=1> & <script>window.__pwned=1</script>"
HOSTILE_SUMMARY = '"><svg onload=window.__pwned=1>'


def engagement_row(server: DemoServer, reference: str) -> dict[str, Any] | None:
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as connection:
            row = connection.execute(
                text("SELECT id, title, summary, phase FROM engagements WHERE reference = :r"),
                {"r": reference},
            ).first()
    finally:
        engine.dispose()
    return dict(row._mapping) if row else None


def new_reference() -> str:
    return f"BROWSER-{uuid.uuid4().hex[:8].upper()}"


def test_chromium_is_installed() -> None:
    assert os.access(CHROMIUM, os.X_OK), (
        f"{CHROMIUM} is missing: `make install` run as root installs it, "
        "or `apt-get install chromium`"
    )


def test_sign_in_and_out_through_the_form(page: Any) -> None:
    page.goto("/engagements")
    assert page.url.endswith("/login?next=%2Fengagements")
    sign_in(page, CONSULTANT, "not-the-password")
    assert "/login" in page.url
    assert page.get_by_role("alert").inner_text() == (
        "The email address or the password is not right."
    )
    assert page.get_by_label("Email address").input_value() == CONSULTANT

    sign_in(page, CONSULTANT)
    assert page.url.endswith("/engagements")  # where `next` pointed
    assert page.get_by_role("heading", level=1).inner_text() == "Engagements"

    sign_out(page)
    assert page.url.endswith("/login")
    assert page.get_by_role("status").inner_text() == "You are signed out."
    page.goto("/engagements")
    assert "/login?next=" in page.url


HOMES = [
    (CONSULTANT, "/engagements"),
    (ADMIN, "/engagements"),
    (MONITOR, "/portfolio"),
    (STAKEHOLDER, "/portal"),
]


@pytest.mark.parametrize(("email", "home"), HOMES)
def test_each_role_lands_on_its_home(page: Any, email: str, home: str) -> None:
    # The pages of other issues may not exist yet: the address is what is checked.
    sign_in(page, email)
    assert page.url.endswith(home)
    page.goto("/")
    assert page.url.endswith(home)


@pytest.mark.parametrize("path", ["/engagements", "/engagements/new"])
def test_pages_pass_axe(consultant_page: Any, path: str) -> None:
    consultant_page.goto(path)
    assert_accessible(consultant_page)


def test_login_passes_axe_with_and_without_an_error(page: Any) -> None:
    page.goto("/login")
    assert_accessible(page)
    sign_in(page, CONSULTANT, "not-the-password")
    assert_accessible(page)


def test_new_engagement_with_the_keyboard_alone(
    consultant_page: Any, demo_server: DemoServer
) -> None:
    page, reference = consultant_page, new_reference()
    tab_to(page, "a[href='/engagements/new']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/engagements/new")

    tab_to(page, "#field-reference")
    page.keyboard.type(reference)
    page.keyboard.press("Tab")
    assert focused_matches(page, "#field-title")
    page.keyboard.type("Keyboard-only engagement")
    tab_to(page, "#field-region_id")
    page.keyboard.type("Saxony")  # a closed select picks the option typed
    tab_to(page, "input[name=themes]")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    row = engagement_row(demo_server, reference)
    assert row is not None, f"no engagement {reference}; the page says: {page.inner_text('main')}"
    assert row["title"] == "Keyboard-only engagement"
    assert row["phase"] == "scoping"
    assert page.url.endswith(f"/engagements/{row['id']}")


def test_hostile_text_renders_as_text(consultant_page: Any, demo_server: DemoServer) -> None:
    page, reference = consultant_page, new_reference()
    page.goto("/engagements/new")
    page.get_by_label("Reference").fill(reference)
    page.get_by_label("Title").fill(HOSTILE_TITLE)
    page.get_by_label("Summary").fill(HOSTILE_SUMMARY)
    page.get_by_label("Region advised").select_option(label="Wallonia (BE3)")
    with page.expect_navigation():
        page.get_by_role("button", name="Open engagement").click()
    row = engagement_row(demo_server, reference)
    assert row is not None and row["title"] == HOSTILE_TITLE

    shown = [f"/engagements?q={reference}"]
    if page.url.endswith(f"/engagements/{row['id']}") and "Page not found" not in page.title():
        shown.append(page.url)  # the overview, once it exists
    for url in shown:
        page.goto(url)
        assert HOSTILE_TITLE in page.inner_text("main"), url
        assert page.locator("main img, main svg[onload], main script").count() == 0, url
        assert page.evaluate("() => typeof window.__pwned") == "undefined", url


def test_list_fits_360_px(consultant_page: Any) -> None:
    page = consultant_page
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/engagements?scope=all")
    assert page.get_by_role("heading", level=1).is_visible()
    assert horizontal_overflow(page) == 0


def test_anonymous_next_is_local_only(page: Any) -> None:
    page.goto("/login?next=https://example.org/")
    sign_in(page, CONSULTANT)
    assert re.search(r"^http://127\.0\.0\.1:\d+/engagements$", page.url)
