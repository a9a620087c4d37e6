"""The rows of one synthetic engagement (app/seed/synthetic.py), as plain dicts keyed by
column name, every column set explicitly (defaults too: COPY applies none), ids taken from the
caller's counters. Everything comes from one random generator seeded with the seed and the
engagement's number, and every date from fixed ranges around ANCHOR, never from today.

Content follows the engagement's phase: bottlenecks are hypotheses early and mostly confirmed
later; recommendations are drafts until the follow-up, when most have been shared by one
policy briefing; closed engagements have a response to every shared recommendation; every
confirmed bottleneck has a `supports` evidence link (the workflow's gate). Amounts do not
depend on the phase, so that the averages hold whatever the mix of phases.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from random import Random
from typing import Any

from app.seed import synthetic_text as words
from app.seed.synthetic_text import pick
from app.vocab import (
    BottleneckStatus,
    EngagementKind,
    EvidenceKind,
    FrameworkCondition,
    Horizon,
    Implementation,
    Instrument,
    MissionKind,
    Objective,
    Phase,
    Priority,
    Relation,
    Response,
    Role,
    Stage,
    Theme,
    label,
)

ANCHOR = date(2026, 11, 1)  # the data's "today": nothing happens after it
Rows = dict[str, list[dict[str, Any]]]

FLOW: tuple[Phase, ...] = (Phase.SCOPING, Phase.DIAGNOSIS, Phase.RECOMMENDATIONS)
FLOW += (Phase.REPORTING, Phase.FOLLOW_UP, Phase.CLOSED)
PHASE_WEIGHTS = {
    **{Phase.SCOPING: 14, Phase.DIAGNOSIS: 18, Phase.RECOMMENDATIONS: 16, Phase.REPORTING: 12},
    **{Phase.FOLLOW_UP: 14, Phase.CLOSED: 14, Phase.ON_HOLD: 6, Phase.CANCELLED: 6},
}
# Planned start, by how far the work went (the rank of the phase in FLOW).
STARTS = (
    (date(2025, 9, 1), date(2026, 10, 15)),
    (date(2025, 1, 1), date(2026, 6, 30)),
    (date(2024, 6, 1), date(2026, 3, 31)),
    (date(2024, 1, 1), date(2025, 12, 31)),
    (date(2021, 1, 1), date(2025, 6, 30)),
    (date(2019, 1, 1), date(2024, 6, 30)),
)
EVIDENCE_KINDS = dict(zip(EvidenceKind, (20, 25, 10, 15, 10, 10, 5, 5), strict=True))
RESPONSES = {
    Response.ACCEPTED: 45,
    Response.PARTIALLY_ACCEPTED: 25,
    Response.NOTED: 18,
    Response.REJECTED: 12,
}
RATINGS = dict(zip(Implementation, (30, 35, 20, 15), strict=True))


@dataclass(frozen=True)
class Reference:
    """The stored reference rows the engagements draw from, in the vocabulary's order."""

    regions: list[tuple[int, str, str]]  # id, name, country
    partnerships: list[tuple[int, str]]  # id, name
    consultants: list[int]


@dataclass(frozen=True)
class Case:
    seed: int
    n: int
    reference: Reference


def build_engagement(case: Case, ids: dict[str, int], out: Rows) -> None:
    """Append the rows of engagement `case.n` to `out`, taking ids from `ids`."""
    _Builder(case, ids, out).build()


def _weighted(rng: Random, weights: dict[Any, int]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _between(rng: Random, low: date, high: date) -> date:
    return low + timedelta(days=rng.randint(0, max(0, (high - low).days)))


INDICATOR_FIELDS: tuple[str, ...] = (
    "indicator_name",
    "indicator_value",
    "indicator_unit",
    "indicator_year",
)
INDICATOR_FIELDS += ("benchmark_value", "benchmark_label")


def _indicator_fields(
    rng: Random, indicator: tuple[str, str, float, float], year: int
) -> dict[str, Any]:
    name, unit, typical, benchmark = indicator
    return {
        "indicator_name": name,
        "indicator_value": round(typical * rng.uniform(0.5, 1.4), 2),
        "indicator_unit": unit,
        "indicator_year": year,
        "benchmark_value": benchmark,
        "benchmark_label": "EU-27 average",
    }


class _Builder:
    def __init__(self, case: Case, ids: dict[str, int], out: Rows) -> None:
        self.rng = Random(f"clustercase-synthetic:{case.seed}:{case.n}")
        self.case, self.ids, self.out = case, ids, out
        self.challenges: list[int] = []
        self.bottlenecks: list[tuple[int, BottleneckStatus, str]] = []  # id, status, problem
        self.evidence: list[int] = []
        self.recommendations: list[int] = []

    def take(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def add(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        self.out[table].append(row)
        return row

    def versioned(self, table: str, at: datetime) -> dict[str, Any]:
        return {"id": self.take(table), "version": 1, "created_at": at, "updated_at": at}

    def build(self) -> None:
        self.engagement()
        self.workflow()
        self.milestones()
        self.missions()
        self.diagnosis()
        self.evidence_items()
        for i in range(1, self.rng.randint(10, 30) + 1):
            self.recommendation(i)
        self.links()

    # -- the engagement ----------------------------------------------------------------------------

    def engagement(self) -> None:
        rng, reference = self.rng, self.case.reference
        self.phase: Phase = _weighted(rng, PHASE_WEIGHTS)
        self.before_hold = rng.choice(FLOW[:4]) if self.phase == Phase.ON_HOLD else None
        if self.phase in FLOW:
            self.rank = FLOW.index(self.phase)
        else:
            self.rank = FLOW.index(self.before_hold) if self.before_hold else rng.randint(0, 3)
        self.start = _between(rng, *STARTS[self.rank])
        self.end = self.start + timedelta(days=rng.randint(240, 900))
        self.created = _at(self.start - timedelta(days=rng.randint(10, 60)))
        self.sector = pick(rng, words.SECTORS)
        regional = rng.random() < 0.75
        if regional:
            client_id, self.client, _ = rng.choice(reference.regions)
        else:
            client_id, self.client = rng.choice(reference.partnerships)
        self.team = rng.sample(reference.consultants, rng.randint(3, 4))
        self.lead = self.team[0]
        themes = rng.sample(list(Theme), rng.randint(1, 3))
        objectives = rng.sample(list(Objective), rng.randint(1, 2))
        self.id = self.take("engagements")
        self.add(
            "engagements",
            self.versioned_id(self.id)
            | {
                "reference": f"SYN-{self.case.seed}-{self.case.n:06d}",
                "title": f"{self.client}: {self.sector}, {label(themes[0]).lower()} for "
                f"{label(objectives[0]).lower()}",
                "summary": f"Advisory support to {self.client} on modernising its {self.sector} "
                "cluster programme: the bottlenecks of its regional ecosystem, and policy "
                "instruments that connect its clusters with interregional value chains.",
                "kind": (
                    EngagementKind.REGIONAL_ADVICE
                    if regional
                    else EngagementKind.PARTNERSHIP_SUPPORT
                ).value,
                "region_id": client_id if regional else None,
                "partnership_id": None if regional else client_id,
                "phase": self.phase.value,
                "phase_before_hold": self.before_hold.value if self.before_hold else None,
                "planned_start": self.start,
                "planned_end": self.end,
                "lead_consultant_id": self.lead,
            },
        )
        for theme in themes:
            self.add("engagement_themes", {"engagement_id": self.id, "theme": theme.value})
        for objective in objectives:
            self.add(
                "engagement_objectives", {"engagement_id": self.id, "objective": objective.value}
            )
        for user_id in self.team:
            self.add("engagement_members", {"engagement_id": self.id, "user_id": user_id})

    def versioned_id(self, id_: int) -> dict[str, Any]:
        return {"id": id_, "version": 1, "created_at": self.created, "updated_at": self.created}

    def workflow(self) -> None:
        steps: list[Phase] = list(FLOW[: self.rank + 1])
        if self.phase in (Phase.ON_HOLD, Phase.CANCELLED):
            steps.append(self.phase)
        for i, (before, after) in enumerate(zip([None, *steps], steps, strict=False)):
            self.add(
                "phase_changes",
                {
                    "id": self.take("phase_changes"),
                    "engagement_id": self.id,
                    "from_phase": before.value if before else None,
                    "to_phase": after.value,
                    "note": "Engagement created" if before is None else f"Moved to {label(after)}",
                    "actor_id": self.lead,
                    "at": self.created + timedelta(days=45 * i),
                },
            )

    def milestones(self) -> None:
        rng = self.rng
        titles = sorted(rng.sample(range(len(words.MILESTONES)), rng.randint(3, 5)))
        span = (self.end - self.start).days
        for i, title in enumerate(titles, start=1):
            due = self.start + timedelta(days=span * i // len(titles))
            done = due < ANCHOR and (self.phase == Phase.CLOSED or rng.random() < 0.85)
            completed = min(due + timedelta(days=rng.randint(-10, 20)), ANCHOR) if done else None
            self.add(
                "milestones",
                self.versioned("milestones", self.created)
                | {"engagement_id": self.id, "title": words.MILESTONES[title]}
                | {"due_date": due, "completed_on": completed},
            )

    def missions(self) -> None:
        rng = self.rng
        for _ in range(rng.randint(0, 2) if self.rank == 0 else rng.randint(1, 5)):
            kind = rng.choice(list(MissionKind))
            start = _between(rng, self.start, min(self.end, ANCHOR))
            mission_id = self.take("missions")
            self.add(
                "missions",
                self.versioned_id(mission_id)
                | {"id": mission_id, "engagement_id": self.id, "kind": kind.value}
                | {"title": f"{label(kind)}: the {self.sector} cluster of {self.client}"}
                | {"start_date": start, "end_date": start + timedelta(days=rng.randint(0, 3))}
                | {"location": self.client, "participants_count": rng.randint(5, 60)}
                | {"participant_organisations": rng.sample(words.ORGANISATIONS, rng.randint(2, 4))}
                | {
                    "summary": words.sentence(rng, self.sector),
                    "outcomes": words.sentence(rng, self.sector),
                }
                | {"follow_up": words.sentence(rng, self.sector)},
            )
            for user_id in rng.sample(self.team, rng.randint(1, 2)):
                self.add("mission_consultants", {"mission_id": mission_id, "user_id": user_id})

    # -- diagnosis and evidence --------------------------------------------------------------------

    def diagnosis(self) -> None:
        rng = self.rng
        for title in rng.sample(words.CHALLENGES, rng.randint(2, 4)):
            row = self.add(
                "challenges",
                self.versioned("challenges", self.created)
                | {"engagement_id": self.id, "title": title.format(sector=self.sector)}
                | {"description": words.sentence(rng, self.sector), "priority": rng.randint(1, 3)},
            )
            self.challenges.append(row["id"])
        for _ in range(rng.randint(5, 11)):
            condition = rng.choice(list(FrameworkCondition))
            title, problem = rng.choice(words.PROBLEMS[condition])
            status = self.bottleneck_status()
            row = self.add(
                "bottlenecks",
                self.versioned("bottlenecks", self.created)
                | {"engagement_id": self.id, "framework_condition": condition.value}
                | {"challenge_id": rng.choice(self.challenges) if rng.random() < 0.8 else None}
                | {"title": f"{title} ({self.sector})", "severity": rng.randint(1, 5)}
                | {
                    "description": f"In {self.client}, {problem}. "
                    + words.sentence(rng, self.sector)
                }
                | {"status": status.value},
            )
            self.bottlenecks.append((row["id"], status, problem))

    def bottleneck_status(self) -> BottleneckStatus:
        if self.rank == 0:
            return BottleneckStatus.HYPOTHESIS
        weights = (50, 40, 10) if self.rank == 1 else (10, 75, 15)
        return _weighted(self.rng, dict(zip(BottleneckStatus, weights, strict=True)))

    def evidence_items(self) -> None:
        rng = self.rng
        for _ in range(rng.randint(10, 20)):
            kind: EvidenceKind = _weighted(rng, EVIDENCE_KINDS)
            row = self.versioned("evidence", self.created) | {
                "engagement_id": self.id,
                "kind": kind.value,
                "title": f"{label(kind)} on the {self.sector} ecosystem of {self.client}",
                "url": None,
                "source": pick(rng, words.PUBLISHERS),
                "published_on": self.start - timedelta(days=rng.randint(0, 700)),
                "excerpt": words.sentence(rng, self.sector),
            }
            if rng.random() < 0.7:
                row["url"] = f"https://data.example.org/{self.id}/{row['id']}"
            if kind == EvidenceKind.INDICATOR:
                indicator = rng.choice(words.INDICATORS)
                row["title"] = f"{indicator[0]} in {self.client}"
                row |= _indicator_fields(rng, indicator, self.start.year - 1)
            else:
                row |= dict.fromkeys(INDICATOR_FIELDS)
            self.evidence.append(self.add("evidence", row)["id"])

    def links(self) -> None:
        """Every confirmed bottleneck supported by one evidence item, then random links up to
        40-60 in all, never twice the same evidence and target."""
        rng = self.rng
        wanted = rng.randint(40, 60)
        made: set[tuple[int, str, int]] = set()
        for bottleneck_id, status, _ in self.bottlenecks:
            if status == BottleneckStatus.CONFIRMED:
                self.link(
                    made, rng.choice(self.evidence), "bottleneck_id", bottleneck_id, supports=True
                )
        targets = {
            "challenge_id": (self.challenges, 15),
            "bottleneck_id": ([b[0] for b in self.bottlenecks], 40),
            "recommendation_id": (self.recommendations, 45),
        }
        columns, weights = list(targets), [weight for _, weight in targets.values()]
        while len(made) < wanted:
            column = rng.choices(columns, weights=weights)[0]
            target = rng.choice(targets[column][0])
            self.link(made, rng.choice(self.evidence), column, target, supports=False)

    def link(
        self,
        made: set[tuple[int, str, int]],
        evidence: int,
        column: str,
        target: int,
        supports: bool,
    ) -> None:
        if (evidence, column, target) in made:
            return
        made.add((evidence, column, target))
        relation = (
            Relation.SUPPORTS
            if supports
            else _weighted(
                self.rng, {Relation.SUPPORTS: 70, Relation.CONTEXT: 20, Relation.CONTRADICTS: 10}
            )
        )
        row: dict[str, Any] = {"id": self.take("evidence_links"), "engagement_id": self.id}
        row["evidence_id"] = evidence
        row |= {"challenge_id": None, "bottleneck_id": None, "recommendation_id": None}
        row |= {column: target, "relation": relation.value, "note": ""}
        self.add("evidence_links", row)

    # -- recommendations and their follow-up -------------------------------------------------------

    def recommendation(self, number: int) -> None:
        rng = self.rng
        instrument = rng.choice(list(Instrument))
        open_ = [
            b for b in self.bottlenecks if b[1] != BottleneckStatus.DISMISSED
        ] or self.bottlenecks
        addressed = rng.sample(open_, min(len(open_), rng.randint(1, 2)))
        actor = pick(rng, words.ACTORS)
        description, benefits, risks = words.recommendation_texts(
            rng, instrument, self.sector, addressed[0][2], actor
        )
        stage = self.stage()
        row = self.add(
            "recommendations",
            self.versioned("recommendations", self.created)
            | {"engagement_id": self.id, "code": f"R{number}"}
            | {"title": words.recommendation_title(rng, instrument, self.sector)}
            | {"description": description, "benefits_costs": benefits, "risks": risks}
            | {"responsible_actor": actor, "instrument": instrument.value}
            | {
                "priority": rng.choice(list(Priority)).value,
                "horizon": rng.choice(list(Horizon)).value,
            }
            | {"stage": stage.value, "shared_at": None, "response": Response.PENDING.value}
            | {"implementation": Implementation.NOT_IMPLEMENTED.value}
            | {"self_assessment": None, "validated_implementation": None},
        )
        self.recommendations.append(row["id"])
        for bottleneck_id, _, _ in addressed:
            self.add(
                "recommendation_bottlenecks",
                {
                    "recommendation_id": row["id"],
                    "bottleneck_id": bottleneck_id,
                    "engagement_id": self.id,
                },
            )
        if stage == Stage.SHARED:
            self.follow_up(row)

    def stage(self) -> Stage:
        if self.rank <= 3:
            return _weighted(self.rng, {Stage.DRAFT: 92, Stage.WITHDRAWN: 8})
        if self.rank == 4:
            return _weighted(self.rng, {Stage.SHARED: 75, Stage.DRAFT: 15, Stage.WITHDRAWN: 10})
        return _weighted(self.rng, {Stage.SHARED: 85, Stage.WITHDRAWN: 15})

    @property
    def shared_on(self) -> date:
        """The day the policy briefing shared the recommendations (one briefing for all)."""
        if not hasattr(self, "_shared_on"):
            day = self.start + timedelta(days=self.rng.randint(200, 420))
            self._shared_on = min(day, ANCHOR - timedelta(days=30))
        return self._shared_on

    def follow_up(self, row: dict[str, Any]) -> None:
        """Share it; most get a response (all in closed engagements) and a rating, recorded as
        one or two updates by the lead consultant, and some an indicator."""
        rng = self.rng
        row["shared_at"] = _at(self.shared_on, 11)
        if self.rank == 5 or rng.random() < 0.65:
            response: Response = _weighted(rng, RESPONSES)
            rating: Implementation | None = None
            if response in (Response.ACCEPTED, Response.PARTIALLY_ACCEPTED):
                rating = _weighted(rng, RATINGS)
            answered = min(self.shared_on + timedelta(days=rng.randint(20, 120)), ANCHOR)
            if rating is None or rng.random() < 0.6:
                self.update(row, answered, response, rating)
            else:
                self.update(row, answered, response, None)
                rated = min(answered + timedelta(days=rng.randint(60, 300)), ANCHOR)
                self.update(row, rated, None, rating)
            row["response"] = response.value
            if rating is not None:
                row["validated_implementation"] = row["implementation"] = rating.value
        if rng.random() < 0.25:
            self.indicator(row)

    def update(
        self,
        row: dict[str, Any],
        as_of: date,
        response: Response | None,
        rating: Implementation | None,
    ) -> None:
        parts = [f"response {label(response).lower()}" if response else ""]
        parts.append(f"implemented in {label(rating).lower()}" if rating else "")
        self.add(
            "recommendation_updates",
            {"id": self.take("recommendation_updates"), "engagement_id": self.id}
            | {"recommendation_id": row["id"], "response": response.value if response else None}
            | {"implementation": rating.value if rating else None, "as_of": as_of}
            | {"comment": f"{self.client}: {', '.join(p for p in parts if p)}."}
            | {
                "author_id": self.lead,
                "author_role": Role.CONSULTANT.value,
                "created_at": _at(as_of, 15),
            },
        )

    def indicator(self, row: dict[str, Any]) -> None:
        rng = self.rng
        name, unit, typical, _ = rng.choice(words.INDICATORS)
        baseline = round(typical * rng.uniform(0.6, 1.2), 2)
        target = round(baseline * rng.uniform(1.1, 1.5), 2)
        indicator = self.add(
            "indicators",
            self.versioned("indicators", row["shared_at"])
            | {"engagement_id": self.id, "recommendation_id": row["id"], "name": name, "unit": unit}
            | {"baseline_value": baseline, "baseline_year": self.shared_on.year}
            | {"target_value": target, "target_year": self.shared_on.year + rng.randint(2, 5)},
        )
        for k in range(1, rng.randint(0, 2) + 1):
            measured = min(self.shared_on + timedelta(days=180 * k), ANCHOR)
            self.add(
                "indicator_measurements",
                {"id": self.take("indicator_measurements"), "engagement_id": self.id}
                | {"indicator_id": indicator["id"], "measured_on": measured, "note": ""}
                | {"value": round(baseline + (target - baseline) * rng.uniform(-0.2, 0.8), 2)}
                | {"author_id": self.lead, "author_role": Role.CONSULTANT.value}
                | {"created_at": _at(measured, 16)},
            )
