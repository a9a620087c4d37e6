"""Missions pages: the log, "Log a mission", edits checked against their version, delete."""

import html
import re
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Engagement, Mission, MissionConsultant, User
from app.vocab import MissionKind, Role
from tests.factories import add_member, make_engagement, make_mission, make_user
from tests.web.conftest import WebClient


def missions_url(engagement: Engagement) -> str:
    return f"/engagements/{engagement.id}/missions"


def team(db: Session) -> tuple[Engagement, User, User]:
    """An engagement, its lead consultant and one more consultant on its team."""
    lead = make_user(db, role=Role.CONSULTANT, full_name="Katrin Vogel")
    colleague = make_user(db, role=Role.CONSULTANT, full_name="Joan Puig")
    engagement = make_engagement(db, lead_consultant_id=lead.id)
    add_member(db, engagement, lead)
    add_member(db, engagement, colleague)
    db.commit()
    return engagement, lead, colleague


def mission_form(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "kind": "workshop",
        "title": "Entrepreneurial discovery workshop",
        "start_date": "2026-03-10",
        "end_date": "2026-03-11",
        "location": "Namur",
        "participants_count": "24",
        "participant_organisations": "",
        "summary": "",
        "outcomes": "",
        "follow_up": "",
    }
    return values | overrides


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no hidden {name} field"
    return html.unescape(match.group(1))


def missions_of(db: Session, engagement: Engagement) -> list[Mission]:
    db.expire_all()
    return list(db.scalars(select(Mission).where(Mission.engagement_id == engagement.id)))


def consultant_ids(db: Session, mission: Mission) -> set[int]:
    rows = db.scalars(select(MissionConsultant).where(MissionConsultant.mission_id == mission.id))
    return {row.user_id for row in rows}


def test_consultant_logs_a_mission_with_its_team_and_organisations(db: Session, web_as) -> None:  # type: ignore[no-untyped-def]
    engagement, lead, colleague = team(db)
    web: WebClient = web_as(lead)
    form = web.get(f"{missions_url(engagement)}/new")
    assert form.status_code == 200
    assert "Log a mission" in form.text and ">Log mission</button>" in form.text
    assert "Joan Puig" in form.text and f'value="{colleague.id}"' in form.text
    answer = web.post(
        f"{missions_url(engagement)}/new",
        mission_form(
            consultant_ids=[str(lead.id), str(colleague.id)],
            participant_organisations="Walloon Region\nAWEX, export agency\n\nUCLouvain",
            summary="Mapped <the> value chains.",
            outcomes="Three priorities agreed.",
            follow_up="Send the draft to the ministry.",
        ),
    )
    assert answer.status_code == 303
    (mission,) = missions_of(db, engagement)
    assert answer.headers["location"] == f"{missions_url(engagement)}#mission-{mission.id}"
    assert mission.kind == MissionKind.WORKSHOP and mission.title.startswith("Entrepreneurial")
    assert (mission.start_date, mission.end_date) == (date(2026, 3, 10), date(2026, 3, 11))
    assert mission.participants_count == 24 and mission.location == "Namur"
    organisations = ["Walloon Region", "AWEX, export agency", "UCLouvain"]
    assert mission.participant_organisations == organisations
    assert consultant_ids(db, mission) == {lead.id, colleague.id}
    listed = web.get(missions_url(engagement))
    assert listed.status_code == 200
    assert f'id="mission-{mission.id}"' in listed.text
    assert "10 March 2026" in listed.text and "11 March 2026" in listed.text
    assert "Katrin Vogel, Joan Puig" in listed.text or "Joan Puig, Katrin Vogel" in listed.text
    assert "Walloon Region; AWEX, export agency; UCLouvain" in listed.text
    assert "Mapped &lt;the&gt; value chains." in listed.text
    assert "Send the draft to the ministry." in listed.text and "Workshop" in listed.text


def test_organisations_on_one_line_are_separated_by_commas(db: Session, web_as) -> None:  # type: ignore[no-untyped-def]
    engagement, lead, _ = team(db)
    answer = web_as(lead).post(
        f"{missions_url(engagement)}/new",
        mission_form(participant_organisations="AWEX,  Walloon Region , UCLouvain"),
    )
    assert answer.status_code == 303
    (mission,) = missions_of(db, engagement)
    assert mission.participant_organisations == ["AWEX", "Walloon Region", "UCLouvain"]


def test_invalid_mission_is_refused_with_the_input_kept(db: Session, web_as) -> None:  # type: ignore[no-untyped-def]
    engagement, lead, _ = team(db)
    web = web_as(lead)
    missing_title = web.post(
        f"{missions_url(engagement)}/new",
        mission_form(title="", location="Liège <centre>", participant_organisations="AWEX\nSPW"),
    )
    assert missing_title.status_code == 422
    assert "Title is required" in missing_title.text
    assert 'value="Liège &lt;centre&gt;"' in missing_title.text
    assert "AWEX\nSPW</textarea>" in missing_title.text
    backwards = web.post(
        f"{missions_url(engagement)}/new",
        mission_form(start_date="2026-03-12", end_date="2026-03-10"),
    )
    assert backwards.status_code == 422
    assert "The end date is before the start date" in backwards.text
    assert 'value="2026-03-12"' in backwards.text
    assert missions_of(db, engagement) == []


def test_stale_edit_shows_what_changed_and_saving_again_reapplies(db: Session, web_as) -> None:  # type: ignore[no-untyped-def]
    engagement, lead, colleague = team(db)
    mission = make_mission(db, engagement, title="Peer review", location="Brussels")
    db.commit()
    web = web_as(lead)
    url = f"{missions_url(engagement)}/{mission.id}/edit"
    opened = web.get(url)
    assert opened.status_code == 200 and 'value="Peer review"' in opened.text
    version, base = hidden(opened.text, "version"), hidden(opened.text, "base")

    mission.location = "Mons"  # someone else saves meanwhile
    db.commit()
    mine = mission_form(
        kind="peer_review",
        title="Peer review with Flanders",
        start_date="2019-03-01",
        end_date="",
        location="Brussels",
        consultant_ids=[str(colleague.id)],
    )
    stale = web.post(url, mine | {"version": version, "base": base})
    assert stale.status_code == 409
    assert "Someone changed this while you were editing" in stale.text
    assert "Brussels → Mons" in stale.text
    assert 'value="Peer review with Flanders"' in stale.text  # the user's input, not saved
    db.expire_all()
    assert (mission.title, mission.location) == ("Peer review", "Mons")

    again = web.post(
        url, mine | {"version": hidden(stale.text, "version"), "base": hidden(stale.text, "base")}
    )
    assert again.status_code == 303
    db.expire_all()
    assert (mission.title, mission.location) == ("Peer review with Flanders", "Brussels")
    assert consultant_ids(db, mission) == {colleague.id}


def test_delete_removes_the_mission(db: Session, web_as) -> None:  # type: ignore[no-untyped-def]
    engagement, lead, _ = team(db)
    mission = make_mission(db, engagement, title="Site visit")
    db.commit()
    web = web_as(lead)
    listed = web.get(missions_url(engagement))
    assert "data-confirm=" in listed.text and f"/missions/{mission.id}/delete" in listed.text
    answer = web.post(f"{missions_url(engagement)}/{mission.id}/delete")
    assert answer.status_code == 303
    assert missions_of(db, engagement) == []


def test_non_member_may_read_but_not_log(db: Session, web_as) -> None:  # type: ignore[no-untyped-def]
    engagement, _, _ = team(db)
    mission = make_mission(db, engagement, title="Site visit")
    outsider = make_user(db, role=Role.CONSULTANT)
    monitor = make_user(db, role=Role.MONITOR)
    db.commit()
    for reader in (outsider, monitor):
        web = web_as(reader)
        page = web.get(missions_url(engagement))
        assert page.status_code == 200 and "Site visit" in page.text
        assert "Log a mission" not in page.text and "/delete" not in page.text
    web = web_as(outsider)
    assert web.post(f"{missions_url(engagement)}/new", mission_form()).status_code == 403
    assert web.post(f"{missions_url(engagement)}/{mission.id}/delete").status_code == 403
    assert [m.id for m in missions_of(db, engagement)] == [mission.id]


def test_stakeholders_do_not_see_missions(db: Session, web_as) -> None:  # type: ignore[no-untyped-def]
    engagement, _, _ = team(db)
    mission = make_mission(db, engagement)
    stakeholder = make_user(db, role=Role.STAKEHOLDER, region_id=engagement.region_id)
    db.commit()
    web = web_as(stakeholder)
    assert web.get(missions_url(engagement)).status_code == 404
    assert web.get(f"{missions_url(engagement)}/{mission.id}/edit").status_code == 404


def test_a_mission_of_another_engagement_is_not_found(db: Session, web_as) -> None:  # type: ignore[no-untyped-def]
    engagement, lead, _ = team(db)
    other = make_mission(db, make_engagement(db))
    db.commit()
    web = web_as(lead)
    assert web.get(f"{missions_url(engagement)}/{other.id}/edit").status_code == 404
    assert web.post(f"{missions_url(engagement)}/{other.id}/delete").status_code == 404
