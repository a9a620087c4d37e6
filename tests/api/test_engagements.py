"""/engagements: create, read, change and delete, with the rules each write keeps."""

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import (
    AuditEntry,
    Challenge,
    Engagement,
    EngagementMember,
    EngagementTheme,
    Milestone,
    PhaseChange,
    Report,
)
from app.vocab import BottleneckStatus, EngagementKind, Phase, ReportStatus, Role, Theme
from tests.conftest import bearer
from tests.factories import (
    add_member,
    link_evidence,
    make_bottleneck,
    make_challenge,
    make_engagement,
    make_evidence,
    make_milestone,
    make_partnership,
    make_recommendation,
    make_region,
    make_report,
    make_user,
)

URL = "/api/v1/engagements"


def _body(**overrides: Any) -> dict[str, Any]:
    return {"reference": "EOCIC-2018-001", "title": "Cantabria cluster policy"} | overrides


def _engagements(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Engagement)) or 0


def test_create_regional_engagement_starts_in_scoping_with_lead_on_team(
    client: TestClient, db: Session
) -> None:
    region = make_region(db, name="Cantabria")
    lead = make_user(db)
    db.commit()
    body = _body(
        kind="regional_advice",
        region_id=region.id,
        themes=["digitalisation", "kets"],
        objectives=["emerging_industries"],
        planned_start="2018-03-01",
        planned_end="2018-12-31",
        lead_consultant_id=lead.id,
    )
    response = client.post(URL, json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["etag"] == '"1"'
    assert created["phase"] == "scoping" and created["phase_before_hold"] is None
    assert created["client_name"] == "Cantabria" and created["partnership_id"] is None
    assert created["themes"] == ["kets", "digitalisation"]  # vocabulary order
    assert created["objectives"] == ["emerging_industries"]
    assert created["member_ids"] == [lead.id]
    history = db.scalars(select(PhaseChange).where(PhaseChange.engagement_id == created["id"]))
    assert [(h.from_phase, h.to_phase, h.note) for h in history] == [
        (None, Phase.SCOPING, "Engagement created")
    ]
    assert client.get(f"{URL}/{created['id']}").json() == created


def test_consultant_who_creates_an_engagement_joins_its_team(
    client: TestClient, db: Session
) -> None:
    consultant, lead = make_user(db), make_user(db)
    region = make_region(db)
    db.commit()
    body = _body(kind="regional_advice", region_id=region.id, lead_consultant_id=lead.id)
    response = client.post(URL, json=body, headers=bearer(consultant))
    assert response.status_code == 201, response.text
    assert response.json()["member_ids"] == sorted([consultant.id, lead.id])
    edit = {"title": "Renamed by its creator"}
    patched = client.patch(f"{URL}/{response.json()['id']}", json=edit, headers=bearer(consultant))
    assert patched.status_code == 200, patched.text


def test_monitor_cannot_create_an_engagement(client: TestClient, db: Session) -> None:
    monitor, region = make_user(db, role=Role.MONITOR), make_region(db)
    db.commit()
    body = _body(kind="regional_advice", region_id=region.id)
    response = client.post(URL, json=body, headers=bearer(monitor))
    assert response.status_code == 403
    assert _engagements(db) == 0


def test_create_partnership_engagement_names_the_partnership(
    client: TestClient, db: Session
) -> None:
    partnership = make_partnership(db, name="Smart packaging value chain")
    db.commit()
    body = _body(kind="partnership_support", partnership_id=partnership.id)
    response = client.post(URL, json=body)
    assert response.status_code == 201, response.text
    assert response.json()["client_name"] == "Smart packaging value chain"
    assert response.json()["member_ids"] == [] and response.json()["lead_consultant_id"] is None


@pytest.mark.parametrize(
    ("kind", "given", "field"),
    [
        ("regional_advice", {}, "region_id"),
        ("regional_advice", {"partnership_id": True}, "partnership_id"),
        ("regional_advice", {"region_id": True, "partnership_id": True}, "partnership_id"),
        ("partnership_support", {"region_id": True}, "region_id"),
        ("partnership_support", {}, "partnership_id"),
    ],
)
def test_client_must_match_kind(
    client: TestClient, db: Session, kind: str, given: dict[str, bool], field: str
) -> None:
    ids = {"region_id": make_region(db).id, "partnership_id": make_partnership(db).id}
    db.commit()
    body = _body(kind=kind, **{name: ids[name] for name in given})
    response = client.post(URL, json=body)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_input"
    assert response.json()["fields"][0]["loc"] == ["body", field]
    assert _engagements(db) == 0


@pytest.mark.parametrize(
    ("kind", "field"), [("regional_advice", "region_id"), ("partnership_support", "partnership_id")]
)
def test_unknown_client_is_422(client: TestClient, db: Session, kind: str, field: str) -> None:
    response = client.post(URL, json=_body(kind=kind, **{field: 424242}))
    assert response.status_code == 422
    assert response.json()["fields"][0]["loc"] == ["body", field]
    assert _engagements(db) == 0


def test_duplicate_reference_is_409_and_writes_nothing(client: TestClient, db: Session) -> None:
    existing = make_engagement(db, reference="EOCIC-2018-001")
    db.commit()
    response = client.post(URL, json=_body(kind="regional_advice", region_id=existing.region_id))
    assert response.status_code == 409
    assert response.json()["error"] == "duplicate"
    assert _engagements(db) == 1
    assert db.scalar(select(func.count()).select_from(PhaseChange)) == 0


@pytest.mark.parametrize(
    "bad",
    [
        {"reference": "-starts-with-dash"},
        {"reference": "has space"},
        {"reference": "x" * 41},
        {"title": ""},
        {"kind": "consulting"},
        {"themes": ["kets", "kets"]},
        {"themes": ["blockchain"]},
        {"objectives": ["sme_internationalisation", "sme_internationalisation"]},
        {"planned_start": "2018-02-30"},
        {"lead_consultant_id": 2**31},
        {"region_id": 0},
        {"phase": "diagnosis"},
    ],
)
def test_malformed_create_is_422(client: TestClient, db: Session, bad: dict[str, Any]) -> None:
    region = make_region(db)
    db.commit()
    response = client.post(URL, json=_body(kind="regional_advice", region_id=region.id) | bad)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "validation_error"
    assert _engagements(db) == 0


def test_planned_end_before_start_is_422(client: TestClient, db: Session) -> None:
    region = make_region(db)
    db.commit()
    dates = {"planned_start": "2019-01-01", "planned_end": "2018-12-31"}
    response = client.post(URL, json=_body(kind="regional_advice", region_id=region.id, **dates))
    assert response.status_code == 422
    assert response.json()["fields"][0]["loc"] == ["body", "planned_end"]
    assert _engagements(db) == 0


@pytest.mark.parametrize(
    "user",
    [
        {"role": Role.MONITOR},
        {"role": Role.ADMIN},
        {"role": Role.CONSULTANT, "is_active": False},
    ],
)
def test_lead_must_be_an_active_consultant(
    client: TestClient, db: Session, user: dict[str, Any]
) -> None:
    region = make_region(db)
    lead = make_user(db, **user)
    db.commit()
    body = _body(kind="regional_advice", region_id=region.id, lead_consultant_id=lead.id)
    response = client.post(URL, json=body)
    assert response.status_code == 422
    assert response.json()["fields"][0]["loc"] == ["body", "lead_consultant_id"]
    assert _engagements(db) == 0


def test_unknown_engagement_is_404_and_huge_id_is_422(client: TestClient) -> None:
    assert client.get(f"{URL}/424242").json()["error"] == "not_found"
    assert client.get(f"{URL}/{2**31}").status_code == 422
    assert client.get(f"{URL}/0").status_code == 422


def test_patch_changes_fields_and_collections_and_bumps_version(
    client: TestClient, db: Session
) -> None:
    engagement = make_engagement(db, planned_start=date(2018, 1, 1))
    db.add(EngagementTheme(engagement_id=engagement.id, theme=Theme.KETS))
    db.commit()
    changes = {
        "title": "New title",
        "summary": "Scope agreed with the ministry",
        "themes": ["creativity", "digitalisation"],
        "objectives": ["industrial_modernisation"],
        "planned_end": "2018-06-30",
    }
    response = client.patch(f"{URL}/{engagement.id}", json=changes, headers={"If-Match": '"1"'})
    assert response.status_code == 200, response.text
    patched = response.json()
    assert {k: patched[k] for k in changes} == changes | {
        "themes": ["digitalisation", "creativity"]
    }
    assert patched["version"] == 2 and response.headers["etag"] == '"2"'
    db.expire_all()
    themes = db.scalars(
        select(EngagementTheme.theme).where(EngagementTheme.engagement_id == engagement.id)
    )
    assert set(themes) == {Theme.CREATIVITY, Theme.DIGITALISATION}
    entry = db.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
    assert entry.entity_type == "engagement" and entry.entity_id == engagement.id
    assert entry.action == "update"
    assert entry.changes["themes"] == [["kets"], ["creativity", "digitalisation"]]
    assert entry.changes["title"][1] == "New title"


def test_patch_of_themes_alone_is_a_new_version(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    db.commit()
    response = client.patch(f"{URL}/{engagement.id}", json={"themes": ["kets"]})
    assert response.json()["version"] == 2
    unchanged = client.patch(f"{URL}/{engagement.id}", json={"themes": ["kets"]})
    assert unchanged.json()["version"] == 2


def test_patch_new_lead_joins_the_team(client: TestClient, db: Session) -> None:
    old_lead, new_lead = make_user(db), make_user(db)
    engagement = make_engagement(db, lead_consultant_id=old_lead.id)
    add_member(db, engagement, old_lead)
    db.commit()
    response = client.patch(f"{URL}/{engagement.id}", json={"lead_consultant_id": new_lead.id})
    assert response.status_code == 200, response.text
    assert response.json()["lead_consultant_id"] == new_lead.id
    assert response.json()["member_ids"] == sorted([old_lead.id, new_lead.id])


def test_patch_can_clear_dates_and_lead(client: TestClient, db: Session) -> None:
    lead = make_user(db)
    engagement = make_engagement(db, planned_start=date(2018, 1, 1), lead_consultant_id=lead.id)
    db.commit()
    body = {"planned_start": None, "lead_consultant_id": None}
    response = client.patch(f"{URL}/{engagement.id}", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["planned_start"] is None
    assert response.json()["lead_consultant_id"] is None


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "partnership_support"},
        {"region_id": 1},
        {"partnership_id": 1},
        {"phase": "closed"},
        {"title": None},
        {"themes": None},
        {"themes": ["kets", "kets"]},
        {"reference": "no spaces please"},
    ],
)
def test_patch_of_fixed_or_malformed_fields_is_422(
    client: TestClient, db: Session, bad: dict[str, Any]
) -> None:
    engagement = make_engagement(db)
    db.commit()
    response = client.patch(f"{URL}/{engagement.id}", json=bad)
    assert response.status_code == 422, response.text
    db.refresh(engagement)
    assert engagement.version == 1 and engagement.phase == Phase.SCOPING
    assert engagement.kind == EngagementKind.REGIONAL_ADVICE


def test_patch_dates_out_of_order_with_stored_value_is_422(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db, planned_end=date(2018, 6, 30))
    db.commit()
    response = client.patch(f"{URL}/{engagement.id}", json={"planned_start": "2018-07-01"})
    assert response.status_code == 422
    assert response.json()["fields"][0]["loc"] == ["body", "planned_start"]
    db.refresh(engagement)
    assert engagement.planned_start is None


def test_patch_reference_of_another_engagement_is_409(client: TestClient, db: Session) -> None:
    make_engagement(db, reference="TAKEN")
    engagement = make_engagement(db, reference="MINE")
    db.commit()
    response = client.patch(f"{URL}/{engagement.id}", json={"reference": "TAKEN"})
    assert response.status_code == 409 and response.json()["error"] == "duplicate"
    db.refresh(engagement)
    assert engagement.reference == "MINE"
    same = client.patch(f"{URL}/{engagement.id}", json={"reference": "MINE"})
    assert same.status_code == 200 and same.json()["version"] == 1


def test_patch_to_inactive_lead_is_422(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    retired = make_user(db, is_active=False)
    db.commit()
    response = client.patch(f"{URL}/{engagement.id}", json={"lead_consultant_id": retired.id})
    assert response.status_code == 422
    assert response.json()["fields"][0]["loc"] == ["body", "lead_consultant_id"]
    assert db.scalar(select(func.count()).select_from(EngagementMember)) == 0


def test_stale_if_match_is_412_on_patch_and_delete(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db, title="Kept")
    db.commit()
    stale = {"If-Match": '"7"'}
    patched = client.patch(f"{URL}/{engagement.id}", json={"title": "Lost"}, headers=stale)
    assert patched.status_code == 412 and patched.json()["error"] == "precondition_failed"
    assert client.delete(f"{URL}/{engagement.id}", headers=stale).status_code == 412
    db.refresh(engagement)
    assert engagement.title == "Kept" and engagement.version == 1


def test_delete_cascades_to_everything_inside(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    add_member(db, engagement, make_user(db))
    challenge = make_challenge(db, engagement)
    bottleneck = make_bottleneck(
        db, engagement, challenge_id=challenge.id, status=BottleneckStatus.CONFIRMED
    )
    link_evidence(db, make_evidence(db, engagement), bottleneck=bottleneck)
    make_recommendation(db, engagement, bottlenecks=[bottleneck])
    make_milestone(db, engagement)
    make_report(db, engagement)  # a draft
    db.commit()
    response = client.delete(f"{URL}/{engagement.id}", headers={"If-Match": '"1"'})
    assert response.status_code == 204, response.text
    assert client.get(f"{URL}/{engagement.id}").status_code == 404
    db.expire_all()
    for model in (Engagement, Challenge, Milestone, Report, EngagementMember):
        assert db.scalar(select(func.count()).select_from(model)) == 0, model


def test_delete_with_published_report_is_409_and_keeps_it(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    make_milestone(db, engagement)
    make_report(db, engagement, status=ReportStatus.PUBLISHED)
    db.commit()
    response = client.delete(f"{URL}/{engagement.id}")
    assert response.status_code == 409
    assert response.json()["error"] == "conflict"
    assert "published" in response.json()["detail"]
    db.expire_all()
    assert db.get(Engagement, engagement.id) is not None
    assert db.scalar(select(func.count()).select_from(Milestone)) == 1


# -- the list ----------------------------------------------------------------------------------


def test_list_applies_query_parameters_and_paginates(client: TestClient, db: Session) -> None:
    lead = make_user(db)
    for n in range(4):
        make_engagement(db, reference=f"R-{n}", lead_consultant_id=lead.id, phase=Phase.DIAGNOSIS)
    make_engagement(db, reference="R-9")
    db.commit()
    params = {"phase": "diagnosis", "consultant_id": lead.id, "q": "r-", "sort": "-reference"}
    page = client.get(URL, params=params | {"limit": 2, "offset": 1}).json()
    assert (page["total"], page["limit"], page["offset"]) == (4, 2, 1)
    assert [e["reference"] for e in page["items"]] == ["R-2", "R-1"]
    past_the_end = client.get(URL, params=params | {"offset": 10}).json()
    assert past_the_end["items"] == [] and past_the_end["total"] == 4


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 201},
        {"offset": -1},
        {"sort": "phase"},
        {"sort": "reference; drop table engagements"},
        {"phase": "paused"},
        {"kind": "regional"},
        {"theme": "blockchain"},
        {"region_id": 2**31},
        {"consultant_id": 0},
        {"q": ""},
        {"q": "x" * 201},
    ],
)
def test_list_refuses_bad_parameters(client: TestClient, params: dict[str, Any]) -> None:
    response = client.get(URL, params=params)
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"
    assert response.json()["fields"][0]["loc"][0] == "query"


def test_list_runs_three_statements_whatever_the_page_size(
    client: TestClient, db: Session, sql_statements: Any
) -> None:
    consultants = [make_user(db) for _ in range(4)]
    region = make_region(db)
    for n in range(60):
        engagement = make_engagement(db, region_id=region.id, lead_consultant_id=consultants[0].id)
        db.add(EngagementTheme(engagement_id=engagement.id, theme=list(Theme)[n % 6]))
        for user in consultants[: 1 + n % 4]:
            add_member(db, engagement, user)
    db.commit()
    counts = {}
    for limit in (5, 50):
        before = sql_statements.count
        page = client.get(URL, params={"limit": limit}).json()
        counts[limit] = sql_statements.count - before
        assert len(page["items"]) == limit and page["total"] == 60
        assert all(e["themes"] and e["member_ids"] for e in page["items"])
    # The caller's user row (authentication), the list's number of changes (its page cache's
    # validator), and the page (client name, themes, objectives, team and total in the same
    # statement).
    assert counts == {5: 3, 50: 3}


def test_list_items_are_the_single_reads(client: TestClient, db: Session) -> None:
    """The list writes its JSON from rows, the single read through EngagementRead: the same
    values, the same text."""
    lead, member = make_user(db), make_user(db)
    region, partnership = make_region(db, name="Śląskie"), make_partnership(db)
    held = make_engagement(
        db,
        reference="A-1",
        region_id=region.id,
        lead_consultant_id=lead.id,
        phase=Phase.ON_HOLD,
        phase_before_hold=Phase.DIAGNOSIS,
        planned_start=date(2018, 3, 1),
        planned_end=date(2018, 12, 31),
    )
    for theme in (Theme.RESOURCE_EFFICIENCY, Theme.KETS, Theme.CREATIVITY):
        db.add(EngagementTheme(engagement_id=held.id, theme=theme))
    add_member(db, held, member)
    add_member(db, held, lead)
    make_engagement(
        db,
        reference="B-2",
        kind=EngagementKind.PARTNERSHIP_SUPPORT,
        partnership_id=partnership.id,
        summary='Quotes " and \\ and </script> and ünïcödé',
    )
    db.commit()
    page = client.get(URL)
    assert page.headers["content-type"] == "application/json"
    items = page.json()["items"]
    assert [e["reference"] for e in items] == ["A-1", "B-2"]
    assert items[0]["themes"] == ["kets", "creativity", "resource_efficiency"]
    assert items[0]["member_ids"] == sorted([lead.id, member.id])
    for item in items:
        single = client.get(f"{URL}/{item['id']}")
        assert item == single.json()
        assert page.text.count(single.text) == 1  # the same JSON text, key order included


def test_list_documents_its_page_model(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    ok = schema["paths"][URL]["get"]["responses"]["200"]["content"]["application/json"]
    assert ok["schema"]["$ref"].endswith("Page_EngagementRead_")
