"""The consultant's journey in a real browser (issue #11): open the Wallonia engagement, log a
mission, add a challenge, a bottleneck, a piece of evidence linked to it and a recommendation;
watch the readiness check block a move and then allow it; render a draft briefing and download
it. axe checks every page on the way; a console error on any page fails the test."""

import hashlib
import re
import uuid
from typing import Any

from sqlalchemy import create_engine, text

from tests.web.browser.helpers import (
    DemoServer,
    accept_confirmations,
    assert_accessible,
    focused_matches,
    tab_to,
)


def _one(server: DemoServer, sql: str, **params: Any) -> Any:
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql), params).first()
    finally:
        engine.dispose()


def _submit(page: Any, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()


def test_consultant_walks_an_engagement(
    consultant_page: Any, demo_server: DemoServer, wallonia_id: int
) -> None:
    page = consultant_page
    tag = uuid.uuid4().hex[:6]
    base = f"/engagements/{wallonia_id}"
    accept_confirmations(page)

    # The list, then the Wallonia engagement's overview.
    page.goto("/engagements")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="EOCIC-2018-BE3").click()
    assert page.url.endswith(base)
    assert_accessible(page)

    # Log a mission.
    page.get_by_role("link", name="Missions", exact=True).click()
    page.wait_for_url(f"**{base}/missions")
    assert_accessible(page)
    page.goto(f"{base}/missions/new")
    assert_accessible(page)
    page.select_option("#field-kind", "workshop")
    page.fill("#field-title", f"Steering workshop {tag}")
    page.fill("#field-start_date", "2026-11-20")
    page.fill("#field-location", "Namur")
    page.fill("#field-participants_count", "14")
    page.fill("#field-participant_organisations", "SPW Economie\nGreenWin cluster")
    page.fill("#field-summary", "Reviewed the steering bodies with the clusters.")
    _submit(page, "Log mission")
    assert page.url.split("#")[0].endswith(f"{base}/missions")
    assert page.locator(f"h3:has-text('Steering workshop {tag}')").count() == 1
    mission = _one(
        demo_server,
        "SELECT participants_count FROM missions WHERE title = :t",
        t=f"Steering workshop {tag}",
    )
    assert mission is not None and mission.participants_count == 14

    # A challenge, then a bottleneck under it.
    page.goto(f"{base}/diagnosis")
    assert_accessible(page)
    page.goto(f"{base}/challenges/new")
    page.fill("#field-title", f"Clusters do not reach SMEs {tag}")
    page.select_option("#field-priority", "1")
    _submit(page, "Add challenge")
    assert page.get_by_text(f"Clusters do not reach SMEs {tag}").count() >= 1
    page.goto(f"{base}/bottlenecks/new")
    page.fill("#field-title", f"No SME voucher {tag}")
    page.select_option("#field-challenge_id", label=f"Clusters do not reach SMEs {tag}")
    page.select_option("#field-framework_condition", "access_to_finance")
    page.select_option("#field-severity", "4")
    page.select_option("#field-status", "confirmed")
    _submit(page, "Add bottleneck")
    assert_accessible(page)
    bottleneck = _one(
        demo_server, "SELECT id FROM bottlenecks WHERE title = :t", t=f"No SME voucher {tag}"
    )
    assert bottleneck is not None

    # A piece of evidence, linked to the bottleneck it supports.
    page.goto(f"{base}/evidence/new")
    page.select_option("#field-kind", "indicator")
    page.fill("#field-title", f"SMEs innovating in-house {tag}")
    page.fill("#field-source", "Regional Innovation Scoreboard 2025")
    page.fill("#field-indicator_name", "SMEs innovating in-house")
    page.fill("#field-indicator_value", "31.5")
    page.fill("#field-indicator_unit", "% of SMEs")
    page.fill("#field-benchmark_value", "36.2")
    page.fill("#field-benchmark_label", "EU-27 average")
    _submit(page, "Add evidence")
    evidence = _one(
        demo_server, "SELECT id FROM evidence WHERE title = :t", t=f"SMEs innovating in-house {tag}"
    )
    assert evidence is not None
    page.goto(f"{base}/evidence#evidence-{evidence.id}")
    assert_accessible(page)
    entry = page.locator(f"#evidence-{evidence.id}")
    entry.locator("details.link-evidence > summary").click()
    page.select_option(f"#link-{evidence.id}-target", f"bottleneck:{bottleneck.id}")
    page.select_option(f"#link-{evidence.id}-relation", "supports")
    with page.expect_navigation():
        entry.get_by_role("button", name="Link evidence").click()
    link = _one(
        demo_server,
        "SELECT relation FROM evidence_links WHERE evidence_id = :e AND bottleneck_id = :b",
        e=evidence.id,
        b=bottleneck.id,
    )
    assert link is not None and link.relation == "supports"

    # A recommendation addressing the bottleneck.
    page.goto(f"{base}/recommendations/new")
    assert_accessible(page)
    page.fill("#field-title", f"Open an innovation voucher for cluster SMEs {tag}")
    page.fill("#field-description", "A voucher scheme run with the clusters.")
    page.fill("#field-responsible_actor", "SPW Economie")
    page.select_option("#field-instrument", "funding")
    page.get_by_label(re.compile(f"No SME voucher {tag}")).check()
    _submit(page, "Add recommendation")
    assert page.get_by_text(f"Open an innovation voucher for cluster SMEs {tag}").count() >= 1
    assert_accessible(page)
    for tab in ("follow-up", "reports"):
        page.goto(f"{base}/{tab}")
        assert_accessible(page)


def _phase(server: DemoServer, reference: str) -> str:
    row = _one(server, "SELECT phase FROM engagements WHERE reference = :r", r=reference)
    return str(row.phase)


def test_walk_an_engagement_from_scoping_to_reporting(
    consultant_page: Any, demo_server: DemoServer
) -> None:
    """An engagement opened in the browser, walked to reporting: the readiness check blocks
    each move until what it names is done, then allows it."""
    page = consultant_page
    reference = f"JOURNEY-{uuid.uuid4().hex[:6].upper()}"
    page.goto("/engagements/new")
    page.fill("#field-reference", reference)
    page.fill("#field-title", "Readiness in the browser")
    page.select_option("#field-kind", "regional_advice")
    page.select_option("#field-region_id", index=1)
    _submit(page, "Open engagement")
    base = re.sub(r"[#?].*$", "", page.url)
    assert re.search(r"/engagements/\d+$", base)

    # Scoping -> diagnosis: blocked (no challenge) until a challenge exists. The check is
    # shown before the buttons: not ready, and why.
    assert page.get_by_text("Not ready").count() == 1
    assert_accessible(page)
    _submit(page, "Move to Diagnosis")
    assert page.get_by_text("challenge", exact=False).count() >= 1
    assert _phase(demo_server, reference) == "scoping"
    page.goto(f"{base}/challenges/new")
    page.fill("#field-title", "A first challenge")
    page.select_option("#field-priority", "2")
    _submit(page, "Add challenge")
    page.goto(base)
    assert page.get_by_text("Nothing blocks the move to Diagnosis").count() == 1
    _submit(page, "Move to Diagnosis")
    assert _phase(demo_server, reference) == "diagnosis"

    # Diagnosis -> recommendations: a confirmed bottleneck needs supporting evidence.
    page.goto(f"{base}/bottlenecks/new")
    page.fill("#field-title", "A confirmed bottleneck")
    page.select_option("#field-challenge_id", label="A first challenge")
    page.select_option("#field-framework_condition", "knowledge_skills")
    page.select_option("#field-severity", "3")
    page.select_option("#field-status", "confirmed")
    _submit(page, "Add bottleneck")
    page.goto(base)
    assert page.get_by_text("Not ready").count() == 1
    assert_accessible(page)
    page.goto(f"{base}/evidence/new")
    page.select_option("#field-kind", "publication")
    page.fill("#field-title", "A study that supports it")
    page.fill("#field-source", "Regional yearbook")
    _submit(page, "Add evidence")
    evidence = _one(
        demo_server,
        "SELECT e.id AS id, b.id AS bottleneck FROM evidence e JOIN bottlenecks b"
        " ON b.engagement_id = e.engagement_id WHERE e.title = :t AND b.title = :b"
        " ORDER BY e.id DESC LIMIT 1",
        t="A study that supports it",
        b="A confirmed bottleneck",
    )
    page.goto(f"{base}/evidence")
    entry = page.locator(f"#evidence-{evidence.id}")
    entry.locator("details.link-evidence > summary").click()
    page.select_option(f"#link-{evidence.id}-target", f"bottleneck:{evidence.bottleneck}")
    page.select_option(f"#link-{evidence.id}-relation", "supports")
    with page.expect_navigation():
        entry.get_by_role("button", name="Link evidence").click()
    page.goto(base)
    assert page.get_by_text("Nothing blocks the move to Recommendations").count() == 1
    _submit(page, "Move to Recommendations")
    assert _phase(demo_server, reference) == "recommendations"

    # Recommendations -> reporting: a recommendation addressing the bottleneck, with an actor.
    page.goto(f"{base}/recommendations/new")
    page.fill("#field-title", "Train the cluster managers")
    page.fill("#field-responsible_actor", "Regional agency")
    page.select_option("#field-instrument", "skills")
    page.get_by_label(re.compile("A confirmed bottleneck")).check()
    _submit(page, "Add recommendation")
    page.goto(base)
    assert page.get_by_text("Nothing blocks the move to Reporting").count() == 1
    _submit(page, "Move to Reporting")
    assert _phase(demo_server, reference) == "reporting"
    assert_accessible(page)


def test_render_a_draft_briefing_and_download_it(
    consultant_page: Any, demo_server: DemoServer, wallonia_id: int
) -> None:
    page = consultant_page
    base = f"/engagements/{wallonia_id}"
    page.goto(f"{base}/reports")
    before = _one(
        demo_server, "SELECT count(*) AS n FROM reports WHERE engagement_id = :e", e=wallonia_id
    ).n
    page.select_option("#field-kind", "policy_briefing")
    button = page.get_by_role("button", name="Render draft")
    button.click()
    # While it renders, the button cannot be pressed again and the page says so; then the list
    # comes back with the new version and a message.
    page.wait_for_selector("button[disabled]", timeout=5_000)
    page.wait_for_selector(".flash", timeout=90_000)
    page.wait_for_load_state()
    report = _one(
        demo_server,
        "SELECT id, sha256, version_number FROM reports WHERE engagement_id = :e"
        " ORDER BY id DESC LIMIT 1",
        e=wallonia_id,
    )
    after = _one(
        demo_server, "SELECT count(*) AS n FROM reports WHERE engagement_id = :e", e=wallonia_id
    ).n
    assert after == before + 1, "one click, one render"
    page.goto(f"{base}/reports")
    assert page.get_by_text(report.sha256[:12]).count() >= 1
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.locator(f"a[href$='/reports/{report.id}/pdf']").click()
    with open(download_info.value.path(), "rb") as downloaded:
        body = downloaded.read()
    assert body.startswith(b"%PDF")
    assert hashlib.sha256(body).hexdigest() == report.sha256


def test_log_a_mission_with_the_keyboard_alone(
    consultant_page: Any, demo_server: DemoServer, wallonia_id: int
) -> None:
    page = consultant_page
    title = f"Keyboard mission {uuid.uuid4().hex[:6]}"
    page.goto(f"/engagements/{wallonia_id}/missions/new")
    tab_to(page, "#field-kind")
    page.keyboard.press("End")  # the last kind in the list
    tab_to(page, "#field-title")
    page.keyboard.type(title)
    tab_to(page, "#field-start_date")
    page.keyboard.type("11252026")  # a date field takes the digits in its locale's order
    tab_to(page, "button[type=submit]")
    assert focused_matches(page, "button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    row = _one(demo_server, "SELECT kind, start_date FROM missions WHERE title = :t", t=title)
    assert row is not None and row.kind == "desk_research"
    assert str(row.start_date).startswith("2026-11-25")


def test_a_milestone_is_completed_in_place(
    consultant_page: Any, demo_server: DemoServer, wallonia_id: int
) -> None:
    """htmx: the milestones section is swapped in place; the page is not loaded again."""
    page = consultant_page
    title = f"Inline milestone {uuid.uuid4().hex[:6]}"
    page.goto(f"/engagements/{wallonia_id}")
    page.fill("#field-title", title)
    page.fill("#field-due_date", "2027-03-01")
    _submit(page, "Add milestone")
    page.evaluate("() => { window.__same_page = true; }")
    row = page.locator("tr", has_text=title)
    row.get_by_role("button", name=re.compile("^Mark completed")).click()
    page.locator("tr", has_text=title).locator(".badge.ok").wait_for()
    assert page.evaluate("() => window.__same_page === true"), "the page was loaded again"
    done = _one(demo_server, "SELECT completed_on FROM milestones WHERE title = :t", t=title)
    assert done.completed_on is not None
    assert_accessible(page)
