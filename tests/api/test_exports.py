"""/portfolio/*.csv and *.xlsx: content, types, file names, filters, formula neutralisation,
RFC 4180 quoting, streaming in chunks, access; and one follow-up recorded by a stakeholder
seen end to end in the monitor's summary and export."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import EngagementObjective, EngagementTheme, User
from app.schemas.portfolio import PortfolioFilters
from app.services import exports
from app.vocab import (
    EngagementKind,
    Implementation,
    Instrument,
    Objective,
    Phase,
    Response,
    Role,
    Stage,
    Theme,
)
from tests.conftest import bearer
from tests.factories import (
    make_engagement,
    make_milestone,
    make_mission,
    make_partnership,
    make_recommendation,
    make_region,
    make_user,
)

TODAY = date.today()
P = "/api/v1/portfolio"
HOSTILE_TITLE = '+Danger, "quoted"\nnew line'
SHARED_AT = datetime(2026, 1, 2, 9, 30, tzinfo=UTC)
ENGAGEMENT_HEADER = [
    "reference", "title", "kind", "client_name", "client_code", "country", "phase",
    "planned_start", "planned_end", "lead_consultant", "themes", "objectives",
    "recommendations_draft", "recommendations_shared", "recommendations_withdrawn",
    "shared_pending_responses", "implemented", "overdue_milestones", "last_mission_on",
    "at_risk_reasons",
]  # fmt: skip
RECOMMENDATION_HEADER = [
    "engagement_reference", "code", "title", "stage", "shared_at", "response",
    "implementation", "self_assessment", "validated_implementation", "priority", "horizon",
    "instrument", "responsible_actor",
]  # fmt: skip


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


@pytest.fixture
def portfolio(db: Session) -> None:
    """X-01 (Belgium) with hostile texts and follow-up figures; X-02 (an FR-DE partnership),
    empty."""
    region = make_region(db, name="=cmd|' /C calc'!A0", nuts_code="ZZ1", country_code="BE")
    lead = make_user(db, full_name="@SUM(A1:A9)")
    e = make_engagement(
        db, reference="X-01", title=HOSTILE_TITLE, region_id=region.id, phase=Phase.DIAGNOSIS,
        lead_consultant_id=lead.id, planned_start=date(2025, 1, 1), planned_end=date(2026, 12, 31),
    )  # fmt: skip
    db.add_all(
        [
            EngagementTheme(engagement_id=e.id, theme=Theme.DIGITALISATION),
            EngagementTheme(engagement_id=e.id, theme=Theme.KETS),
            EngagementObjective(engagement_id=e.id, objective=Objective.EMERGING_INDUSTRIES),
        ]
    )
    make_mission(db, e, start_date=ago(12), end_date=ago(10))
    make_milestone(db, e, due_date=ago(5))
    late = datetime.combine(ago(61), datetime.min.time(), tzinfo=UTC)
    make_recommendation(db, e, code="R1", title="=1+1", stage=Stage.SHARED, shared_at=late)
    make_recommendation(
        db, e, code="R2", title="Fund the cluster", stage=Stage.SHARED, shared_at=SHARED_AT,
        response=Response.ACCEPTED, implementation=Implementation.MOST_RESPECTS,
        self_assessment=Implementation.SOME_RESPECTS,
        validated_implementation=Implementation.MOST_RESPECTS,
        instrument=Instrument.FUNDING, responsible_actor="-Ministry",
    )  # fmt: skip
    make_recommendation(db, e, code="R10", title="-2+3")
    make_recommendation(db, e, code="R3", title="\tTabbed", stage=Stage.WITHDRAWN)
    make_engagement(
        db, reference="X-02", title="Packaging partnership",
        kind=EngagementKind.PARTNERSHIP_SUPPORT,
        partnership_id=make_partnership(db, acronym="PACK", countries=["FR", "DE"]).id,
    )  # fmt: skip
    db.commit()


def read_csv(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def read_xlsx(response: Any) -> Any:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def disposition(name: str, extension: str) -> str:
    return f'attachment; filename="clustercase-{name}-{TODAY.isoformat()}.{extension}"'


@pytest.mark.usefixtures("portfolio")
def test_engagements_csv(client: TestClient) -> None:
    response = client.get(f"{P}/engagements.csv")
    assert response.headers["content-disposition"] == disposition("engagements", "csv")
    header, x01, x02 = read_csv(response)
    assert header == ENGAGEMENT_HEADER
    assert dict(zip(header, x01, strict=True)) == {
        "reference": "X-01",
        "title": "'" + HOSTILE_TITLE,
        "kind": "regional_advice",
        "client_name": "'=cmd|' /C calc'!A0",
        "client_code": "ZZ1",
        "country": "BE",
        "phase": "diagnosis",
        "planned_start": "2025-01-01",
        "planned_end": "2026-12-31",
        "lead_consultant": "'@SUM(A1:A9)",
        "themes": "kets, digitalisation",  # vocabulary order
        "objectives": "emerging_industries",
        "recommendations_draft": "1",
        "recommendations_shared": "2",
        "recommendations_withdrawn": "1",
        "shared_pending_responses": "1",
        "implemented": "1",
        "overdue_milestones": "1",
        "last_mission_on": ago(10).isoformat(),
        "at_risk_reasons": "overdue_milestone; response_pending_60_days",
    }
    assert x02[:7] == [
        "X-02", "Packaging partnership", "partnership_support", "Partnership " + x02[3][12:],
        "PACK", "FR, DE", "scoping",
    ]  # fmt: skip
    assert x02[12:19] == ["0", "0", "0", "0", "0", "0", ""]


@pytest.mark.usefixtures("portfolio")
def test_csv_quotes_as_rfc_4180_says(client: TestClient) -> None:
    raw = client.get(f"{P}/engagements.csv").content
    # Comma, quote and line break inside one quoted field, quotes doubled; records end in CRLF.
    assert b'X-01,"\'+Danger, ""quoted""\nnew line",regional_advice' in raw
    assert raw.count(b"\r\n") == 3


@pytest.mark.usefixtures("portfolio")
def test_recommendations_csv(client: TestClient) -> None:
    response = client.get(f"{P}/recommendations.csv")
    assert response.headers["content-disposition"] == disposition("recommendations", "csv")
    header, *rows = read_csv(response)
    assert header == RECOMMENDATION_HEADER
    assert [row[1] for row in rows] == ["R1", "R2", "R3", "R10"]  # R2 before R10
    by_code = {row[1]: dict(zip(header, row, strict=True)) for row in rows}
    assert by_code["R2"] == {
        "engagement_reference": "X-01",
        "code": "R2",
        "title": "Fund the cluster",
        "stage": "shared",
        "shared_at": "2026-01-02 09:30:00",
        "response": "accepted",
        "implementation": "most_respects",
        "self_assessment": "some_respects",
        "validated_implementation": "most_respects",
        "priority": "medium",
        "horizon": "medium",
        "instrument": "funding",
        "responsible_actor": "'-Ministry",
    }
    assert by_code["R1"]["title"] == "'=1+1"
    assert by_code["R10"]["title"] == "'-2+3"
    assert by_code["R3"]["title"] == "'\tTabbed"
    assert by_code["R10"]["shared_at"] == "" and by_code["R10"]["self_assessment"] == ""


@pytest.mark.usefixtures("portfolio")
def test_engagements_xlsx_is_typed_and_safe(client: TestClient) -> None:
    response = client.get(f"{P}/engagements.xlsx")
    assert response.headers["content-disposition"] == disposition("engagements", "xlsx")
    sheet = read_xlsx(response)
    assert sheet.title == "Engagements"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:T3"
    header = [cell.value for cell in sheet[1]]
    assert header == ENGAGEMENT_HEADER
    assert all(cell.font.b for cell in sheet[1])
    x01 = {name: cell for name, cell in zip(header, sheet[2], strict=True)}
    assert x01["title"].value == "'" + HOSTILE_TITLE and x01["title"].data_type == "s"
    assert x01["client_name"].value == "'=cmd|' /C calc'!A0"
    assert x01["lead_consultant"].value == "'@SUM(A1:A9)"
    for name, day in (("planned_start", date(2025, 1, 1)), ("last_mission_on", ago(10))):
        assert x01[name].value == datetime(day.year, day.month, day.day)
        assert x01[name].is_date and x01[name].number_format == "yyyy-mm-dd"
    for name, n in (("recommendations_shared", 2), ("implemented", 1), ("overdue_milestones", 1)):
        assert x01[name].value == n and x01[name].data_type == "n"
    x02 = {name: cell.value for name, cell in zip(header, sheet[3], strict=True)}
    assert x02["recommendations_draft"] == 0 and x02["planned_start"] is None
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert sheet.column_dimensions["B"].width > 40  # title
    assert sheet.column_dimensions["A"].width > 16  # reference


@pytest.mark.usefixtures("portfolio")
def test_recommendations_xlsx_is_typed_and_safe(client: TestClient) -> None:
    sheet = read_xlsx(client.get(f"{P}/recommendations.xlsx"))
    assert sheet.title == "Recommendations" and sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    assert header == RECOMMENDATION_HEADER
    rows = [{n: c for n, c in zip(header, row, strict=True)} for row in sheet.iter_rows(min_row=2)]
    assert [row["code"].value for row in rows] == ["R1", "R2", "R3", "R10"]
    r2 = rows[1]
    assert r2["shared_at"].value == datetime(2026, 1, 2, 9, 30)  # UTC
    assert r2["shared_at"].number_format == "yyyy-mm-dd hh:mm"
    assert r2["self_assessment"].value == "some_respects"
    assert r2["responsible_actor"].value == "'-Ministry"
    titles = [row["title"].value for row in rows]
    assert titles == ["'=1+1", "Fund the cluster", "'\tTabbed", "'-2+3"]
    assert all(row["title"].data_type == "s" for row in rows)
    assert rows[3]["shared_at"].value is None
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


@pytest.mark.usefixtures("portfolio")
@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_exports_take_the_summary_filters(client: TestClient, extension: str) -> None:
    def references(table: str, params: dict[str, Any]) -> list[str]:
        response = client.get(f"{P}/{table}.{extension}", params=params)
        if extension == "csv":
            return [row[0] for row in read_csv(response)[1:]]
        return [row[0].value for row in read_xlsx(response).iter_rows(min_row=2)]

    assert references("engagements", {"country": "de"}) == ["X-02"]
    assert references("engagements", {"country": "BE", "theme": "kets"}) == ["X-01"]
    assert references("engagements", {"phase": "closed"}) == []
    assert references("recommendations", {"kind": "regional_advice"}) == ["X-01"] * 4
    assert references("recommendations", {"year": 2024}) == []
    assert client.get(f"{P}/engagements.{extension}", params={"year": 12}).status_code == 422


def test_neutralise() -> None:
    for text in ("=A1", "+1", "-1", "@x", "\tx", "\rx", "\nx", "\uff1dA1", "\uff20x"):
        assert exports.neutralise(text) == "'" + text
    for text in ("", "A=1", " plain", "'quoted", "R1", "2026-01-01"):
        assert exports.neutralise(text) == text


def test_exports_are_written_in_chunks(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(5):
        make_engagement(db)
    db.flush()
    monkeypatch.setattr(exports, "CHUNK_ROWS", 2)
    export = exports.engagements_export(db, PortfolioFilters(), today=TODAY)
    chunks = list(exports.csv_stream(db, export))
    assert len(chunks) == 3  # 2 + 2 + 1 rows, the header with the first
    assert [chunk.count(b"\r\n") for chunk in chunks] == [3, 2, 1]
    monkeypatch.setattr(exports, "STREAM_BYTES", 1024)
    parts = list(exports.xlsx_stream(db, export))
    assert len(parts) > 2 and all(len(part) == 1024 for part in parts[:-1])
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(parts))).active
    assert sheet.max_row == 6


def test_an_empty_export_has_its_header(client: TestClient) -> None:
    assert read_csv(client.get(f"{P}/recommendations.csv")) == [RECOMMENDATION_HEADER]
    sheet = read_xlsx(client.get(f"{P}/engagements.xlsx"))
    assert [c.value for c in sheet[1]] == ENGAGEMENT_HEADER and sheet.max_row == 1


@pytest.mark.parametrize(
    "path",
    ["engagements.csv", "engagements.xlsx", "recommendations.csv", "recommendations.xlsx"],
)
def test_only_monitors_and_admins_export(
    client: TestClient, anonymous: TestClient, db: Session, path: str
) -> None:
    region = make_region(db)
    make_engagement(db, region_id=region.id)
    consultant = make_user(db, role=Role.CONSULTANT)
    stakeholder = make_user(db, role=Role.STAKEHOLDER, region_id=region.id)
    monitor = make_user(db, role=Role.MONITOR)
    db.commit()
    assert anonymous.get(f"{P}/{path}").status_code == 401
    for user in (consultant, stakeholder):
        response = client.get(f"{P}/{path}", headers=bearer(user))
        assert response.status_code == 403 and response.json()["error"] == "forbidden"
    assert client.get(f"{P}/{path}", headers=bearer(monitor)).status_code == 200


def test_stakeholder_follow_up_reaches_the_monitor(client: TestClient, db: Session) -> None:
    """A region's officer rates a shared recommendation `most_respects`; DG GROW's summary and
    export show it."""
    region = make_region(db, country_code="LT")
    engagement = make_engagement(db, region_id=region.id, reference="LT-01")
    now = datetime.now(UTC)
    recommendation = make_recommendation(
        db, engagement, instrument=Instrument.SKILLS, stage=Stage.SHARED, shared_at=now
    )
    officer = make_user(db, role=Role.STAKEHOLDER, region_id=region.id)
    monitor: User = make_user(db, role=Role.MONITOR)
    db.commit()
    as_monitor = bearer(monitor)
    before = client.get(f"{P}/summary", headers=as_monitor).json()
    assert before["implementation_rates"]["by_instrument"]["skills"]["implemented"] == 0

    url = f"/api/v1/engagements/{engagement.id}/recommendations/{recommendation.id}/updates"
    body = {"response": "accepted", "implementation": "most_respects", "comment": "Done mostly"}
    recorded = client.post(url, json=body, headers=bearer(officer))
    assert recorded.status_code == 201, recorded.text

    after = client.get(f"{P}/summary", params={"country": "LT"}, headers=as_monitor).json()
    assert after["recommendations"]["by_implementation"]["most_respects"] == 1
    assert after["recommendations"]["by_response"] == {
        "pending": 0, "accepted": 1, "partially_accepted": 0, "noted": 0, "rejected": 0,
    }  # fmt: skip
    assert after["implementation_rates"]["by_instrument"]["skills"] == {
        "shared": 1, "implemented": 1, "rate": 1.0,
    }  # fmt: skip
    header, row = read_csv(client.get(f"{P}/recommendations.csv", headers=as_monitor))
    values = dict(zip(header, row, strict=True))
    assert (values["response"], values["implementation"], values["self_assessment"]) == (
        "accepted", "most_respects", "most_respects",
    )  # fmt: skip
    assert values["validated_implementation"] == ""
    header, row = read_csv(client.get(f"{P}/engagements.csv", headers=as_monitor))
    assert dict(zip(header, row, strict=True))["implemented"] == "1"
