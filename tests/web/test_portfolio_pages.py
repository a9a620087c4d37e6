"""/portfolio and /audit: the dashboard's figures are the API's summary for the same filters,
the filters in the URL change them, the downloads equal the API's, the audit trail shows each
change escaped and pages through, and only monitors and administrators get in."""

import csv
import html
import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from app import clock
from app.models import AuditEntry, Engagement, User
from app.reports import charts
from app.vocab import (
    EngagementKind,
    FrameworkCondition,
    Implementation,
    Instrument,
    Phase,
    Response,
    Role,
    Stage,
    label,
)
from tests.conftest import bearer
from tests.factories import (
    make_bottleneck,
    make_engagement,
    make_milestone,
    make_mission,
    make_partnership,
    make_recommendation,
    make_region,
    make_user,
)
from tests.web.conftest import WebClient

API = "/api/v1/portfolio"
FIGURE = re.compile(r"<figure class=\"chart\">(.*?)</figure>", re.S)
ROW = re.compile(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", re.S)
CELL = re.compile(r"<td>(.*?)</td>", re.S)


def chart_tables(page: str) -> dict[str, dict[str, list[str]]]:
    """Each chart's data table, by caption: {row heading: [cells]} (text unescaped)."""
    tables = {}
    for figure in FIGURE.findall(page):
        caption = html.unescape(re.search(r"<figcaption>(.*?)</figcaption>", figure).group(1))  # type: ignore[union-attr]
        rows = {
            html.unescape(head): [html.unescape(c) for c in CELL.findall(cells)]
            for head, cells in ROW.findall(figure)
        }
        tables[caption] = rows
    return tables


@pytest.fixture
def monitor(db: Session) -> User:
    user = make_user(db, role=Role.MONITOR, full_name="Mona Itor")
    db.commit()
    return user


@pytest.fixture
def portfolio(db: Session) -> dict[str, Engagement]:
    """Three engagements in two countries: one at risk with an overdue milestone."""
    today = clock.today()
    be, es = make_region(db, country_code="BE"), make_region(db, country_code="ES")
    e1 = make_engagement(
        db, reference="PF-1", title="Walloon <b>chips</b>", phase=Phase.DIAGNOSIS, region_id=be.id
    )
    make_milestone(db, e1, title="Late <i>workshop</i>", due_date=today - timedelta(days=5))
    make_mission(db, e1, start_date=today - timedelta(days=200))
    b1 = make_bottleneck(db, e1, framework_condition=FrameworkCondition.ACCESS_TO_FINANCE)
    for implementation in (Implementation.MOST_RESPECTS, Implementation.NOT_IMPLEMENTED):
        make_recommendation(
            db, e1, stage=Stage.SHARED, bottlenecks=[b1], instrument=Instrument.FUNDING,
            shared_at=datetime.now(UTC), response=Response.ACCEPTED, implementation=implementation,
        )  # fmt: skip
    e2 = make_engagement(db, reference="PF-2", phase=Phase.FOLLOW_UP, region_id=es.id)
    make_mission(db, e2, start_date=today - timedelta(days=3))
    make_recommendation(
        db, e2, stage=Stage.SHARED, instrument=Instrument.SKILLS, shared_at=datetime.now(UTC),
        response=Response.REJECTED, implementation=Implementation.FULLY_IMPLEMENTED,
    )  # fmt: skip
    e3 = make_engagement(
        db, reference="PF-3", kind=EngagementKind.PARTNERSHIP_SUPPORT,
        partnership_id=make_partnership(db, countries=["FR", "BE"]).id, phase=Phase.SCOPING,
    )  # fmt: skip
    db.commit()
    return {"PF-1": e1, "PF-2": e2, "PF-3": e3}


def api_summary(client: TestClient, user: User, query: str = "") -> dict[str, Any]:
    response = client.get(f"{API}/summary{query}", headers=bearer(user))
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def assert_dashboard_matches(page: str, summary: dict[str, Any]) -> None:
    tables = chart_tables(page)
    engagements, recommendations = summary["engagements"], summary["recommendations"]
    for caption, counts in (
        ("Engagements by phase", engagements["by_phase"]),
        ("Engagements by kind", engagements["by_kind"]),
        ("Shared recommendations by response", recommendations["by_response"]),
        ("Shared recommendations by implementation", recommendations["by_implementation"]),
    ):
        assert {k: int(v[0]) for k, v in tables[caption].items()} == {
            label(value): n for value, n in counts.items()
        }, caption
    rates = summary["implementation_rates"]
    for caption, by in (
        ("by framework condition", rates["by_framework_condition"]),
        ("by instrument", rates["by_instrument"]),
    ):
        (table,) = [t for c, t in tables.items() if f"Implementation rate {caption}" in c]
        assert {k: (int(v[0]), int(v[1])) for k, v in table.items()} == {
            label(value): (r["shared"], r["implemented"]) for value, r in by.items()
        }
    assert f"<dt>Engagements</dt><dd>{engagements['total']}</dd>" in page
    assert f"Engagements at risk ({summary['at_risk']['count']})" in page
    assert f"Overdue milestones ({summary['overdue_milestones']['count']})" in page


@pytest.mark.usefixtures("portfolio")
def test_the_dashboard_shows_the_api_summary(
    web_as: Any, client: TestClient, monitor: User
) -> None:
    response = web_as(monitor).get("/portfolio")
    assert response.status_code == 200
    summary = api_summary(client, monitor)
    assert_dashboard_matches(response.text, summary)
    assert summary["engagements"]["total"] == 3
    (rate,) = [t for c, t in chart_tables(response.text).items() if "rate by instrument" in c]
    assert rate["Funding"] == ["2", "1", "50 %"]


def test_the_dashboard_lists_risks_and_overdue_milestones_escaped(
    web_as: Any, monitor: User, portfolio: dict[str, Engagement]
) -> None:
    page = web_as(monitor).get("/portfolio").text
    e1 = portfolio["PF-1"]
    link = f'<a href="/engagements/{e1.id}">PF-1</a>'
    assert f'{link}<br><span class="muted">Walloon &lt;b&gt;chips&lt;/b&gt;</span>' in page
    assert "At risk: Overdue milestone" in page
    assert "At risk: No mission in 90 days" in page
    assert '<th scope="row">Late &lt;i&gt;workshop&lt;/i&gt;</th>' in page
    assert "<b>chips</b>" not in page


def test_a_kept_dashboard_is_not_served_after_a_change(
    web_as: Any, db: Session, client: TestClient, monitor: User, portfolio: dict[str, Engagement]
) -> None:
    """Each process keeps the dashboard it rendered: any committed write to what it shows, by
    any client, makes the next view read the data again."""
    reader = web_as(monitor)
    assert "Overdue milestones (1)" in reader.get("/portfolio").text
    assert "Overdue milestones (1)" in reader.get("/portfolio").text  # kept

    make_milestone(db, portfolio["PF-2"], due_date=clock.today() - timedelta(days=1))
    db.commit()
    page = reader.get("/portfolio").text
    assert "Overdue milestones (2)" in page
    assert_dashboard_matches(page, api_summary(client, monitor))

    db.execute(text("UPDATE recommendations SET implementation = 'fully_implemented'"))
    db.commit()
    page = reader.get("/portfolio").text
    assert_dashboard_matches(page, api_summary(client, monitor))
    (rate,) = [t for c, t in chart_tables(page).items() if "rate by instrument" in c]
    assert rate["Funding"] == ["2", "2", "100 %"]


@pytest.mark.usefixtures("portfolio")
def test_a_kept_dashboard_carries_nothing_of_its_first_reader(
    web_as: Any, db: Session, monitor: User
) -> None:
    admin = make_user(db, role=Role.ADMIN, full_name="Ada Admin")
    db.commit()
    first = web_as(monitor)
    first_page = first.get("/portfolio").text
    second = web_as(admin)
    second_page = second.get("/portfolio").text

    assert "Mona Itor" in first_page and "Mona Itor" not in second_page
    assert "Ada Admin" in second_page
    assert first.csrf and second.csrf and first.csrf != second.csrf
    assert first.csrf not in second_page and second.csrf in second_page
    # Another filter set is another dashboard.
    assert "Clear the filters" in second.get("/portfolio?country=BE").text
    assert "Clear the filters" not in second.get("/portfolio").text


@pytest.mark.usefixtures("portfolio")
@pytest.mark.parametrize(
    ("query", "kept"),
    [
        ("?country=BE", "?country=BE"),
        ("?phase=follow_up&country=es", "?country=ES&amp;phase=follow_up"),
        ("?kind=partnership_support", "?kind=partnership_support"),
        ("?year=1990", "?year=1990"),
    ],
)
def test_filters_in_the_url_change_the_figures(
    web_as: Any, client: TestClient, monitor: User, query: str, kept: str
) -> None:
    page = web_as(monitor).get(f"/portfolio{query}").text
    summary = api_summary(client, monitor, query)
    assert_dashboard_matches(page, summary)
    assert summary["engagements"]["total"] < 3
    # The filters stay in the form and in the download links.
    assert f'href="/portfolio/engagements.csv{kept}"' in page
    assert f'href="/portfolio/engagements.xlsx{kept}"' in page


@pytest.mark.usefixtures("portfolio")
def test_an_invalid_filter_is_ignored_and_said(web_as: Any, monitor: User) -> None:
    response = web_as(monitor).get("/portfolio?country=Belgium&phase=diagnosis")
    assert response.status_code == 200
    assert "ignored: country" in response.text
    assert "<dt>Engagements</dt><dd>1</dd>" in response.text


@pytest.mark.usefixtures("portfolio")
@pytest.mark.parametrize("query", ["", "?country=BE", "?phase=follow_up&kind=regional_advice"])
def test_the_csv_download_equals_the_api_csv(
    web_as: Any, client: TestClient, monitor: User, query: str
) -> None:
    page = web_as(monitor).get(f"/portfolio/engagements.csv{query}")
    api = client.get(f"{API}/engagements.csv{query}", headers=bearer(monitor))
    assert page.status_code == api.status_code == 200
    assert page.headers["content-type"] == api.headers["content-type"]
    assert page.headers["content-disposition"] == api.headers["content-disposition"]
    assert page.content == api.content
    rows = list(csv.reader(io.StringIO(page.text)))
    assert len(rows) == 1 + api_summary(client, monitor, query)["engagements"]["total"]


@pytest.mark.usefixtures("portfolio")
def test_the_xlsx_download_opens_with_the_same_rows(
    web_as: Any, client: TestClient, monitor: User
) -> None:
    page = web_as(monitor).get("/portfolio/engagements.xlsx?country=BE")
    api = client.get(f"{API}/engagements.xlsx?country=BE", headers=bearer(monitor))
    assert page.status_code == api.status_code == 200
    assert page.headers["content-disposition"] == api.headers["content-disposition"]
    rows, api_rows = sheet_rows(page.content), sheet_rows(api.content)
    assert rows == api_rows
    assert [row[0] for row in rows] == ["reference", "PF-1", "PF-3"]
    api_csv = client.get(f"{API}/engagements.csv?country=BE", headers=bearer(monitor))
    assert [row[0] for row in csv.reader(io.StringIO(api_csv.content.decode("utf-8-sig")))] == [
        row[0] for row in rows
    ]


def sheet_rows(content: bytes) -> list[tuple[Any, ...]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))  # type: ignore[union-attr]


def audit_rows(db: Session, engagement: Engagement, actor: User, count: int) -> None:
    start = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    db.add_all(
        AuditEntry(
            at=start + timedelta(minutes=n), actor_id=actor.id, action="update",
            entity_type="engagement", entity_id=engagement.id, engagement_id=engagement.id,
            changes={"title": [f"Old {n} <script>", f"New {n} & <b>bold</b>"]},
        )
        for n in range(count)
    )  # fmt: skip
    db.commit()


def test_the_audit_trail_shows_each_change_escaped(web_as: Any, db: Session, monitor: User) -> None:
    engagement = make_engagement(db, reference="AU-1")
    actor = make_user(db, full_name="Katrin <Vogel>")
    audit_rows(db, engagement, actor, 1)
    page = web_as(monitor).get(f"/audit?engagement_id={engagement.id}").text
    assert "Title: Old 0 &lt;script&gt; → New 0 &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    assert "Katrin &lt;Vogel&gt;" in page
    assert "1 January 2026, 09:00 UTC" in page
    assert "Engagement AU-1" in page
    assert "<script>" not in page.split("</main>")[0].split("<main")[-1]


def test_the_audit_trail_paginates_keeping_its_filters(
    web_as: Any, db: Session, monitor: User
) -> None:
    engagement = make_engagement(db, reference="AU-2")
    actor = make_user(db, full_name="Pat Auditor")
    other = make_user(db, full_name="Someone Else")
    audit_rows(db, engagement, actor, 60)
    audit_rows(db, engagement, other, 2)
    web = web_as(monitor)
    url = f"/audit?engagement_id={engagement.id}&actor_id={actor.id}"
    first = web.get(url).text
    assert "60 changes; page 1 of 2" in first
    assert "New 59 " in first and "New 10 " in first and "New 9 " not in first
    assert "Someone Else" not in first
    next_url = f"/audit?engagement_id={engagement.id}&amp;actor_id={actor.id}&amp;page=2"
    assert f'href="{next_url}"' in first
    second = web.get(html.unescape(next_url)).text
    assert "page 2 of 2" in second
    assert "New 9 " in second and "New 0 " in second and "New 10 " not in second
    by_entity = web.get(f"{url}&entity_type=report").text
    assert "0 changes" in by_entity


def test_an_invalid_audit_filter_is_ignored(web_as: Any, monitor: User) -> None:
    response = web_as(monitor).get("/audit?engagement_id=abc&actor_id=")
    assert response.status_code == 200
    assert "ignored: engagement_id" in response.text


@pytest.mark.parametrize("role", [Role.CONSULTANT, Role.STAKEHOLDER])
@pytest.mark.parametrize(
    "url", ["/portfolio", "/portfolio/engagements.csv", "/portfolio/engagements.xlsx", "/audit"]
)
def test_consultants_and_stakeholders_are_refused(
    web_as: Any, db: Session, role: Role, url: str
) -> None:
    binding = {"region_id": make_region(db).id} if role == Role.STAKEHOLDER else {}
    user = make_user(db, role=role, **binding)
    db.commit()
    response: Any = web_as(user).get(url)
    assert response.status_code == 403
    assert "text/html" in response.headers["content-type"]


@pytest.mark.parametrize("url", ["/portfolio", "/audit", "/portfolio/engagements.csv"])
def test_admins_get_in_and_anonymous_callers_sign_in(
    web_as: Any, web_anonymous: WebClient, admin_user: User, url: str
) -> None:
    assert web_as(admin_user).get(url).status_code == 200
    response = web_anonymous.get(url)
    assert response.status_code in (302, 303)
    assert response.headers["location"].startswith("/login?next=")


def test_the_bar_chart_escapes_its_labels_and_describes_itself() -> None:
    svg = str(
        charts.bar_chart(
            [charts.CountBar("<script>x</script>", 3), charts.CountBar("B", float("nan"), "none")],
            title="Rates & <counts>",
            percent=True,
        )
    )
    # The title is the chart's alternative text: its heading, then its data in words.
    assert (
        "<title>Rates &amp; &lt;counts&gt;. &lt;script&gt;x&lt;/script&gt;: 3 %. "
        "B: no value (none).</title>"
    ) in svg
    assert "<desc>&lt;script&gt;x&lt;/script&gt;: 3 %. B: no value (none).</desc>" in svg
    assert "<script>" not in svg and "style=" not in svg and "href" not in svg
