"""/engagements/{id}/evidence: CRUD, kinds, URLs, the indicator rule, finite numbers, years,
other engagements, ETag/If-Match."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Engagement, Evidence, EvidenceLink
from app.vocab import EvidenceKind
from tests.factories import (
    link_evidence,
    make_bottleneck,
    make_challenge,
    make_engagement,
    make_evidence,
)

PUBLICATION = {"kind": "publication", "title": "Regional Innovation Scoreboard 2019"}
INDICATOR = {
    "kind": "indicator",
    "title": "R&D intensity",
    "indicator_name": "GERD as % of GDP",
    "indicator_value": 0.87,
    "indicator_unit": "%",
    "indicator_year": 2017,
    "benchmark_value": 2.07,
    "benchmark_label": "EU-28 average",
}

# A serialisation warning (e.g. about the url's type) is a bug here, not noise.
pytestmark = pytest.mark.filterwarnings("error::UserWarning")


def url(engagement: Engagement, evidence_id: int | None = None) -> str:
    base = f"/api/v1/engagements/{engagement.id}/evidence"
    return base if evidence_id is None else f"{base}/{evidence_id}"


def evidence_count(db: Session, engagement: Engagement) -> int:
    stmt = select(func.count()).where(Evidence.engagement_id == engagement.id)
    return int(db.scalar(stmt) or 0)


def exists(db: Session, evidence_id: int) -> bool:
    return db.scalar(select(Evidence.id).where(Evidence.id == evidence_id)) is not None


def stored(db: Session, evidence_id: int) -> dict[str, Any]:
    """The row as the database holds it (not the session's cached object)."""
    row = db.execute(select(Evidence.__table__).where(Evidence.id == evidence_id)).one()
    return dict(row._mapping)


def test_create_publication_then_read(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    db.commit()
    body = {
        **PUBLICATION,
        "url": "https://ec.europa.eu/growth/ris",
        "source": "European Commission",
        "published_on": "2019-06-17",
        "excerpt": "Cantabria is a moderate innovator.",
    }
    created = client.post(url(engagement), json=body)
    assert created.status_code == 201, created.text
    evidence = created.json()
    assert evidence["url"] == "https://ec.europa.eu/growth/ris"
    assert evidence["published_on"] == "2019-06-17" and evidence["links"] == []
    assert evidence["indicator_name"] is None and created.headers["etag"] == '"1"'
    read = client.get(url(engagement, evidence["id"]))
    assert read.status_code == 200 and read.headers["etag"] == '"1"'
    assert read.json()["source"] == "European Commission"
    assert stored(db, evidence["id"])["url"] == "https://ec.europa.eu/growth/ris"


def test_create_indicator_with_benchmark(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    db.commit()
    created = client.post(url(engagement), json=INDICATOR)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["indicator_value"] == 0.87 and body["benchmark_value"] == 2.07
    assert body["indicator_year"] == 2017 and body["benchmark_label"] == "EU-28 average"


@pytest.mark.parametrize(
    "bad_url",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "ftp://example.org/data.csv",
        "data:text/html,hi",
        "example.org",
        "https://" + "a" * 2000 + ".org",
    ],
)
def test_non_web_url_is_422_and_writes_nothing(
    client: TestClient, db: Session, bad_url: str
) -> None:
    engagement = make_engagement(db)
    db.commit()
    response = client.post(url(engagement), json={**PUBLICATION, "url": bad_url})
    assert response.status_code == 422
    assert response.json()["fields"][0]["loc"][:2] == ["body", "url"]
    assert evidence_count(db, engagement) == 0


def test_patch_url_refuses_other_schemes_and_null_clears_it(
    client: TestClient, db: Session
) -> None:
    engagement = make_engagement(db)
    evidence = make_evidence(db, engagement, url="http://example.org/")
    db.commit()
    bad = client.patch(url(engagement, evidence.id), json={"url": "javascript:alert(1)"})
    assert bad.status_code == 422
    assert stored(db, evidence.id)["url"] == "http://example.org/"
    cleared = client.patch(url(engagement, evidence.id), json={"url": None})
    assert cleared.status_code == 200 and cleared.json()["url"] is None
    assert stored(db, evidence.id)["url"] is None
    https = client.patch(url(engagement, evidence.id), json={"url": "https://stats.oecd.org/x"})
    assert https.status_code == 200 and https.json()["url"] == "https://stats.oecd.org/x"
    assert stored(db, evidence.id)["url"] == "https://stats.oecd.org/x"


@pytest.mark.parametrize("missing", ["indicator_name", "indicator_value"])
def test_indicator_without_name_or_value_is_422(
    client: TestClient, db: Session, missing: str
) -> None:
    engagement = make_engagement(db)
    db.commit()
    body = {k: v for k, v in INDICATOR.items() if k != missing}
    response = client.post(url(engagement), json=body)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_input"
    assert response.json()["fields"][0]["loc"] == ["body", missing]
    assert evidence_count(db, engagement) == 0


def test_patch_is_checked_on_the_merged_state_for_the_indicator_rule(
    client: TestClient, db: Session
) -> None:
    engagement = make_engagement(db)
    publication = make_evidence(db, engagement, title="Paper")
    indicator = make_evidence(
        db, engagement, kind=EvidenceKind.INDICATOR, indicator_name="GDP", indicator_value=1.0
    )
    db.commit()
    to_indicator = client.patch(url(engagement, publication.id), json={"kind": "indicator"})
    assert to_indicator.status_code == 422
    assert to_indicator.json()["fields"][0]["loc"] == ["body", "indicator_name"]
    assert stored(db, publication.id)["kind"] == "publication"
    unset = client.patch(url(engagement, indicator.id), json={"indicator_value": None})
    assert unset.status_code == 422
    assert stored(db, indicator.id)["indicator_value"] == 1.0
    complete = {"kind": "indicator", "indicator_name": "Patents", "indicator_value": 12}
    assert client.patch(url(engagement, publication.id), json=complete).status_code == 200
    to_survey = client.patch(url(engagement, indicator.id), json={"kind": "survey"})
    assert to_survey.status_code == 200 and to_survey.json()["indicator_name"] == "GDP"


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize("field", ["indicator_value", "benchmark_value"])
def test_non_finite_numbers_are_422(
    client: TestClient, db: Session, field: str, literal: str
) -> None:
    engagement = make_engagement(db)
    evidence = make_evidence(
        db, engagement, kind=EvidenceKind.INDICATOR, indicator_name="GDP", indicator_value=1.0
    )
    db.commit()
    raw = (
        '{"kind": "indicator", "title": "T", "indicator_name": "N", '
        f'"indicator_value": 1, "{field}": {literal}}}'
    )
    headers = {"Content-Type": "application/json"}
    assert client.post(url(engagement), content=raw, headers=headers).status_code == 422
    patch = client.patch(
        url(engagement, evidence.id), content=f'{{"{field}": {literal}}}', headers=headers
    )
    assert patch.status_code == 422
    assert evidence_count(db, engagement) == 1
    assert stored(db, evidence.id)["indicator_value"] == 1.0


@pytest.mark.parametrize("year", [1899, 2101, 40000, -5])
def test_indicator_year_out_of_range_is_422(client: TestClient, db: Session, year: int) -> None:
    engagement = make_engagement(db)
    db.commit()
    response = client.post(url(engagement), json={**INDICATOR, "indicator_year": year})
    assert response.status_code == 422
    assert response.json()["fields"][0]["loc"] == ["body", "indicator_year"]
    assert evidence_count(db, engagement) == 0


def test_year_bounds_1900_and_2100_are_accepted(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    db.commit()
    for year in (1900, 2100):
        response = client.post(url(engagement), json={**INDICATOR, "indicator_year": year})
        assert response.status_code == 201


def test_unknown_kind_bad_date_and_unknown_field_are_422(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    evidence = make_evidence(db, engagement)
    db.commit()
    for body in (
        {**PUBLICATION, "kind": "rumour"},
        {**PUBLICATION, "published_on": "2019-02-30"},
        {**PUBLICATION, "published_on": "yesterday"},
        {**PUBLICATION, "engagement_id": 1},
        {**PUBLICATION, "source": "s" * 501},
    ):
        assert client.post(url(engagement), json=body).status_code == 422, body
    assert client.patch(url(engagement, evidence.id), json={"kind": "rumour"}).status_code == 422
    assert evidence_count(db, engagement) == 1


def test_list_filters_by_kind_and_shows_links(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    paper = make_evidence(db, engagement)
    interview = make_evidence(db, engagement, kind=EvidenceKind.INTERVIEW)
    challenge = make_challenge(db, engagement)
    bottleneck = make_bottleneck(db, engagement)
    link_evidence(db, paper, challenge=challenge)
    link_evidence(db, paper, bottleneck=bottleneck)
    make_evidence(db, make_engagement(db))
    db.commit()
    page = client.get(url(engagement)).json()
    assert page["total"] == 2
    assert [e["id"] for e in page["items"]] == [paper.id, interview.id]
    links = page["items"][0]["links"]
    assert [(lk["target_type"], lk["target_id"]) for lk in links] == [
        ("challenge", challenge.id),
        ("bottleneck", bottleneck.id),
    ]
    only = client.get(url(engagement), params={"kind": "interview"}).json()
    assert [e["id"] for e in only["items"]] == [interview.id]
    assert client.get(url(engagement), params={"kind": "rumour"}).status_code == 422


def test_patch_changes_fields_and_stale_if_match_is_412(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    evidence = make_evidence(db, engagement, title="Old")
    db.commit()
    stale = client.patch(
        url(engagement, evidence.id), json={"title": "New"}, headers={"If-Match": '"3"'}
    )
    assert stale.status_code == 412
    assert (
        client.delete(url(engagement, evidence.id), headers={"If-Match": '"3"'}).status_code == 412
    )
    assert stored(db, evidence.id)["title"] == "Old"
    fresh = client.patch(
        url(engagement, evidence.id), json={"title": "New"}, headers={"If-Match": '"1"'}
    )
    assert fresh.status_code == 200 and fresh.headers["etag"] == '"2"'
    assert stored(db, evidence.id)["title"] == "New"


def test_other_engagements_evidence_is_404_through_this_engagement(
    client: TestClient, db: Session
) -> None:
    mine, other = make_engagement(db), make_engagement(db)
    theirs = make_evidence(db, other, title="Theirs")
    db.commit()
    assert client.get(url(mine, theirs.id)).status_code == 404
    assert client.patch(url(mine, theirs.id), json={"title": "Mine"}).status_code == 404
    assert client.delete(url(mine, theirs.id)).status_code == 404
    assert stored(db, theirs.id)["title"] == "Theirs"


def test_delete_evidence_removes_its_links(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    evidence = make_evidence(db, engagement)
    challenge = make_challenge(db, engagement)
    link = link_evidence(db, evidence, challenge=challenge)
    db.commit()
    assert client.delete(url(engagement, evidence.id)).status_code == 204
    assert not exists(db, evidence.id)
    assert db.scalar(select(EvidenceLink.id).where(EvidenceLink.id == link.id)) is None
    challenge_url = f"/api/v1/engagements/{engagement.id}/challenges/{challenge.id}"
    assert client.get(challenge_url).json()["evidence"] == []
