"""The executive summary's generated paragraphs: counts a reader can verify in the report.

The key findings (app/services/report_view.py) and the table of recommendations are printed
beside these paragraphs by the templates; the counts here are made from the same lists, so
they add up: every recommendation has one priority and one horizon.
"""

from collections import Counter
from collections.abc import Iterable

from app.reports.numbers import number
from app.reports.viewmodel import RecommendationView, ReportView


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{number(n)} {word if n == 1 else plural or word + 's'}"


def _series(parts: Iterable[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    items = list(parts)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def executive_summary(view: ReportView) -> tuple[str, ...]:
    """Paragraphs for the summary: the engagement's own summary, then the report in figures."""
    paragraphs = [view.engagement.summary] if view.engagement.summary else []
    if view.kind == "progress_report":
        return (*paragraphs, _status(view))
    bottlenecks = view.bottlenecks
    if bottlenecks or view.challenges:
        conditions = _plural(len(view.diagnosis), "framework condition")
        if view.kind == "assessment_report":
            states = Counter(b.status_code for b in bottlenecks)
            found = (
                f"{_plural(len(bottlenecks), 'bottleneck')} ({states['confirmed']} confirmed, "
                f"{_plural(states['hypothesis'], 'hypothesis', 'hypotheses')} still to test, "
                f"{states['dismissed']} dismissed)"
            )
        else:
            found = _plural(len(bottlenecks), "confirmed bottleneck")
        paragraphs.append(
            f"The diagnosis finds {found} across {conditions}, behind "
            f"{_plural(len(view.challenges), 'challenge')}, and cites "
            f"{_plural(len(view.references), 'source')}."
        )
    if view.recommendations:
        paragraphs.append(_recommendation_counts(view.recommendations))
    return tuple(paragraphs)


def _recommendation_counts(recommendations: tuple[RecommendationView, ...]) -> str:
    priorities = Counter(r.priority for r in recommendations)
    horizons = Counter(r.horizon for r in recommendations)
    by_priority = _series(
        f"{priorities[p]} {p}" for p in ("high", "medium", "low") if priorities[p]
    )
    by_horizon = _series(
        f"{horizons[h]} {h}-term" for h in ("short", "medium", "long") if horizons[h]
    )
    return (
        f"It makes {_plural(len(recommendations), 'recommendation')}: by priority, "
        f"{by_priority}; by horizon, {by_horizon}."
    )


def _status(view: ReportView) -> str:
    """The progress report's one-paragraph status of the engagement."""
    stage = view.engagement.client_stage  # the client's words, never the workflow's phase
    parts = [
        f"As of {view.as_of.day} {view.as_of:%B %Y}"
        + (f", the engagement is at the stage “{stage.lower()}”." if stage else ".")
    ]
    recs = view.recommendations
    if recs:
        committed = sum(1 for r in recs if r.response in ("accepted", "partially_accepted"))
        pending = [r for r in recs if r.days_pending is not None]
        sentence = (
            f"Of {_plural(len(recs), 'shared recommendation')}, {committed} "
            f"{'is' if committed == 1 else 'are'} accepted in full or in part"
        )
        if pending:
            longest = max(r.days_pending or 0 for r in pending)
            sentence += (
                f" and {len(pending)} still await{'s' if len(pending) == 1 else ''} a response "
                f"(the longest for {_plural(longest, 'day')})"
            )
        parts.append(sentence + ".")
        implemented = sum(
            1 for r in recs if r.implementation in ("most_respects", "fully_implemented")
        )
        parts.append(
            f"{implemented} {'is' if implemented == 1 else 'are'} implemented in most respects "
            "or fully."
        )
        overdue = [r.code for r in recs if r.days_overdue]
        if overdue:
            parts.append(f"A self-assessment is overdue for {_series(overdue)}.")
        differ = [r.code for r in recs if r.disagreement]
        if differ:
            parts.append(
                "The client's self-assessment and the advisory team's rating differ for "
                f"{_series(differ)}."
            )
    else:
        parts.append("No recommendation has been shared yet.")
    if view.milestones:
        done = sum(1 for m in view.milestones if m.completed_on)
        late = [m for m in view.milestones if m.overdue]
        sentence = f"Milestones: {done} of {len(view.milestones)} completed"
        if late:
            worst = max(m.days_overdue for m in late)
            sentence += (
                f"; {len(late)} {'is' if len(late) == 1 else 'are'} overdue, "
                f"the most by {_plural(worst, 'day')}"
            )
        parts.append(sentence + ".")
    return " ".join(parts)
