"""The diagnosis page: challenges and bottlenecks with their evidence; create, edit (with the
version check), delete; who sees the forms and who may post."""

import html
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Bottleneck, Challenge, Engagement, User
from app.vocab import BottleneckStatus, FrameworkCondition, Relation, Role
from tests.factories import (
    add_member,
    link_evidence,
    make_bottleneck,
    make_challenge,
    make_engagement,
    make_evidence,
    make_recommendation,
    make_user,
)
from tests.web.conftest import WebClient

HOSTILE = '<script>alert("x")</script> & co'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co"


def hidden_state(page: str) -> dict[str, str]:
    """The version and base an edit form carries (as a browser would send them back)."""
    found = dict(re.findall(r'name="(version|base)" value="([^"]*)"', page))
    return {name: html.unescape(value) for name, value in found.items()}


def _lead(db: Session) -> tuple[User, Engagement]:
    user = make_user(db, role=Role.CONSULTANT)
    engagement = make_engagement(db, lead_consultant_id=user.id)
    return user, engagement


def test_page_shows_challenges_and_bottlenecks_by_condition_with_evidence(
    db: Session, web_as: Any
) -> None:
    user, engagement = _lead(db)
    challenge = make_challenge(db, engagement, title=HOSTILE, priority=1)
    bottleneck = make_bottleneck(
        db,
        engagement,
        challenge_id=challenge.id,
        title="Thin venture capital",
        framework_condition=FrameworkCondition.ACCESS_TO_FINANCE,
        severity=4,
        status=BottleneckStatus.CONFIRMED,
    )
    evidence = make_evidence(db, engagement, title="Eurostat VC survey")
    link = link_evidence(db, evidence, bottleneck=bottleneck, relation=Relation.CONTRADICTS)
    link.note = "Only <b>seed</b> rounds"
    db.commit()

    page = web_as(user).get(f"/engagements/{engagement.id}/diagnosis")

    assert page.status_code == 200
    text = page.text
    assert f'id="challenge-{challenge.id}"' in text
    assert f'id="bottleneck-{bottleneck.id}"' in text
    assert ESCAPED in text and HOSTILE not in text
    assert "Priority: High (1 of 3)" in text
    assert "Access to finance" in text and "access_to_finance" not in text
    assert "Severity: Major (4 of 5)" in text
    assert "Status: Confirmed" in text
    assert "Contradicts" in text and "Only &lt;b&gt;seed&lt;/b&gt; rounds" in text
    assert f'href="/engagements/{engagement.id}/evidence#evidence-{evidence.id}"' in text
    assert f'href="#challenge-{challenge.id}"' in text
    # The reports' severity chart, with its data as a table.
    assert "<svg" in text and "Confirmed bottlenecks by framework condition" in text
    assert '<th scope="row">Access to finance</th>' in text
    assert "Add challenge" in text and "Delete bottleneck" in text


def test_create_challenge(db: Session, web_as: Any) -> None:
    user, engagement = _lead(db)
    db.commit()
    web = web_as(user)
    assert web.get(f"/engagements/{engagement.id}/challenges/new").status_code == 200

    answer = web.post(
        f"/engagements/{engagement.id}/challenges",
        {"title": "Ageing industrial base", "description": "Few start-ups", "priority": "1"},
    )

    assert answer.status_code == 303
    db.expire_all()
    created = db.scalars(select(Challenge).where(Challenge.engagement_id == engagement.id)).one()
    assert (created.title, created.description, created.priority) == (
        "Ageing industrial base",
        "Few start-ups",
        1,
    )
    assert answer.headers["location"].endswith(f"/diagnosis#challenge-{created.id}")


def test_invalid_challenge_is_shown_again_with_the_input_and_the_error(
    db: Session, web_as: Any
) -> None:
    user, engagement = _lead(db)
    db.commit()

    answer = web_as(user).post(
        f"/engagements/{engagement.id}/challenges",
        {"title": "  ", "description": "Kept <text>", "priority": "7"},
    )

    assert answer.status_code == 422
    assert 'id="error-title"' in answer.text and "Title is required" in answer.text
    assert 'id="error-priority"' in answer.text
    assert "Kept &lt;text&gt;</textarea>" in answer.text
    db.expire_all()
    assert db.scalars(select(Challenge).where(Challenge.engagement_id == engagement.id)).all() == []


def test_edit_challenge(db: Session, web_as: Any) -> None:
    user, engagement = _lead(db)
    challenge = make_challenge(db, engagement, title="Old", priority=2)
    db.commit()
    web = web_as(user)
    form = web.get(f"/engagements/{engagement.id}/challenges/{challenge.id}/edit")
    assert form.status_code == 200 and 'value="Old"' in form.text

    answer = web.post(
        f"/engagements/{engagement.id}/challenges/{challenge.id}/edit",
        {**hidden_state(form.text), "title": "New", "description": "", "priority": "3"},
    )

    assert answer.status_code == 303
    db.expire_all()
    assert (challenge.title, challenge.priority, challenge.version) == ("New", 3, 2)


def test_stale_challenge_edit_shows_what_changed_saves_nothing_then_reapplies(
    db: Session, web_as: Any
) -> None:
    user, engagement = _lead(db)
    challenge = make_challenge(db, engagement, title="Original", description="")
    db.commit()
    web = web_as(user)
    url = f"/engagements/{engagement.id}/challenges/{challenge.id}/edit"
    opened = hidden_state(web.get(url).text)
    challenge.title = "Changed by a colleague"
    db.commit()
    mine = {"title": "Mine", "description": "My description", "priority": "2"}

    stale = web.post(url, {**opened, **mine})

    assert stale.status_code == 409
    assert "Someone changed this" in stale.text and "Changed by a colleague" in stale.text
    assert 'value="Mine"' in stale.text  # the user's input is kept, not yet saved
    db.expire_all()
    assert (challenge.title, challenge.description) == ("Changed by a colleague", "")

    again = web.post(url, {**hidden_state(stale.text), **mine})

    assert again.status_code == 303
    db.expire_all()
    assert (challenge.title, challenge.description) == ("Mine", "My description")


def test_delete_challenge(db: Session, web_as: Any) -> None:
    user, engagement = _lead(db)
    challenge = make_challenge(db, engagement)
    link_evidence(db, make_evidence(db, engagement), challenge=challenge)
    db.commit()

    challenge_id = challenge.id

    answer = web_as(user).post(f"/engagements/{engagement.id}/challenges/{challenge_id}/delete")

    assert answer.status_code == 303
    db.expire_all()
    assert db.get(Challenge, challenge_id) is None


def test_deleting_a_challenge_with_bottlenecks_shows_why_not(db: Session, web_as: Any) -> None:
    user, engagement = _lead(db)
    challenge = make_challenge(db, engagement)
    make_bottleneck(db, engagement, challenge_id=challenge.id, title="Skills gap")
    db.commit()

    answer = web_as(user).post(f"/engagements/{engagement.id}/challenges/{challenge.id}/delete")

    assert answer.status_code == 409
    assert "This could not be done" in answer.text and "Skills gap" in answer.text
    assert f'id="challenge-{challenge.id}"' in answer.text  # the page, not an error page
    db.expire_all()
    assert db.get(Challenge, challenge.id) is not None


def test_create_bottleneck_under_a_challenge(db: Session, web_as: Any) -> None:
    user, engagement = _lead(db)
    challenge = make_challenge(db, engagement, title="Ageing base")
    db.commit()
    web = web_as(user)
    form = web.get(f"/engagements/{engagement.id}/bottlenecks/new?challenge_id={challenge.id}")
    assert f'<option value="{challenge.id}" selected>Ageing base</option>' in form.text

    answer = web.post(
        f"/engagements/{engagement.id}/bottlenecks",
        {
            "challenge_id": str(challenge.id),
            "title": "Weak university links",
            "description": "",
            "framework_condition": "knowledge_skills",
            "severity": "5",
            "status": "confirmed",
        },
    )

    assert answer.status_code == 303
    db.expire_all()
    created = db.scalars(select(Bottleneck).where(Bottleneck.engagement_id == engagement.id)).one()
    assert (created.challenge_id, created.severity, created.status) == (
        challenge.id,
        5,
        BottleneckStatus.CONFIRMED,
    )


def test_bottleneck_under_another_engagements_challenge_is_refused(
    db: Session, web_as: Any
) -> None:
    user, engagement = _lead(db)
    elsewhere = make_challenge(db, make_engagement(db))
    db.commit()

    answer = web_as(user).post(
        f"/engagements/{engagement.id}/bottlenecks",
        {
            "challenge_id": str(elsewhere.id),
            "title": "Kept title",
            "framework_condition": "other",
            "severity": "3",
            "status": "hypothesis",
        },
    )

    assert answer.status_code == 422
    assert 'id="error-challenge_id"' in answer.text and 'value="Kept title"' in answer.text
    db.expire_all()
    assert db.scalars(select(Bottleneck)).all() == []


def test_invalid_bottleneck_keeps_input(db: Session, web_as: Any) -> None:
    user, engagement = _lead(db)
    db.commit()

    answer = web_as(user).post(
        f"/engagements/{engagement.id}/bottlenecks",
        {"title": "Kept", "framework_condition": "", "severity": "9", "status": "hypothesis"},
    )

    assert answer.status_code == 422
    assert 'id="error-framework_condition"' in answer.text
    assert 'id="error-severity"' in answer.text
    assert 'value="Kept"' in answer.text


def test_stale_bottleneck_edit_then_reapply(db: Session, web_as: Any) -> None:
    user, engagement = _lead(db)
    bottleneck = make_bottleneck(db, engagement, title="B", severity=2)
    db.commit()
    web = web_as(user)
    url = f"/engagements/{engagement.id}/bottlenecks/{bottleneck.id}/edit"
    opened = hidden_state(web.get(url).text)
    bottleneck.severity = 5
    db.commit()
    mine = {
        "challenge_id": "",
        "title": "B",
        "description": "",
        "framework_condition": "quality_of_governance",
        "severity": "2",
        "status": "confirmed",
    }

    stale = web.post(url, {**opened, **mine})

    assert stale.status_code == 409 and "Severity" in stale.text
    db.expire_all()
    assert (bottleneck.severity, bottleneck.status) == (5, BottleneckStatus.HYPOTHESIS)

    assert web.post(url, {**hidden_state(stale.text), **mine}).status_code == 303
    db.expire_all()
    assert (bottleneck.severity, bottleneck.status) == (2, BottleneckStatus.CONFIRMED)
    assert bottleneck.framework_condition == FrameworkCondition.QUALITY_OF_GOVERNANCE


def test_delete_bottleneck_and_refusal_when_a_recommendation_addresses_it(
    db: Session, web_as: Any
) -> None:
    user, engagement = _lead(db)
    free = make_bottleneck(db, engagement)
    addressed = make_bottleneck(db, engagement)
    make_recommendation(db, engagement, bottlenecks=[addressed], code="R7")
    db.commit()
    web = web_as(user)
    base = f"/engagements/{engagement.id}/bottlenecks"
    free_id, addressed_id = free.id, addressed.id

    assert web.post(f"{base}/{free_id}/delete").status_code == 303
    refused = web.post(f"{base}/{addressed_id}/delete")

    assert refused.status_code == 409 and "R7" in refused.text
    db.expire_all()
    assert db.get(Bottleneck, free_id) is None
    assert db.get(Bottleneck, addressed_id) is not None


def test_monitor_and_other_consultants_read_without_forms(db: Session, web_as: Any) -> None:
    _, engagement = _lead(db)
    make_challenge(db, engagement, title="Visible")
    monitor = make_user(db, role=Role.MONITOR)
    other = make_user(db, role=Role.CONSULTANT)
    db.commit()

    for reader in (monitor, other):
        page = web_as(reader).get(f"/engagements/{engagement.id}/diagnosis")
        assert page.status_code == 200 and "Visible" in page.text
        assert "Add challenge" not in page.text and 'method="post" action="/eng' not in page.text


def test_non_member_consultant_may_not_post(db: Session, web_as: Any) -> None:
    _, engagement = _lead(db)
    challenge = make_challenge(db, engagement, title="Untouched")
    db.commit()
    web: WebClient = web_as(make_user(db, role=Role.CONSULTANT))
    base = f"/engagements/{engagement.id}"

    posts = [
        (f"{base}/challenges", {"title": "Intruder"}),
        (f"{base}/challenges/{challenge.id}/edit", {"title": "Intruder"}),
        (f"{base}/challenges/{challenge.id}/delete", {}),
        (f"{base}/bottlenecks", {"title": "Intruder", "framework_condition": "other"}),
    ]
    for url, data in posts:
        assert web.post(url, data).status_code == 403, url
    assert web.get(f"{base}/challenges/{challenge.id}/edit").status_code == 403
    db.expire_all()
    assert db.scalars(select(Challenge.title)).all() == ["Untouched"]


def test_team_member_may_write(db: Session, web_as: Any) -> None:
    _, engagement = _lead(db)
    member = make_user(db, role=Role.CONSULTANT)
    add_member(db, engagement, member)
    db.commit()

    answer = web_as(member).post(f"/engagements/{engagement.id}/challenges", {"title": "T"})

    assert answer.status_code == 303


def test_stakeholder_never_sees_the_diagnosis(db: Session, web_as: Any) -> None:
    _, engagement = _lead(db)
    challenge = make_challenge(db, engagement)
    stakeholder = make_user(db, role=Role.STAKEHOLDER, region_id=engagement.region_id)
    db.commit()
    web = web_as(stakeholder)
    base = f"/engagements/{engagement.id}"

    assert web.get(f"{base}/diagnosis").status_code == 404
    assert web.get(f"{base}/challenges/{challenge.id}/edit").status_code == 404
    assert web.post(f"{base}/challenges/{challenge.id}/delete").status_code == 404
    db.expire_all()
    assert db.get(Challenge, challenge.id) is not None


def test_challenge_of_another_engagement_is_not_found(db: Session, web_as: Any) -> None:
    user, engagement = _lead(db)
    elsewhere = make_challenge(db, make_engagement(db))
    db.commit()
    web = web_as(user)

    assert (
        web.get(f"/engagements/{engagement.id}/challenges/{elsewhere.id}/edit").status_code == 404
    )
    answer = web.post(f"/engagements/{engagement.id}/challenges/{elsewhere.id}/delete")

    assert answer.status_code == 404
    db.expire_all()
    assert db.get(Challenge, elsewhere.id) is not None
