"""/library/recommendations and …/bottlenecks/{id}/similar-recommendations: ranking, stemming,
filters, what never shows (drafts, withdrawn, internal content), hostile queries, snippets, and
an index that follows every change."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app import migrate
from app.models import Bottleneck, Engagement, EngagementTheme, Recommendation
from app.schemas.library import LibraryQuery
from app.services import library as library_service
from app.services.search_text import CLOSE, OPEN
from app.vocab import EngagementKind, FrameworkCondition, Instrument, Role, Stage, Theme
from tests.conftest import StatementCounter, bearer
from tests.factories import (
    make_bottleneck,
    make_engagement,
    make_partnership,
    make_recommendation,
    make_region,
    make_user,
)
from tests.models.test_migrations import scratch_engine  # noqa: F401  (a fixture)

LIBRARY = "/api/v1/library/recommendations"
FC = FrameworkCondition


def shared(day: int, **overrides: Any) -> dict[str, Any]:
    return {"stage": Stage.SHARED, "shared_at": datetime(2019, 1, day, tzinfo=UTC), **overrides}


@dataclass
class Library:
    wallonia: Engagement  # region BE, digitalisation
    cantabria: Engagement  # region ES, kets
    adpack: Engagement  # partnership of FR and DE, resource efficiency
    skills: Bottleneck  # Wallonia, knowledge and skills
    title_match: Recommendation
    description_match: Recommendation
    partnership: Recommendation
    draft: Recommendation
    withdrawn: Recommendation


def theme(db: Session, engagement: Engagement, value: Theme) -> None:
    db.add(EngagementTheme(engagement_id=engagement.id, theme=value))


@pytest.fixture
def library(db: Session) -> Library:
    wallonia = make_engagement(
        db, reference="EOCIC-BE3", title="Wallonia", region_id=make_region(db, country_code="BE").id
    )
    cantabria = make_engagement(
        db, title="Cantabria", region_id=make_region(db, name="Cantabria", country_code="ES").id
    )
    adpack = make_engagement(
        db,
        kind=EngagementKind.PARTNERSHIP_SUPPORT,
        partnership_id=make_partnership(db, name="AdPack", countries=["FR", "DE"]).id,
    )
    theme(db, wallonia, Theme.DIGITALISATION)
    theme(db, cantabria, Theme.KETS)
    theme(db, adpack, Theme.RESOURCE_EFFICIENCY)
    skills = make_bottleneck(
        db,
        wallonia,
        title="Cluster managers lack digital skills",
        description="Few training offers for cluster managers.",
        framework_condition=FC.KNOWLEDGE_SKILLS,
    )
    finance = make_bottleneck(db, cantabria, framework_condition=FC.ACCESS_TO_FINANCE)
    exports = make_bottleneck(db, adpack, framework_condition=FC.COLLABORATION_INTERNATIONALISATION)
    library = Library(
        wallonia=wallonia,
        cantabria=cantabria,
        adpack=adpack,
        skills=skills,
        title_match=make_recommendation(
            db,
            wallonia,
            bottlenecks=[skills],
            title="Cluster managers academy",
            description="A yearly programme of courses for managers of the region's networks.",
            instrument=Instrument.SKILLS,
            **shared(1),
        ),
        description_match=make_recommendation(
            db,
            cantabria,
            bottlenecks=[finance],
            title="Innovation vouchers for small firms",
            description="Open the voucher scheme to every cluster and its members.",
            instrument=Instrument.FUNDING,
            **shared(2),
        ),
        partnership=make_recommendation(
            db,
            adpack,
            bottlenecks=[exports],
            title="Joint missions to packaging trade fairs",
            description="Networks of packaging firms travel together.",
            instrument=Instrument.INTERNATIONALISATION,
            **shared(3),
        ),
        draft=make_recommendation(
            db, wallonia, title="Cluster secret draft", description="cluster cluster"
        ),
        withdrawn=make_recommendation(
            db,
            cantabria,
            title="Cluster idea withdrawn",
            description="cluster",
            **shared(4, stage=Stage.WITHDRAWN),
        ),
    )
    db.commit()
    return library


def search(client: TestClient, **params: Any) -> Any:
    response = client.get(LIBRARY, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def ids(page: Any) -> list[int]:
    return [item["id"] for item in page["items"]]


def test_title_match_ranks_above_description_only_match(
    client: TestClient, library: Library
) -> None:
    page = search(client, q="cluster")
    assert ids(page) == [library.title_match.id, library.description_match.id]
    assert page["total"] == 2


def test_stemming_finds_other_forms_of_a_word(client: TestClient, library: Library) -> None:
    assert ids(search(client, q="clusters")) == [
        library.title_match.id,
        library.description_match.id,
    ]
    networks = search(client, q="network")
    assert sorted(ids(networks)) == sorted([library.title_match.id, library.partnership.id])
    assert ids(search(client, q="travelling")) == [library.partnership.id]


def test_without_q_newest_shared_first(client: TestClient, library: Library) -> None:
    page = search(client)
    assert ids(page) == [
        library.partnership.id,
        library.description_match.id,
        library.title_match.id,
    ]
    assert all(item["snippet"] is None and item["highlights"] == [] for item in page["items"])
    assert ids(search(client, q="   ")) == ids(page)


def test_web_search_syntax(client: TestClient, library: Library) -> None:
    assert ids(search(client, q='"cluster managers"')) == [library.title_match.id]
    assert ids(search(client, q='"managers cluster"')) == []
    assert ids(search(client, q="cluster -vouchers")) == [library.title_match.id]
    assert sorted(ids(search(client, q="vouchers or packaging firms"))) == sorted(
        [library.description_match.id, library.partnership.id]
    )
    assert ids(search(client, q="the")) == []  # stop words alone find nothing


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"framework_condition": "knowledge_skills"}, ["title_match"]),
        ({"framework_condition": "access_to_finance"}, ["description_match"]),
        ({"framework_condition": "demand_conditions"}, []),
        ({"instrument": "funding"}, ["description_match"]),
        ({"instrument": "internationalisation"}, ["partnership"]),
        ({"theme": "digitalisation"}, ["title_match"]),
        ({"theme": "resource_efficiency"}, ["partnership"]),
        ({"country": "ES"}, ["description_match"]),
        ({"country": "de"}, ["partnership"]),  # a partnership's country; any case
        ({"country": "IT"}, []),
        ({"q": "cluster", "country": "BE"}, ["title_match"]),
        ({"q": "cluster", "instrument": "skills", "theme": "kets"}, []),
    ],
)
def test_filters(
    client: TestClient, library: Library, params: dict[str, str], expected: list[str]
) -> None:
    page = search(client, **params)
    assert ids(page) == [getattr(library, name).id for name in expected]
    assert page["total"] == len(expected)


def test_bad_filter_values_are_422(client: TestClient, library: Library) -> None:
    for params in (
        {"framework_condition": "nope"},
        {"instrument": "x"},
        {"theme": "y"},
        {"country": "BEL"},
        {"country": "1"},
        {"limit": 0},
        {"limit": 201},
        {"offset": -1},
    ):
        assert client.get(LIBRARY, params=params).status_code == 422, params


def test_drafts_and_withdrawn_never_appear(
    client: TestClient, db: Session, library: Library
) -> None:
    for params in ({}, {"q": "cluster"}, {"q": "secret"}, {"q": "withdrawn"}, {"q": "idea"}):
        found = ids(search(client, **params, limit=200))
        assert library.draft.id not in found and library.withdrawn.id not in found
    library.title_match.stage = Stage.WITHDRAWN
    db.commit()
    assert ids(search(client, q="cluster")) == [library.description_match.id]


def test_items_carry_card_engagement_client_and_conditions_only(
    client: TestClient, library: Library
) -> None:
    items = {item["id"]: item for item in search(client)["items"]}
    item = items[library.title_match.id]
    assert item["code"] == library.title_match.code and item["instrument"] == "skills"
    assert item["engagement"] == {
        "id": library.wallonia.id,
        "reference": "EOCIC-BE3",
        "title": "Wallonia",
    }
    assert item["client"]["kind"] == "region" and item["client"]["countries"] == ["BE"]
    assert item["framework_conditions"] == ["knowledge_skills"]
    assert item["response"] == "pending" and item["shared_at"].startswith("2019-01-01")
    partnership = items[library.partnership.id]["client"]
    assert partnership == {"kind": "partnership", "name": "AdPack", "countries": ["FR", "DE"]}
    internal = {"evidence", "bottleneck_ids", "benefits_costs", "risks", "stage", "bottlenecks"}
    assert not internal & set(item)
    assert "Cluster managers lack" not in str(items)  # bottleneck texts stay internal


def test_long_description_is_cut(client: TestClient, db: Session, library: Library) -> None:
    library.title_match.description = "word " * 300
    db.commit()
    item = search(client, q="academy")["items"][0]
    assert item["description_cut"] is True
    assert len(item["description"]) <= 501 and item["description"].endswith("word…")
    assert search(client, q="vouchers")["items"][0]["description_cut"] is False


def test_every_role_may_search_and_anonymous_may_not(
    app: Any, anonymous: TestClient, db: Session, library: Library
) -> None:
    other_region = make_region(db, country_code="IT")
    partnership = library.adpack.partnership_id
    users = [
        make_user(db, role=Role.CONSULTANT),
        make_user(db, role=Role.MONITOR),
        make_user(db, role=Role.ADMIN),
        make_user(db, role=Role.STAKEHOLDER, region_id=other_region.id),
        make_user(db, role=Role.STAKEHOLDER, partnership_id=partnership),
    ]
    db.commit()
    for user in users:
        response = anonymous.get(LIBRARY, params={"q": "cluster"}, headers=bearer(user))
        assert response.status_code == 200, (user.role, response.text)
        assert ids(response.json()) == [library.title_match.id, library.description_match.id]
    refused = anonymous.get(LIBRARY, params={"q": "cluster"})
    assert refused.status_code == 401 and refused.json()["error"] == "unauthorized"


HOSTILE = [
    '"',
    '""',
    '"cluster',
    "NEAR(",
    "NEAR(cluster managers, 2)",
    "*",
    "cluster*",
    "title:cluster",
    "{title description}: cluster",
    "^cluster",
    "AND",
    "OR",
    "NOT",
    "cluster AND OR NOT",
    "- -- -cluster",
    "( ) )(",
    "'",
    "'; DROP TABLE recommendations; --",
    "\\",
    "!cluster & | <-> :* ",
    "cluster:*A",
    "%",
    "_",
    "___",
    "\u202e\u200b",
    "🙂 cluster",
    f"{OPEN}cluster{CLOSE}",
    "Ω" * 200,
    "a " * 100,
]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_queries_never_fail(client: TestClient, library: Library, q: str) -> None:
    page = search(client, q=q)
    assert set(ids(page)) <= {library.title_match.id, library.description_match.id}


def test_too_long_or_nul_queries_are_422(client: TestClient, library: Library) -> None:
    assert client.get(LIBRARY, params={"q": "x" * 201}).status_code == 422
    assert client.get(LIBRARY, params={"q": "x" * 200}).status_code == 200
    nul = client.get(f"{LIBRARY}?q=cluster%00")
    assert nul.status_code == 422 and nul.json()["error"] == "validation_error"


def highlighted(item: Any) -> list[str]:
    return [item["snippet"][start:end] for start, end in item["highlights"]]


def test_snippets_are_plain_text_with_the_matched_words_highlighted(
    client: TestClient, db: Session, library: Library
) -> None:
    page = search(client, q="clusters")
    first, second = page["items"]
    assert "Cluster" in highlighted(first) and "managers" not in highlighted(first)
    assert highlighted(second) == ["cluster"]
    assert "Open the voucher scheme to every cluster" in second["snippet"]
    library.description_match.description = (
        f"<b>Beware</b> {OPEN}of{CLOSE} <script>alert(1)</script> each cluster &amp; its members"
    )
    db.commit()
    item = search(client, q="cluster")["items"][1]
    assert "<script>alert(1)</script> each cluster &amp; its" in item["snippet"]
    assert OPEN not in item["snippet"] and CLOSE not in item["snippet"]
    assert "cluster" in highlighted(item)
    assert all(0 <= a < b <= len(item["snippet"]) for a, b in item["highlights"])


def test_index_follows_create_patch_withdraw_and_delete(
    client: TestClient, db: Session, library: Library
) -> None:
    base = f"/api/v1/engagements/{library.wallonia.id}/recommendations"
    created = client.post(
        base, json={"title": "Hydrogen valley roadmap", "instrument": "governance"}
    )
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    assert ids(search(client, q="hydrogen")) == []  # a draft
    recommendation = db.get(Recommendation, rid)
    assert recommendation is not None
    recommendation.stage, recommendation.shared_at = Stage.SHARED, datetime.now(UTC)
    db.commit()  # what publishing a policy briefing does
    assert ids(search(client, q="hydrogen")) == [rid]
    patched = client.patch(f"{base}/{rid}", json={"title": "Battery valley roadmap"})
    assert patched.status_code == 200, patched.text
    assert ids(search(client, q="hydrogen")) == []
    assert ids(search(client, q="batteries")) == [rid]
    client.patch(f"{base}/{rid}", json={"stage": "withdrawn"})
    assert ids(search(client, q="battery")) == []
    draft = client.post(base, json={"title": "Hydrogen again", "instrument": "other"}).json()
    assert client.delete(f"{base}/{draft['id']}").status_code == 204
    _check_sqlite_index(db)


def test_index_follows_an_engagement_deleted_with_its_recommendations(
    client: TestClient, db: Session, library: Library
) -> None:
    make_recommendation(db, library.adpack, title="Cluster draft of a doomed case")
    db.commit()
    assert client.delete(f"/api/v1/engagements/{library.adpack.id}").status_code == 204
    assert ids(search(client, q="packaging")) == []
    _check_sqlite_index(db)


def _check_sqlite_index(db: Session) -> None:
    """FTS5's own check that the index matches the recommendations table, row by row (rank 1;
    without it, an external-content index is checked against itself only). SQLite only:
    PostgreSQL's vector is a generated column, always in step."""
    if db.get_bind().dialect.name == "sqlite":
        fts = "recommendations_fts"
        db.execute(text(f"INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', 1)"))


def test_pages_and_totals(client: TestClient, library: Library) -> None:
    page = search(client, q="cluster or networks or packaging", limit=2)
    assert page["total"] == 3 and len(page["items"]) == 2
    rest = search(client, q="cluster or networks or packaging", limit=2, offset=2)
    assert rest["total"] == 3 and len(rest["items"]) == 1
    assert set(ids(page) + ids(rest)) == {
        library.title_match.id,
        library.description_match.id,
        library.partnership.id,
    }
    past = search(client, q="cluster", offset=50)
    assert past == {"items": [], "total": 2, "total_capped": False, "limit": 50, "offset": 50}


def test_a_search_ranks_and_counts_at_most_max_matches(
    client: TestClient, db: Session, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(3):
        make_recommendation(db, library.cantabria, title=f"Cluster roadmap {n}", **shared(5))
    db.commit()
    monkeypatch.setattr(library_service, "MAX_MATCHES", 3)
    page = search(client, q="cluster")  # five match
    assert page["total"] == 3 and page["total_capped"] is True and len(page["items"]) == 3
    assert search(client, q="cluster", offset=2)["items"] != []
    assert search(client, q="cluster", offset=3)["items"] == []
    assert search(client, q="cluster", offset=3)["total"] == 3
    newest = search(client)  # six shared: the three newest
    assert newest["total"] == 3 and newest["total_capped"] is True
    assert search(client, q="roadmap")["total_capped"] is False
    assert search(client, q="academy")["total"] == 1


def test_same_statements_for_1_and_many_items(
    client: TestClient, db: Session, library: Library, sql_statements: StatementCounter
) -> None:
    search(client, q="academy")
    one = sql_statements.count
    for n in range(12):
        make_recommendation(db, library.cantabria, title=f"Cluster academy {n}", **shared(5))
    db.commit()
    sql_statements.statements.clear()
    assert len(search(client, q="academy")["items"]) == 13
    assert sql_statements.count == one


def similar_url(engagement: Engagement, bottleneck_id: int) -> str:
    return (
        f"/api/v1/engagements/{engagement.id}/bottlenecks/{bottleneck_id}/similar-recommendations"
    )


def test_similar_recommendations_come_from_other_engagements_with_the_same_condition(
    client: TestClient, db: Session, library: Library
) -> None:
    elsewhere = make_engagement(db)
    other_skills = make_bottleneck(db, elsewhere, framework_condition=FC.KNOWLEDGE_SKILLS)
    other_finance = make_bottleneck(db, elsewhere, framework_condition=FC.ACCESS_TO_FINANCE)
    close = make_recommendation(
        db,
        elsewhere,
        bottlenecks=[other_skills],
        title="Training offers in digital skills for cluster managers",
        **shared(6),
    )
    loose = make_recommendation(
        db, elsewhere, bottlenecks=[other_skills], title="Digital marketing", **shared(7)
    )
    make_recommendation(  # same words, another framework condition
        db, elsewhere, bottlenecks=[other_finance], title="Cluster managers skills", **shared(8)
    )
    make_recommendation(  # same words and condition, not shared
        db, elsewhere, bottlenecks=[other_skills], title="Cluster managers digital skills"
    )
    make_recommendation(  # unrelated words
        db, elsewhere, bottlenecks=[other_skills], title="Airport", **shared(9)
    )
    db.commit()
    response = client.get(similar_url(library.wallonia, library.skills.id))
    assert response.status_code == 200, response.text
    page = response.json()
    # library.title_match addresses this very bottleneck: same engagement, left out.
    assert ids(page) == [close.id, loose.id] and page["total"] == 2
    assert {"digital", "skills", "cluster", "managers"} <= {
        word.lower() for word in highlighted(page["items"][0])
    }


def test_similar_recommendations_are_internal_like_the_bottleneck(
    app: Any, client: TestClient, db: Session, library: Library
) -> None:
    stakeholder = make_user(db, role=Role.STAKEHOLDER, region_id=library.wallonia.region_id)
    consultant = make_user(db, role=Role.CONSULTANT)
    db.commit()
    url = similar_url(library.wallonia, library.skills.id)
    with TestClient(app, raise_server_exceptions=False) as plain:
        assert plain.get(url, headers=bearer(stakeholder)).status_code == 404
        assert plain.get(url, headers=bearer(consultant)).status_code == 200
        assert plain.get(url).status_code == 401
    foreign = similar_url(library.cantabria, library.skills.id)
    assert client.get(foreign).status_code == 404
    assert client.get(similar_url(library.wallonia, 2**31)).status_code == 422


def test_similar_to_a_bottleneck_without_significant_words_is_empty(
    client: TestClient, db: Session, library: Library
) -> None:
    bare = make_bottleneck(
        db, library.cantabria, title="The 2019 (a) …", framework_condition=FC.KNOWLEDGE_SKILLS
    )
    db.commit()
    page = client.get(similar_url(library.cantabria, bare.id)).json()
    assert page["items"] == [] and page["total"] == 0 and page["total_capped"] is False


def test_the_migration_indexes_the_recommendations_already_there(
    scratch_engine: Engine,  # noqa: F811  (the fixture imported above)
) -> None:
    with scratch_engine.begin() as connection:
        migrate.upgrade(connection, "0003")
        with Session(bind=connection) as session:
            engagement = make_engagement(session)
            make_recommendation(session, engagement, title="Hydrogen valleys", **shared(1))
        migrate.upgrade(connection)
        with Session(bind=connection) as session:
            query = LibraryQuery(q="hydrogen valley")
            results = library_service.search(session, query, limit=10, offset=0)
            assert [item.title for item in results.items] == ["Hydrogen valleys"]
            _check_sqlite_index(session)


def test_publishing_a_briefing_puts_its_drafts_in_the_library(
    client: TestClient, db: Session, library: Library
) -> None:
    assert ids(search(client, q="secret")) == []
    reports = f"/api/v1/engagements/{library.wallonia.id}/reports"
    draft = client.post(reports, json={"kind": "policy_briefing", "language": "en"})
    assert draft.status_code == 201, draft.text
    assert client.post(f"{reports}/{draft.json()['id']}/publish").status_code == 200
    assert ids(search(client, q="secret")) == [library.draft.id]
    _check_sqlite_index(db)
