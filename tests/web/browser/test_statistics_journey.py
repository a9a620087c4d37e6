"""The issue's journey in a real browser: a consultant imports a Eurostat TSV on /datasets,
opens Wallonia's indicator profile from the engagement, finds the imported indicator there against
the EU and its peers, and on the diagnosis page turns the suggestion it feeds into a hypothesis
bottleneck with its indicator evidence. axe checks every page on the way; a console error fails
the test.

The imported indicator is this test's own (code `journey_rd_personnel`), for Wallonia and eight
NUTS 1 peers, Wallonia the lowest and losing ground: it makes the knowledge-and-skills
suggestion whatever the demo data says.
"""

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from tests.web.browser.helpers import DemoServer, assert_accessible

TSV = (
    "freq,unit,indic,geo\\TIME_PERIOD\t2016 \t2021 \n"
    "A,PC_ACT,RDPERS,BE3\t0.9 \t0.8 p\n"
    "A,PC_ACT,RDPERS,BE2\t1.8 \t2.1 \n"
    "A,PC_ACT,RDPERS,BE1\t2.0 \t2.2 \n"
    "A,PC_ACT,RDPERS,FR1\t1.5 \t1.7 \n"
    "A,PC_ACT,RDPERS,NL3\t1.4 \t1.6 e\n"
    "A,PC_ACT,RDPERS,DE1\t2.5 \t2.9 \n"
    "A,PC_ACT,RDPERS,AT1\t1.2 \t1.4 \n"
    "A,PC_ACT,RDPERS,ES2\t1.0 \t1.1 \n"
    "A,PC_ACT,RDPERS,ITC\t1.1 \t: \n"
    "A,PC_ACT,RDPERS,EU27_2020\t1.4 \t1.5 \n"
)
MAPPING = """
[dataset]
source = "Browser journey"
code = "journey_rd"
title = "R&D personnel (made up for the browser journey)"
attribution = "Illustrative values written for the test."
illustrative = true

[[indicators]]
code = "journey_rd_personnel"
name = "R&D personnel in the active population"
unit = "%"
framework_condition = "knowledge_skills"
direction = "higher"
series = { indic = "RDPERS", unit = "PC_ACT" }
"""


def _run(server: DemoServer, sql: str, **params: Any) -> Any:
    engine = create_engine(server.database_url)
    try:
        with engine.begin() as connection:
            return connection.execute(text(sql), params).first()
    finally:
        engine.dispose()


def _import_step(page: Any, tmp_path: Path) -> None:
    """The consultant uploads the TSV and its mapping on /datasets and reads the report."""
    data, mapping = tmp_path / "rd.tsv", tmp_path / "rd.toml"
    data.write_text(TSV, encoding="utf-8")
    mapping.write_text(MAPPING, encoding="utf-8")
    page.goto("/datasets")
    page.get_by_label("File", exact=True).set_input_files(str(data))
    page.get_by_label("Format").select_option("eurostat-tsv")
    page.get_by_label("Mapping file").set_input_files(str(mapping))
    with page.expect_navigation():
        page.get_by_role("button", name="Import").click()
    report = page.locator("section.import-report").inner_text()
    assert "Imported journey_rd" in report and "Kept: 19 observations of 1 indicators" in report
    assert_accessible(page)


def test_consultant_opens_wallonia_profile_and_accepts_a_suggestion(
    consultant_page: Any, demo_server: DemoServer, wallonia_id: int, tmp_path: Path
) -> None:
    page = consultant_page
    _import_step(page, tmp_path)
    base = f"/engagements/{wallonia_id}"

    # From the engagement's overview to the client region's profile.
    page.goto(base)
    with page.expect_navigation():
        page.get_by_role("link", name="Indicator profile").click()
    assert "/regions/" in page.url and page.url.endswith("/profile")
    assert page.get_by_role("heading", name="Wallonia: indicator profile").count() == 1
    row = page.locator("tr", has_text="R&D personnel in the active population").first
    assert "0.8" in row.inner_text()  # the imported 2021 value
    assert page.get_by_text("Illustrative", exact=False).count() >= 1
    assert page.locator("table.profile-table svg").count() >= 1  # sparklines
    assert page.locator(".small-multiples svg").count() >= 1
    assert_accessible(page)

    # On the diagnosis page, accept the first suggestion.
    page.goto(f"{base}/diagnosis")
    assert_accessible(page)
    key = "knowledge_skills"
    suggestion = page.locator(f"article#suggestion-{key}")
    assert "R&D personnel in the active population" in suggestion.inner_text()
    with page.expect_navigation():
        suggestion.get_by_role("button", name="Accept as hypothesis").click()
    decision = _run(
        demo_server,
        "SELECT bottleneck_id FROM diagnosis_suggestion_decisions "
        "WHERE engagement_id = :e AND key = :k AND decision = 'accepted'",
        e=wallonia_id,
        k=key,
    )
    assert decision is not None and decision.bottleneck_id is not None
    assert page.url.endswith(f"#bottleneck-{decision.bottleneck_id}")
    bottleneck = page.locator(f"#bottleneck-{decision.bottleneck_id}")
    assert bottleneck.get_by_text("Wallonia lags on").count() >= 1
    assert page.locator(f"article#suggestion-{key}").count() == 0
    linked = _run(
        demo_server,
        "SELECT count(*) AS n FROM evidence_links l JOIN evidence e ON e.id = l.evidence_id "
        "WHERE l.bottleneck_id = :b AND l.relation = 'supports' AND e.kind = 'indicator'",
        b=decision.bottleneck_id,
    )
    assert linked.n >= 1
    quoted = _run(
        demo_server,
        "SELECT e.indicator_value AS value, e.indicator_year AS year FROM evidence e "
        "JOIN evidence_links l ON l.evidence_id = e.id WHERE l.bottleneck_id = :b "
        "AND e.indicator_name = 'R&D personnel in the active population'",
        b=decision.bottleneck_id,
    )
    assert quoted is not None and (quoted.value, quoted.year) == (0.8, 2021)
    assert_accessible(page)
