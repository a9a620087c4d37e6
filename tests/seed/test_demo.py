"""The demo portfolio: its content, idempotence, the workflow gates of each engagement's
phase, and `clustercase seed demo` end to end (the follow-up of the engagements in `follow_up`
is tested in test_demo_follow_up.py).

A briefing render costs about a second, so the tests that are not about the PDF seed with a
stand-in renderer; the CLI test and the briefing test of test_demo_follow_up.py render for
real."""

import os
import re
import subprocess
import sys
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

from sqlalchemy import Select, create_engine, func, select
from sqlalchemy.orm import Session

from app.models import (
    AuditEntry,
    Base,
    Bottleneck,
    Challenge,
    Engagement,
    EngagementMember,
    EngagementObjective,
    EngagementTheme,
    Evidence,
    EvidenceLink,
    Indicator,
    Measurement,
    Milestone,
    Mission,
    MissionConsultant,
    Partnership,
    PhaseChange,
    Recommendation,
    RecommendationBottleneck,
    Region,
    Report,
    StatusUpdate,
    User,
)
from app.reports.render import RenderedPdf
from app.reports.viewmodel import ReportView
from app.seed import demo
from app.seed.demo_data import ENGAGEMENTS
from app.vocab import (
    BottleneckStatus,
    EngagementKind,
    Phase,
    Relation,
    ReportKind,
    ReportStatus,
    Stage,
)
from tests.factories import make_region, make_user

FIRST_RUN = (
    "demo data: 10 regions, 6 partnerships, 4 consultants, "
    "4 other logins, 7 engagements created "
    "(0 already present)"
)
SECOND_RUN = (
    "demo data: 0 regions, 0 partnerships, 0 consultants, "
    "0 other logins, 0 engagements created "
    "(31 already present)"
)
MAIN_LINE = [
    Phase.SCOPING,
    Phase.DIAGNOSIS,
    Phase.RECOMMENDATIONS,
    Phase.REPORTING,
    Phase.FOLLOW_UP,
]
FOLLOW_UP = {spec.reference: spec.follow_up for spec in ENGAGEMENTS if spec.follow_up}
TABLES: list[type[Base]] = [
    Region,
    Partnership,
    User,
    Engagement,
    EngagementMember,
    EngagementTheme,
    EngagementObjective,
    PhaseChange,
    Challenge,
    Bottleneck,
    Evidence,
    EvidenceLink,
    Recommendation,
    RecommendationBottleneck,
    Mission,
    MissionConsultant,
    Milestone,
    Report,
    StatusUpdate,
    Indicator,
    Measurement,
    AuditEntry,
]


def stand_in_render(view: ReportView) -> RenderedPdf:
    """Not a PDF: for the tests where the briefing's bytes are not under test."""
    return RenderedPdf(f"stand-in {view.kind} v{view.version_number}".encode(), 1, 0)


def _seed(db: Session, today: date | None = None) -> str:
    return demo.seed(db, today=today, render=stand_in_render)


def _engagement(db: Session, reference: str) -> Engagement:
    return db.scalars(select(Engagement).where(Engagement.reference == reference)).one()


def _count(db: Session, model: type[Base]) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def _counts(db: Session) -> dict[str, int]:
    return {model.__tablename__: _count(db, model) for model in TABLES}


def test_seed_creates_the_portfolio_the_content_describes(db: Session) -> None:
    assert _seed(db) == FIRST_RUN
    regions = {(r.nuts_code, r.country_code, r.nuts_level) for r in db.scalars(select(Region))}
    assert regions == {
        ("ES13", "ES", 2), ("FRB0", "FR", 2), ("FI1D", "FI", 2), ("FRE", "FR", 1),
        ("LT", "LT", 0), ("SE31", "SE", 2), ("ITC1", "IT", 2), ("DED", "DE", 1),
        ("SI", "SI", 0), ("BE3", "BE", 1),
    }  # fmt: skip
    kinds = {p.acronym: p.kind.value for p in db.scalars(select(Partnership))}
    assert kinds == {
        "AdPack": "escp_4i", "ECCA": "escp_4i", "LASER-GO": "escp_4i",
        "DIGICLUSTERS": "escp_s3", "RECiPE4Mobility": "escp_4x", "CELIS": "escp_4x",
    }  # fmt: skip
    users = db.scalars(select(User)).all()
    roles = sorted(u.role.value for u in users)
    assert roles == ["admin", "consultant", "consultant", "consultant", "consultant", "monitor",
                     "stakeholder", "stakeholder"]  # fmt: skip
    assert all(u.email.endswith("@clustercase.example") and u.password_hash for u in users)
    officers = {u.email: (u.region_id, u.partnership_id) for u in users if u.role == "stakeholder"}
    be3 = db.scalar(select(Region.id).where(Region.nuts_code == "BE3"))
    adpack = db.scalar(select(Partnership.id).where(Partnership.acronym == "AdPack"))
    assert officers == {"wallonia@clustercase.example": (be3, None),
                        "adpack@clustercase.example": (None, adpack)}  # fmt: skip
    phases = {e.reference: e.phase.value for e in db.scalars(select(Engagement))}
    assert phases == {
        "EOCIC-2018-BE3": "follow_up",
        "EOCIC-2018-FRE": "reporting",
        "EOCIC-2018-SI": "diagnosis",
        "EOCIC-2018-SE31": "recommendations",
        "EOCIC-2018-ADPACK": "follow_up",
        "EOCIC-2018-LT": "on_hold",
        "EOCIC-2019-ES13": "scoping",
    }


def test_item_counts_match_the_content(db: Session) -> None:
    _seed(db)
    counts = _counts(db)
    expected = {
        "phase_changes": sum(len(s.steps) + 1 for s in ENGAGEMENTS),
        "challenges": sum(len(s.challenges) for s in ENGAGEMENTS),
        "bottlenecks": sum(len(s.bottlenecks) for s in ENGAGEMENTS),
        "evidence": sum(len(s.evidence) for s in ENGAGEMENTS),
        "evidence_links": sum(len(e.links) for s in ENGAGEMENTS for e in s.evidence),
        "recommendations": sum(len(s.recommendations) for s in ENGAGEMENTS),
        "recommendation_bottlenecks": sum(
            len(r.addresses) for s in ENGAGEMENTS for r in s.recommendations
        ),
        "missions": sum(len(s.missions) for s in ENGAGEMENTS),
        "mission_consultants": sum(len(m.consultants) for s in ENGAGEMENTS for m in s.missions),
        "milestones": sum(len(s.milestones) for s in ENGAGEMENTS),
        "engagement_members": sum(len({s.lead, *s.members}) for s in ENGAGEMENTS),
        "reports": len(FOLLOW_UP),
        "recommendation_updates": sum(len(f.updates) for f in FOLLOW_UP.values()),
        "indicators": sum(len(f.indicators) for f in FOLLOW_UP.values()),
        "indicator_measurements": sum(
            len(i.measurements) for f in FOLLOW_UP.values() for i in f.indicators
        ),
    }
    assert {name: counts[name] for name in expected} == expected
    assert expected["evidence_links"] >= 30 and expected["recommendations"] >= 10
    completed = db.scalar(select(func.count()).where(Milestone.completed_on.is_not(None)))
    assert completed and completed < expected["milestones"]


def test_seeding_twice_creates_nothing_the_second_time(db: Session) -> None:
    _seed(db)
    before = _counts(db)
    assert _seed(db) == SECOND_RUN
    assert _counts(db) == before


def test_seed_keeps_and_reuses_rows_already_present(db: Session) -> None:
    region = make_region(db, nuts_code="BE3", name="Région wallonne", country_code="BE")
    make_user(db, email="katrin.vogel@clustercase.example", full_name="K. Vogel")
    summary = _seed(db)
    assert summary == (
        "demo data: 9 regions, 6 partnerships, 3 consultants, "
        "4 other logins, 7 engagements created "
        "(2 already present)"
    )
    assert db.scalar(select(Region.name).where(Region.nuts_code == "BE3")) == "Région wallonne"
    wallonia = db.scalar(select(Engagement).where(Engagement.reference == "EOCIC-2018-BE3"))
    assert wallonia is not None and wallonia.region_id == region.id
    assert _count(db, User) == 8


def _ids(db: Session, stmt: Select[Any]) -> set[int]:
    return set(db.scalars(stmt))


def _recommendations_gate(db: Session, eid: int) -> list[str]:
    """Problems of the gate to `recommendations`: confirmed bottlenecks, each supported."""
    confirmed = _ids(
        db,
        select(Bottleneck.id).where(
            Bottleneck.engagement_id == eid, Bottleneck.status == BottleneckStatus.CONFIRMED
        ),
    )
    supported = _ids(
        db,
        select(EvidenceLink.bottleneck_id).where(
            EvidenceLink.engagement_id == eid, EvidenceLink.relation == Relation.SUPPORTS
        ),
    )
    problems = [] if confirmed else ["no confirmed bottleneck"]
    return problems + [f"bottleneck {b} unsupported" for b in confirmed - supported]


def _reporting_gate(db: Session, eid: int) -> list[str]:
    """Problems of the gate to `reporting`: live recommendations, each addressing a
    bottleneck and naming a responsible actor."""
    live = db.scalars(
        select(Recommendation).where(
            Recommendation.engagement_id == eid, Recommendation.stage != Stage.WITHDRAWN
        )
    ).all()
    addressing = _ids(
        db,
        select(RecommendationBottleneck.recommendation_id).where(
            RecommendationBottleneck.engagement_id == eid
        ),
    )
    problems = [] if live else ["no live recommendation"]
    problems += [f"{r.code} addresses nothing" for r in live if r.id not in addressing]
    return problems + [f"{r.code} has no actor" for r in live if not r.responsible_actor.strip()]


def _follow_up_gate(db: Session, eid: int) -> list[str]:
    """Problems of the gate to `follow_up`: a published policy briefing."""
    published = db.scalar(
        select(func.count()).where(
            Report.engagement_id == eid,
            Report.kind == ReportKind.POLICY_BRIEFING,
            Report.status == ReportStatus.PUBLISHED,
        )
    )
    return [] if published else ["no published policy briefing"]


def _gate_problems(db: Session, engagement: Engagement) -> list[str]:
    """Every gate up to the engagement's phase (the phase it left, when on hold)."""
    reached = MAIN_LINE.index(engagement.phase_before_hold or engagement.phase)
    eid = engagement.id
    problems = []
    if reached >= 1 and not _ids(db, select(Challenge.id).where(Challenge.engagement_id == eid)):
        problems.append("no challenge")
    if reached >= 2:
        problems += _recommendations_gate(db, eid)
    if reached >= 3:
        problems += _reporting_gate(db, eid)
    if reached >= 4:
        problems += _follow_up_gate(db, eid)
    return problems


def test_every_engagement_meets_the_gates_of_its_phase(db: Session) -> None:
    _seed(db)
    engagements = db.scalars(select(Engagement).order_by(Engagement.reference)).all()
    problems = {e.reference: _gate_problems(db, e) for e in engagements}
    assert problems == {e.reference: [] for e in engagements}
    effective = {e.phase_before_hold or e.phase for e in engagements}
    assert effective <= set(MAIN_LINE)
    assert {e.phase for e in engagements} >= {*MAIN_LINE, Phase.ON_HOLD}


def test_gate_check_catches_a_broken_engagement(db: Session) -> None:
    """The check above would notice: drop Wallonia's supports links and blank an actor."""
    _seed(db)
    wallonia = db.scalars(select(Engagement).where(Engagement.reference == "EOCIC-2018-BE3")).one()
    for link in db.scalars(select(EvidenceLink).where(EvidenceLink.engagement_id == wallonia.id)):
        db.delete(link)
    r1 = db.scalars(
        select(Recommendation).where(
            Recommendation.engagement_id == wallonia.id, Recommendation.code == "R1"
        )
    ).one()
    r1.responsible_actor = " "
    db.flush()
    problems = _gate_problems(db, wallonia)
    assert sum(p.endswith("unsupported") for p in problems) == 3
    assert "R1 has no actor" in problems
    # Hauts-de-France, in reporting, has no briefing yet: the follow-up gate would say so.
    assert _follow_up_gate(db, _engagement(db, "EOCIC-2018-FRE").id) == [
        "no published policy briefing"
    ]


def test_every_confirmed_bottleneck_has_supporting_evidence(db: Session) -> None:
    _seed(db)
    confirmed = _ids(
        db, select(Bottleneck.id).where(Bottleneck.status == BottleneckStatus.CONFIRMED)
    )
    supported = _ids(
        db, select(EvidenceLink.bottleneck_id).where(EvidenceLink.relation == Relation.SUPPORTS)
    )
    assert confirmed and confirmed <= supported


def test_phase_history_runs_from_creation_to_the_current_phase(db: Session) -> None:
    _seed(db)
    for engagement in db.scalars(select(Engagement)):
        history = db.scalars(
            select(PhaseChange)
            .where(PhaseChange.engagement_id == engagement.id)
            .order_by(PhaseChange.at, PhaseChange.id)
        ).all()
        assert (history[0].from_phase, history[0].to_phase) == (None, Phase.SCOPING)
        assert history[0].at == engagement.created_at
        for before, after in pairwise(history):
            assert after.from_phase == before.to_phase and after.at > before.at
        assert history[-1].to_phase == engagement.phase
        if engagement.phase == Phase.ON_HOLD:
            assert engagement.phase_before_hold == history[-1].from_phase
        assert all(h.actor_id == engagement.lead_consultant_id for h in history)


def test_every_url_is_https(db: Session) -> None:
    _seed(db)
    urls = list(db.scalars(select(Evidence.url).where(Evidence.url.is_not(None))))
    urls += list(db.scalars(select(Partnership.website).where(Partnership.website.is_not(None))))
    assert len(urls) >= 15
    assert [u for u in urls if not (u or "").startswith("https://")] == []


def test_indicator_evidence_is_complete_and_benchmarked(db: Session) -> None:
    _seed(db)
    indicators = db.scalars(select(Evidence).where(Evidence.kind == "indicator")).all()
    assert len(indicators) >= 5
    for e in indicators:
        assert e.indicator_name and e.indicator_unit and e.indicator_value is not None
        assert e.indicator_year is not None and 2010 <= e.indicator_year <= 2019
        assert e.benchmark_value is not None and e.benchmark_label


def test_engagements_keep_the_client_team_and_text_rules(db: Session) -> None:
    _seed(db)
    members = {(m.engagement_id, m.user_id) for m in db.scalars(select(EngagementMember))}
    for e in db.scalars(select(Engagement)):
        assert re.fullmatch(r"EOCIC-20(18|19)-[A-Z0-9]{2,6}", e.reference)
        assert len(e.title) <= 300 and e.summary
        assert e.planned_start and e.planned_end and e.planned_start <= e.planned_end
        regional = e.kind == EngagementKind.REGIONAL_ADVICE
        assert (e.region_id is not None, e.partnership_id is not None) == (regional, not regional)
        assert (e.id, e.lead_consultant_id) in members
    mission_people = db.execute(
        select(Mission.engagement_id, MissionConsultant.user_id).join(
            MissionConsultant, MissionConsultant.mission_id == Mission.id
        )
    )
    assert {(e, u) for e, u in mission_people} <= members
    codes = db.scalars(select(Recommendation.code)).all()
    assert all(re.fullmatch(r"R[1-9]\d*", code) for code in codes)
    kinds = set(db.scalars(select(Engagement.kind)))
    assert kinds == {EngagementKind.REGIONAL_ADVICE, EngagementKind.PARTNERSHIP_SUPPORT}


def _clustercase(tmp_path: Path, *args: str) -> str:
    executable = Path(sys.executable).with_name("clustercase")
    env = {**os.environ, "CLUSTERCASE_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}"}
    result = subprocess.run(
        [str(executable), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_cli_seeds_a_fresh_database_twice(tmp_path: Path) -> None:
    assert _clustercase(tmp_path, "db", "upgrade") == "database is at the latest migration"
    assert _clustercase(tmp_path, "seed", "demo") == FIRST_RUN
    assert _clustercase(tmp_path, "seed", "demo") == SECOND_RUN
    engine = create_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    try:
        with Session(engine) as session:
            assert _count(session, Engagement) == 7
            assert _count(session, Region) == 10
            pdfs = session.scalars(select(Report.pdf)).all()
            assert len(pdfs) == 2 and all(pdf.startswith(b"%PDF") for pdf in pdfs)
    finally:
        engine.dispose()
