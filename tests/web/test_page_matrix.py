"""The page-by-role matrix, generated from the app's routes: every page answers each kind of
caller exactly as the API's authorization rules say (docs/design.md, "Users and what each must be
able to do"). A page route that declares none of the known rules fails the suite, so a new
page cannot ship without one.

Callers: anonymous; the engagement's lead consultant (member); a consultant who is not a
member; a monitor; an admin; a stakeholder of the engagement's region (own client); a
stakeholder of another region.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.main import create_app
from app.models import Base, Engagement, User
from app.services.access import Section
from app.vocab import ReportStatus, Role, Stage
from app.web.deps import page_user
from app.web.paths import is_page
from tests.conftest import TEST_SECRET_KEY
from tests.factories import (
    add_member,
    link_evidence,
    make_bottleneck,
    make_challenge,
    make_engagement,
    make_evidence,
    make_indicator,
    make_milestone,
    make_mission,
    make_partnership,
    make_recommendation,
    make_region,
    make_report,
    make_user,
)
from tests.route_table import Operation, served_routes
from tests.web.conftest import WebClient

# Pages anyone may open: signing in and out, and the icon browsers ask for.
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("POST", "/logout"), ("GET", "/favicon.ico")}
ACTORS = ("anonymous", "member", "other_consultant", "monitor", "admin", "client", "other_client")
# Typed into every text field of the world's objects: no page may send it back unescaped.
HOSTILE = '"><script>document.title="pwned"</script><img src=x onerror=alert(1)>'
STAKEHOLDER_SECTIONS = {
    Section.ENGAGEMENT,
    Section.MILESTONES,
    Section.RECOMMENDATIONS,
    Section.REPORTS,
}


@dataclass(frozen=True)
class PageRule:
    """What a page route declares: nothing but a sign-in, some roles, or a part of an
    engagement to read or write (or to record follow-up on)."""

    roles: tuple[Role, ...] | None = None
    section: Section | None = None
    write: bool = False
    recorder: bool = False


def _calls(dependant: Any) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


def rule_of(route: Operation) -> PageRule | None:
    """The access rule a page route declares (None: it declares none)."""
    calls = list(_calls(route.dependant))
    rule = PageRule()
    for call in calls:
        if getattr(call, "recorder", False):
            return PageRule(section=Section.RECOMMENDATIONS, recorder=True)
        if hasattr(call, "section"):
            return PageRule(section=call.section, write=call.write)
        if hasattr(call, "roles"):
            rule = PageRule(roles=tuple(call.roles))
    if rule.roles is None and page_user not in calls:
        return None
    return rule


def _page_routes() -> list[tuple[str, str, Operation]]:
    app = create_app(
        Settings(database_url="sqlite:////nonexistent/routes-only.db", secret_key=TEST_SECRET_KEY)
    )
    found = []
    for route in served_routes(app):
        if is_page(route.path):
            for method in sorted(route.methods):
                found.append((method, route.path, route))
    return found


PAGE_ROUTES = _page_routes()
SIGNED_IN_ROUTES = [(m, p, r) for m, p, r in PAGE_ROUTES if (m, p) not in PUBLIC]


def test_every_page_route_declares_a_rule() -> None:
    missing = [f"{m} {p}" for m, p, r in SIGNED_IN_ROUTES if rule_of(r) is None]
    assert not missing, f"page routes without an access rule: {missing}"


def test_the_matrix_covers_the_workspace() -> None:
    paths = {p for _, p, _ in PAGE_ROUTES}
    # The pages (docs/design.md, "Web pages"): the matrix runs over each of them.
    for path in ("/", "/engagements", "/engagements/new", "/engagements/{engagement_id}"):
        assert path in paths


def expected(rule: PageRule, actor: str) -> int | None:
    """The status the rules give `actor` (None: allowed, any answer but 401/403/404)."""
    if rule.roles is not None:
        role = _ROLE_OF[actor]
        return None if role in rule.roles else 403
    if rule.section is None:
        return None
    if actor == "other_client":
        return 404
    if actor == "client":
        if rule.section not in STAKEHOLDER_SECTIONS:
            return 404
        if rule.recorder:
            return None
        return 403 if rule.write else None
    if rule.recorder or rule.write:
        return None if actor in ("member", "admin") else 403
    return None


_ROLE_OF = {
    "member": Role.CONSULTANT,
    "other_consultant": Role.CONSULTANT,
    "monitor": Role.MONITOR,
    "admin": Role.ADMIN,
    "client": Role.STAKEHOLDER,
    "other_client": Role.STAKEHOLDER,
}


@dataclass
class World:
    engagement: Engagement
    users: dict[str, User]
    ids: dict[str, int]


@pytest.fixture
def world(db: Session) -> World:
    region, other_region = make_region(db), make_region(db)
    member = make_user(db, role=Role.CONSULTANT)
    engagement = make_engagement(
        db, region_id=region.id, lead_consultant_id=member.id, title=HOSTILE, summary=HOSTILE
    )
    add_member(db, engagement, member)
    users = {
        "member": member,
        "other_consultant": make_user(db, role=Role.CONSULTANT),
        "monitor": make_user(db, role=Role.MONITOR),
        "admin": make_user(db, role=Role.ADMIN),
        "client": make_user(db, role=Role.STAKEHOLDER, region_id=region.id),
        "other_client": make_user(db, role=Role.STAKEHOLDER, region_id=other_region.id),
    }
    challenge = make_challenge(db, engagement, title=HOSTILE, description=HOSTILE)
    bottleneck = make_bottleneck(
        db, engagement, challenge_id=challenge.id, title=HOSTILE, description=HOSTILE
    )
    evidence = make_evidence(db, engagement, title=HOSTILE, source=HOSTILE, excerpt=HOSTILE)
    link = link_evidence(db, evidence, bottleneck=bottleneck)
    recommendation = make_recommendation(
        db,
        engagement,
        bottlenecks=[bottleneck],
        stage=Stage.SHARED,
        title=HOSTILE,
        description=HOSTILE,
        benefits_costs=HOSTILE,
        risks=HOSTILE,
        responsible_actor=HOSTILE,
    )
    report = make_report(db, engagement, status=ReportStatus.PUBLISHED, pdf=b"%PDF-1.7 test")
    ids = {
        "engagement_id": engagement.id,
        "challenge_id": challenge.id,
        "bottleneck_id": bottleneck.id,
        "evidence_id": evidence.id,
        "link_id": link.id,
        "recommendation_id": recommendation.id,
        "mission_id": make_mission(
            db, engagement, title=HOSTILE, summary=HOSTILE, location=HOSTILE
        ).id,
        "milestone_id": make_milestone(db, engagement, title=HOSTILE).id,
        "report_id": report.id,
        "indicator_id": make_indicator(db, recommendation).id,
        "user_id": users["other_consultant"].id,
        "region_id": other_region.id,
        "partnership_id": make_partnership(db).id,
    }
    db.commit()
    return World(engagement, users, ids)


def url_of(path: str, ids: dict[str, int]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in ids, f"the matrix has no object for the path parameter {{{name}}}"
        return str(ids[name])

    return re.sub(r"\{(\w+)(?::\w+)?\}", fill, path)


def fingerprint(db: Session) -> dict[str, tuple[int, int]]:
    """Every table's row count and version total: any write changes it."""
    db.expire_all()
    prints = {}
    for table in Base.metadata.sorted_tables:
        versions = func.coalesce(func.sum(table.c.version), 0) if "version" in table.c else 0
        prints[table.name] = tuple(
            db.execute(select(func.count(), versions).select_from(table)).one()
        )
    return prints


def _client(
    web_as: Callable[[User], WebClient], web_anonymous: WebClient, world: World, actor: str
) -> WebClient:
    return web_anonymous if actor == "anonymous" else web_as(world.users[actor])


def _check(
    method: str, url: str, rule: PageRule, actor: str, web: WebClient, db: Session
) -> list[str]:
    """What is wrong with `actor`'s answer at `url` (nothing: an empty list)."""
    before = fingerprint(db) if method == "POST" else None
    answer = web.get(url) if method == "GET" else web.post(url, {})
    problems = []
    if HOSTILE in answer.text:
        problems.append("a page sent typed text back unescaped")
    if actor == "anonymous":
        # No sign-in: the sign-in page for a GET; a POST has no CSRF token either.
        location = answer.headers.get("location", "")
        if method == "GET" and not (
            answer.status_code == 303 and location.startswith("/login?next=")
        ):
            problems.append(f"answered {answer.status_code} {location}, not the sign-in page")
        if method == "POST" and answer.status_code != 403:
            problems.append(f"answered {answer.status_code}, not 403")
    elif (want := expected(rule, actor)) is None:
        if answer.status_code in (401, 403, 404) or answer.status_code >= 500:
            problems.append(f"allowed, but answered {answer.status_code}: {answer.text[:300]}")
    elif answer.status_code != want or "text/html" not in answer.headers["content-type"]:
        problems.append(f"answered {answer.status_code}, not {want}: {answer.text[:300]}")
    refused = actor == "anonymous" or expected(rule, actor) is not None
    if before is not None and refused and fingerprint(db) != before:
        problems.append("a refused request changed data")
    return [f"{actor}: {p}" for p in problems]


def _order(method: str, rule: PageRule) -> list[str]:
    """The callers to try: every refused one first (they change nothing), then for a GET every
    allowed one, for a POST the first allowed one (its request may change or delete the
    object the others would then not find)."""
    refused = [a for a in ACTORS if a == "anonymous" or expected(rule, a) is not None]
    allowed = [a for a in ACTORS if a not in refused]
    return refused + (allowed if method == "GET" else allowed[:1])


@pytest.mark.parametrize(
    ("method", "path", "route"), SIGNED_IN_ROUTES, ids=[f"{m} {p}" for m, p, _ in SIGNED_IN_ROUTES]
)
def test_page_answers_as_the_rules_say(
    method: str,
    path: str,
    route: Operation,
    world: World,
    db: Session,
    web_as: Callable[[User], WebClient],
    web_anonymous: WebClient,
) -> None:
    """Each kind of caller in turn, on one world (a fresh one per route)."""
    rule = rule_of(route)
    assert rule is not None
    url = url_of(path, world.ids)
    problems = []
    for actor in _order(method, rule):
        web = _client(web_as, web_anonymous, world, actor)
        problems += _check(method, url, rule, actor, web, db)
    assert not problems, f"{method} {url}:\n" + "\n".join(problems)


POST_ROUTES = [(m, p, r) for m, p, r in SIGNED_IN_ROUTES if m == "POST"] + [
    (m, p, r) for m, p, r in PAGE_ROUTES if (m, p) in PUBLIC and m == "POST"
]


@pytest.mark.parametrize(
    ("method", "path", "route"), POST_ROUTES, ids=[f"{m} {p}" for m, p, _ in POST_ROUTES]
)
def test_post_without_its_csrf_token_is_refused_and_changes_nothing(
    method: str,
    path: str,
    route: Operation,
    world: World,
    db: Session,
    web_as: Callable[[User], WebClient],
) -> None:
    """As an admin, who may do everything: only the token is wrong (missing, forged, another
    session's, or the right one sent from another site)."""
    web = web_as(world.users["admin"])
    tokens: dict[str, str | None] = {
        "missing": None,
        "wrong": web.csrf[:-4] + "AAAA",
        "another session's": web_as(world.users["member"]).csrf,
        "cross-origin": web.csrf,
    }
    before = fingerprint(db)
    for name, sent in tokens.items():
        headers = {"Origin": "https://evil.example"} if name == "cross-origin" else {}
        answer = web.post(
            url_of(path, world.ids), {"title": "x", "note": "x"}, csrf=sent, headers=headers
        )
        assert answer.status_code == 403, (name, answer.text[:300])
        assert fingerprint(db) == before, name


def test_htmx_requests_need_the_token_too(
    world: World, db: Session, web_as: Callable[[User], WebClient]
) -> None:
    web = web_as(world.users["admin"])
    before = fingerprint(db)
    answer = web.client.post("/logout", headers={"HX-Request": "true", "X-CSRF-Token": "forged"})
    assert answer.status_code == 403
    assert fingerprint(db) == before
    accepted = web.client.post("/logout", headers={"HX-Request": "true", "X-CSRF-Token": web.csrf})
    assert accepted.status_code == 204 and accepted.headers["HX-Location"] == "/login"
