"""The region profile page and the diagnosis page's suggestions (Accept / Dismiss)."""

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Bottleneck, SuggestionDecision, User
from app.vocab import BottleneckStatus, Role, Stage
from tests.factories import add_member, make_engagement, make_recommendation, make_region, make_user
from tests.statistics.stat_factories import hand_world
from tests.web.conftest import WebClient


def test_every_signed_in_user_sees_a_profile_with_charts_and_sources(
    db: Session, web_as: Callable[[User], WebClient], web_anonymous: WebClient
) -> None:
    world = hand_world(db, illustrative=True)
    peer = world.others[0]
    engagement = make_engagement(db, region_id=peer.id)
    make_recommendation(db, engagement, stage=Stage.SHARED, title="Open a seed fund")
    stakeholder = make_user(db, role=Role.STAKEHOLDER, region_id=make_region(db).id)
    db.commit()
    url = f"/regions/{world.a.id}/profile"
    page = web_as(stakeholder).get(url)
    assert page.status_code == 200
    html = page.text
    assert "Alphaland: indicator profile" in html
    assert "Illustrative data" in html and "© European Union" in html
    assert "EU-27 (2020 composition)" in html and "Mean of the NUTS 2 regions" in html
    assert "Gap widening" in html and "Gap narrowing" in html
    assert html.count("<svg") >= 6  # a sparkline and a small multiple per indicator
    assert "Open a seed fund" in html  # the peer's shared recommendation
    # A stakeholder gets no link into another client's engagement.
    assert f"/engagements/{engagement.id}/recommendations" not in html
    assert web_anonymous.get(url).status_code == 303
    assert web_as(stakeholder).get("/regions/999999/profile").status_code == 404


def test_member_accepts_and_dismisses_on_the_diagnosis_page(
    db: Session, web_as: Callable[[User], WebClient]
) -> None:
    world = hand_world(db)
    member = make_user(db)
    engagement = make_engagement(db, region_id=world.a.id, lead_consultant_id=member.id)
    add_member(db, engagement, member)
    db.commit()
    web = web_as(member)
    base = f"/engagements/{engagement.id}/diagnosis"
    page = web.get(base).text
    assert "Suggestions from the indicator data" in page
    assert "Accept as hypothesis" in page and "Venture capital" in page
    answer = web.post(f"{base}/suggestions/accept", {"key": "access_to_finance"})
    assert answer.status_code == 303
    bottleneck = db.scalars(
        select(Bottleneck).where(Bottleneck.engagement_id == engagement.id)
    ).one()
    assert bottleneck.status == BottleneckStatus.HYPOTHESIS
    assert answer.headers["location"].endswith(f"#bottleneck-{bottleneck.id}")
    assert web.post(f"{base}/suggestions/dismiss", {"key": "knowledge_skills"}).status_code == 303
    page = web.get(base).text
    assert "Accept as hypothesis" not in page and "Decided suggestions (2)" in page
    evidence = web.get(f"/engagements/{engagement.id}/evidence").text
    assert "Venture capital" in evidence and "Newer data available" not in evidence


def test_non_member_and_client_cannot_decide_on_the_page(
    db: Session, web_as: Callable[[User], WebClient]
) -> None:
    world = hand_world(db)
    engagement = make_engagement(db, region_id=world.a.id)
    outsider = make_user(db)
    client = make_user(db, role=Role.STAKEHOLDER, region_id=world.a.id)
    db.commit()
    base = f"/engagements/{engagement.id}/diagnosis"
    outsider_web = web_as(outsider)
    assert "Accept as hypothesis" not in outsider_web.get(base).text  # reads, no buttons
    answer = outsider_web.post(f"{base}/suggestions/accept", {"key": "access_to_finance"})
    assert answer.status_code == 403
    answer = web_as(client).post(f"{base}/suggestions/accept", {"key": "access_to_finance"})
    assert answer.status_code == 404
    assert db.scalar(select(func.count()).select_from(SuggestionDecision)) == 0
