"""/datasets and /indicators: public statistics, readable by every signed-in user."""

import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.services.statistics_import import import_file, read_mapping
from app.statistics.formats import Format
from app.vocab import Role
from tests.conftest import bearer
from tests.factories import make_region, make_user
from tests.statistics.fixtures import MAPPING, PLAIN, PLAIN_MAPPING, TSV


def _imported(db: Session) -> None:
    import_file(
        db, io.BytesIO(TSV.encode()), fmt=Format.EUROSTAT_TSV, mapping=read_mapping(MAPPING)
    )
    import_file(db, io.BytesIO(PLAIN.encode()), fmt=Format.CSV, mapping=read_mapping(PLAIN_MAPPING))
    db.commit()


def test_anonymous_callers_are_refused(anonymous: TestClient) -> None:
    for path in ("/api/v1/datasets", "/api/v1/indicators"):
        assert anonymous.get(path).status_code == 401


@pytest.mark.parametrize("role", [Role.STAKEHOLDER, Role.MONITOR, Role.CONSULTANT])
def test_every_role_reads_the_datasets(anonymous: TestClient, db: Session, role: Role) -> None:
    region = make_region(db) if role == Role.STAKEHOLDER else None
    user = make_user(db, role=role, region_id=region.id if region else None)
    _imported(db)
    body = anonymous.get("/api/v1/datasets", headers=bearer(user)).json()
    assert (body["total"], body["limit"], body["offset"]) == (2, 50, 0)
    first, second = body["items"]
    assert (first["code"], first["indicators"], first["illustrative"]) == ("rd_e_gerdreg", 2, False)
    assert first["licence"] == "CC BY 4.0" and first["retrieved_on"] == "2026-11-30"
    assert (second["code"], second["illustrative"]) == ("ris_2023", True)


def test_indicators_carry_their_observation_count_and_years(
    client: TestClient, db: Session
) -> None:
    _imported(db)
    body = client.get("/api/v1/indicators", params={"dataset": "rd_e_gerdreg"}).json()
    assert body["total"] == 2
    by_code = {i["code"]: i for i in body["items"]}
    gerd = by_code["gerd_pc_gdp"]
    assert (gerd["observations"], gerd["first_year"], gerd["last_year"]) == (7, 2019, 2021)
    assert gerd["framework_condition"] == "knowledge_skills" and gerd["direction"] == "higher"
    assert gerd["dataset_code"] == "rd_e_gerdreg"


def test_indicators_filter_by_framework_condition(client: TestClient, db: Session) -> None:
    _imported(db)
    other = client.get("/api/v1/indicators", params={"framework_condition": "other"}).json()
    assert [i["code"] for i in other["items"]] == ["ris_summary"]
    assert client.get("/api/v1/indicators", params={"framework_condition": "x"}).status_code == 422


def test_lists_page(client: TestClient, db: Session) -> None:
    _imported(db)
    body = client.get("/api/v1/indicators", params={"limit": 1, "offset": 1}).json()
    assert (body["total"], len(body["items"]), body["limit"], body["offset"]) == (3, 1, 1, 1)
