"""/engagements/{id}/recommendations: the EOCIC cards (every field, escaped), adding, editing
(versioned: a stale form answers 409 and saves nothing until saved again) and withdrawing, and
who sees and may do what."""

import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Bottleneck, Engagement, Recommendation, User
from app.vocab import BottleneckStatus, Horizon, Instrument, Priority, Relation, Role, Stage
from tests.factories import (
    add_member,
    link_evidence,
    make_bottleneck,
    make_engagement,
    make_evidence,
    make_recommendation,
    make_region,
    make_user,
)
from tests.web.conftest import WebClient

HOSTILE = '<script>alert("x")</script> & <b>bold</b>'
ESCAPED = str(escape(HOSTILE))

SHARED_AT = datetime(2026, 12, 6, 10, tzinfo=UTC)
Web = Callable[[User], WebClient]


@dataclass
class Case:
    engagement: Engagement
    bottlenecks: list[Bottleneck]
    users: dict[str, User]

    @property
    def url(self) -> str:
        return f"/engagements/{self.engagement.id}/recommendations"


@pytest.fixture
def case(db: Session) -> Case:
    own, other = make_region(db), make_region(db)
    member = make_user(db, role=Role.CONSULTANT)
    engagement = make_engagement(db, region_id=own.id, lead_consultant_id=member.id)
    add_member(db, engagement, member)
    bottlenecks = [
        make_bottleneck(
            db, engagement, title="Thin venture capital", status=BottleneckStatus.CONFIRMED
        ),
        make_bottleneck(db, engagement, title="Skills gap in SMEs"),
    ]
    users = {
        "member": member,
        "outsider": make_user(db, role=Role.CONSULTANT),
        "monitor": make_user(db, role=Role.MONITOR),
        "client": make_user(db, role=Role.STAKEHOLDER, region_id=own.id),
        "other_client": make_user(db, role=Role.STAKEHOLDER, region_id=other.id),
    }
    db.commit()
    return Case(engagement, bottlenecks, users)


def form_state(page: str) -> dict[str, str]:
    """The hidden version and base of an edit form, as the browser would send them back."""
    version = re.search(r'name="version" value="(\d+)"', page)
    base = re.search(r'name="base" value="([^"]*)"', page)
    assert version and base, "the edit form carries its version and base"
    return {"version": version.group(1), "base": html.unescape(base.group(1))}


def card_form(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "title": "Open a regional co-investment fund",
        "description": "Set up a fund",
        "benefits_costs": "EUR 20 million over 5 years",
        "risks": "Crowding out private investors",
        "responsible_actor": "Regional development agency",
        "instrument": "funding",
        "priority": "high",
        "horizon": "medium",
    }
    return values | overrides


def test_cards_show_every_eocic_field_escaped(db: Session, case: Case, web_as: Web) -> None:
    hostile_bottleneck = make_bottleneck(db, case.engagement, title="Bottleneck " + HOSTILE)
    evidence = make_evidence(db, case.engagement, title="Evidence " + HOSTILE)
    rec = make_recommendation(
        db,
        case.engagement,
        bottlenecks=[hostile_bottleneck, case.bottlenecks[0]],
        title="Title " + HOSTILE,
        description="Description " + HOSTILE,
        benefits_costs="Benefits " + HOSTILE,
        risks="Risks " + HOSTILE,
        responsible_actor="Actor " + HOSTILE,
        instrument=Instrument.INFRASTRUCTURE,
        priority=Priority.HIGH,
        horizon=Horizon.SHORT,
        stage=Stage.SHARED,
        shared_at=datetime(2026, 12, 6, 10, tzinfo=UTC),
    )
    link_evidence(db, evidence, recommendation=rec, relation=Relation.CONTRADICTS)
    db.commit()

    page = web_as(case.users["member"]).get(case.url)

    assert page.status_code == 200
    text = page.text
    assert f'id="recommendation-{rec.id}"' in text
    assert f"{rec.code}: Title {ESCAPED}" in text
    for prefix in ("Description", "Benefits", "Risks", "Actor", "Bottleneck", "Evidence"):
        assert f"{prefix} {ESCAPED}" in text
    assert "<script>alert" not in text
    for heading in ("Description", "Benefits and costs", "Risks", "Responsible actor"):
        assert heading in text
    assert "Infrastructure" in text and "High priority" in text
    assert "Short term (under 1 year)" in text
    assert "Shared" in text and "6 December 2026" in text
    assert f"/diagnosis#bottleneck-{hostile_bottleneck.id}" in text
    assert f'/diagnosis#bottleneck-{case.bottlenecks[0].id}">Thin venture capital</a>' in text
    assert (
        f'Contradicts: <a href="/engagements/{case.engagement.id}/evidence#evidence-{evidence.id}"'
        in text
    )
    assert "New recommendation" in text and f"Withdraw {rec.code}" in text


def test_create_adds_a_draft_with_its_bottlenecks(db: Session, case: Case, web_as: Web) -> None:
    web = web_as(case.users["member"])
    form = web.get(case.url + "/new")
    assert form.status_code == 200
    assert "Thin venture capital" in form.text  # the bottlenecks are offered as checkboxes

    answer = web.post(case.url + "/new", card_form(bottleneck_ids=[b.id for b in case.bottlenecks]))

    assert answer.status_code == 303
    db.expire_all()
    rec = db.scalars(
        select(Recommendation).where(Recommendation.engagement_id == case.engagement.id)
    ).one()
    assert answer.headers["location"] == f"{case.url}#recommendation-{rec.id}"
    assert (rec.code, rec.stage, rec.instrument, rec.priority) == ("R1", "draft", "funding", "high")
    assert rec.benefits_costs == "EUR 20 million over 5 years"
    db.refresh(rec, ["bottleneck_rows"])
    assert rec.bottleneck_ids == sorted(b.id for b in case.bottlenecks)
    after = web.get(case.url)
    assert "Recommendation R1 added as a draft." in after.text
    assert "Open a regional co-investment fund" in after.text


def test_create_with_errors_answers_422_and_keeps_the_input(
    db: Session, case: Case, web_as: Web
) -> None:
    web = web_as(case.users["member"])

    answer = web.post(
        case.url + "/new",
        card_form(
            title="",
            instrument="bribery",
            risks="Kept <risk>",
            bottleneck_ids=[case.bottlenecks[1].id],
        ),
    )

    assert answer.status_code == 422
    assert "There is a problem" in answer.text
    assert "Title is required" in answer.text
    assert "Choose one of the options for Instrument" in answer.text
    assert "Kept &lt;risk&gt;</textarea>" in answer.text
    assert f'value="{case.bottlenecks[1].id}" checked' in answer.text
    db.expire_all()
    assert (
        db.scalars(
            select(Recommendation).where(Recommendation.engagement_id == case.engagement.id)
        ).all()
        == []
    )


def test_create_refuses_another_engagements_bottleneck(
    db: Session, case: Case, web_as: Web
) -> None:
    elsewhere = make_bottleneck(db, make_engagement(db))
    db.commit()

    answer = web_as(case.users["member"]).post(
        case.url + "/new", card_form(bottleneck_ids=[elsewhere.id])
    )

    assert answer.status_code == 422
    assert "Not bottlenecks of this engagement" in answer.text
    db.expire_all()
    assert (
        db.scalars(
            select(Recommendation).where(Recommendation.engagement_id == case.engagement.id)
        ).all()
        == []
    )


def test_edit_saves_the_card_and_its_bottlenecks(db: Session, case: Case, web_as: Web) -> None:
    rec = make_recommendation(db, case.engagement, bottlenecks=[case.bottlenecks[0]], title="Old")
    db.commit()
    web = web_as(case.users["member"])
    form = web.get(f"{case.url}/{rec.id}/edit")
    assert form.status_code == 200
    assert 'value="Old"' in form.text

    answer = web.post(
        f"{case.url}/{rec.id}/edit",
        card_form(title="New title", horizon="long", bottleneck_ids=[case.bottlenecks[1].id])
        | form_state(form.text),
    )

    assert answer.status_code == 303
    db.expire_all()
    saved = db.get(Recommendation, rec.id)
    assert saved is not None
    db.refresh(saved, ["bottleneck_rows"])
    assert (saved.title, saved.horizon, saved.version) == ("New title", "long", 2)
    assert saved.bottleneck_ids == [case.bottlenecks[1].id]


def test_edit_with_errors_answers_422_keeps_input_and_version(
    db: Session, case: Case, web_as: Web
) -> None:
    rec = make_recommendation(db, case.engagement, title="Stays")
    db.commit()
    web = web_as(case.users["member"])
    state = form_state(web.get(f"{case.url}/{rec.id}/edit").text)

    answer = web.post(f"{case.url}/{rec.id}/edit", card_form(title=" ", description="Mine") | state)

    assert answer.status_code == 422
    assert "Title is required" in answer.text
    assert ">Mine</textarea>" in answer.text
    assert form_state(answer.text)["version"] == state["version"]
    db.expire_all()
    assert db.get(Recommendation, rec.id).title == "Stays"  # type: ignore[union-attr]


def test_stale_edit_answers_409_saves_nothing_then_reapplies(
    db: Session, case: Case, web_as: Web
) -> None:
    rec = make_recommendation(db, case.engagement, title="First", risks="")
    db.commit()
    web = web_as(case.users["member"])
    opened = form_state(web.get(f"{case.url}/{rec.id}/edit").text)
    rec.title = "Changed by a colleague"  # meanwhile, another save
    db.commit()

    stale = web.post(f"{case.url}/{rec.id}/edit", card_form(title="Mine") | opened)

    assert stale.status_code == 409
    assert "Someone changed this while you were editing" in stale.text
    assert "First → Changed by a colleague" in stale.text
    assert 'value="Mine"' in stale.text  # the user's input is kept
    db.expire_all()
    assert db.get(Recommendation, rec.id).title == "Changed by a colleague"  # type: ignore[union-attr]

    again = web.post(f"{case.url}/{rec.id}/edit", card_form(title="Mine") | form_state(stale.text))

    assert again.status_code == 303
    db.expire_all()
    assert db.get(Recommendation, rec.id).title == "Mine"  # type: ignore[union-attr]


def test_withdraw_asks_first_and_withdraws(db: Session, case: Case, web_as: Web) -> None:
    rec = make_recommendation(db, case.engagement, stage=Stage.SHARED, shared_at=SHARED_AT)
    db.commit()
    web = web_as(case.users["member"])
    page = web.get(case.url)
    assert re.search(
        rf'action="{case.url}/{rec.id}/withdraw"[^>]*data-confirm="Withdraw {rec.code}\?', page.text
    )

    answer = web.post(f"{case.url}/{rec.id}/withdraw")

    assert answer.status_code == 303
    db.expire_all()
    assert db.get(Recommendation, rec.id).stage == Stage.WITHDRAWN  # type: ignore[union-attr]
    after = web.get(case.url)
    assert f"Withdraw {rec.code}</button>" not in after.text
    # It was shared: it stays withdrawn (the service's rule), so no way back to draft is offered.
    assert f"Return {rec.code} to draft" not in after.text


def test_a_withdrawn_draft_can_return_to_draft(db: Session, case: Case, web_as: Web) -> None:
    rec = make_recommendation(db, case.engagement, stage=Stage.WITHDRAWN)
    db.commit()
    web = web_as(case.users["member"])
    assert f"Return {rec.code} to draft" in web.get(case.url).text

    assert web.post(f"{case.url}/{rec.id}/restore").status_code == 303
    db.expire_all()
    assert db.get(Recommendation, rec.id).stage == Stage.DRAFT  # type: ignore[union-attr]


def test_non_member_consultant_gets_403_and_changes_nothing(
    db: Session, case: Case, web_as: Web
) -> None:
    rec = make_recommendation(db, case.engagement, title="Untouched")
    db.commit()
    web = web_as(case.users["outsider"])
    page = web.get(case.url)
    assert page.status_code == 200 and "Untouched" in page.text
    assert "New recommendation" not in page.text and "/withdraw" not in page.text

    for url, data in (
        (case.url + "/new", card_form()),
        (f"{case.url}/{rec.id}/edit", card_form(title="Hijacked")),
        (f"{case.url}/{rec.id}/withdraw", {}),
    ):
        assert web.post(url, data).status_code == 403, url
    assert web.get(f"{case.url}/{rec.id}/edit").status_code == 403
    db.expire_all()
    rows = db.scalars(
        select(Recommendation).where(Recommendation.engagement_id == case.engagement.id)
    ).all()
    assert [(r.title, r.stage, r.version) for r in rows] == [("Untouched", "draft", 1)]


def test_monitor_reads_the_cards_without_write_controls(
    db: Session, case: Case, web_as: Web
) -> None:
    rec = make_recommendation(db, case.engagement, title="Visible to DG GROW")
    db.commit()
    web = web_as(case.users["monitor"])

    page = web.get(case.url)

    assert page.status_code == 200
    assert "Visible to DG GROW" in page.text
    assert 'method="post"' not in page.text.split("</header>", 1)[1]  # only the sign-out form
    assert "New recommendation" not in page.text and "Edit " + rec.code not in page.text
    assert web.get(case.url + "/new").status_code == 403


def test_stakeholder_sees_shared_cards_only_and_no_diagnosis(
    db: Session, case: Case, web_as: Web
) -> None:
    shared = make_recommendation(
        db,
        case.engagement,
        title="Shared card",
        stage=Stage.SHARED,
        bottlenecks=[case.bottlenecks[0]],
    )
    make_recommendation(db, case.engagement, title="Secret draft")
    make_recommendation(db, case.engagement, title="Quietly withdrawn", stage=Stage.WITHDRAWN)
    db.commit()
    web = web_as(case.users["client"])

    page = web.get(case.url)

    assert page.status_code == 200
    assert "Shared card" in page.text
    assert "Secret draft" not in page.text and "Quietly withdrawn" not in page.text
    assert "Thin venture capital" not in page.text and "/diagnosis" not in page.text
    assert 'method="post"' not in page.text.split("</header>", 1)[1]
    assert web.get(f"{case.url}/{shared.id}/edit").status_code == 403
    assert web.post(f"{case.url}/{shared.id}/withdraw").status_code == 403
    assert web_as(case.users["other_client"]).get(case.url).status_code == 404


def test_changes_meanwhile_are_listed_in_words(db: Session, case: Case, web_as: Web) -> None:
    rec = make_recommendation(db, case.engagement, bottlenecks=[case.bottlenecks[0]])
    db.commit()
    web = web_as(case.users["member"])
    opened = form_state(web.get(f"{case.url}/{rec.id}/edit").text)
    assert json.loads(opened["base"])["bottleneck_ids"] == [str(case.bottlenecks[0].id)]
    rec.instrument = Instrument.SKILLS
    db.commit()

    stale = web.post(f"{case.url}/{rec.id}/edit", card_form() | opened)

    assert stale.status_code == 409
    assert "Governance → Skills" in stale.text


def test_saving_again_keeps_a_colleagues_change_to_fields_left_alone(
    db: Session, case: Case, web_as: Web
) -> None:
    rec = make_recommendation(
        db, case.engagement, title="First", risks="Old risk", bottlenecks=[case.bottlenecks[0]]
    )
    db.commit()
    web = web_as(case.users["member"])
    edit = web.get(f"{case.url}/{rec.id}/edit").text
    mine = card_form(
        title="Mine",
        risks="Old risk",
        instrument="governance",
        bottleneck_ids=[case.bottlenecks[0].id],
    )
    rec.risks = "A colleague's risk"  # meanwhile, a colleague edits another field
    db.commit()

    stale = web.post(f"{case.url}/{rec.id}/edit", mine | form_state(edit))

    assert stale.status_code == 409
    assert "A colleague&#39;s risk</textarea>" in stale.text  # taken, as the user left it alone
    assert 'value="Mine"' in stale.text  # the user's own edit kept
    resent = mine | {"risks": "A colleague's risk"} | form_state(stale.text)
    assert web.post(f"{case.url}/{rec.id}/edit", resent).status_code == 303
    db.expire_all()
    saved = db.get(Recommendation, rec.id)
    assert saved is not None
    assert (saved.title, saved.risks) == ("Mine", "A colleague's risk")
