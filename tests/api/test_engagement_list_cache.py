"""The engagement list's page cache: a page is sent again only while nothing it shows has
changed, whoever changed it, and only to callers who may see the same engagements."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import SessionFactories
from app.main import create_app
from app.models import Engagement, User
from app.reports.pool import RenderPool
from app.vocab import EngagementKind, Role
from tests.conftest import TEST_SECRET_KEY, bearer
from tests.factories import add_member, make_engagement, make_partnership, make_region, make_user

URL = "/api/v1/engagements"


def another_process(
    database_url: str,
    session_factory: sessionmaker[Session],
    renderer: RenderPool,
    **settings: Any,
) -> FastAPI:
    """A second app on the same database, with a page cache of its own (as a second worker)."""
    application = create_app(
        Settings(database_url=database_url, secret_key=TEST_SECRET_KEY, **settings)
    )
    application.state.sessions = SessionFactories(session_factory, session_factory)
    application.state.renderer = renderer
    return application


@pytest.fixture
def second_worker(
    database_url: str,
    session_factory: sessionmaker[Session],
    renderer: RenderPool,
    admin_user: User,
) -> Iterator[TestClient]:
    application = another_process(database_url, session_factory, renderer)
    with TestClient(application, headers=bearer(admin_user)) as test_client:
        yield test_client
    application.state.engine.dispose()


def listed(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get(URL, params=params)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def test_a_repeated_list_is_one_statement_and_the_same_page(
    client: TestClient, db: Session, sql_statements: Any
) -> None:
    for _ in range(3):
        make_engagement(db)
    db.commit()
    first_count = sql_statements.count
    first = client.get(URL).content
    second_count = sql_statements.count
    again = client.get(URL).content
    # The caller, the list's number of changes, then the page; next time no page.
    assert (second_count - first_count, sql_statements.count - second_count) == (3, 2)
    assert again == first
    assert len(client.get(URL).json()["items"]) == 3


@pytest.mark.parametrize("params", [{"limit": 1}, {"offset": 1}, {"sort": "-reference"}])
def test_each_query_has_its_own_page(client: TestClient, db: Session, params: dict) -> None:
    for reference in ("A-1", "B-2", "C-3"):
        make_engagement(db, reference=reference)
    db.commit()
    everything = [e["reference"] for e in listed(client)["items"]]
    page = listed(client, **params)
    expected = {"limit": ["A-1"], "offset": ["B-2", "C-3"], "sort": ["C-3", "B-2", "A-1"]}
    assert everything == ["A-1", "B-2", "C-3"]
    assert [e["reference"] for e in page["items"]] == expected[next(iter(params))]


def _changes(client: TestClient, db: Session) -> dict[str, Callable[[Engagement], None]]:
    """Each way the data of a listed engagement can change, through the API or around it."""

    def patch(engagement: Engagement) -> None:
        response = client.patch(f"{URL}/{engagement.id}", json={"title": "Changed by the API"})
        assert response.status_code == 200, response.text

    def team(engagement: Engagement) -> None:
        consultant = make_user(db)
        db.commit()
        response = client.put(f"{URL}/{engagement.id}/members", json={"user_ids": [consultant.id]})
        assert response.status_code == 200, response.text

    def rename_client(engagement: Engagement) -> None:
        response = client.patch(
            f"/api/v1/regions/{engagement.region_id}", json={"name": "Renamed region"}
        )
        assert response.status_code == 200, response.text

    def by_hand(engagement: Engagement) -> None:
        # A console or script writing the table directly, not through this app.
        statement = text("UPDATE engagements SET summary = 'Edited by hand' WHERE id = :id")
        db.execute(statement, {"id": engagement.id})
        db.commit()

    def delete(engagement: Engagement) -> None:
        assert client.delete(f"{URL}/{engagement.id}").status_code == 204

    return {
        "patch": patch,
        "team": team,
        "rename_client": rename_client,
        "by_hand": by_hand,
        "delete": delete,
    }


def _shown(page: dict[str, Any], engagement_id: int) -> dict[str, Any] | None:
    return next((e for e in page["items"] if e["id"] == engagement_id), None)


@pytest.mark.parametrize("change", ["patch", "team", "rename_client", "by_hand", "delete"])
def test_every_change_shows_in_the_next_list(client: TestClient, db: Session, change: str) -> None:
    engagement = make_engagement(db)
    db.commit()
    before = listed(client)
    assert listed(client) == before  # kept
    _changes(client, db)[change](engagement)
    after = listed(client)
    shown = _shown(after, engagement.id)
    if change == "delete":
        assert shown is None and after["total"] == before["total"] - 1
        return
    assert shown is not None and shown != _shown(before, engagement.id)
    expected = {
        "patch": ("title", "Changed by the API"),
        "rename_client": ("client_name", "Renamed region"),
        "by_hand": ("summary", "Edited by hand"),
    }
    if change == "team":
        assert len(shown["member_ids"]) == 1
    else:
        field, value = expected[change]
        assert shown[field] == value


def test_a_new_engagement_shows_in_the_next_list(client: TestClient, db: Session) -> None:
    region = make_region(db)
    db.commit()
    assert listed(client)["total"] == 0
    body = {
        "reference": "NEW-1",
        "title": "New",
        "kind": EngagementKind.REGIONAL_ADVICE,
        "region_id": region.id,
    }
    assert client.post(URL, json=body).status_code == 201
    assert [e["reference"] for e in listed(client)["items"]] == ["NEW-1"]


def test_a_write_through_another_worker_shows_at_once(
    client: TestClient, second_worker: TestClient, db: Session
) -> None:
    engagement = make_engagement(db, title="Before")
    db.commit()
    assert listed(client)["items"][0]["title"] == "Before"
    assert listed(second_worker)["items"][0]["title"] == "Before"
    response = second_worker.patch(f"{URL}/{engagement.id}", json={"title": "After"})
    assert response.status_code == 200
    # The first worker kept its page; the counter the database raised tells it the page is old.
    assert listed(client)["items"][0]["title"] == "After"


def test_stakeholders_never_get_a_page_of_another_scope(
    client: TestClient, anonymous: TestClient, db: Session
) -> None:
    wallonia, hauts = make_region(db), make_region(db)
    adpack = make_partnership(db)
    own = make_engagement(db, region_id=wallonia.id, reference="W-1")
    other = make_engagement(db, region_id=hauts.id, reference="H-1")
    escp = make_engagement(
        db, kind=EngagementKind.PARTNERSHIP_SUPPORT, partnership_id=adpack.id, reference="P-1"
    )
    officers = {
        "wallonia": make_user(db, role=Role.STAKEHOLDER, region_id=wallonia.id),
        "wallonia, a colleague": make_user(db, role=Role.STAKEHOLDER, region_id=wallonia.id),
        "hauts": make_user(db, role=Role.STAKEHOLDER, region_id=hauts.id),
        "adpack": make_user(db, role=Role.STAKEHOLDER, partnership_id=adpack.id),
    }
    db.commit()
    # Staff list first, then every officer asks the very same query, twice.
    assert listed(client)["total"] == 3
    expected = {
        "wallonia": [own.id],
        "wallonia, a colleague": [own.id],
        "hauts": [other.id],
        "adpack": [escp.id],
    }
    for _ in range(2):
        for name, officer in officers.items():
            page = anonymous.get(URL, headers=bearer(officer)).json()
            assert [e["id"] for e in page["items"]] == expected[name], name
            assert page["total"] == 1, name
    monitor = make_user(db, role=Role.MONITOR)
    db.commit()
    assert anonymous.get(URL, headers=bearer(monitor)).json()["total"] == 3


def test_a_kept_page_needs_a_valid_active_caller(
    client: TestClient, anonymous: TestClient, db: Session
) -> None:
    consultant = make_user(db)
    add_member(db, make_engagement(db), consultant)
    db.commit()
    headers = bearer(consultant)
    assert anonymous.get(URL, headers=headers).status_code == 200
    assert anonymous.get(URL, headers=headers).status_code == 200  # from the cache
    assert anonymous.get(URL).status_code == 401
    assert anonymous.get(URL, headers={"Authorization": "Bearer forged"}).status_code == 401
    consultant.is_active = False
    db.commit()
    response = anonymous.get(URL, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"


def test_with_the_cache_off_every_list_reads_the_page(
    database_url: str,
    session_factory: sessionmaker[Session],
    renderer: RenderPool,
    admin_user: User,
    db: Session,
    sql_statements: Any,
) -> None:
    make_engagement(db)
    db.commit()
    application = another_process(database_url, session_factory, renderer, list_cache_bytes=0)
    with TestClient(application, headers=bearer(admin_user)) as uncached:
        counts = []
        for _ in range(3):
            before = sql_statements.count
            assert uncached.get(URL).json()["total"] == 1
            counts.append(sql_statements.count - before)
    application.state.engine.dispose()
    assert counts == [3, 3, 3]
