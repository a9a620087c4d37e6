"""/admin: users, regions and partnerships, for admins only, through the API's services and
schemas (so audited as through the API); stale edits 409, invalid input 422 with it kept."""

import json
import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditEntry, Partnership, Region, User
from app.security import hash_password
from app.vocab import Role
from tests.factories import make_partnership, make_region, make_user
from tests.web.conftest import WebClient, csrf_in

PASSWORD = "a long enough password"
ADMIN_URLS = (
    "/admin/users",
    "/admin/users/new",
    "/admin/regions",
    "/admin/regions/new",
    "/admin/partnerships",
    "/admin/partnerships/new",
)


@pytest.fixture
def admin(db: Session) -> User:
    user = make_user(db, role=Role.ADMIN, email="root@example.org")
    db.commit()
    return user


def _as(web_as: object, user: User) -> WebClient:
    return web_as(user)  # type: ignore[operator, no-any-return]


def _trail(db: Session, entity_type: str, entity_id: int) -> list[AuditEntry]:
    db.expire_all()
    stmt = select(AuditEntry).where(
        AuditEntry.entity_type == entity_type, AuditEntry.entity_id == entity_id
    )
    return list(db.scalars(stmt.order_by(AuditEntry.id)))


def _edit_state(html: str) -> dict[str, str]:
    """The hidden version and base of the page's edit form."""
    version = re.search(r'name="version" value="(\d+)"', html)
    base = re.search(r'name="base" value="([^"]*)"', html)
    assert version and base
    return {"version": version.group(1), "base": base.group(1).replace("&#34;", '"')}


@pytest.mark.parametrize("role", [Role.CONSULTANT, Role.MONITOR, Role.STAKEHOLDER])
def test_non_admins_get_403(db: Session, web_as: object, role: Role) -> None:
    region = make_region(db)
    binding = {"region_id": region.id} if role == Role.STAKEHOLDER else {}
    user = make_user(db, role=role, **binding)
    db.commit()
    client = _as(web_as, user)
    for url in (*ADMIN_URLS, f"/admin/users/{user.id}", f"/admin/regions/{region.id}"):
        assert client.get(url).status_code == 403, url
    answer = client.post("/admin/regions/new", {"nuts_code": "ZZ1", "name": "Z"})
    assert answer.status_code == 403
    db.expire_all()
    assert db.scalar(select(Region).where(Region.nuts_code == "ZZ1")) is None


def test_admin_pages_list_what_exists(db: Session, web_as: object, admin: User) -> None:
    region = make_region(db, name="<b>Hostile</b> region")
    partnership = make_partnership(db, name="Packaging partnership")
    make_user(db, role=Role.STAKEHOLDER, region_id=region.id, email="officer@example.org")
    db.commit()
    client = _as(web_as, admin)
    users = client.get("/admin/users?role=stakeholder")
    assert users.status_code == 200 and "officer@example.org" in users.text
    assert "root@example.org" not in users.text
    assert "&lt;b&gt;Hostile&lt;/b&gt; region" in users.text and "<b>Hostile" not in users.text
    assert region.nuts_code in client.get("/admin/regions").text
    assert partnership.acronym in client.get("/admin/partnerships").text
    for url in ADMIN_URLS:
        assert client.get(url).status_code == 200, url


def test_creating_a_user_stores_it_audited_and_it_can_sign_in(
    db: Session, web_as: object, web_anonymous: WebClient, admin: User
) -> None:
    region = make_region(db)
    db.commit()
    answer = _as(web_as, admin).post(
        "/admin/users/new",
        {
            "email": "New.Officer@example.org",
            "full_name": "New Officer",
            "role": "stakeholder",
            "region_id": str(region.id),
            "password": PASSWORD,
        },
    )
    assert answer.status_code == 303
    db.expire_all()
    created = db.scalar(select(User).where(User.email == "new.officer@example.org"))
    assert created is not None and created.role == Role.STAKEHOLDER
    assert created.region_id == region.id
    assert answer.headers["location"] == f"/admin/users/{created.id}"
    (entry,) = _trail(db, "user", created.id)
    assert entry.action == "create" and entry.actor_id == admin.id
    assert entry.changes["password_hash"] == [None, "[redacted]"]
    assert PASSWORD not in json.dumps(entry.changes)

    token = csrf_in(web_anonymous.get("/login").text)
    signed_in = web_anonymous.post(
        "/login", {"email": "new.officer@example.org", "password": PASSWORD}, csrf=token
    )
    assert signed_in.status_code == 303
    assert web_anonymous.get("/library").status_code == 200


def test_a_stakeholder_without_binding_is_refused_with_input_kept(
    db: Session, web_as: object, admin: User
) -> None:
    answer = _as(web_as, admin).post(
        "/admin/users/new",
        {
            "email": "unbound@example.org",
            "full_name": "Unbound <Officer>",
            "role": "stakeholder",
            "password": PASSWORD,
        },
    )
    assert answer.status_code == 422
    assert "exactly one region or one partnership" in answer.text
    assert 'value="unbound@example.org"' in answer.text
    assert 'value="Unbound &lt;Officer&gt;"' in answer.text
    assert PASSWORD not in answer.text
    db.expire_all()
    assert db.scalar(select(User).where(User.email == "unbound@example.org")) is None


def test_empty_forms_answer_422(db: Session, web_as: object, admin: User) -> None:
    target = make_user(db)
    region = make_region(db)
    partnership = make_partnership(db)
    db.commit()
    client = _as(web_as, admin)
    for url in (
        "/admin/users/new",
        f"/admin/users/{target.id}/status",
        f"/admin/users/{target.id}/password",
        "/admin/regions/new",
        "/admin/partnerships/new",
    ):
        assert client.post(url, {}).status_code == 422, url
    for url in (
        f"/admin/users/{target.id}",
        f"/admin/regions/{region.id}",
        f"/admin/partnerships/{partnership.id}",
    ):
        assert client.post(url, {}).status_code in (303, 422), url


def test_role_change_to_stakeholder_needs_a_binding(
    db: Session, web_as: object, admin: User
) -> None:
    target = make_user(db, role=Role.CONSULTANT, full_name="Consultant One")
    region = make_region(db)
    db.commit()
    client = _as(web_as, admin)
    state = _edit_state(client.get(f"/admin/users/{target.id}").text)
    form = {**state, "full_name": "Renamed One", "role": "stakeholder", "region_id": ""}
    refused = client.post(f"/admin/users/{target.id}", {**form, "partnership_id": ""})
    assert refused.status_code == 422
    assert "exactly one region or one partnership" in refused.text
    assert 'value="Renamed One"' in refused.text
    assert '<option value="stakeholder" selected>' in refused.text
    db.expire_all()
    assert db.get(User, target.id).role == Role.CONSULTANT  # type: ignore[union-attr]

    saved = client.post(
        f"/admin/users/{target.id}",
        {**form, "region_id": str(region.id), "partnership_id": ""},
    )
    assert saved.status_code == 303
    db.expire_all()
    changed = db.get(User, target.id)
    assert changed is not None and changed.role == Role.STAKEHOLDER
    assert changed.region_id == region.id and changed.full_name == "Renamed One"
    entry = _trail(db, "user", target.id)[-1]
    assert entry.actor_id == admin.id and entry.changes["role"] == ["consultant", "stakeholder"]


def test_a_stale_user_edit_answers_409_and_saves_nothing(
    db: Session, web_as: object, admin: User
) -> None:
    target = make_user(db, full_name="Before")
    db.commit()
    client = _as(web_as, admin)
    state = _edit_state(client.get(f"/admin/users/{target.id}").text)
    target.full_name = "Changed meanwhile"
    db.commit()
    answer = client.post(
        f"/admin/users/{target.id}",
        {**state, "full_name": "Mine", "role": "consultant", "region_id": "", "partnership_id": ""},
    )
    assert answer.status_code == 409 and "Changed meanwhile" in answer.text
    db.expire_all()
    assert db.get(User, target.id).full_name == "Changed meanwhile"  # type: ignore[union-attr]


def test_deactivating_a_user_ends_their_session_at_the_next_request(
    db: Session, web_as: object, admin: User
) -> None:
    target = make_user(db, role=Role.MONITOR)
    db.commit()
    theirs = _as(web_as, target)
    assert theirs.get("/library").status_code == 200
    answer = _as(web_as, admin).post(f"/admin/users/{target.id}/status", {"is_active": "false"})
    assert answer.status_code == 303
    after = theirs.get("/library")
    assert after.status_code == 303 and after.headers["location"].startswith("/login")
    entry = _trail(db, "user", target.id)[-1]
    assert entry.actor_id == admin.id and entry.changes["is_active"] == [True, False]

    again = _as(web_as, admin).post(f"/admin/users/{target.id}/status", {"is_active": "true"})
    assert again.status_code == 303
    db.expire_all()
    assert db.get(User, target.id).is_active  # type: ignore[union-attr]


def test_deactivating_oneself_is_asked_first(db: Session, web_as: object, admin: User) -> None:
    page = _as(web_as, admin).get(f"/admin/users/{admin.id}").text
    assert "This is you" in page
    assert 'data-confirm="Deactivate your own account?' in page


def test_resetting_a_password(
    db: Session, web_as: object, web_anonymous: WebClient, admin: User
) -> None:
    target = make_user(db, email="forgot@example.org", password_hash=hash_password("old one!"))
    db.commit()
    client = _as(web_as, admin)
    short = client.post(f"/admin/users/{target.id}/password", {"password": "short"})
    assert short.status_code == 422 and "12 to 256 characters" in short.text
    assert (
        client.post(f"/admin/users/{target.id}/password", {"password": PASSWORD}).status_code == 303
    )
    token = csrf_in(web_anonymous.get("/login").text)
    signed_in = web_anonymous.post(
        "/login", {"email": "forgot@example.org", "password": PASSWORD}, csrf=token
    )
    assert signed_in.status_code == 303
    assert _trail(db, "user", target.id)[-1].actor_id == admin.id


def test_region_create_and_edit(db: Session, web_as: object, admin: User) -> None:
    client = _as(web_as, admin)
    bad = client.post(
        "/admin/regions/new",
        {"nuts_code": "es13", "name": "", "country_code": "es", "nuts_level": "7"},
    )
    assert bad.status_code == 422 and 'value="ES13"' in bad.text
    created = client.post(
        "/admin/regions/new",
        {"nuts_code": "es13", "name": "Cantabria", "country_code": "es", "nuts_level": "2"},
    )
    assert created.status_code == 303
    db.expire_all()
    region = db.scalar(select(Region).where(Region.nuts_code == "ES13"))
    assert region is not None and region.country_code == "ES"
    duplicate = client.post(
        "/admin/regions/new",
        {"nuts_code": "ES13", "name": "Again", "country_code": "ES", "nuts_level": "2"},
    )
    assert duplicate.status_code == 409 and "already exists" in duplicate.text

    state = _edit_state(client.get(f"/admin/regions/{region.id}").text)
    form = {"nuts_code": "ES13", "country_code": "ES", "nuts_level": "2", "notes": ""}
    edited = client.post(f"/admin/regions/{region.id}", {**state, **form, "name": "Cantabria (ES)"})
    assert edited.status_code == 303
    stale = client.post(f"/admin/regions/{region.id}", {**state, **form, "name": "Old form"})
    assert stale.status_code == 409
    db.expire_all()
    assert db.get(Region, region.id).name == "Cantabria (ES)"  # type: ignore[union-attr]
    actions = [(e.action, e.actor_id) for e in _trail(db, "region", region.id)]
    assert actions == [("create", admin.id), ("update", admin.id)]


def test_partnership_create_and_edit(db: Session, web_as: object, admin: User) -> None:
    client = _as(web_as, admin)
    form = {
        "acronym": "PACK",
        "name": "Packaging partnership",
        "kind": "escp_4i",
        "sectors": "packaging\nfood",
        "coordinator": "",
        "countries": "be, fr es",
        "website": "not a url",
        "notes": "",
    }
    bad = client.post("/admin/partnerships/new", form)
    assert bad.status_code == 422 and "packaging\nfood" in bad.text
    assert client.post("/admin/partnerships/new", {**form, "website": ""}).status_code == 303
    db.expire_all()
    created = db.scalar(select(Partnership).where(Partnership.acronym == "PACK"))
    assert created is not None
    assert created.sectors == ["packaging", "food"] and created.countries == ["BE", "FR", "ES"]
    page = client.get(f"/admin/partnerships/{created.id}").text
    state = _edit_state(page)
    edited = client.post(
        f"/admin/partnerships/{created.id}",
        {**form, **state, "website": "https://pack.example.org", "countries": "BE"},
    )
    assert edited.status_code == 303
    db.expire_all()
    changed = db.get(Partnership, created.id)
    assert changed is not None and changed.countries == ["BE"]
    assert (changed.website or "").startswith("https://pack.example.org")
    assert [e.action for e in _trail(db, "partnership", created.id)] == ["create", "update"]
