""" "Changes since version N": what differs between the last published version's snapshot and
a new report, in sentences a reader can check against the two documents."""

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from app.reports.viewmodel import ChangesView, ReportView, to_snapshot

# Recommendation fields whose change is worth telling the reader, with their names in prose:
# short values are told as old → new; texts, as revised (the new text is in the report).
_TRACKED = {
    "title": "title",
    "responsible_actor": "responsible actor",
    "instrument_label": "instrument",
    "priority_label": "priority",
    "horizon_label": "horizon",
    "response_label": "response",
    "implementation_label": "implementation",
}
_TEXTS = {
    "description": "description",
    "benefits_costs": "benefits and costs",
    "risks": "risks",
}


def changes_since(
    version_number: int,
    published_on: date | None,
    previous: Mapping[str, Any],
    view: ReportView,
) -> ChangesView:
    """The differences between `previous` (a stored snapshot) and `view`."""
    current = to_snapshot(view)
    lines = [
        *_recommendation_changes(previous.get("recommendations", []), current["recommendations"]),
        *_bottleneck_changes(previous.get("diagnosis", []), current["diagnosis"]),
        *_reference_changes(previous.get("references", []), current["references"]),
    ]
    if not lines:
        lines = ["No change in recommendations, diagnosis or evidence."]
    return ChangesView(since_version=version_number, since_date=published_on, lines=tuple(lines))


def _quoted(value: Any) -> str:
    """A short value as the reader saw it: "Pending", or "none" for an empty one."""
    return f"“{value}”" if value not in (None, "") else "none"


def _by(items: Sequence[Mapping[str, Any]], key: str) -> dict[Any, Mapping[str, Any]]:
    return {item[key]: item for item in items if key in item}


def _recommendation_changes(
    before: Sequence[Mapping[str, Any]], after: Sequence[Mapping[str, Any]]
) -> list[str]:
    old, new = _by(before, "id"), _by(after, "id")
    lines = [
        f"New recommendation {r['code']}: {r['title']}." for i, r in new.items() if i not in old
    ]
    lines += [
        f"Recommendation {r['code']} ({r['title']}) no longer appears."
        for i, r in old.items()
        if i not in new
    ]
    for rec_id, rec in new.items():
        if rec_id not in old:
            continue
        before_rec = old[rec_id]
        changed = [
            f"{prose} {_quoted(before_rec.get(key))} → {_quoted(rec.get(key))}"
            for key, prose in _TRACKED.items()
            if before_rec.get(key) != rec.get(key)
        ]
        revised = [prose for key, prose in _TEXTS.items() if before_rec.get(key) != rec.get(key)]
        if revised:
            changed.append(f"{' and '.join(revised)} revised")
        if changed:
            lines.append(f"{rec['code']} {rec['title']}: {'; '.join(changed)}.")
    return lines


def _bottlenecks(groups: Sequence[Mapping[str, Any]]) -> dict[Any, Mapping[str, Any]]:
    return _by([b for group in groups for b in group.get("bottlenecks", [])], "id")


def _bottleneck_changes(
    before: Sequence[Mapping[str, Any]], after: Sequence[Mapping[str, Any]]
) -> list[str]:
    old, new = _bottlenecks(before), _bottlenecks(after)
    lines = [f"New bottleneck: {b['title']}." for i, b in new.items() if i not in old]
    lines += [f"Bottleneck no longer listed: {b['title']}." for i, b in old.items() if i not in new]
    for b_id, b in new.items():
        if b_id in old and old[b_id].get("severity") != b.get("severity"):
            lines.append(
                f"Bottleneck {b['title']}: severity {old[b_id].get('severity')} → {b['severity']}."
            )
    return lines


def _reference_changes(
    before: Sequence[Mapping[str, Any]], after: Sequence[Mapping[str, Any]]
) -> list[str]:
    added = len(set(_by(after, "evidence_id")) - set(_by(before, "evidence_id")))
    if not added:
        return []
    return [f"{added} new evidence source{'s' if added > 1 else ''} cited."]
