"""The other roles in a real browser (issue #12): the Wallonia officer downloads the published
briefing and answers R1 with the keyboard; the monitor sees the answer in the audit trail and
exports the portfolio; the AdPack officer sees what waits for them; an admin deactivates a
user, who is signed out at their next request. axe checks every page on the way."""

import hashlib
import io
import uuid
from typing import Any

import openpyxl
from sqlalchemy import create_engine, text

from tests.web.browser.helpers import (
    ADMIN,
    MONITOR,
    STAKEHOLDER,
    DemoServer,
    accept_confirmations,
    assert_accessible,
    sign_in,
    tab_to,
)

ADPACK = "adpack@clustercase.example"


def _one(server: DemoServer, sql: str, **params: Any) -> Any:
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql), params).first()
    finally:
        engine.dispose()


def _downloaded(download_info: Any) -> bytes:
    with open(download_info.value.path(), "rb") as downloaded:
        return downloaded.read()


def test_region_answers_and_the_monitor_sees_it(
    page: Any, open_page: Any, demo_server: DemoServer, wallonia_id: int
) -> None:
    sign_in(page, STAKEHOLDER)
    assert page.url.endswith("/portal")
    assert_accessible(page)
    page.goto(f"/portal/engagements/{wallonia_id}")
    assert_accessible(page)

    # The published briefing, in one click: the bytes the API serves (its ETag is the sha256).
    briefing = _one(
        demo_server,
        "SELECT id, sha256 FROM reports WHERE engagement_id = :e AND kind = 'policy_briefing'"
        " AND status = 'published' ORDER BY version_number DESC LIMIT 1",
        e=wallonia_id,
    )
    with page.expect_download() as download_info:
        page.locator(f"a[href$='/reports/{briefing.id}/pdf']").click()
    body = _downloaded(download_info)
    assert body.startswith(b"%PDF") and hashlib.sha256(body).hexdigest() == briefing.sha256

    # R1 answered "implemented in most respects", with the keyboard alone.
    r1 = _one(
        demo_server,
        "SELECT id FROM recommendations WHERE engagement_id = :e AND code = 'R1'",
        e=wallonia_id,
    )
    prefix = f"r{r1.id}-"
    comment = f"The board met twice this year ({uuid.uuid4().hex[:6]})"
    card = page.locator(f"#recommendation-{r1.id}")
    if card.locator("details.update-form").get_attribute("open") is None:
        tab_to(page, f"#recommendation-{r1.id} details.update-form > summary")
        page.keyboard.press("Enter")
    tab_to(page, f"#{prefix}field-implementation")
    page.keyboard.type("Implemented in most")
    tab_to(page, f"#{prefix}field-comment")
    page.keyboard.type(comment)
    tab_to(page, f"#recommendation-{r1.id} button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    update = _one(
        demo_server,
        "SELECT implementation, comment FROM recommendation_updates WHERE recommendation_id = :r"
        " ORDER BY id DESC LIMIT 1",
        r=r1.id,
    )
    assert update.implementation == "most_respects" and update.comment == comment
    assert page.get_by_text(comment).count() >= 1
    assert_accessible(page)

    # The monitor sees it in the audit trail, and on the dashboard.
    monitor = open_page(MONITOR)
    assert monitor.url.endswith("/portfolio")
    assert_accessible(monitor)
    monitor.goto(f"/audit?engagement_id={wallonia_id}")
    assert monitor.get_by_text(comment, exact=False).count() >= 1, "the update is not in the trail"
    assert_accessible(monitor)


def test_partnership_officer_sees_what_waits(page: Any) -> None:
    sign_in(page, ADPACK)
    assert page.url.endswith("/portal")
    waiting = page.locator("section[aria-labelledby=waiting-title]")
    assert "R3" in waiting.inner_text()
    assert_accessible(page)


def test_monitor_filters_by_country_and_exports(page: Any, demo_server: DemoServer) -> None:
    sign_in(page, MONITOR)
    page.locator("summary", has_text="Filter the portfolio").click()
    page.fill("input[name=country]", "BE")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    assert "country=BE" in page.url
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Excel workbook (XLSX)").click()
    sheet = openpyxl.load_workbook(
        io.BytesIO(_downloaded(download_info)), read_only=True
    ).worksheets[0]
    references = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]}
    belgian = _one(
        demo_server,
        "SELECT count(*) AS n FROM engagements e LEFT JOIN regions r ON r.id = e.region_id"
        " WHERE r.country_code = 'BE'",
    ).n
    assert "EOCIC-2018-BE3" in references
    assert len(references) >= belgian >= 1


def test_admin_deactivates_a_user_who_is_signed_out(
    page: Any, open_page: Any, demo_server: DemoServer
) -> None:
    email = f"temp-{uuid.uuid4().hex[:8]}@clustercase.example"
    password = "a long enough password 42"
    sign_in(page, ADMIN)
    accept_confirmations(page)
    page.goto("/admin/users/new")
    assert_accessible(page)
    page.fill("#field-email", email)
    page.fill("#field-full_name", "Temporary Consultant")
    page.select_option("#field-role", "consultant")
    page.fill("#field-password", password)
    with page.expect_navigation():
        page.get_by_role("button", name="Create user").click()
    user = _one(demo_server, "SELECT id FROM users WHERE email = :m", m=email)
    assert user is not None

    them = open_page()
    sign_in(them, email, password)
    assert them.url.endswith("/engagements")

    page.goto(f"/admin/users/{user.id}")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Deactivate user").click()
    assert not _one(demo_server, "SELECT is_active FROM users WHERE id = :i", i=user.id).is_active

    them.reload()
    assert "/login" in them.url
