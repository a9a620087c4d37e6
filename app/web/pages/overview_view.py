"""What the overview shows, in words: the phase stepper, the moves the workflow allows, where to
fix each readiness problem, and the audit trail as sentences. Presentation only: the rules are
app/services/workflow.py's, the entries app/services/audit.py's."""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from app.models import AuditEntry, Engagement
from app.schemas.common import Problem
from app.services import workflow
from app.services.workflow import Step
from app.vocab import Phase
from app.web.templating import day, label

# --- Readiness: where to fix each problem --------------------------------------------------------

# The workspace page of each kind of object a problem names (#anchor: its item on that page).
_PAGES = {
    "challenge": ("diagnosis", "challenge"),
    "bottleneck": ("diagnosis", "bottleneck"),
    "evidence": ("evidence", "evidence"),
    "recommendation": ("recommendations", "recommendation"),
    "report": ("reports", ""),
    "milestone": ("", "milestone"),
    "mission": ("missions", ""),
}
# Problems about the engagement as a whole: the page where the missing thing is added.
_PAGES_BY_CODE = {
    "no_challenge": "diagnosis",
    "no_confirmed_bottleneck": "diagnosis",
    "no_recommendation": "recommendations",
    "no_published_policy_briefing": "reports",
    "no_mission": "missions",
}


def problem_link(engagement_id: int, problem: Problem) -> str | None:
    """The page (and item) where `problem` is fixed; None when no page fixes it."""
    base = f"/engagements/{engagement_id}"
    if problem.entity_type in _PAGES:
        tab, anchor = _PAGES[problem.entity_type]
        url = f"{base}/{tab}" if tab else base
        return f"{url}#{anchor}-{problem.entity_id}" if anchor else url
    page = _PAGES_BY_CODE.get(problem.code)
    return f"{base}/{page}" if page else None


# --- The phase stepper and the moves ----------------------------------------------------------


@dataclass(frozen=True)
class StepperItem:
    phase: Phase
    state: str  # done | current | on_hold | cancelled | todo


def stepper(engagement: Engagement, left_from: Phase | None) -> list[StepperItem]:
    """The main line of phases, marked done up to where the engagement stands (or stood when
    it was put on hold or cancelled: `left_from`)."""
    where = {Phase.ON_HOLD: left_from, Phase.CANCELLED: left_from}.get(
        engagement.phase, engagement.phase
    )
    line = workflow.MAIN_LINE
    at = line.index(where) if where in line else -1
    items = []
    for i, phase in enumerate(line):
        if i < at or (phase == Phase.CLOSED and i == at):
            state = "done"
        elif i == at:
            state = {Phase.ON_HOLD: "on_hold", Phase.CANCELLED: "cancelled"}.get(
                engagement.phase, "current"
            )
        else:
            state = "todo"
        items.append(StepperItem(phase, state))
    return items


@dataclass(frozen=True)
class Move:
    to: Phase
    step: Step

    @property
    def text(self) -> str:
        """What the button says."""
        return {
            Step.FORWARD: f"Move to {label(self.to)}",
            Step.BACK: f"Go back to {label(self.to)}",
            Step.HOLD: "Put on hold",
            Step.RESUME: f"Resume in {label(self.to)}",
            Step.CANCEL: "Cancel engagement",
        }[self.step]


_ORDER = (Step.FORWARD, Step.RESUME, Step.HOLD, Step.CANCEL, Step.BACK)


def moves(engagement: Engagement) -> list[Move]:
    """The moves the workflow allows from the engagement's phase: forward first, back last."""
    found = [Move(to, rule.step) for to, rule in workflow.allowed_targets(engagement).items()]
    return sorted(found, key=lambda move: _ORDER.index(move.step))


def forward_target(engagement: Engagement) -> Phase | None:
    """The next phase of the main line, when the engagement may step forward."""
    for to, rule in workflow.allowed_targets(engagement).items():
        if rule.step is Step.FORWARD:
            return to
    return None


# --- Recent activity --------------------------------------------------------------------------

_VERBS = {"create": "added", "update": "changed", "delete": "deleted", "transition": "moved"}
_NAME_FIELDS = ("title", "code", "reference", "full_name", "name")
_PEOPLE_FIELDS = frozenset(
    {"lead_consultant_id", "member_ids", "user_ids", "consultant_ids", "user_id", "created_by_id"}
)
_VOCAB_FIELDS = frozenset(
    {
        "phase",
        "phase_before_hold",
        "kind",
        "status",
        "stage",
        "themes",
        "objectives",
        "framework_condition",
        "relation",
        "instrument",
        "priority",
        "horizon",
        "response",
        "implementation",
    }
)
_FIELD_LABELS = {
    "lead_consultant_id": "Lead consultant",
    "member_ids": "Team",
    "user_ids": "Team",
    "consultant_ids": "Consultants",
    "bottleneck_ids": "Bottlenecks addressed",
    "created_by_id": "Created by",
    "challenge_id": "Challenge",
}
_HIDDEN_FIELDS = frozenset({"engagement_id", "phase_before_hold", "sha256", "search_text"})
MAX_FIELDS = 5
MAX_TEXT = 80


@dataclass(frozen=True)
class Activity:
    at: datetime
    who: str
    what: str
    changes: list[tuple[str, str, str]]


def field_label(name: str) -> str:
    return _FIELD_LABELS.get(name) or label(name)


def shown(name: str, value: Any, names: Mapping[int, str]) -> str:
    """A recorded value as a reader reads it: labels, names, dates in words, kept short."""
    if value is None or value == "" or value == []:
        return "(empty)"
    if isinstance(value, list):
        return ", ".join(shown(name, v, names) for v in value)
    if name in _PEOPLE_FIELDS and str(value).isdigit():
        return names.get(int(value), f"user {value}")
    if name in _VOCAB_FIELDS:
        return label(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and len(value) == 10 and value[4:5] == "-":
        try:
            return day(date.fromisoformat(value))
        except ValueError:
            pass
    text = str(value)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def people_in(fields: Iterable[tuple[str, Any]]) -> set[int]:
    """The users named by (field, value) pairs of people fields (ids, or lists of ids)."""
    ids: set[int] = set()
    for name, value in fields:
        if name in _PEOPLE_FIELDS:
            values = value if isinstance(value, list) else [value]
            ids.update(int(v) for v in values if str(v).isdigit())
    return ids


def recorded_fields(entries: Iterable[AuditEntry]) -> Iterator[tuple[str, Any]]:
    """Each entry's actor and every old and new value it records, as (field, value)."""
    for entry in entries:
        yield "user_id", entry.actor_id
        for name, pair in entry.changes.items():
            for value in pair:
                yield name, value


def _what(entry: AuditEntry) -> str:
    verb = _VERBS.get(entry.action, entry.action)
    thing = label(entry.entity_type).lower()
    side = 0 if entry.action == "delete" else 1
    for name in _NAME_FIELDS:
        pair = entry.changes.get(name)
        if entry.action in ("create", "delete") and pair and pair[side]:
            return f"{verb} {thing} “{shown(name, pair[side], {})}”"
    return f"{verb} {thing}"


def activity(entries: Sequence[AuditEntry], names: Mapping[int, str]) -> list[Activity]:
    """The entries as sentences: who, when, what, and for a change each field's old → new."""
    result = []
    for entry in entries:
        changes: list[tuple[str, str, str]] = []
        if entry.action in ("update", "transition"):
            for name, (old, new) in entry.changes.items():
                if name not in _HIDDEN_FIELDS and len(changes) < MAX_FIELDS:
                    changes.append(
                        (field_label(name), shown(name, old, names), shown(name, new, names))
                    )
        who = names.get(entry.actor_id, "Someone") if entry.actor_id else "The system"
        result.append(Activity(entry.at, who, _what(entry), changes))
    return result


def humane_stale(
    stale: Iterable[tuple[str, Any, Any]], names: Mapping[int, str]
) -> list[tuple[str, str, str]]:
    """forms.stale_changes in words (the stale notice shows them as they are)."""
    return [
        (field_label(n), shown(n, before, names), shown(n, now, names)) for n, before, now in stale
    ]
