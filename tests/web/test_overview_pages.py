"""The engagement overview page: facts, the phase stepper with the readiness check and the
transitions, editing with stale-edit protection, the team, milestones and recent activity."""

import html
import re
from collections.abc import Callable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.models import Engagement, EngagementMember, EngagementTheme, Milestone, PhaseChange, User
from app.vocab import Phase, Role, Theme
from tests.factories import (
    add_member,
    make_challenge,
    make_engagement,
    make_evidence,
    make_milestone,
    make_user,
)
from tests.web.conftest import WebClient

WebAs = Callable[[User], WebClient]


def _team(db: Session, **overrides: object) -> tuple[User, Engagement]:
    """A lead consultant and their engagement (in scoping unless told otherwise)."""
    lead = make_user(db, role=Role.CONSULTANT, full_name="Katrin <Vogel>")
    engagement = make_engagement(db, lead_consultant_id=lead.id, **overrides)
    add_member(db, engagement, lead)
    db.commit()
    return lead, engagement


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no hidden {name} in the page"
    return html.unescape(match.group(1))


def _phase(db: Session, engagement: Engagement) -> Phase:
    db.expire_all()
    return db.get(Engagement, engagement.id).phase  # type: ignore[union-attr]


# --- What the page shows ---------------------------------------------------------------------


def test_overview_shows_facts_stepper_and_readiness_before_the_moves(
    db: Session, web_as: WebAs
) -> None:
    lead, engagement = _team(
        db,
        title="Smart <specialisation>",
        summary="Packaging & <b>glass</b>",
        planned_start=date(2026, 1, 5),
        planned_end=date(2026, 12, 6),
    )
    db.add(EngagementTheme(engagement_id=engagement.id, theme=Theme.KETS))
    evidence = make_evidence(db, engagement, source="")
    db.commit()

    page = web_as(lead).get(f"/engagements/{engagement.id}")

    assert page.status_code == 200
    text = page.text
    assert "Smart &lt;specialisation&gt;" in text
    assert "Packaging &amp; &lt;b&gt;glass&lt;/b&gt;" in text
    assert "Key enabling technologies" in text
    assert "5 January 2026 to 6 December 2026" in text
    assert "Katrin &lt;Vogel&gt;" in text
    assert 'aria-current="step">Scoping' in text
    assert "Ready for Diagnosis?" in text
    blocking = f'<a href="/engagements/{engagement.id}/diagnosis">Diagnosis needs at least one'
    assert blocking in text
    assert f'href="/engagements/{engagement.id}/evidence#evidence-{evidence.id}"' in text
    assert f'href="/engagements/{engagement.id}/missions"' in text  # warning: no mission
    assert text.index(blocking) < text.index("Move to Diagnosis")
    assert "Put on hold" in text
    assert 'data-confirm="Cancel this engagement?' in text
    assert f'href="/engagements/{engagement.id}/edit"' in text


def test_ready_engagement_says_so(db: Session, web_as: WebAs) -> None:
    lead, engagement = _team(db)
    make_challenge(db, engagement)
    db.commit()
    page = web_as(lead).get(f"/engagements/{engagement.id}")
    assert "Nothing blocks the move to Diagnosis" in page.text


# --- Transitions -------------------------------------------------------------------------------


def test_blocked_transition_lists_problems_and_leaves_the_phase(db: Session, web_as: WebAs) -> None:
    lead, engagement = _team(db)
    web = web_as(lead)
    answer = web.post(
        f"/engagements/{engagement.id}/transitions",
        {"to": "diagnosis", "version": engagement.version},
    )
    assert answer.status_code == 409
    assert "The move to Diagnosis is blocked" in answer.text
    assert "Diagnosis needs at least one challenge" in answer.text
    assert _phase(db, engagement) == Phase.SCOPING


def test_allowed_transition_changes_the_phase(db: Session, web_as: WebAs) -> None:
    lead, engagement = _team(db)
    make_challenge(db, engagement)
    db.commit()
    web = web_as(lead)
    answer = web.post(
        f"/engagements/{engagement.id}/transitions",
        {"to": "diagnosis", "version": engagement.version},
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/engagements/{engagement.id}"
    assert _phase(db, engagement) == Phase.DIAGNOSIS
    change = db.scalars(select(PhaseChange).where(PhaseChange.engagement_id == engagement.id)).one()
    assert (change.to_phase, change.actor_id) == (Phase.DIAGNOSIS, lead.id)
    page = web.get(f"/engagements/{engagement.id}")
    assert "The engagement is now in Diagnosis." in page.text
    assert 'aria-current="step">Diagnosis' in page.text


def test_going_back_needs_a_note(db: Session, web_as: WebAs) -> None:
    lead, engagement = _team(db, phase=Phase.DIAGNOSIS)
    web = web_as(lead)
    page = web.get(f"/engagements/{engagement.id}")
    assert "Why go back to Scoping?" in page.text
    assert "Required: going back a phase needs a note" in page.text
    url = f"/engagements/{engagement.id}/transitions"

    refused = web.post(url, {"to": "scoping", "note": "  ", "version": engagement.version})

    assert refused.status_code == 422
    assert 'id="error-note"' in refused.text
    assert "a note is required" in refused.text
    assert _phase(db, engagement) == Phase.DIAGNOSIS
    moved = web.post(url, {"to": "scoping", "note": "Scope widened", "version": 1})
    assert moved.status_code == 303
    assert _phase(db, engagement) == Phase.SCOPING


def test_hold_and_resume(db: Session, web_as: WebAs) -> None:
    lead, engagement = _team(db, phase=Phase.DIAGNOSIS)
    web = web_as(lead)
    url = f"/engagements/{engagement.id}/transitions"
    assert web.post(url, {"to": "on_hold", "version": 1}).status_code == 303
    assert _phase(db, engagement) == Phase.ON_HOLD
    page = web.get(f"/engagements/{engagement.id}")
    assert "Diagnosis (on hold)" in page.text
    assert "Resume in Diagnosis" in page.text
    db.expire_all()
    version = db.get(Engagement, engagement.id).version  # type: ignore[union-attr]
    assert web.post(url, {"to": "diagnosis", "version": version}).status_code == 303
    assert _phase(db, engagement) == Phase.DIAGNOSIS


def test_cancel_ends_the_engagement(db: Session, web_as: WebAs) -> None:
    lead, engagement = _team(db, phase=Phase.RECOMMENDATIONS)
    web = web_as(lead)
    url = f"/engagements/{engagement.id}/transitions"
    assert web.post(url, {"to": "cancelled", "version": 1}).status_code == 303
    assert _phase(db, engagement) == Phase.CANCELLED
    page = web.get(f"/engagements/{engagement.id}")
    assert "Recommendations (cancelled)" in page.text
    assert "Change phase" not in page.text


def test_stale_transition_changes_nothing(db: Session, web_as: WebAs) -> None:
    lead, engagement = _team(db)
    make_challenge(db, engagement)
    engagement.title = "Changed meanwhile"
    db.commit()
    assert engagement.version == 2
    answer = web_as(lead).post(
        f"/engagements/{engagement.id}/transitions", {"to": "diagnosis", "version": 1}
    )
    assert answer.status_code == 409
    assert "changed since you opened this page" in answer.text
    assert _phase(db, engagement) == Phase.SCOPING


# --- Editing the facts --------------------------------------------------------------------------


def test_edit_saves_and_is_listed_in_recent_activity(db: Session, web_as: WebAs) -> None:
    lead, engagement = _team(db, title="Old title")
    web = web_as(lead)
    form = web.get(f"/engagements/{engagement.id}/edit")
    assert form.status_code == 200
    answer = web.post(
        f"/engagements/{engagement.id}/edit",
        {
            "reference": engagement.reference,
            "title": "New title",
            "summary": "A summary",
            "themes": ["digitalisation", "kets"],
            "planned_start": "2026-03-01",
            "lead_consultant_id": str(lead.id),
            "version": _hidden(form.text, "version"),
            "base": _hidden(form.text, "base"),
        },
    )
    assert answer.status_code == 303
    db.expire_all()
    saved = db.get(Engagement, engagement.id)
    assert saved is not None
    assert (saved.title, saved.summary, saved.planned_start) == (
        "New title",
        "A summary",
        date(2026, 3, 1),
    )
    page = web.get(f"/engagements/{engagement.id}").text
    assert "Katrin &lt;Vogel&gt;</strong>" in page
    assert "Title: Old title → New title" in page


def test_edit_with_errors_keeps_the_input(db: Session, web_as: WebAs) -> None:
    lead, engagement = _team(db)
    web = web_as(lead)
    answer = web.post(
        f"/engagements/{engagement.id}/edit",
        {"reference": engagement.reference, "title": "", "summary": "Kept <input>", "version": 1},
    )
    assert answer.status_code == 422
    assert "Title is required" in answer.text
    assert "Kept &lt;input&gt;" in answer.text
    db.expire_all()
    assert db.get(Engagement, engagement.id).summary == ""  # type: ignore[union-attr]


def test_stale_edit_shows_the_change_and_saving_again_applies(db: Session, web_as: WebAs) -> None:
    lead, engagement = _team(db, title="Original title")
    web = web_as(lead)
    form = web.get(f"/engagements/{engagement.id}/edit").text
    engagement.title = "Renamed by a colleague"
    db.commit()
    mine = {
        "reference": engagement.reference,
        "title": "Original title",
        "summary": "My summary",
        "lead_consultant_id": str(lead.id),
    }

    stale = web.post(
        f"/engagements/{engagement.id}/edit",
        mine | {"version": _hidden(form, "version"), "base": _hidden(form, "base")},
    )

    assert stale.status_code == 409
    assert "Someone changed this while you were editing" in stale.text
    assert "Original title → Renamed by a colleague" in stale.text
    assert "My summary" in stale.text  # the user's input, kept
    db.expire_all()
    kept = db.get(Engagement, engagement.id)
    assert kept is not None
    assert (kept.title, kept.summary) == ("Renamed by a colleague", "")

    again = web.post(
        f"/engagements/{engagement.id}/edit",
        mine | {"version": _hidden(stale.text, "version"), "base": _hidden(stale.text, "base")},
    )

    assert again.status_code == 303
    db.expire_all()
    applied = db.get(Engagement, engagement.id)
    assert applied is not None
    assert (applied.title, applied.summary) == ("Original title", "My summary")


# --- Team and milestones ------------------------------------------------------------------------


def test_replace_the_team(db: Session, web_as: WebAs) -> None:
    lead, engagement = _team(db)
    colleague = make_user(db, role=Role.CONSULTANT, full_name="Colleague One")
    leaving = make_user(db, role=Role.CONSULTANT, full_name="Leaving Soon")
    add_member(db, engagement, leaving)
    db.commit()
    web = web_as(lead)
    page = web.get(f"/engagements/{engagement.id}").text
    assert "Colleague One" in page
    form = page.split(f'action="/engagements/{engagement.id}/team"')[1]
    answer = web.post(
        f"/engagements/{engagement.id}/team",
        {
            "user_ids": [str(lead.id), str(colleague.id)],
            "version": _hidden(form, "version"),
            "base": _hidden(form, "base"),
        },
    )
    assert answer.status_code == 303
    db.expire_all()
    members = set(
        db.scalars(
            select(EngagementMember.user_id).where(EngagementMember.engagement_id == engagement.id)
        )
    )
    assert members == {lead.id, colleague.id}


def test_team_without_the_lead_is_refused(db: Session, web_as: WebAs) -> None:
    lead, engagement = _team(db)
    colleague = make_user(db, role=Role.CONSULTANT)
    db.commit()
    answer = web_as(lead).post(
        f"/engagements/{engagement.id}/team", {"user_ids": [str(colleague.id)]}
    )
    assert answer.status_code == 422
    assert "must stay on the team" in answer.text
    db.expire_all()
    members = set(
        db.scalars(
            select(EngagementMember.user_id).where(EngagementMember.engagement_id == engagement.id)
        )
    )
    assert members == {lead.id}


def test_add_and_complete_a_milestone(db: Session, web_as: WebAs) -> None:
    lead, engagement = _team(db)
    web = web_as(lead)
    added = web.post(
        f"/engagements/{engagement.id}/milestones",
        {"title": "Kick-off <workshop>", "due_date": "2026-02-01"},
    )
    assert added.status_code == 303
    milestone = db.scalars(select(Milestone).where(Milestone.engagement_id == engagement.id)).one()
    assert (milestone.title, milestone.due_date) == ("Kick-off <workshop>", date(2026, 2, 1))
    assert added.headers["location"].endswith(f"#milestone-{milestone.id}")
    page = web.get(f"/engagements/{engagement.id}").text
    assert "Kick-off &lt;workshop&gt;" in page

    done = web.post(
        f"/engagements/{engagement.id}/milestones/{milestone.id}/complete",
        {"version": milestone.version},
    )

    assert done.status_code == 303
    db.expire_all()
    assert db.get(Milestone, milestone.id).completed_on == clock.today()  # type: ignore[union-attr]
    assert "Completed</span> on" in web.get(f"/engagements/{engagement.id}").text


def test_htmx_completes_a_milestone_in_place(db: Session, web_as: WebAs) -> None:
    lead, engagement = _team(db)
    milestone = make_milestone(db, engagement, title="Inline one", due_date=date(2027, 1, 1))
    db.commit()
    web = web_as(lead)
    page = web.get(f"/engagements/{engagement.id}").text
    assert f'hx-post="/engagements/{engagement.id}/milestones/{milestone.id}/complete"' in page

    answer = web.client.post(
        f"/engagements/{engagement.id}/milestones/{milestone.id}/complete",
        data={"version": milestone.version},
        headers={"HX-Request": "true", "X-CSRF-Token": web.csrf},
        follow_redirects=False,
    )

    # The page as it now is, from which htmx takes the milestones section (hx-select).
    assert answer.status_code == 200
    section = answer.text.split('id="milestones"')[1].split("</section>")[0]
    row = section.split(f'id="milestone-{milestone.id}"')[1].split("</tr>")[0]
    assert "Completed</span> on" in row
    db.expire_all()
    assert db.get(Milestone, milestone.id).completed_on == clock.today()  # type: ignore[union-attr]


def test_stale_htmx_completion_reloads_the_page_and_changes_nothing(
    db: Session, web_as: WebAs
) -> None:
    lead, engagement = _team(db)
    milestone = make_milestone(db, engagement, title="Stale inline", due_date=date(2027, 1, 1))
    db.commit()
    web = web_as(lead)
    answer = web.client.post(
        f"/engagements/{engagement.id}/milestones/{milestone.id}/complete",
        data={"version": milestone.version + 1},
        headers={"HX-Request": "true", "X-CSRF-Token": web.csrf},
        follow_redirects=False,
    )
    assert answer.status_code == 204 and answer.headers["HX-Refresh"] == "true"
    db.expire_all()
    assert db.get(Milestone, milestone.id).completed_on is None  # type: ignore[union-attr]


def test_milestone_errors_are_shown_beside_the_fields(db: Session, web_as: WebAs) -> None:
    lead, engagement = _team(db)
    answer = web_as(lead).post(
        f"/engagements/{engagement.id}/milestones", {"title": "Kept title", "due_date": ""}
    )
    assert answer.status_code == 422
    assert 'id="error-due_date"' in answer.text
    assert 'value="Kept title"' in answer.text
    assert db.scalars(select(Milestone).where(Milestone.engagement_id == engagement.id)).all() == []


def test_overdue_milestone_is_marked_in_words(db: Session, web_as: WebAs) -> None:
    lead, engagement = _team(db)
    late = make_milestone(db, engagement, title="Late one", due_date=date(2019, 6, 30))
    make_milestone(
        db, engagement, title="Done one", due_date=date(2019, 6, 30), completed_on=date(2019, 6, 1)
    )
    db.commit()
    page = web_as(lead).get(f"/engagements/{engagement.id}").text
    row = page.split(f'id="milestone-{late.id}"')[1].split("</tr>")[0]
    assert "Overdue" in row
    assert page.count(">Overdue<") == 1


def test_stale_milestone_completion_changes_nothing(db: Session, web_as: WebAs) -> None:
    lead, engagement = _team(db)
    milestone = make_milestone(db, engagement)
    milestone.title = "Renamed"
    db.commit()
    answer = web_as(lead).post(
        f"/engagements/{engagement.id}/milestones/{milestone.id}/complete", {"version": 1}
    )
    assert answer.status_code == 409
    db.expire_all()
    assert db.get(Milestone, milestone.id).completed_on is None  # type: ignore[union-attr]


def test_milestone_of_another_engagement_is_not_found(db: Session, web_as: WebAs) -> None:
    lead, engagement = _team(db)
    other = make_milestone(db, make_engagement(db))
    db.commit()
    answer = web_as(lead).post(f"/engagements/{engagement.id}/milestones/{other.id}/complete")
    assert answer.status_code == 404
    db.expire_all()
    assert db.get(Milestone, other.id).completed_on is None  # type: ignore[union-attr]


# --- Who sees what --------------------------------------------------------------------------------

POSTS = ("transitions", "edit", "team", "milestones")


def _read_only(db: Session, web: WebClient, engagement: Engagement) -> None:
    """The page without a single form of its own, and every write refused with 403."""
    milestone = make_milestone(db, engagement)
    db.commit()
    page = web.get(f"/engagements/{engagement.id}")
    assert page.status_code == 200
    assert "Ready for Diagnosis?" in page.text
    assert f'action="/engagements/{engagement.id}' not in page.text
    assert "Edit engagement" not in page.text
    assert web.get(f"/engagements/{engagement.id}/edit").status_code == 403
    for path in POSTS:
        data = {"to": "on_hold", "title": "X", "due_date": "2026-01-01"}
        assert web.post(f"/engagements/{engagement.id}/{path}", data).status_code == 403
    done = web.post(f"/engagements/{engagement.id}/milestones/{milestone.id}/complete")
    assert done.status_code == 403
    assert _phase(db, engagement) == Phase.SCOPING
    assert db.get(Milestone, milestone.id).completed_on is None  # type: ignore[union-attr]


def test_non_member_consultant_reads_without_forms(db: Session, web_as: WebAs) -> None:
    _, engagement = _team(db)
    outsider = make_user(db, role=Role.CONSULTANT)
    db.commit()
    _read_only(db, web_as(outsider), engagement)


def test_monitor_reads_without_forms(db: Session, web_as: WebAs) -> None:
    _, engagement = _team(db)
    monitor = make_user(db, role=Role.MONITOR)
    db.commit()
    _read_only(db, web_as(monitor), engagement)


def test_stakeholder_gets_not_found(db: Session, web_as: WebAs) -> None:
    _, engagement = _team(db)
    client = make_user(db, role=Role.STAKEHOLDER, region_id=engagement.region_id)
    db.commit()
    web = web_as(client)
    assert web.get(f"/engagements/{engagement.id}").status_code == 404
    assert web.get(f"/engagements/{engagement.id}/edit").status_code == 403


def test_stale_team_change_shows_what_changed(db: Session, web_as: WebAs) -> None:
    lead, engagement = _team(db)
    colleague = make_user(db, role=Role.CONSULTANT, full_name="Added Meanwhile")
    db.commit()
    web = web_as(lead)
    form = web.get(f"/engagements/{engagement.id}").text.split("/team")[1]
    add_member(db, engagement, colleague)
    engagement.updated_at = clock.now()  # as service.replace_team does: a new version
    db.commit()
    answer = web.post(
        f"/engagements/{engagement.id}/team",
        {
            "user_ids": [str(lead.id)],
            "version": _hidden(form, "version"),
            "base": _hidden(form, "base"),
        },
    )
    assert answer.status_code == 409
    assert "Someone changed this while you were editing" in answer.text
    assert "Added Meanwhile" in answer.text
    db.expire_all()
    members = set(
        db.scalars(
            select(EngagementMember.user_id).where(EngagementMember.engagement_id == engagement.id)
        )
    )
    assert members == {lead.id, colleague.id}
