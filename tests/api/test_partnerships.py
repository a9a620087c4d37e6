"""/partnerships: CRUD, uniqueness, vocabulary and format checks, ETag/If-Match, references."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import Partnership
from app.vocab import EngagementKind, PartnershipKind, Role
from tests.factories import make_engagement, make_partnership, make_user

URL = "/api/v1/partnerships"


def _stored_count(db: Session, partnership_id: int | None) -> int:
    """Rows with this id in the database (not the session's identity map)."""
    return db.query(Partnership).filter_by(id=partnership_id).count()


def _stored(db: Session, partnership_id: int) -> Partnership:
    """The row as the database holds it now (the session's cached copy is refreshed)."""
    db.expire_all()
    stored = db.get(Partnership, partnership_id)
    assert stored is not None
    return stored


def _body(**overrides: Any) -> dict[str, Any]:
    body = {
        "acronym": "AdPack",
        "name": "Advanced smart packaging partnership",
        "kind": "escp_4i",
        "sectors": ["packaging", "printed electronics"],
        "coordinator": "Cluster organisation",
        "countries": ["BE", "FR", "IT"],
        "website": "https://adpack.example.eu",
    }
    return body | overrides


def test_create_then_read_partnership(client: TestClient) -> None:
    created = client.post(URL, json=_body())
    assert created.status_code == 201, created.text
    partnership = created.json()
    assert partnership["acronym"] == "AdPack" and partnership["version"] == 1
    assert partnership["countries"] == ["BE", "FR", "IT"]
    assert partnership["website"].startswith("https://adpack.example.eu")
    assert created.headers["etag"] == '"1"'
    read = client.get(f"{URL}/{partnership['id']}")
    assert read.status_code == 200
    assert read.json()["sectors"] == ["packaging", "printed electronics"]
    assert read.json()["kind"] == "escp_4i"
    assert read.headers["etag"] == '"1"'


def test_minimal_partnership_gets_empty_defaults(client: TestClient) -> None:
    body = {"acronym": "CELIS", "name": "Life sciences partnership", "kind": "escp_4x"}
    response = client.post(URL, json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["sectors"] == [] and created["countries"] == []
    assert created["website"] is None and created["coordinator"] == ""


def test_duplicate_acronym_is_409_and_changes_nothing(client: TestClient, db: Session) -> None:
    make_partnership(db, acronym="ECCA")
    db.commit()
    response = client.post(URL, json=_body(acronym="ECCA"))
    assert response.status_code == 409
    assert response.json()["error"] == "duplicate"
    assert db.query(Partnership).filter_by(acronym="ECCA").count() == 1


def test_patch_to_taken_acronym_is_409_and_keeps_the_old_one(
    client: TestClient, db: Session
) -> None:
    make_partnership(db, acronym="LASER-GO")
    other = make_partnership(db, acronym="CELIS")
    db.commit()
    response = client.patch(f"{URL}/{other.id}", json={"acronym": "LASER-GO"})
    assert response.status_code == 409
    assert response.json()["error"] == "duplicate"
    stored = _stored(db, other.id)
    assert stored.acronym == "CELIS" and stored.version == 1


def test_patch_keeping_its_own_acronym_is_accepted(client: TestClient, db: Session) -> None:
    partnership = make_partnership(db, acronym="ECCA")
    db.commit()
    response = client.patch(f"{URL}/{partnership.id}", json={"acronym": "ECCA", "name": "New"})
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "New"


@pytest.mark.parametrize("kind", ["escp_5x", "ESCP_4I", "", None])
def test_unknown_kind_is_422_and_nothing_is_written(
    client: TestClient, db: Session, kind: str | None
) -> None:
    response = client.post(URL, json=_body(kind=kind))
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"
    assert response.json()["fields"][0]["loc"] == ["body", "kind"]
    assert db.query(Partnership).count() == 0


def test_patch_with_unknown_kind_is_422_and_keeps_the_kind(client: TestClient, db: Session) -> None:
    partnership = make_partnership(db, kind=PartnershipKind.ESCP_S3)
    db.commit()
    response = client.patch(f"{URL}/{partnership.id}", json={"kind": "cluster"})
    assert response.status_code == 422
    assert _stored(db, partnership.id).kind == PartnershipKind.ESCP_S3


@pytest.mark.parametrize("countries", [["be"], ["BEL"], ["B1"], ["BE", 7], "BE"])
def test_malformed_country_codes_are_422(
    client: TestClient, db: Session, countries: object
) -> None:
    response = client.post(URL, json=_body(countries=countries))
    assert response.status_code == 422
    assert response.json()["fields"][0]["loc"][:2] == ["body", "countries"]
    assert db.query(Partnership).count() == 0


def test_too_many_countries_or_sectors_are_422(client: TestClient) -> None:
    assert client.post(URL, json=_body(countries=["BE"] * 61)).status_code == 422
    assert client.post(URL, json=_body(sectors=["x"] * 51)).status_code == 422
    assert client.post(URL, json=_body(sectors=["x" * 201])).status_code == 422


@pytest.mark.parametrize(
    "website",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "data:text/html,hi",
        "ftp://example.org",
        "not a url",
        "https://example.org/" + "a" * 2000,
    ],
)
def test_website_must_be_a_web_url(client: TestClient, db: Session, website: str) -> None:
    response = client.post(URL, json=_body(website=website))
    assert response.status_code == 422
    assert response.json()["fields"][0]["loc"][:2] == ["body", "website"]
    assert db.query(Partnership).count() == 0


def test_patch_refuses_javascript_website_and_null_clears_it(
    client: TestClient, db: Session
) -> None:
    partnership = make_partnership(db, website="https://escp.example.eu/")
    db.commit()
    bad = client.patch(f"{URL}/{partnership.id}", json={"website": "javascript:alert(1)"})
    assert bad.status_code == 422
    assert _stored(db, partnership.id).website == "https://escp.example.eu/"
    cleared = client.patch(f"{URL}/{partnership.id}", json={"website": None})
    assert cleared.status_code == 200
    assert cleared.json()["website"] is None and cleared.json()["version"] == 2


def test_patch_null_for_required_field_and_unknown_field_are_422(
    client: TestClient, db: Session
) -> None:
    partnership = make_partnership(db)
    db.commit()
    assert client.patch(f"{URL}/{partnership.id}", json={"name": None}).status_code == 422
    assert client.patch(f"{URL}/{partnership.id}", json={"countries": None}).status_code == 422
    assert client.patch(f"{URL}/{partnership.id}", json={"version": 9}).status_code == 422
    assert client.post(URL, json=_body(id=5)).status_code == 422


def test_stale_if_match_is_412_and_current_one_succeeds(client: TestClient, db: Session) -> None:
    partnership = make_partnership(db, name="Before")
    db.commit()
    url = f"{URL}/{partnership.id}"
    stale = client.patch(url, json={"name": "After"}, headers={"If-Match": '"7"'})
    assert stale.status_code == 412
    assert stale.json()["error"] == "precondition_failed"
    assert _stored(db, partnership.id).name == "Before"
    fresh = client.patch(url, json={"name": "After"}, headers={"If-Match": '"1"'})
    assert fresh.status_code == 200
    assert fresh.json()["version"] == 2 and fresh.headers["etag"] == '"2"'


def test_stale_if_match_on_delete_is_412_and_keeps_the_row(client: TestClient, db: Session) -> None:
    partnership = make_partnership(db)
    db.commit()
    response = client.delete(f"{URL}/{partnership.id}", headers={"If-Match": '"2"'})
    assert response.status_code == 412
    assert _stored_count(db, partnership.id) == 1
    assert client.delete(f"{URL}/{partnership.id}", headers={"If-Match": '"1"'}).status_code == 204


def test_delete_partnership_still_used_by_engagement_is_409(
    client: TestClient, db: Session
) -> None:
    engagement = make_engagement(db, kind=EngagementKind.PARTNERSHIP_SUPPORT)
    db.commit()
    response = client.delete(f"{URL}/{engagement.partnership_id}")
    assert response.status_code == 409
    assert response.json()["error"] == "still_referenced"
    assert "1 engagement(s)" in response.json()["detail"]
    assert _stored_count(db, engagement.partnership_id) == 1


def test_delete_partnership_still_used_by_stakeholder_is_409(
    client: TestClient, db: Session
) -> None:
    partnership = make_partnership(db)
    make_user(db, role=Role.STAKEHOLDER, partnership_id=partnership.id)
    db.commit()
    response = client.delete(f"{URL}/{partnership.id}")
    assert response.status_code == 409
    assert response.json()["error"] == "still_referenced"
    assert "1 user(s)" in response.json()["detail"]
    assert _stored_count(db, partnership.id) == 1


def test_delete_unused_partnership(client: TestClient, db: Session) -> None:
    partnership = make_partnership(db)
    db.commit()
    assert client.delete(f"{URL}/{partnership.id}").status_code == 204
    assert client.get(f"{URL}/{partnership.id}").status_code == 404
    assert _stored_count(db, partnership.id) == 0


@pytest.mark.parametrize("bad_id", ["0", "-1", "abc", str(2**31), str(2**63)])
def test_out_of_range_ids_are_422_not_500(client: TestClient, bad_id: str) -> None:
    assert client.get(f"{URL}/{bad_id}").status_code == 422
    assert client.patch(f"{URL}/{bad_id}", json={"name": "x"}).status_code == 422
    assert client.delete(f"{URL}/{bad_id}").status_code == 422


def test_missing_partnership_is_404(client: TestClient) -> None:
    response = client.get(f"{URL}/{2**31 - 1}")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert client.patch(f"{URL}/123456", json={"name": "x"}).status_code == 404
    assert client.delete(f"{URL}/123456").status_code == 404


def _arrange_list(db: Session) -> None:
    make_partnership(db, acronym="AdPack", kind=PartnershipKind.ESCP_4I, countries=["BE", "FR"])
    make_partnership(
        db, acronym="DIGICLUSTERS", kind=PartnershipKind.ESCP_S3, countries=["ES", "FR", "PL"]
    )
    make_partnership(
        db, acronym="CELIS", name="Life sciences", kind=PartnershipKind.ESCP_4X, countries=["DE"]
    )
    db.commit()


def _acronyms(client: TestClient, **params: Any) -> list[str]:
    response = client.get(URL, params=params)
    assert response.status_code == 200, response.text
    return [p["acronym"] for p in response.json()["items"]]


def test_list_is_ordered_by_acronym_and_paginates(client: TestClient, db: Session) -> None:
    _arrange_list(db)
    assert _acronyms(client) == ["AdPack", "CELIS", "DIGICLUSTERS"]
    page = client.get(URL, params={"limit": 1, "offset": 1}).json()
    assert page["total"] == 3 and page["limit"] == 1 and page["offset"] == 1
    assert [p["acronym"] for p in page["items"]] == ["CELIS"]
    assert client.get(URL, params={"limit": 201}).status_code == 422


def test_list_filters_by_kind_and_text(client: TestClient, db: Session) -> None:
    _arrange_list(db)
    assert _acronyms(client, kind="escp_s3") == ["DIGICLUSTERS"]
    assert _acronyms(client, q="life") == ["CELIS"]
    assert _acronyms(client, q="adp") == ["AdPack"]
    assert _acronyms(client, q="nothing") == []
    bad = client.get(URL, params={"kind": "escp_9"})
    assert bad.status_code == 422 and bad.json()["fields"][0]["loc"] == ["query", "kind"]


def test_list_filters_by_covered_country(client: TestClient, db: Session) -> None:
    _arrange_list(db)
    assert _acronyms(client, country="FR") == ["AdPack", "DIGICLUSTERS"]
    assert _acronyms(client, country="de") == ["CELIS"]
    assert _acronyms(client, country="IT") == []
    assert _acronyms(client, country="FR", kind="escp_4i") == ["AdPack"]
    page = client.get(URL, params={"country": "FR", "limit": 1}).json()
    assert page["total"] == 2 and len(page["items"]) == 1
    assert client.get(URL, params={"country": "FRA"}).status_code == 422
    assert client.get(URL, params={"country": "%"}).status_code == 422
