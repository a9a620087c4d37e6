"""/regions: CRUD, uniqueness, vocabulary checks, ETag/If-Match, references."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import Region
from tests.factories import make_engagement, make_region

URL = "/api/v1/regions"


def test_create_then_read_region(client: TestClient) -> None:
    body = {"nuts_code": "ES13", "name": "Cantabria", "country_code": "ES", "nuts_level": 2}
    created = client.post(URL, json=body)
    assert created.status_code == 201, created.text
    region = created.json()
    assert region["nuts_code"] == "ES13" and region["version"] == 1
    read = client.get(f"{URL}/{region['id']}")
    assert read.status_code == 200
    assert read.json()["name"] == "Cantabria"
    assert read.headers["etag"] == '"1"'


def test_duplicate_nuts_code_is_409_and_changes_nothing(client: TestClient, db: Session) -> None:
    make_region(db, nuts_code="BE3", name="Wallonia", country_code="BE", nuts_level=1)
    db.commit()
    body = {"nuts_code": "BE3", "name": "Other", "country_code": "BE", "nuts_level": 1}
    response = client.post(URL, json=body)
    assert response.status_code == 409
    assert response.json()["error"] == "duplicate"
    assert db.query(Region).filter_by(nuts_code="BE3").count() == 1


def test_out_of_range_level_and_unknown_field_are_422(client: TestClient) -> None:
    bad_level = {"nuts_code": "SI", "name": "Slovenia", "country_code": "SI", "nuts_level": 4}
    response = client.post(URL, json=bad_level)
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"
    assert response.json()["fields"][0]["loc"] == ["body", "nuts_level"]
    extra = {**bad_level, "nuts_level": 0, "id": 99}
    assert client.post(URL, json=extra).status_code == 422


def test_patch_null_for_required_field_is_422(client: TestClient, db: Session) -> None:
    region = make_region(db)
    db.commit()
    response = client.patch(f"{URL}/{region.id}", json={"name": None})
    assert response.status_code == 422


def test_stale_if_match_is_412_and_current_one_succeeds(client: TestClient, db: Session) -> None:
    region = make_region(db)
    db.commit()
    stale = client.patch(f"{URL}/{region.id}", json={"name": "A"}, headers={"If-Match": '"7"'})
    assert stale.status_code == 412
    assert stale.json()["error"] == "precondition_failed"
    fresh = client.patch(f"{URL}/{region.id}", json={"name": "A"}, headers={"If-Match": '"1"'})
    assert fresh.status_code == 200
    assert fresh.json()["version"] == 2 and fresh.headers["etag"] == '"2"'


def test_delete_region_still_used_by_engagement_is_409(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    db.commit()
    response = client.delete(f"{URL}/{engagement.region_id}")
    assert response.status_code == 409
    assert response.json()["error"] == "still_referenced"
    assert db.get(Region, engagement.region_id) is not None


def test_delete_unused_region(client: TestClient, db: Session) -> None:
    region = make_region(db)
    db.commit()
    assert client.delete(f"{URL}/{region.id}").status_code == 204
    assert client.get(f"{URL}/{region.id}").status_code == 404


def test_list_filters_and_paginates(client: TestClient, db: Session) -> None:
    for code in ("FI1D", "FRB0", "FRE"):
        make_region(db, nuts_code=code, name=code, country_code=code[:2], nuts_level=1)
    db.commit()
    page = client.get(URL, params={"country_code": "fr", "limit": 1, "offset": 1}).json()
    assert page["total"] == 2 and page["limit"] == 1 and page["offset"] == 1
    assert [r["nuts_code"] for r in page["items"]] == ["FRE"]
    assert client.get(URL, params={"limit": 201}).status_code == 422
