"""/datasets: the datasets for every signed-in user; the import form for consultants and
admins, which shows the import's report, or its error with the line number (keeping nothing)."""

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Dataset, Observation
from app.vocab import Role
from tests.factories import make_region, make_user
from tests.statistics.fixtures import MAPPING, PLAIN, PLAIN_MAPPING, TSV
from tests.web.conftest import WebClient


def upload(client: WebClient, data: str, mapping: str, fmt: str = "eurostat-tsv") -> Any:
    files = {
        "file": ("gerd.tsv", data.encode(), "text/tab-separated-values"),
        "mapping": ("gerd.toml", mapping.encode(), "application/toml"),
    }
    return client.client.post(
        "/datasets/import",
        data={"format": fmt, "csrf_token": client.csrf},
        files=files,
        follow_redirects=False,
    )


def observations(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(Observation)) or 0)


def test_a_consultant_imports_a_file_and_sees_the_report(db: Session, web_as: Any) -> None:
    client: WebClient = web_as(make_user(db, role=Role.CONSULTANT))
    page = client.get("/datasets")
    assert page.status_code == 200 and "No dataset has been imported yet" in page.text
    assert 'enctype="multipart/form-data"' in page.text and ">Import</button>" in page.text
    response = upload(client, TSV, MAPPING)
    assert response.status_code == 200
    assert "Imported rd_e_gerdreg" in response.text
    assert "Rows read: 5 (15 observations)" in response.text
    assert "Kept: 10 observations of 2 indicators" in response.text
    assert "series not in the mapping</td><td>3" in response.text
    assert "R&amp;D expenditure" in response.text  # the dataset's indicators, listed
    assert observations(db) == 10


def test_a_bad_file_shows_its_line_and_keeps_nothing(db: Session, web_as: Any) -> None:
    client: WebClient = web_as(make_user(db, role=Role.ADMIN))
    response = upload(client, TSV + "A,PC_GDP,TOT,FR1\t1\tabc\t2\n", MAPPING)
    assert response.status_code == 422
    assert "There is a problem" in response.text
    assert (
        "Nothing was imported. gerd.tsv: line 7: period 2020: &#39;abc&#39; is not a number"
        in response.text
    )
    assert observations(db) == 0
    assert db.scalar(select(func.count()).select_from(Dataset)) == 0


def test_a_bad_mapping_is_shown_beside_its_field(db: Session, web_as: Any) -> None:
    client: WebClient = web_as(make_user(db, role=Role.CONSULTANT))
    response = upload(client, TSV, MAPPING.replace('direction = "higher"', 'direction = "up"'))
    assert response.status_code == 422
    assert (
        'id="error-mapping"' in response.text and "direction: one of higher, lower" in response.text
    )


def test_missing_fields_are_named(db: Session, web_as: Any) -> None:
    client: WebClient = web_as(make_user(db, role=Role.CONSULTANT))
    response = client.post("/datasets/import", {"format": "xml"})
    assert response.status_code == 422
    for message in (
        "Choose the file to import",
        "Choose the file&#39;s format",
        "Choose the mapping file",
    ):
        assert message in response.text


@pytest.mark.parametrize("role", [Role.STAKEHOLDER, Role.MONITOR])
def test_readers_see_the_datasets_but_cannot_import(db: Session, web_as: Any, role: Role) -> None:
    region = make_region(db) if role == Role.STAKEHOLDER else None
    reader = make_user(db, role=role, region_id=region.id if region else None)
    staff: WebClient = web_as(make_user(db, role=Role.CONSULTANT))
    upload(staff, PLAIN, PLAIN_MAPPING, "csv")
    client: WebClient = web_as(reader)
    page = client.get("/datasets")
    assert page.status_code == 200
    assert "Regional Innovation Scoreboard 2023" in page.text and "Illustrative" in page.text
    assert "Import a file" not in page.text
    before = observations(db)
    assert upload(client, TSV, MAPPING).status_code == 403
    assert observations(db) == before


def test_anonymous_visitors_are_sent_to_sign_in(web_anonymous: WebClient) -> None:
    response = web_anonymous.get("/datasets")
    assert response.status_code in (302, 303) and "/login" in response.headers["location"]
