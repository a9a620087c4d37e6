"""Report rendering: render time and pages/s of the demo policy briefing and of a large one,
the overhead of the served path over WeasyPrint alone, stored download against render, /healthz
latency while two renders run, and peak memory.

    python bench/report_render.py [--repeat 3] [--downloads 50] [--duration 5]
        [--database-url URL]

The database (default: a fresh SQLite file, bench/out/report_bench.db) is dropped and rebuilt by
the migrations, so its name must contain "bench". Exit status: 0 when every goal is met, 1 when
one is missed, 2 when the benchmark could not run.
"""

import argparse
import collections
import http.client
import itertools
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ on the path, not the repository: import `app` from this
# checkout, not from wherever an editable install points.
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, make_url, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402
from weasyprint import CSS, HTML, Attachment  # noqa: E402

from app.db import make_sessionmaker  # noqa: E402
from app.models import (  # noqa: E402
    Bottleneck,
    Challenge,
    Engagement,
    EngagementMember,
    EngagementObjective,
    EngagementTheme,
    Evidence,
    EvidenceLink,
    Milestone,
    Mission,
    MissionConsultant,
    PhaseChange,
    Recommendation,
    RecommendationBottleneck,
    Region,
    User,
)
from app.reports import render  # noqa: E402
from app.reports.render import StaticOnlyFetcher, render_html, render_pdf  # noqa: E402
from app.reports.viewmodel import ReportView, machine_readable  # noqa: E402
from app.schemas.user import UserCreate  # noqa: E402
from app.seed import demo  # noqa: E402
from app.services import users  # noqa: E402
from app.services.reports import prepare_draft  # noqa: E402
from app.vocab import (  # noqa: E402
    BottleneckStatus,
    EngagementKind,
    EvidenceKind,
    FrameworkCondition,
    Horizon,
    Instrument,
    MissionKind,
    Objective,
    Phase,
    Priority,
    Relation,
    ReportKind,
    Role,
    Stage,
    Theme,
)
from bench._common import (  # noqa: E402
    HOST,
    BenchError,
    add_bounded,
    free_port,
    login,
    parse_bounded,
    reset_database,
    run,
    run_wrk,
    start_server,
    stop_server,
    wait_ready,
)

DEMO_REFERENCE = "EOCIC-2018-BE3"
# The large engagement, and a twin of it: the two background renders of the /healthz phase each
# render their own, so that they never race for the same version number (409).
LARGE_REFERENCE, TWIN_REFERENCE = "EOCIC-2020-DED", "EOCIC-2020-DED-B"
ADMIN_EMAIL, ADMIN_PASSWORD = "bench-admin@bench.example.org", "bench-password-not-secret"
GOAL_OVERHEAD = 1.2  # end-to-end render / WeasyPrint alone, at most
GOAL_DOWNLOAD = 100.0  # render / stored download, at least
GOAL_HEALTH = 3.0  # /healthz p99 with two renders running / idle, at most
RENDER_TIMEOUT_S = 180.0
MIB = 1024 * 1024
SERVER_LOG = ROOT / "bench" / "out" / "report_render_server.log"
# A failed render that answered sooner than this did not lay out its pages: the load is not
# what the benchmark means to measure.
MIN_RENDER_S = 0.3


class RenderFailed(BenchError):
    """A render request answered something else than 201."""


# -- the large engagement: Saxony, automotive and microelectronics in transition -------------------
# Illustrative content in the tables below, parsed once; a seeded random picks from the pools.


def _blocks(table: str) -> list[list[str]]:
    """Paragraphs of `table` (blank-line separated), each as its lines."""
    return [block.strip().splitlines() for block in table.strip().split("\n\n")]


def _rows(table: str) -> list[list[str]]:
    """The `|`-separated cells of each non-empty line of `table`."""
    return [[c.strip() for c in line.split("|")] for line in table.strip().splitlines()]


def _pool(table: str) -> list[str]:
    """Sentences of a pool: one a paragraph, wrapped lines joined."""
    return [" ".join(block) for block in _blocks(table)]


# New consultants beside two of the demo's; the first of the team leads.
BENCH_CONSULTANTS = [
    ("henrike.albers@clustercase.example", "Henrike Albers"),
    ("pawel.nowicki@clustercase.example", "Paweł Nowicki"),
]
DEMO_TEAM = ["katrin.vogel@clustercase.example", "jonas.lindqvist@clustercase.example"]
# Title on the first line, description after it.
CHALLENGES = _blocks("""
Keeping the automotive supply base through the shift to electric drives
About 780 Saxon suppliers make parts for combustion-engine vehicles. Orders for engine and
exhaust components are falling faster than new ones arrive, and most suppliers have no product
for electric vehicles yet.

Turning the microelectronics boom into regional jobs and firms
New fabs in Dresden bring thousands of jobs, but local suppliers and start-ups win little of the
related business. The region competes with Bavaria and abroad for the same engineers.

Steering a transformation spread over many programmes
Federal, state and EU programmes fund parts of the transformation with different calls, criteria
and reporting. Nobody has an overview of what is funded and to what effect.

Opening the clusters to new sectors and partner regions
The clusters mostly serve their historical members. Links to rail, medical technology and partner
regions in Czechia and Poland are personal rather than institutional.
""")
# Framework condition | challenge (index) | status | topic (for the evidence texts); then the
# title, then the description.
BOTTLENECKS = _blocks("""
knowledge_skills | 1 | confirmed | technician shortages in microelectronics
Too few microelectronics technicians for the planned fab expansions
The fabs expect to hire about 1,500 technicians a year until 2026. Vocational schools train
fewer than 400, and the universities of applied sciences are at capacity.

knowledge_skills | 0 | confirmed | skills for electrified drivetrains
Vocational curricula lag behind electrified drivetrains
Training regulations still centre on combustion engines. Companies retrain staff in house,
which small suppliers cannot afford.

access_to_finance | 0 | confirmed | financing of supplier retooling
Suppliers cannot finance retooling away from combustion-engine parts
Banks hesitate to lend against machinery for products without confirmed orders. The state
development bank's loans are sized for growth, not for a change of product.

access_to_finance | 1 | dismissed | follow-on capital for hardware start-ups
Few regional investors for hardware start-ups beyond seed stage
Hypothesis of the scoping phase. Fund data showed that follow-on rounds are available, mostly
from investors outside Saxony.

collaboration_internationalisation | 3 | confirmed | coordination between cluster organisations
Cluster organisations work in parallel on overlapping value chains
Automotive, microelectronics and energy clusters each run projects on power electronics and
batteries. Members receive three invitations to similar events.

collaboration_internationalisation | 3 | confirmed | interregional cooperation
Weak links to partner regions outside the German automotive system
Cooperation with Czech and Polish suppliers is informal. Few firms take part in European
partnerships or interregional projects.

demand_conditions | 2 | confirmed | innovation procurement
Public procurement rarely asks for innovative solutions
Municipal transport operators buy proven products on price. Procurement officers see innovation
procurement as a legal risk.

demand_conditions | 0 | hypothesis | customer concentration among suppliers
Tier-2 suppliers depend on two or three carmakers' orders
Most tier-2 suppliers sell over 70% of their output to two or three customers. A model change at
one plant can halve their turnover.

entrepreneurial_conditions | 1 | confirmed | growth of research spin-offs
Spin-offs from the research institutes stay small
The research institutes produce about 40 spin-offs a year. Few grow beyond ten employees, for
lack of pilot-line access and early customers.

entrepreneurial_conditions | 0 | hypothesis | succession in family-owned firms
Succession gaps in family-owned supplier firms
A third of supplier owners are over 60 and have no successor. Firms without a successor postpone
investments in new products.

quality_of_governance | 2 | confirmed | results orientation of cluster funding
Cluster funding is renewed without reference to results
Cluster organisations report activities, not outcomes. Funding is renewed every three years on
the basis of the work plan alone.

quality_of_governance | 2 | confirmed | inter-ministerial coordination
Responsibilities for the transformation are split across three ministries
Economy, science and labour ministries each fund parts of the transformation. Their calls are
neither sequenced nor jointly monitored.
""")
# Instrument | the bottleneck (index) it mainly addresses | title.
RECOMMENDATIONS = _rows("""
skills | 0 | Fund a joint microelectronics technician academy with the fab operators
skills | 0 | Co-finance dual-study places in semiconductor process engineering
skills | 1 | Update vocational curricula for electrified drivetrains with the chambers
skills | 1 | Retrain combustion-engine specialists through modular part-time courses
funding | 2 | Open a transformation loan window for supplier retooling
funding | 2 | Offer guarantees for diversification investments by tier-2 suppliers
funding | 2 | Fund transformation audits for small suppliers before they invest
network | 4 | Agree a joint work programme of the automotive and microelectronics clusters
network | 4 | Set up a shared services desk for the regional cluster organisations
internationalisation | 5 | Join a European strategic cluster partnership on battery value chains
internationalisation | 5 | Run matchmaking missions with partner regions in Czechia and Poland
internationalisation | 5 | Co-fund interregional demonstration projects with S3 partner regions
skills | 6 | Train municipal procurement officers in innovation procurement
funding | 6 | Launch a pre-commercial procurement pilot for automated public transport
governance | 6 | Publish a regional pipeline of public procurement needs in mobility and energy
funding | 7 | Help suppliers qualify for customers outside the automotive industry
funding | 7 | Fund market-entry projects in rail, medical technology and aerospace
funding | 8 | Create a hardware venture builder with the research institutes
infrastructure | 8 | Give spin-offs access to the institutes' pilot lines at cost price
funding | 8 | Extend the start-up grant to deep-tech teams with longer runways
network | 9 | Set up a succession exchange for family-owned suppliers
skills | 9 | Coach successors on digital business models through the clusters
governance | 10 | Tie cluster funding renewals to an agreed results framework
governance | 10 | Commission a mid-term evaluation of the cluster programme
governance | 11 | Create an inter-ministerial transformation board for the automotive region
governance | 11 | Publish a yearly transformation dashboard with 2020 baselines
regulation | 11 | Merge the three transformation funding calls into one portal
infrastructure | 7 | Open a shared test field for automated driving around Chemnitz and Zwickau
infrastructure | 2 | Extend 5G campus networks to supplier industrial parks
infrastructure | 4 | Fund a regional data space for supply-chain traceability
""")
# Who, as a sentence's subject | the responsible actor.
ACTORS = _rows("""
The ministry of economic affairs | Saxon State Ministry for Economic Affairs, Labour and Transport
The development bank | Sächsische Aufbaubank (SAB), the state development bank
The economic development agency | Wirtschaftsförderung Sachsen (WFS), the state's agency
The automotive cluster | Automotive cluster of Saxony (AMZ) with its member suppliers
Silicon Saxony | Silicon Saxony, the microelectronics cluster
The chambers of industry and commerce | Chambers of industry and commerce of Dresden and Chemnitz
The ministry of science | Saxon State Ministry for Science, Culture and Tourism (SMWK)
""")
OPENERS = _pool("""
The measure builds on the state's transformation strategy and would start with a pilot in {city}
in {year}.

A first call could open in {season} {year}, with {n} projects of up to EUR {amount} million each.

It targets the {n} firms the diagnosis found most exposed to the end of combustion-engine orders.

The clusters would recruit the first participants among their members in {city} and the
surrounding districts.
""")
DESIGN_NOTES = _pool("""
Its design should be agreed with the federal programmes, so that it complements rather than
duplicates them.

Progress would be reviewed yearly by the steering committee against the 2020 baseline.

Eligibility should be simple enough for firms with fewer than 50 employees to apply without
consultants.

The ERDF programme 2021-2027 can co-finance it under the smart specialisation priority.

Peer regions such as Upper Austria and Baden-Württemberg run similar schemes that can be visited
before the launch.
""")
BENEFITS = _pool("""
Keeps know-how and jobs in the region while the product mix changes.

Gives small firms access to what only large ones can afford today.

Makes the transformation measurable and the state's spending easier to justify.

Connects firms that would otherwise not meet, across sectors and borders.
""")
COSTS = _pool("""
Costs are about EUR {amount} million over four years, mostly staff.

The state would bear about EUR {amount} million a year; the ERDF can co-finance half.

Costs are modest: a coordinator post and about EUR {amount} million for the first calls.
""")
RISKS = _pool("""
Take-up may be slow if firms see it as another reporting burden.

Large firms may capture most of the support unless small ones get a reserved share.

The federal programmes may change their rules, forcing a redesign after two years.

Without a named owner in the ministry, the measure may stall after the pilot.

Demand may concentrate around Dresden and leave the rural districts behind.
""")
# Name | value | unit | year | benchmark value | benchmark label | bottleneck (index).
INDICATORS = _rows("""
Business R&D expenditure | 1.31 | % of GDP | 2019 | 1.46 | EU-27 average | 2
Employment in high-tech manufacturing | 2.9 | % of employment | 2019 | 2.4 | EU-27 average | 0
SMEs introducing product innovations | 27.5 | % of SMEs | 2018 | 30.1 | EU-27 average | 7
Innovative SMEs collaborating with others | 9.1 | % of SMEs | 2018 | 11.6 | EU-27 average | 4
Public-private co-publications | 212 | per million population | 2019 | 151 | EU-27 average | 8
PCT patent applications | 2.8 | per billion GDP | 2018 | 3.6 | Germany | 8
Venture capital investment | 0.048 | % of GDP | 2019 | 0.041 | EU-27 average | 3
Tertiary education attainment, 25-34 years | 34.2 | % | 2019 | 40.3 | EU-27 average | 0
Lifelong learning participation | 7.9 | % of adults | 2019 | 10.8 | EU-27 average | 1
Exports of medium and high-tech products | 64 | % of exports | 2019 | 56.7 | EU-27 average | 7
Employment in knowledge-intensive services | 13.2 | % of employment | 2019 | 14.9 | Germany | 8
Enterprises with a fast broadband connection | 31 | % of enterprises | 2019 | | | 2
Suppliers with over 70% of sales to three customers | 58 | % of suppliers | 2020 | | | 7
Owners of supplier firms aged over 60 | 34 | % of owners | 2020 | | | 9
Innovative public procurement | 2.1 | % of procurement value | 2019 | 3.5 | Germany | 6
Cluster projects with a partner abroad | 12 | % of projects | 2020 | 25 | EU cluster average | 5
""")
# Kind | title | source, for the evidence that is not an indicator.
EVIDENCE_KINDS = _rows("""
interview | Interviews on {topic} | EOCIC mission notes, {month} {year}
publication | Study on {topic} in Saxony | {institute}, {year}
workshop | Workshop with cluster members on {topic} | EOCIC workshop report, {month} {year}
survey | Survey of {n} suppliers: {topic} | AMZ and EOCIC survey, {year}
site_visit | Site visit in {city}: {topic} | EOCIC mission notes, {month} {year}
dataset | Regional data on {topic} | Statistical Office of the Free State of Saxony
""")
INSTITUTES = _rows("""
ifo Institute, Dresden branch
Fraunhofer Centre for International Management and Knowledge Economy
Chemnitz University of Technology
Leibniz Institute for Economic Research Halle (IWH)
""")
EXCERPTS = _pool("""
Half of the firms interviewed named {topic} as one of their three main obstacles.

Respondents described {topic} as the main reason to postpone investment decisions.

Participants agreed that {topic} is the issue where the state can make most difference.

The figures confirm the pattern seen in the interviews, with stronger effects in the rural
districts.

Several managers said they would act within a year if the conditions changed.
""")
# Kind | title | location.
MISSIONS = _rows("""
site_visit | Kick-off mission in Dresden | Dresden, Germany
interviews | Interviews with supplier managers | Chemnitz and Zwickau, Germany
workshop | Skills workshop with the chambers and vocational schools | Leipzig, Germany
site_visit | Visit of the fabs and their supplier parks | Dresden, Germany
desk_research | Review of federal and state transformation programmes |
remote_meeting | Finance round table with the development bank | Online
workshop | Cross-cluster workshop on power electronics | Freiberg, Germany
peer_review | Peer review with Upper Austria and Baden-Württemberg | Linz, Austria
interviews | Interviews in the three ministries | Dresden, Germany
workshop | Validation workshop of the recommendations | Chemnitz, Germany
""")
ORGANISATIONS = list(
    itertools.chain.from_iterable(
        _rows("""
SMWA | SAB | WFS | AMZ | Silicon Saxony | Energy Saxony | IHK Chemnitz | IHK Dresden
TU Chemnitz | TU Dresden | Fraunhofer ENAS | Regional employment agency
""")
    )
)
(CITIES,) = _rows("Dresden | Leipzig | Chemnitz | Zwickau | Freiberg | Görlitz | Plauen")
# Title | due | completed on.
MILESTONES = _rows("""
Scope agreed with the ministry | 2020-04-30 | 2020-04-28
Diagnosis validated by the steering committee | 2020-11-30 | 2020-12-04
Recommendations discussed with the clusters | 2021-03-31 | 2021-03-26
Policy briefing delivered | 2021-06-30 |
Follow-up review of the recommendations | 2022-06-30 |
""")


@dataclass
class _Fill:
    """Fills the `{slots}` of the text pools from a seeded random, so every run writes the same."""

    rng: random.Random

    def __call__(self, template: str, **given: object) -> str:
        slots: dict[str, object] = {
            "city": self.rng.choice(CITIES),
            "year": self.rng.choice([2020, 2021, 2022]),
            "season": self.rng.choice(["spring", "autumn"]),
            "n": self.rng.choice([12, 20, 35, 60, 120]),
            "amount": self.rng.choice([0.5, 1.2, 2.5, 4, 8]),
            "month": self.rng.choice(["March", "June", "September", "November"]),
            "institute": self.rng.choice(INSTITUTES)[0],
        }
        return template.format(**(slots | given))

    def sentences(self, *pools: list[str], **given: object) -> str:
        return " ".join(self(self.rng.choice(pool), **given) for pool in pools)


def _team(session: Session) -> list[int]:
    """Ids of the engagement's consultants: two of the demo's, then the bench's own (created
    once, without a password: they never log in)."""
    for email, name in BENCH_CONSULTANTS:
        if session.scalar(select(User.id).where(User.email == email)) is None:
            session.add(User(email=email, full_name=name, role=Role.CONSULTANT, is_active=True))
    session.flush()
    emails = DEMO_TEAM + [email for email, _ in BENCH_CONSULTANTS]
    ids = dict(session.execute(select(User.email, User.id).where(User.email.in_(emails))).all())
    return [ids[email] for email in emails]


def build_large(session: Session, reference: str, seed: int = 2020) -> None:
    """A large engagement in Saxony, the same for a given seed: 4 challenges, 12 bottlenecks,
    30 recommendations, 60 evidence items, 10 missions, 5 milestones."""
    fill = _Fill(random.Random(seed))
    team = _team(session)
    region_id = session.scalar(select(Region.id).where(Region.nuts_code == "DED"))
    if region_id is None:
        raise BenchError("the demo data has no region DED (Saxony)")
    created = datetime(2020, 2, 3, 9, 0, tzinfo=UTC)
    engagement = Engagement(
        reference=reference,
        title="Cluster policy for Saxony's automotive and microelectronics transformation",
        summary=(
            "Saxony asked the observatory how its cluster policy can help the automotive supply "
            "base through the shift to electric drives, and turn the microelectronics investments "
            "around Dresden into regional firms and jobs. The work covers skills, finance, "
            "cooperation between clusters and regions, and the steering of the many programmes "
            "involved."
        ),
        kind=EngagementKind.REGIONAL_ADVICE,
        region_id=region_id,
        phase=Phase.REPORTING,
        planned_start=date(2020, 3, 1),
        planned_end=date(2021, 9, 30),
        lead_consultant_id=team[0],
        created_at=created,
        theme_rows=[EngagementTheme(theme=t) for t in (Theme.KETS, Theme.DIGITALISATION)],
        objective_rows=[EngagementObjective(objective=Objective.INDUSTRIAL_MODERNISATION)],
        member_rows=[EngagementMember(user_id=u) for u in team],
    )
    session.add(engagement)
    session.flush()
    steps = [None, Phase.SCOPING, Phase.DIAGNOSIS, Phase.RECOMMENDATIONS, Phase.REPORTING]
    session.add_all(
        PhaseChange(
            engagement_id=engagement.id,
            from_phase=before,
            to_phase=after,
            actor_id=team[0],
            at=created + timedelta(days=130 * n),
            note="" if before else "Engagement created",
        )
        for n, (before, after) in enumerate(itertools.pairwise(steps))
    )
    bottlenecks = _add_diagnosis(session, engagement.id, fill)
    recommendations = _add_recommendations(session, engagement.id, fill, bottlenecks)
    _add_evidence(session, engagement.id, fill, bottlenecks, recommendations)
    _add_missions(session, engagement.id, fill, team)
    session.add_all(
        Milestone(
            engagement_id=engagement.id,
            title=title,
            due_date=date.fromisoformat(due),
            completed_on=date.fromisoformat(done) if done else None,
        )
        for title, due, done in MILESTONES
    )
    session.flush()


def _add_diagnosis(session: Session, eid: int, fill: _Fill) -> list[Bottleneck]:
    challenges = [
        Challenge(engagement_id=eid, title=title, description=" ".join(lines), priority=1 + n // 2)
        for n, (title, *lines) in enumerate(CHALLENGES)
    ]
    session.add_all(challenges)
    session.flush()
    bottlenecks = []
    for facts, title, *lines in BOTTLENECKS:
        condition, challenge, status, _topic = (c.strip() for c in facts.split("|"))
        bottlenecks.append(
            Bottleneck(
                engagement_id=eid,
                challenge_id=challenges[int(challenge)].id,
                title=title,
                description=" ".join(lines),
                framework_condition=FrameworkCondition(condition),
                severity=2 if status == "dismissed" else fill.rng.randint(3, 5),
                status=BottleneckStatus(status),
            )
        )
    session.add_all(bottlenecks)
    session.flush()
    return bottlenecks


def _topic(bottleneck: int) -> str:
    return BOTTLENECKS[bottleneck][0].rsplit("|", 1)[1].strip()


def _add_recommendations(
    session: Session, eid: int, fill: _Fill, bottlenecks: list[Bottleneck]
) -> list[Recommendation]:
    """Each addresses its main bottleneck and up to two more (never a dismissed one)."""
    rng = fill.rng
    shown = [b for b in bottlenecks if b.status != BottleneckStatus.DISMISSED]
    recommendations = []
    for n, (instrument, main, title) in enumerate(RECOMMENDATIONS, start=1):
        who, actor = rng.choice(ACTORS)
        shared = n <= 6  # the first ones went to the client with an earlier briefing
        addressed = {bottlenecks[int(main)], *rng.sample(shown, rng.randint(0, 2))}
        recommendations.append(
            Recommendation(
                engagement_id=eid,
                code=f"R{n}",
                title=title,
                description=f"{who} should {title[0].lower()}{title[1:]}. "
                + fill.sentences(OPENERS, DESIGN_NOTES, DESIGN_NOTES),
                benefits_costs=fill.sentences(BENEFITS, COSTS),
                risks=fill.sentences(RISKS, RISKS),
                responsible_actor=actor,
                instrument=Instrument(instrument),
                priority=rng.choice(list(Priority)),
                horizon=rng.choice(list(Horizon)),
                stage=Stage.SHARED if shared else Stage.DRAFT,
                shared_at=datetime(2021, 4, 15, 10, 0, tzinfo=UTC) if shared else None,
                bottleneck_rows=[
                    RecommendationBottleneck(engagement_id=eid, bottleneck_id=b.id)
                    for b in sorted(addressed, key=lambda b: b.id)
                ],
            )
        )
    session.add_all(recommendations)
    session.flush()
    return recommendations


def _indicator(eid: int, row: list[str]) -> Evidence:
    name, value, unit, year, benchmark, benchmark_label, _about = row
    return Evidence(
        engagement_id=eid,
        kind=EvidenceKind.INDICATOR,
        title=name,
        source="Regional Innovation Scoreboard 2021, European Commission"
        if "EU" in benchmark_label
        else "Statistical Office of the Free State of Saxony",
        url="https://ec.europa.eu/growth/" if "EU" in benchmark_label else None,
        published_on=date(int(year) + 1, 6, 21),
        indicator_name=name,
        indicator_value=float(value),
        indicator_unit=unit,
        indicator_year=int(year),
        benchmark_value=float(benchmark) if benchmark else None,
        benchmark_label=benchmark_label or None,
    )


def _add_evidence(
    session: Session,
    eid: int,
    fill: _Fill,
    bottlenecks: list[Bottleneck],
    recommendations: list[Recommendation],
) -> None:
    """60 items: the indicators, then texts on the bottlenecks' topics; each bears on its
    bottleneck and often on a challenge (context) or a recommendation too."""
    rng = fill.rng
    items = [(_indicator(eid, row), int(row[-1])) for row in INDICATORS]
    while len(items) < 60:
        about = rng.randrange(len(bottlenecks))
        kind, title, source = EVIDENCE_KINDS[len(items) % len(EVIDENCE_KINDS)]
        evidence = Evidence(
            engagement_id=eid,
            kind=EvidenceKind(kind),
            title=fill(title, topic=_topic(about)),
            source=fill(source),
            published_on=date(2020, 1, 1) + timedelta(days=rng.randrange(540)),
            excerpt=fill.sentences(EXCERPTS, EXCERPTS, topic=_topic(about)),
        )
        items.append((evidence, about))
    session.add_all(evidence for evidence, _ in items)
    session.flush()
    for evidence, about in items:
        bottleneck = bottlenecks[about]
        dismissed = bottleneck.status == BottleneckStatus.DISMISSED
        links = [
            EvidenceLink(
                bottleneck_id=bottleneck.id,
                relation=Relation.CONTRADICTS if dismissed else Relation.SUPPORTS,
                note="Follow-on rounds come from investors outside Saxony." if dismissed else "",
            )
        ]
        if rng.random() < 0.3 and bottleneck.challenge_id:
            links.append(
                EvidenceLink(challenge_id=bottleneck.challenge_id, relation=Relation.CONTEXT)
            )
        if rng.random() < 0.5:
            target = rng.choice(recommendations).id
            links.append(EvidenceLink(recommendation_id=target, relation=Relation.SUPPORTS))
        for link in links:
            link.engagement_id, link.evidence_id = eid, evidence.id
        session.add_all(links)


def _add_missions(session: Session, eid: int, fill: _Fill, team: list[int]) -> None:
    rng = fill.rng
    start = date(2020, 3, 16)
    for kind, title, location in MISSIONS:
        days = rng.randint(1, 2) if kind in ("site_visit", "interviews") else 0
        organisations = rng.sample(ORGANISATIONS, rng.randint(3, 6))
        met = f"{', '.join(organisations[:-1])} and {organisations[-1]}"
        session.add(
            Mission(
                engagement_id=eid,
                kind=MissionKind(kind),
                title=title,
                start_date=start,
                end_date=start + timedelta(days=days) if days else None,
                location=location,
                participants_count=rng.randint(6, 40),
                participant_organisations=organisations,
                summary=f"The team met {met}. "
                + fill.sentences(EXCERPTS, topic=_topic(rng.randrange(len(BOTTLENECKS)))),
                outcomes=fill.sentences(DESIGN_NOTES, BENEFITS),
                follow_up="The secretariat sends the data requested within a month.",
                consultant_rows=[
                    MissionConsultant(user_id=u) for u in rng.sample(team, rng.randint(1, 3))
                ],
            )
        )
        start += timedelta(days=rng.randint(35, 50))


def build_data(engine: Engine) -> None:
    """The demo portfolio, an admin who logs in, and the large engagement with its twin."""
    with make_sessionmaker(engine)() as session, session.begin():
        demo.seed(session)
        users.create(
            session,
            UserCreate(
                email=ADMIN_EMAIL,
                full_name="Bench Administrator",
                role=Role.ADMIN,
                password=ADMIN_PASSWORD,
            ),
        )
        build_large(session, LARGE_REFERENCE)
        build_large(session, TWIN_REFERENCE)


# -- in-process rendering --------------------------------------------------------------------------


@dataclass
class Subject:
    """One briefing measured: its view-model and HTML, and every timing taken of it."""

    name: str
    reference: str
    engagement_id: int = 0
    view: ReportView | None = None
    html: str = ""
    attachment: bytes = b""  # the JSON render_pdf attaches, built outside the timings
    view_s: float = 0.0
    pages: int = 0
    pdf_bytes: int = 0
    html_s: list[float] = field(default_factory=list)
    render_s: list[float] = field(default_factory=list)  # render_html + render_pdf
    bare_s: list[float] = field(default_factory=list)
    bare_cpu_s: list[float] = field(default_factory=list)
    served_s: list[float] = field(default_factory=list)
    served_cpu_s: list[float] = field(default_factory=list)
    download_s: list[float] = field(default_factory=list)
    report_id: int = 0

    def forget_timings(self) -> None:
        for timings in (self.html_s, self.render_s, self.bare_s, self.bare_cpu_s):
            timings.clear()


def load_views(engine: Engine, subjects: list[Subject]) -> None:
    """Build each briefing's view-model as the route does (timed: the median of 5, each in a
    fresh session) and its HTML."""
    sessions = make_sessionmaker(engine)
    for s in subjects:
        timings = []
        for _ in range(5):
            with sessions() as session:
                admin = session.scalar(select(User).where(User.email == ADMIN_EMAIL))
                engagement = session.scalar(
                    select(Engagement).where(Engagement.reference == s.reference)
                )
                if engagement is None:
                    raise BenchError(f"no engagement {s.reference}")
                started = time.perf_counter()
                view = prepare_draft(
                    session,
                    engagement,
                    kind=ReportKind.POLICY_BRIEFING,
                    language="en",
                    author=admin,
                )
                timings.append(time.perf_counter() - started)
                s.engagement_id = engagement.id
        s.view, s.view_s = view, statistics.median(timings)
        s.html = render_html(view)
        data = machine_readable(view)
        s.attachment = json.dumps(data, ensure_ascii=False, indent=2).encode()


def weasyprint_alone(s: Subject) -> tuple[bytes, int]:
    """The PDF of the subject's HTML by WeasyPrint with render_pdf's options (same base URL,
    fetcher, stylesheet, PDF/A variant, JSON attachment), and its page count."""
    assert s.view is not None
    fetcher = StaticOnlyFetcher()
    document = HTML(string=s.html, base_url=render.STATIC_DIR.as_uri() + "/", url_fetcher=fetcher)
    stylesheet = CSS(filename=str(render.STATIC_DIR / "report.css"), url_fetcher=fetcher)
    day = s.view.published_on or s.view.as_of
    stamp = datetime(day.year, day.month, day.day, tzinfo=UTC)
    attachment = Attachment(
        string=s.attachment,
        name=render.ATTACHMENT_NAME,
        description="The report's recommendations, bottlenecks and evidence as JSON",
        relationship="Data",
        url_fetcher=fetcher,
        created=stamp,
        modified=stamp,
    )
    options = {"pdf_variant": render.PDF_VARIANT, "stylesheets": [stylesheet]}
    rendered = document.render(**options)
    return rendered.write_pdf(
        attachments=[attachment], finisher=render._finish_accessibility, **options
    ), len(rendered.pages)


def render_in_process(s: Subject) -> None:
    """One repetition: the app's render (HTML + render_pdf) and WeasyPrint alone, same HTML."""
    assert s.view is not None
    started = time.perf_counter()
    html = render_html(s.view)
    s.html_s.append(time.perf_counter() - started)
    rendered = render_pdf(s.view, html=html)
    s.render_s.append(time.perf_counter() - started)
    started, cpu = time.perf_counter(), time.process_time()
    _pdf, pages = weasyprint_alone(s)
    s.bare_s.append(time.perf_counter() - started)
    s.bare_cpu_s.append(time.process_time() - cpu)
    if pages != rendered.page_count:
        raise BenchError(
            f"{s.name}: WeasyPrint alone laid out {pages} pages, render_pdf "
            f"{rendered.page_count}: the bare call no longer mirrors render_pdf's options"
        )
    s.pages, s.pdf_bytes = rendered.page_count, len(rendered.pdf)


# -- server ----------------------------------------------------------------------------------------


def server_errors() -> list[str]:
    """The exception that ended each unhandled error in the server's log (an HTTP 500)."""
    chunks = SERVER_LOG.read_text(errors="replace").split("Exception in ASGI application")[1:]
    pattern = re.compile(r"^[\w.]+(?:Error|Exception): .*$", re.MULTILINE)
    return [found[-1][:160] for chunk in chunks if (found := pattern.findall(chunk))]


@dataclass
class Api:
    port: int
    headers: dict[str, str] = field(default_factory=dict)  # the bearer token, once logged in

    def call(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        form: dict[str, str] | None = None,
        timeout: float = 10.0,
        connection: http.client.HTTPConnection | None = None,
    ) -> tuple[int, bytes]:
        """(status, body) of one request, on `connection` when given (keep-alive)."""
        headers = dict(self.headers)
        payload = None
        if body is not None:
            payload, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        if form is not None:
            payload = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        own = connection is None
        conn = connection or http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            conn.request(method, path, payload, headers)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            if own:
                conn.close()

    def render(self, engagement_id: int) -> dict[str, Any]:
        """POST a new draft policy briefing; the stored report's metadata."""
        path = f"/api/v1/engagements/{engagement_id}/reports"
        status, raw = self.call(
            "POST",
            path,
            body={"kind": "policy_briefing", "language": "en"},
            timeout=RENDER_TIMEOUT_S,
        )
        if status != 201:
            raise RenderFailed(f"POST {path} answered {status}: {raw[:300]!r}")
        report: dict[str, Any] = json.loads(raw)
        return report


# -- the server's processes: CPU and peak memory ---------------------------------------------------


def _stat(pid: int) -> list[str]:
    # After the command name: state, ppid, pgrp, ... utime (14th field), stime (15th).
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def process_tree(root: int) -> list[int]:
    """`root` and its descendants (render workers, multiprocessing's helpers)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            parents[int(entry.name)] = int(_stat(int(entry.name))[1])
        except (OSError, ValueError, IndexError):  # the process has just exited
            continue
    tree, grew = {root}, True
    while grew:
        children = {pid for pid, ppid in parents.items() if ppid in tree} - tree
        tree |= children
        grew = bool(children)
    return sorted(tree)


def tree_cpu_s(root: int) -> float:
    ticks = 0
    for pid in process_tree(root):
        try:
            fields = _stat(pid)
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class Memory:
    """The high-water mark (VmHWM) seen of each process of the server's tree, by role."""

    peaks: dict[int, tuple[str, int]] = field(default_factory=dict)  # pid -> (role, bytes)

    def sample(self, root: int) -> None:
        for pid in process_tree(root):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
            if match is None:
                continue
            role = "server" if pid == root else "helper"
            if b"spawn_main" in cmdline:
                role = "render worker"
            hwm = int(match.group(1)) * 1024
            self.peaks[pid] = (role, max(hwm, self.peaks.get(pid, (role, 0))[1]))

    def peak(self, role: str) -> int:
        return max((b for r, b in self.peaks.values() if r == role), default=0)

    def count(self, role: str) -> int:
        return sum(1 for r, _ in self.peaks.values() if r == role)


# -- served measurements ---------------------------------------------------------------------------


def served_render(api: Api, server: subprocess.Popen[bytes], s: Subject) -> None:
    """One end-to-end render: view-model, pool hop, PDF, storing; wall and server CPU time."""
    started, cpu = time.perf_counter(), tree_cpu_s(server.pid)
    report = api.render(s.engagement_id)
    s.served_s.append(time.perf_counter() - started)
    s.served_cpu_s.append(tree_cpu_s(server.pid) - cpu)
    if report["page_count"] != s.pages:
        raise BenchError(f"{s.name}: served {report['page_count']} pages, in-process {s.pages}")
    s.report_id = report["id"]


@dataclass
class Tally:
    """Renders sent while another one runs: how many, and the failures. A render that fails
    after its pages were laid out (an error while storing it) still loaded the machine as
    meant, so it is counted against a goal rather than ending the benchmark."""

    sent: int = 0
    failed: list[str] = field(default_factory=list)
    fatal: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def render(self, api: Api, engagement_id: int) -> bool:
        """One render; False when the thread should stop (a failure that rendered nothing)."""
        started = time.perf_counter()
        try:
            api.render(engagement_id)
        except RenderFailed as exc:
            with self.lock:
                self.failed.append(str(exc))
                if time.perf_counter() - started < MIN_RENDER_S:
                    self.fatal.append(f"failed at once: {exc}")
                    return False
        except Exception as exc:
            self.fatal.append(repr(exc))
            return False
        finally:
            with self.lock:
                self.sent += 1
        return True


def concurrently(
    api: Api, engagement_ids: list[int], tally: Tally, until: threading.Event | None
) -> list[threading.Thread]:
    """Start one thread per engagement, rendering its briefing once, or back to back `until`
    the event is set."""

    def run(engagement_id: int) -> None:
        while tally.render(api, engagement_id) and until is not None and not until.is_set():
            pass

    threads = [threading.Thread(target=run, args=(e,), daemon=True) for e in engagement_ids]
    for thread in threads:
        thread.start()
    return threads


def join(threads: list[threading.Thread], tally: Tally) -> None:
    for thread in threads:
        thread.join(timeout=RENDER_TIMEOUT_S)
    if tally.fatal or any(thread.is_alive() for thread in threads):
        raise BenchError(f"a render failed: {tally.fatal[0] if tally.fatal else 'timed out'}")


def warm_up(api: Api, subjects: list[Subject], tally: Tally) -> None:
    """Two renders at once, so that both render workers have started and loaded WeasyPrint and
    the fonts (the pool only starts a second worker when two renders overlap)."""
    join(concurrently(api, [s.engagement_id for s in subjects], tally, None), tally)


def downloads(api: Api, s: Subject, count: int) -> None:
    """GET the stored PDF `count` times on one keep-alive connection (after 5 untimed)."""
    path = f"/api/v1/engagements/{s.engagement_id}/reports/{s.report_id}/pdf"
    connection = http.client.HTTPConnection(HOST, api.port, timeout=10)
    try:
        for n in range(count + 5):
            started = time.perf_counter()
            status, pdf = api.call("GET", path, connection=connection)
            elapsed = time.perf_counter() - started
            if status != 200 or not pdf.startswith(b"%PDF"):
                raise BenchError(f"GET {path} answered {status}: {pdf[:100]!r}")
            if n >= 5:
                s.download_s.append(elapsed)
    finally:
        connection.close()


def wrk_p99_ms(port: int, duration: int) -> float:
    """p99 latency (ms) of `wrk -t1 -c8 --latency` on /healthz."""
    url = f"http://{HOST}:{port}/healthz"
    output, figures = run_wrk(url, threads=1, connections=8, duration=duration, headers={})
    if figures.errors:
        raise BenchError(f"/healthz failed under load:\n{output}")
    return figures.p99_ms


@dataclass
class Health:
    idle_p99_ms: float = 0.0
    busy_p99_ms: float = 0.0
    renders: int = 0  # large renders sent during the loaded window (the last ones end after it)


def health_under_renders(api: Api, twins: list[int], duration: int, tally: Tally) -> Health:
    """/healthz p99 idle, then while two threads each render a large briefing back to back."""
    health = Health()
    wrk_p99_ms(api.port, 1)  # warm-up
    health.idle_p99_ms = wrk_p99_ms(api.port, duration)
    sent, stop = tally.sent, threading.Event()
    threads = concurrently(api, twins, tally, stop)
    time.sleep(1.0)  # past the view-model builds: both workers are laying out pages
    try:
        health.busy_p99_ms = wrk_p99_ms(api.port, duration)
    finally:
        stop.set()
        join(threads, tally)
    health.renders = tally.sent - sent
    return health


# -- report and main -------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


ROWS: list[tuple[str, Callable[[Subject], str]]] = [
    ("pages", lambda s: f"{s.pages}"),
    ("PDF size (KiB)", lambda s: f"{s.pdf_bytes / 1024:.0f}"),
    ("view-model build (ms)", lambda s: f"{s.view_s * 1000:.0f}"),
    ("render_html (ms)", lambda s: f"{median(s.html_s) * 1000:.0f}"),
    ("in-process render: HTML + PDF (s)", lambda s: f"{median(s.render_s):.2f}"),
    ("  pages/s", lambda s: f"{ratio(s.pages, median(s.render_s)):.1f}"),
    ("WeasyPrint alone, same HTML (s)", lambda s: f"{median(s.bare_s):.2f}"),
    ("served: POST .../reports end-to-end (s)", lambda s: f"{median(s.served_s):.2f}"),
    ("  pages/s", lambda s: f"{ratio(s.pages, median(s.served_s)):.1f}"),
    ("  CPU s, server and its workers", lambda s: f"{median(s.served_cpu_s):.2f}"),
    ("  CPU s of WeasyPrint alone", lambda s: f"{median(s.bare_cpu_s):.2f}"),
    (
        "  CPU end-to-end / WeasyPrint alone",
        lambda s: f"{ratio(median(s.served_cpu_s), median(s.bare_cpu_s)):.2f}",
    ),
    ("stored download: GET .../pdf (ms)", lambda s: f"{median(s.download_s) * 1000:.2f}"),
]


def goals(subjects: list[Subject], health: Health, tally: Tally) -> list[tuple[str, str, bool]]:
    """(what, figure against goal, met) of each goal."""
    checks = []
    for s in subjects:
        overhead = ratio(median(s.served_s), median(s.bare_s))
        speedup = ratio(median(s.served_s), median(s.download_s))
        checks += [
            (
                f"{s.name}: end-to-end / WeasyPrint alone",
                f"{overhead:.2f} (<= {GOAL_OVERHEAD})",
                overhead <= GOAL_OVERHEAD,
            ),
            (
                f"{s.name}: render / stored download",
                f"{speedup:.0f}x (>= {GOAL_DOWNLOAD:.0f}x)",
                speedup >= GOAL_DOWNLOAD,
            ),
        ]
    busy = ratio(health.busy_p99_ms, health.idle_p99_ms)
    checks.append(
        ("/healthz p99, two renders / idle", f"{busy:.2f} (<= {GOAL_HEALTH})", busy <= GOAL_HEALTH)
    )
    failed = f"{len(tally.failed)} of {tally.sent} (0)"
    checks.append(("overlapping renders that failed", failed, not tally.failed))
    return checks


def report(
    subjects: list[Subject],
    health: Health,
    tally: Tally,
    memory: Memory,
    bench_peak: int,
    args: argparse.Namespace,
) -> bool:
    """Print the figures and the goals; True when every goal is met."""
    print(
        f"\nPolicy briefings on {args.dialect}, median of {args.repeat} runs, "
        f"{os.cpu_count()} CPUs (in-process, served and WeasyPrint alone interleaved)"
    )
    width = 42
    print(f"{'':<{width}}" + "".join(f"{s.name:>10}" for s in subjects))
    for name, cell in ROWS:
        print(f"{name:<{width}}" + "".join(f"{cell(s):>10}" for s in subjects))
    print(
        f"/healthz p99, wrk -t1 -c8 -d{args.duration}s: idle {health.idle_p99_ms:.2f} ms; "
        f"two large renders running {health.busy_p99_ms:.2f} ms ({health.renders} renders sent)"
    )
    print(
        f"peak memory (VmHWM): server {memory.peak('server') / MIB:.0f} MiB, render worker "
        f"{memory.peak('render worker') / MIB:.0f} MiB (largest of "
        f"{memory.count('render worker')}); bench process with its in-process renders "
        f"{bench_peak / MIB:.0f} MiB"
    )
    if tally.failed:
        errors = collections.Counter(server_errors())
        print(f"failed renders; the server log, {SERVER_LOG.relative_to(ROOT)}, says:")
        for error, count in errors.most_common(3):
            print(f"  {count} x {error}")
    checks = goals(subjects, health, tally)
    print()
    for name, figure, met in checks:
        print(f"{name:<{width}}{figure:>24}  {'PASS' if met else 'MISS'}")
    return all(met for *_, met in checks)


def measure(args: argparse.Namespace, url: str, subjects: list[Subject], twin: Subject) -> bool:
    """Serve the database and take every figure; True when every goal is met."""
    large = subjects[1]
    api = Api(free_port())
    print(f"starting uvicorn (1 worker, 2 render workers) on port {api.port}", flush=True)
    # One worker, two render processes; the server's output goes to SERVER_LOG.
    env = {"CLUSTERCASE_RENDER_WORKERS": "2"}
    server = start_server(url, api.port, env=env, log=SERVER_LOG)
    memory, tally = Memory(), Tally()
    try:
        base = f"http://{HOST}:{api.port}"
        wait_ready(base, server)
        api.headers = login(base, ADMIN_EMAIL, ADMIN_PASSWORD)
        print("warming up the render workers (two renders at once)", flush=True)
        warm_up(api, subjects, tally)
        # Interleaved, so that the ratios compare runs made under the same load of the machine.
        for n in range(1, args.repeat + 1):
            for s in subjects:
                print(f"  run {n}/{args.repeat}: {s.name} in-process, alone, served", flush=True)
                render_in_process(s)
                served_render(api, server, s)
        bench_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        memory.sample(server.pid)
        print(f"downloading the stored PDFs ({args.downloads} times each)", flush=True)
        for s in subjects:
            downloads(api, s, args.downloads)
        print(f"/healthz idle, then with two large renders ({args.duration} s each)", flush=True)
        health = health_under_renders(
            api, [large.engagement_id, twin.engagement_id], args.duration, tally
        )
        memory.sample(server.pid)
    finally:
        print("stopping the server", flush=True)
        stop_server(server)
    return report(subjects, health, tally, memory, bench_peak, args)


def benchmark(args: argparse.Namespace, url: str) -> bool:
    """Build the database, warm the in-process renderer up, then measure."""
    args.dialect = make_url(url).get_backend_name()
    print(f"building the database ({args.dialect}): demo portfolio, large engagement", flush=True)
    started = time.monotonic()
    engine = reset_database(url)
    build_data(engine)
    subjects = [Subject("demo", DEMO_REFERENCE), Subject("large", LARGE_REFERENCE)]
    twin = Subject("twin", TWIN_REFERENCE)
    load_views(engine, [*subjects, twin])
    engine.dispose()
    print(f"  built in {time.monotonic() - started:.1f} s; warming up WeasyPrint", flush=True)
    render_in_process(subjects[0])
    subjects[0].forget_timings()
    return measure(args, url, subjects, twin)


LIMITS = {"repeat": (1, 20), "downloads": (5, 1000), "duration": (2, 60)}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_bounded(parser, {"repeat": 3, "downloads": 50, "duration": 5}, LIMITS)
    parser.add_argument(
        "--database-url",
        help="a database to DROP and rebuild, whose name contains 'bench' "
        "(default: a SQLite file, bench/out/report_bench.db)",
    )
    return parse_bounded(parser, argv, LIMITS)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = args.database_url or f"sqlite:///{ROOT / 'bench' / 'out' / 'report_bench.db'}"
    started = time.monotonic()

    def timed() -> bool:
        met = benchmark(args, url)
        print(f"\ndone in {time.monotonic() - started:.0f} s")
        return met

    return run(timed)


if __name__ == "__main__":
    sys.exit(main())
