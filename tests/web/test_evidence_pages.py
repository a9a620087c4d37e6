"""The evidence register: entries with indicator charts and their links; create, edit (with the
version check), delete, link and unlink; who sees the forms and who may post."""

import html
import re
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Engagement, Evidence, EvidenceLink, User
from app.vocab import EvidenceKind, Relation, Role
from tests.factories import (
    link_evidence,
    make_bottleneck,
    make_challenge,
    make_engagement,
    make_evidence,
    make_recommendation,
    make_user,
)

HOSTILE = '<img src=x onerror="alert(1)"> & co'
ESCAPED = "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; &amp; co"


def hidden_state(page: str) -> dict[str, str]:
    """The version and base an edit form carries (as a browser would send them back)."""
    found = dict(re.findall(r'name="(version|base)" value="([^"]*)"', page))
    return {name: html.unescape(value) for name, value in found.items()}


def _lead(db: Session) -> tuple[User, Engagement]:
    user = make_user(db, role=Role.CONSULTANT)
    return user, make_engagement(db, lead_consultant_id=user.id)


def _links(db: Session) -> list[EvidenceLink]:
    db.expire_all()
    return list(db.scalars(select(EvidenceLink).order_by(EvidenceLink.id)))


def test_register_shows_entries_indicators_and_links(db: Session, web_as: Any) -> None:
    user, engagement = _lead(db)
    bottleneck = make_bottleneck(db, engagement, title="Low R&D spending")
    publication = make_evidence(
        db,
        engagement,
        title=HOSTILE,
        source="OECD <review>",
        url="https://example.org/report?a=1&b=2",
        published_on=date(2025, 3, 6),
        excerpt="Firms rarely cooperate",
    )
    indicator = make_evidence(
        db,
        engagement,
        kind=EvidenceKind.INDICATOR,
        title="GERD",
        indicator_name="R&D expenditure",
        indicator_value=1.4,
        indicator_unit="% of GDP",
        indicator_year=2023,
        benchmark_value=2.2,
        benchmark_label="EU-27 average",
    )
    link = link_evidence(db, publication, bottleneck=bottleneck, relation=Relation.SUPPORTS)
    link.note = "Seen in <three> interviews"
    db.commit()

    page = web_as(user).get(f"/engagements/{engagement.id}/evidence")

    assert page.status_code == 200
    text = page.text
    assert f'id="evidence-{publication.id}"' in text and f'id="evidence-{indicator.id}"' in text
    assert ESCAPED in text and HOSTILE not in text
    assert "OECD &lt;review&gt;" in text and "6 March 2025" in text
    assert '<a href="https://example.org/report?a=1&amp;b=2" rel="noopener noreferrer">' in text
    # The indicator: the reports' chart and its data table.
    assert "<svg" in text and "R&amp;D expenditure, 2023" in text
    assert "<td>1.4 % of GDP</td><td>EU-27 average: 2.2 % of GDP</td>" in text
    # What the publication is linked to, and how.
    assert "Supports" in text and "Seen in &lt;three&gt; interviews" in text
    assert f'href="/engagements/{engagement.id}/diagnosis#bottleneck-{bottleneck.id}"' in text
    assert "Link evidence" in text and "Unlink" in text


def test_create_evidence(db: Session, web_as: Any) -> None:
    user, engagement = _lead(db)
    db.commit()
    web = web_as(user)
    assert web.get(f"/engagements/{engagement.id}/evidence/new").status_code == 200

    answer = web.post(
        f"/engagements/{engagement.id}/evidence",
        {
            "kind": "indicator",
            "title": "Patent applications",
            "source": "Eurostat",
            "published_on": "2025-01-31",
            "url": "https://ec.europa.eu/eurostat",
            "indicator_name": "EPO applications per million",
            "indicator_value": "45.5",
            "indicator_year": "2022",
            "benchmark_value": "",
        },
    )

    assert answer.status_code == 303
    db.expire_all()
    created = db.scalars(select(Evidence).where(Evidence.engagement_id == engagement.id)).one()
    assert (created.kind, created.indicator_value, created.published_on) == (
        EvidenceKind.INDICATOR,
        45.5,
        date(2025, 1, 31),
    )
    assert created.benchmark_value is None
    assert answer.headers["location"].endswith(f"/evidence#evidence-{created.id}")


def test_invalid_evidence_keeps_input_and_says_what_is_wrong(db: Session, web_as: Any) -> None:
    user, engagement = _lead(db)
    db.commit()
    web = web_as(user)

    bad_url = web.post(
        f"/engagements/{engagement.id}/evidence",
        {"kind": "publication", "title": "Kept title", "url": "javascript:alert(1)"},
    )
    no_value = web.post(
        f"/engagements/{engagement.id}/evidence",
        {"kind": "indicator", "title": "An indicator", "indicator_value": ""},
    )

    assert bad_url.status_code == 422
    assert 'id="error-url"' in bad_url.text and "starting with http" in bad_url.text
    assert 'value="Kept title"' in bad_url.text
    assert no_value.status_code == 422 and 'id="error-indicator_name"' in no_value.text
    db.expire_all()
    assert db.scalars(select(Evidence)).all() == []


def test_edit_evidence_clears_a_field(db: Session, web_as: Any) -> None:
    user, engagement = _lead(db)
    evidence = make_evidence(db, engagement, title="Old", url="https://example.org/")
    db.commit()
    web = web_as(user)
    url = f"/engagements/{engagement.id}/evidence/{evidence.id}/edit"
    form = web.get(url)
    assert 'value="https://example.org/"' in form.text

    answer = web.post(
        url,
        {**hidden_state(form.text), "kind": "survey", "title": "New", "source": "", "url": ""},
    )

    assert answer.status_code == 303
    db.expire_all()
    assert (evidence.kind, evidence.title, evidence.url) == (EvidenceKind.SURVEY, "New", None)


def test_stale_evidence_edit_then_reapply(db: Session, web_as: Any) -> None:
    user, engagement = _lead(db)
    evidence = make_evidence(db, engagement, title="Mine to edit", source="Eurostat")
    db.commit()
    web = web_as(user)
    url = f"/engagements/{engagement.id}/evidence/{evidence.id}/edit"
    opened = hidden_state(web.get(url).text)
    evidence.source = "OECD"
    db.commit()
    mine = {"kind": "publication", "title": "Mine to edit", "source": "Eurostat 2025"}

    stale = web.post(url, {**opened, **mine})

    assert stale.status_code == 409 and "OECD" in stale.text
    db.expire_all()
    assert evidence.source == "OECD"

    assert web.post(url, {**hidden_state(stale.text), **mine}).status_code == 303
    db.expire_all()
    assert evidence.source == "Eurostat 2025"


def test_delete_evidence_with_its_links(db: Session, web_as: Any) -> None:
    user, engagement = _lead(db)
    evidence = make_evidence(db, engagement)
    link_evidence(db, evidence, challenge=make_challenge(db, engagement))
    db.commit()
    evidence_id = evidence.id

    answer = web_as(user).post(f"/engagements/{engagement.id}/evidence/{evidence_id}/delete")

    assert answer.status_code == 303
    db.expire_all()
    assert db.get(Evidence, evidence_id) is None
    assert _links(db) == []


def test_link_to_bottleneck_challenge_and_recommendation_then_unlink(
    db: Session, web_as: Any
) -> None:
    user, engagement = _lead(db)
    evidence = make_evidence(db, engagement)
    bottleneck = make_bottleneck(db, engagement)
    challenge = make_challenge(db, engagement)
    recommendation = make_recommendation(db, engagement)
    db.commit()
    web = web_as(user)
    base = f"/engagements/{engagement.id}/evidence/{evidence.id}/links"

    for target, relation in (
        (f"bottleneck:{bottleneck.id}", "supports"),
        (f"challenge:{challenge.id}", "context"),
        (f"recommendation:{recommendation.id}", "contradicts"),
    ):
        answer = web.post(base, {"target": target, "relation": relation, "note": "Why"})
        assert answer.status_code == 303, answer.text

    links = _links(db)
    assert [(lk.bottleneck_id, lk.challenge_id, lk.recommendation_id) for lk in links] == [
        (bottleneck.id, None, None),
        (None, challenge.id, None),
        (None, None, recommendation.id),
    ]
    assert [lk.relation for lk in links] == [
        Relation.SUPPORTS,
        Relation.CONTEXT,
        Relation.CONTRADICTS,
    ]
    page = web.get(f"/engagements/{engagement.id}/evidence").text
    assert f"#recommendation-{recommendation.id}" in page

    assert web.post(f"{base}/{links[0].id}/delete").status_code == 303
    assert [lk.id for lk in _links(db)] == [links[1].id, links[2].id]


def test_link_to_another_engagement_is_refused_and_changes_nothing(
    db: Session, web_as: Any
) -> None:
    user, engagement = _lead(db)
    evidence = make_evidence(db, engagement)
    foreign = make_bottleneck(db, make_engagement(db))
    db.commit()

    answer = web_as(user).post(
        f"/engagements/{engagement.id}/evidence/{evidence.id}/links",
        {"target": f"bottleneck:{foreign.id}", "relation": "supports", "note": "Kept note"},
    )

    assert answer.status_code == 422
    assert f'id="link-{evidence.id}-target-error"' in answer.text
    assert "does not exist in this engagement" in answer.text
    assert "Kept note</textarea>" in answer.text
    assert _links(db) == []


def test_link_form_errors(db: Session, web_as: Any) -> None:
    user, engagement = _lead(db)
    evidence = make_evidence(db, engagement)
    bottleneck = make_bottleneck(db, engagement)
    link_evidence(db, evidence, bottleneck=bottleneck)
    db.commit()
    web = web_as(user)
    url = f"/engagements/{engagement.id}/evidence/{evidence.id}/links"

    missing = web.post(url, {"target": "", "relation": "supports"})
    garbled = web.post(url, {"target": "engagement:1", "relation": "maybe"})
    duplicate = web.post(url, {"target": f"bottleneck:{bottleneck.id}", "relation": "context"})

    assert missing.status_code == 422 and "Choose the challenge" in missing.text
    assert garbled.status_code == 422 and f'id="link-{evidence.id}-relation-error"' in garbled.text
    assert duplicate.status_code == 409 and "already linked" in duplicate.text
    assert len(_links(db)) == 1


def test_unlinking_a_link_of_other_evidence_is_not_found(db: Session, web_as: Any) -> None:
    user, engagement = _lead(db)
    mine = make_evidence(db, engagement)
    other = make_evidence(db, engagement)
    link = link_evidence(db, other, challenge=make_challenge(db, engagement))
    db.commit()

    answer = web_as(user).post(
        f"/engagements/{engagement.id}/evidence/{mine.id}/links/{link.id}/delete"
    )

    assert answer.status_code == 404
    assert len(_links(db)) == 1


def test_monitor_reads_without_forms(db: Session, web_as: Any) -> None:
    _, engagement = _lead(db)
    make_evidence(db, engagement, title="Readable")
    monitor = make_user(db, role=Role.MONITOR)
    db.commit()

    page = web_as(monitor).get(f"/engagements/{engagement.id}/evidence")

    assert page.status_code == 200 and "Readable" in page.text
    assert "Add evidence" not in page.text and '<form method="post" action="/eng' not in page.text


def test_non_member_consultant_may_not_post(db: Session, web_as: Any) -> None:
    _, engagement = _lead(db)
    evidence = make_evidence(db, engagement, title="Untouched")
    link = link_evidence(db, evidence, bottleneck=make_bottleneck(db, engagement))
    challenge = make_challenge(db, engagement)
    db.commit()
    web = web_as(make_user(db, role=Role.CONSULTANT))
    base = f"/engagements/{engagement.id}/evidence"

    posts = [
        (base, {"kind": "other", "title": "Intruder"}),
        (f"{base}/{evidence.id}/edit", {"kind": "other", "title": "Intruder"}),
        (f"{base}/{evidence.id}/delete", {}),
        (
            f"{base}/{evidence.id}/links",
            {"target": f"challenge:{challenge.id}", "relation": "context"},
        ),
        (f"{base}/{evidence.id}/links/{link.id}/delete", {}),
    ]
    for url, data in posts:
        assert web.post(url, data).status_code == 403, url
    db.expire_all()
    assert db.scalars(select(Evidence.title)).all() == ["Untouched"]
    assert len(_links(db)) == 1


def test_stakeholder_never_sees_evidence(db: Session, web_as: Any) -> None:
    _, engagement = _lead(db)
    evidence = make_evidence(db, engagement)
    stakeholder = make_user(db, role=Role.STAKEHOLDER, region_id=engagement.region_id)
    db.commit()
    web = web_as(stakeholder)
    base = f"/engagements/{engagement.id}/evidence"

    assert web.get(base).status_code == 404
    assert web.get(f"{base}/{evidence.id}/edit").status_code == 404
    assert web.post(f"{base}/{evidence.id}/delete").status_code == 404
    db.expire_all()
    assert db.get(Evidence, evidence.id) is not None
