"""The executive summary's generated paragraphs: counts a reader can verify in the report."""

from collections import Counter

from app.reports.viewmodel import ReportView


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def executive_summary(view: ReportView) -> tuple[str, ...]:
    """Paragraphs for the summary: the engagement's own summary, then the report in figures."""
    paragraphs = [view.engagement.summary] if view.engagement.summary else []
    if view.kind == "progress_report":
        return (*paragraphs, *_progress(view))
    bottlenecks = view.bottlenecks
    confirmed = sum(1 for b in bottlenecks if b.status == "Confirmed")
    if view.challenges or bottlenecks:
        paragraphs.append(
            f"The diagnosis covers {_plural(len(view.challenges), 'challenge')} and "
            f"{_plural(len(bottlenecks), 'bottleneck')} ({confirmed} confirmed) across "
            f"{_plural(len(view.diagnosis), 'framework condition')}, backed by "
            f"{_plural(len(view.references), 'cited source')}."
        )
    if view.recommendations:
        high = sum(1 for r in view.recommendations if r.priority == "high")
        horizons = Counter(r.horizon_label.lower() for r in view.recommendations)
        spread = ", ".join(f"{n} {h}-term" for h, n in sorted(horizons.items()))
        paragraphs.append(
            f"It makes {_plural(len(view.recommendations), 'recommendation')}, "
            f"{high} of them high priority ({spread})."
        )
    return tuple(paragraphs)


def _progress(view: ReportView) -> list[str]:
    overdue = sum(1 for m in view.milestones if m.overdue)
    done = sum(1 for m in view.milestones if m.completed_on)
    # A client document: the stage in the client's words, never the workflow's phase.
    stage = view.engagement.client_stage
    lines = [
        (f"Current stage: {stage[0].lower()}{stage[1:]}. " if stage else "")
        + f"{done} of {_plural(len(view.milestones), 'milestone')} completed, {overdue} overdue."
    ]
    if view.recommendations:
        responded = sum(1 for r in view.recommendations if r.response != "pending")
        implemented = sum(
            1
            for r in view.recommendations
            if r.implementation in ("most_respects", "fully_implemented")
        )
        lines.append(
            f"Of {_plural(len(view.recommendations), 'shared recommendation')}, {responded} have a "
            f"response and {implemented} are implemented in most respects or fully."
        )
    return lines
