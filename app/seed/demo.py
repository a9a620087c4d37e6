"""The illustrative demo portfolio (`clustercase seed demo`).

Idempotent: reference rows are keyed on NUTS code, acronym and e-mail, engagements on their
reference; whatever is already stored is left exactly as it is (an engagement found by its
reference is not touched, even if its content differs). Flushes, never commits: the caller
owns the transaction.

The story is dated 2018-2020; its recent end (latest missions, follow-up, upcoming milestones)
is dated from `today`, the seeding day (demo_data/specs.py). Missions, milestones and, for an
engagement in `follow_up`, its published briefing and follow-up are added by
app/seed/demo_timeline.py."""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app import clock
from app.models import (
    Bottleneck,
    Challenge,
    Engagement,
    EngagementMember,
    EngagementObjective,
    EngagementTheme,
    Evidence,
    EvidenceLink,
    Partnership,
    PhaseChange,
    Recommendation,
    RecommendationBottleneck,
    Region,
    User,
)
from app.reports.render import render_pdf
from app.security import hash_password
from app.seed import demo_statistics
from app.seed.demo_data import CONSULTANTS, ENGAGEMENTS, PARTNERSHIPS, REGIONS
from app.seed.demo_data.reference import ACCOUNTS, DEMO_PASSWORD
from app.seed.demo_data.specs import EngagementSpec, EvidenceSpec, Step, instant
from app.seed.demo_timeline import Renderer, add_timeline
from app.vocab import Direction, EngagementKind, Phase, Role

CREATION_NOTE = "Engagement created"
_KINDS = ("regions", "partnerships", "consultants", "other logins", "engagements")
_KeyedRow = Region | Partnership | User


@dataclass(frozen=True)
class _Ids:
    """Database ids of the reference rows, by their natural key."""

    regions: Mapping[str, int]
    partnerships: Mapping[str, int]
    users: Mapping[str, int]


@dataclass
class _Tally:
    created: Counter[str] = field(default_factory=Counter)
    present: int = 0

    def summary(self) -> str:
        counts = ", ".join(f"{self.created[name]} {name}" for name in _KINDS)
        return f"demo data: {counts} created ({self.present} already present)"


def seed(session: Session, *, today: date | None = None, render: Renderer = render_pdf) -> str:
    """Add whatever part of the demo portfolio is missing, its recent dates counted from
    `today` (default: app.clock's, UTC); return a one-line summary."""
    today = today or clock.today()
    tally = _Tally()
    ids = _Ids(
        regions=_ensure(session, tally, "regions", Region.nuts_code, Region.id, _regions()),
        partnerships=_ensure(
            session, tally, "partnerships", Partnership.acronym, Partnership.id, _partnerships()
        ),
        users=_ensure(session, tally, "consultants", User.email, User.id, _consultants()),
    )
    _ensure(session, tally, "other logins", User.email, User.id, _accounts(ids))
    references = [spec.reference for spec in ENGAGEMENTS]
    stored = set(
        session.scalars(select(Engagement.reference).where(Engagement.reference.in_(references)))
    )
    for spec in ENGAGEMENTS:
        if spec.reference in stored:
            tally.present += 1
        else:
            _add_engagement(session, spec, ids, today=today, render=render)
            tally.created["engagements"] += 1
    demo_statistics.load(session)  # the illustrative indicator data, through the import service
    return tally.summary()


def _ensure(
    session: Session,
    tally: _Tally,
    name: str,
    key: InstrumentedAttribute[str],
    id_column: InstrumentedAttribute[int],
    rows: Mapping[str, _KeyedRow],
) -> dict[str, int]:
    """Insert the rows whose key is not stored yet; answer {key: id} for all of them."""
    stored = session.execute(select(key, id_column).where(key.in_(list(rows))))
    ids: dict[str, int] = {k: id_ for k, id_ in stored}
    new = {k: row for k, row in rows.items() if k not in ids}
    session.add_all(new.values())
    session.flush()
    tally.created[name] += len(new)
    tally.present += len(ids)
    return ids | {k: row.id for k, row in new.items()}


def _regions() -> dict[str, _KeyedRow]:
    return {
        r.nuts_code: Region(
            nuts_code=r.nuts_code,
            name=r.name,
            country_code=r.country_code,
            nuts_level=r.nuts_level,
            notes=r.notes,
        )
        for r in REGIONS
    }


def _partnerships() -> dict[str, _KeyedRow]:
    return {
        p.acronym: Partnership(
            acronym=p.acronym,
            name=p.name,
            kind=p.kind,
            sectors=list(p.sectors),
            coordinator=p.coordinator,
            countries=list(p.countries),
            website=p.website,
            notes=p.notes,
        )
        for p in PARTNERSHIPS
    }


def _consultants() -> dict[str, _KeyedRow]:
    return {
        c.email: User(
            email=c.email,
            full_name=c.full_name,
            role=Role.CONSULTANT,
            is_active=True,
            password_hash=hash_password(DEMO_PASSWORD),
        )
        for c in CONSULTANTS
    }


def _accounts(ids: _Ids) -> dict[str, _KeyedRow]:
    """One demo login for each other role (the stakeholders: Wallonia and AdPack)."""
    return {
        a.email: User(
            email=a.email,
            full_name=a.full_name,
            role=Role(a.role),
            is_active=True,
            region_id=ids.regions[a.region] if a.region else None,
            partnership_id=ids.partnerships[a.partnership] if a.partnership else None,
            password_hash=hash_password(DEMO_PASSWORD),
        )
        for a in ACCOUNTS
    }


def demo_logins() -> list[tuple[str, str]]:
    """(email, role) of every demo login; all use DEMO_PASSWORD."""
    return [(c.email, "consultant") for c in CONSULTANTS] + [(a.email, a.role) for a in ACCOUNTS]


def _add_engagement(
    session: Session, spec: EngagementSpec, ids: _Ids, *, today: date, render: Renderer
) -> None:
    # An engagement in follow-up gets there as it would through the API: its last step is
    # taken by the workflow once the briefing is published.
    steps = spec.steps[:-1] if spec.follow_up else spec.steps
    engagement = _engagement_row(spec, ids, steps, today)
    session.add(engagement)
    session.flush()
    _add_history(session, engagement, spec.created_at, steps, today)
    keys = _add_diagnosis(session, engagement.id, spec)
    keys["recommendation"] = _add_recommendations(session, engagement.id, spec, keys["bottleneck"])
    _add_evidence(session, engagement.id, spec.evidence, keys)
    add_timeline(session, engagement, spec, consultants=ids.users, today=today, render=render)


def _engagement_row(
    spec: EngagementSpec, ids: _Ids, steps: tuple[Step, ...], today: date
) -> Engagement:
    kind = (
        EngagementKind.PARTNERSHIP_SUPPORT if spec.partnership else EngagementKind.REGIONAL_ADVICE
    )
    return Engagement(
        reference=spec.reference,
        title=spec.title,
        summary=spec.summary,
        kind=kind,
        region_id=ids.regions[spec.region] if spec.region else None,
        partnership_id=ids.partnerships[spec.partnership] if spec.partnership else None,
        phase=steps[-1].to if steps else Phase.SCOPING,
        phase_before_hold=spec.phase_before_hold,
        planned_start=spec.planned_start,
        planned_end=spec.planned_end,
        lead_consultant_id=ids.users[spec.lead],
        # Dated like the case it imitates, so that portfolio views sort it plausibly.
        created_at=spec.created_at,
        updated_at=instant(steps[-1].at, today) if steps else spec.created_at,
        theme_rows=[EngagementTheme(theme=t) for t in spec.themes],
        objective_rows=[EngagementObjective(objective=o) for o in spec.objectives],
        # The lead is a member too (dict.fromkeys: ordered, without duplicates).
        member_rows=[
            EngagementMember(user_id=ids.users[email])
            for email in dict.fromkeys((spec.lead, *spec.members))
        ],
    )


def _add_history(
    session: Session,
    engagement: Engagement,
    created_at: datetime,
    steps: tuple[Step, ...],
    today: date,
) -> None:
    """The phase history as the workflow would have written it, from creation on."""
    actor = engagement.lead_consultant_id
    session.add(
        PhaseChange(
            engagement_id=engagement.id,
            from_phase=None,
            to_phase=Phase.SCOPING,
            note=CREATION_NOTE,
            actor_id=actor,
            at=created_at,
        )
    )
    previous = Phase.SCOPING
    for step in steps:
        session.add(
            PhaseChange(
                engagement_id=engagement.id,
                from_phase=previous,
                to_phase=step.to,
                note=step.note,
                actor_id=actor,
                at=instant(step.at, today),
            )
        )
        previous = step.to


def _add_diagnosis(
    session: Session, engagement_id: int, spec: EngagementSpec
) -> dict[str, dict[str, int]]:
    """Challenges, then the bottlenecks behind them; {target type: {key: id}}."""
    challenges = {
        c.key: Challenge(
            engagement_id=engagement_id,
            title=c.title,
            description=c.description,
            priority=c.priority,
        )
        for c in spec.challenges
    }
    session.add_all(challenges.values())
    session.flush()
    bottlenecks = {
        b.key: Bottleneck(
            engagement_id=engagement_id,
            challenge_id=challenges[b.challenge].id if b.challenge else None,
            title=b.title,
            description=b.description,
            framework_condition=b.framework_condition,
            severity=b.severity,
            status=b.status,
        )
        for b in spec.bottlenecks
    }
    session.add_all(bottlenecks.values())
    session.flush()
    return {
        "challenge": {k: c.id for k, c in challenges.items()},
        "bottleneck": {k: b.id for k, b in bottlenecks.items()},
    }


def _add_recommendations(
    session: Session, engagement_id: int, spec: EngagementSpec, bottleneck_ids: Mapping[str, int]
) -> dict[str, int]:
    recommendations = {
        r.code: Recommendation(
            engagement_id=engagement_id,
            code=r.code,
            title=r.title,
            description=r.description,
            benefits_costs=r.benefits_costs,
            risks=r.risks,
            responsible_actor=r.responsible_actor,
            instrument=r.instrument,
            priority=r.priority,
            horizon=r.horizon,
            stage=r.stage,
        )
        for r in spec.recommendations
    }
    session.add_all(recommendations.values())
    session.flush()
    session.add_all(
        RecommendationBottleneck(
            engagement_id=engagement_id,
            recommendation_id=recommendations[r.code].id,
            bottleneck_id=bottleneck_ids[key],
        )
        for r in spec.recommendations
        for key in r.addresses
    )
    return {code: r.id for code, r in recommendations.items()}


def _add_evidence(
    session: Session,
    engagement_id: int,
    items: tuple[EvidenceSpec, ...],
    keys: Mapping[str, Mapping[str, int]],
) -> None:
    rows = [(e, _evidence_row(engagement_id, e)) for e in items]
    session.add_all(row for _, row in rows)
    session.flush()
    for spec, row in rows:
        for link in spec.links:
            target_id = keys[link.target_type][link.target]
            session.add(
                EvidenceLink(
                    engagement_id=engagement_id,
                    evidence_id=row.id,
                    relation=link.relation,
                    note=link.note,
                    **{f"{link.target_type}_id": target_id},
                )
            )


def _evidence_row(engagement_id: int, e: EvidenceSpec) -> Evidence:
    indicator = e.indicator
    return Evidence(
        engagement_id=engagement_id,
        kind=e.kind,
        title=e.title,
        url=e.url,
        source=e.source,
        published_on=e.published_on,
        excerpt=e.excerpt,
        indicator_name=indicator.name if indicator else None,
        indicator_value=indicator.value if indicator else None,
        indicator_unit=indicator.unit if indicator else None,
        indicator_year=indicator.year if indicator else None,
        benchmark_value=indicator.benchmark_value if indicator else None,
        benchmark_label=indicator.benchmark_label if indicator else None,
        indicator_direction=_direction(indicator.higher_is_better) if indicator else None,
    )


def _direction(higher_is_better: bool | None) -> Direction | None:
    if higher_is_better is None:
        return None
    return Direction.HIGHER if higher_is_better else Direction.LOWER
