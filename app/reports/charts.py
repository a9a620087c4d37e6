"""Server-side SVG charts for the reports (issue #4), reusable by web pages.

Pure functions of frozen dataclasses, each returning one standalone `<svg>` as Markup to inline in
HTML. Labels are user-typed and hostile: every argument string is escaped and placed only in text
nodes, never in attributes, and the markup refers to nothing outside itself (no href, url(), style
sheet or image). Meaning never rests on hue: fills are lightness steps of one navy and every number
is also written as text, so the charts survive greyscale print.

User units are about 0.25 mm: 680 fill a 170 mm A4 column, where font size 12 is 8.5 pt. The svg
is width="100%" with its height from the viewBox (a size in mm would beat report.css, which
WeasyPrint applies at user origin). Text widths are estimated from DejaVu Sans metrics, one of the
widest sans fonts, so a narrower fallback font only leaves more room.
"""

import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from app.reports import numbers

WIDTH = 680
FONT = "'DejaVu Sans', sans-serif"
INK, MUTED, NAVY, RULE, BAND, WHITE = "#1d232b", "#5c6570", "#1f3a5f", "#c7ccd3", "#f2f4f7", "#fff"
OUTLINE, VALUE = "#8a939e", "#7f95b2"
MINUS, EN_DASH, ELLIPSIS = "\u2212", "\u2013", "\u2026"  # typographic minus, range dash, ellipsis
# One navy in five lightness steps, CIE L* 91, 78, 61, 42, 24: distinct in greyscale.
SEVERITY_FILLS = ("#dfe5ee", "#b3c1d3", "#7f95b2", "#4a6488", "#1f3a5f")
SEVERITY_NAMES = ("1 minor", "2", "3", "4", "5 critical")
PLAN_YEARS = 5
# horizon -> (first year, last year on the axis, name, span)
HORIZONS = {
    "short": (0.0, 1.0, "Short term", "< 1 year"),
    "medium": (1.0, 3.0, "Medium term", f"1{EN_DASH}3 years"),
    "long": (3.0, 5.0, "Long term", "> 3 years"),
}
# priority -> (marker text, fill L* 24 / 48 / 83, text colour)
PRIORITIES = {
    "high": ("High", NAVY, WHITE),
    "medium": ("Medium", "#5b7594", WHITE),
    "low": ("Low", "#c5d0dd", INK),
}


@dataclass(frozen=True)
class SeverityBar:
    label: str
    counts: tuple[int, int, int, int, int]  # confirmed bottlenecks by severity 1 (minor) .. 5

    def __post_init__(self) -> None:
        if len(self.counts) != 5 or any(count < 0 for count in self.counts):
            raise ValueError("counts must be five non-negative numbers, severity 1 to 5")


@dataclass(frozen=True)
class PlanItem:
    code: str
    title: str
    horizon: str  # short (<1 year) | medium (1-3 years) | long (>3 years)
    priority: str  # high | medium | low

    def __post_init__(self) -> None:
        if self.horizon not in HORIZONS or self.priority not in PRIORITIES:
            raise ValueError(f"unknown horizon or priority: {self.horizon!r}, {self.priority!r}")


@dataclass(frozen=True)
class CountBar:
    label: str
    value: float  # a count, or a percentage when the chart is drawn with percent=True
    note: str = ""  # written after the value, e.g. "3 of 5"


@dataclass(frozen=True)
class IndicatorBar:
    label: str
    value: float
    unit: str
    benchmark: float | None
    benchmark_label: str
    higher_is_better: bool | None = None  # None: the direction is not known, so not stated


# --- text ---------------------------------------------------------------------------------------

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NARROW = frozenset(" '!,./:;I[\\]()-fijlrt|")
_WIDE = frozenset(f"%&@#+<=>^~mwMW{ELLIPSIS}{MINUS}")


def _clean(text: str) -> str:
    """Drop what XML cannot carry (control characters, e.g. a pasted vertical tab), fold spaces."""
    return " ".join(_NOT_XML.sub(" ", str(text)).split())


def _width(text: str, size: float, bold: bool = False) -> float:
    em = 0.0
    for char in text:
        if char in _NARROW:
            em += 0.38
        elif char in _WIDE or unicodedata.east_asian_width(char) in "WF":
            em += 1.0
        else:
            em += 0.74 if char.isupper() else 0.64
    return em * size * (1.1 if bold else 1.0)


def _fit(text: str, width: float, size: float, bold: bool = False) -> str:
    """The text, cut with an ellipsis where it would be wider than `width`."""
    if _width(text, size, bold) <= width:
        return text
    text = text[: int(width / (0.28 * size)) + 1]  # no more characters than could ever fit
    while text and _width(text + ELLIPSIS, size, bold) > width:
        text = text[:-1]
    return text.rstrip() + ELLIPSIS


def _wrap(text: str, width: float, size: float, lines: int = 2) -> list[str]:
    words, out, current = text.split(), [], ""
    for index, word in enumerate(words):
        trial = f"{current} {word}".strip()
        if not current or _width(trial, size) <= width:
            current = trial
            continue
        out.append(current)
        if len(out) == lines - 1:
            current = " ".join(words[index:])
            break
        current = word
    out.append(current)
    return [_fit(line, width, size) for line in out]


def _number(value: float) -> str:
    if not math.isfinite(value):
        return "n/a"
    magnitude = abs(value)
    if magnitude >= 100 or float(value).is_integer():
        text = f"{magnitude:,.0f}"
    elif magnitude >= 1:
        text = f"{magnitude:.2f}".rstrip("0").rstrip(".")
    else:
        text = f"{magnitude:.2g}"
    return (MINUS if value < 0 and text.strip("0.") else "") + text


def _quantity(value: float, unit: str) -> str:
    """As the report's tables write it ("9.6% of SMEs"), so a chart and its table agree."""
    return numbers.quantity(value, _clean(unit))


# --- svg primitives -----------------------------------------------------------------------------


def _n(value: float) -> str:
    return f"{round(value, 1) + 0.0:.1f}".removesuffix(".0")


def _text(
    x: float, y: float, content: str, *, size: float = 12, anchor: str = "start",
    fill: str = INK, bold: bool = False,
) -> str:  # fmt: skip
    attrs = f'x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}"'
    attrs += f' text-anchor="{anchor}"' if anchor != "start" else ""
    attrs += f' fill="{fill}"' if fill != INK else ""
    attrs += ' font-weight="bold"' if bold else ""
    return f"<text {attrs}>{escape(content)}</text>"


def _rect(x: float, y: float, w: float, h: float, fill: str, stroke: str | None = None) -> str:
    edge = f' stroke="{stroke}" stroke-width="0.8"' if stroke else ""
    return f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="{fill}"{edge}/>'


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str, width: float = 1) -> str:
    return (
        f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" '
        f'stroke="{stroke}" stroke-width="{_n(width)}"/>'
    )


def _svg(
    height: float, title: str, desc: Sequence[str], body: Sequence[str], width: float = WIDTH
) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'width="100%" role="img" font-family="{FONT}" fill="{INK}">'
    )
    # WeasyPrint tags an inline SVG as a Figure whose /Alt is its <title>: the title, then the
    # data in words, for a screen reader (docs/reports-accessibility.md).
    alt = f"{title}. {' '.join(desc)}" if desc else title
    parts = [head, f"<title>{escape(alt)}</title>", f"<desc>{escape(' '.join(desc))}</desc>"]
    return Markup("\n".join([*parts, *body, "</svg>"]))


def _heading(title: str, width: float = WIDTH) -> list[str]:
    return [_text(0, 16, _fit(title, width, 14, bold=True), size=14, fill=NAVY, bold=True)]


def _legend(y: float, lead: str, items: Sequence[tuple[str, str]]) -> tuple[list[str], float]:
    """A row of swatches with their names after a lead word; returns the parts and the end x."""
    parts, x = [_text(0, y + 9, lead, size=11, fill=MUTED)], _width(lead, 11) + 10
    for fill, name in items:
        parts.append(_rect(x, y, 18, 11, fill, OUTLINE))
        parts.append(_text(x + 23, y + 9.5, name, size=11))
        x += 23 + _width(name, 11) + 14
    return parts, x


def _label(text: str, x: float, middle: float, width: float, size: float = 12) -> list[str]:
    """A label in up to two lines, centred vertically on `middle`."""
    lines = _wrap(_clean(text), width, size)
    first = middle + 0.36 * size - (len(lines) - 1) * size * 0.6
    return [_text(x, first + i * size * 1.2, line, size=size) for i, line in enumerate(lines)]


def _no_data(title: str) -> Markup:
    body = [*_heading(title), _rect(0, 28, WIDTH, 40, BAND)]
    body.append(_text(WIDTH / 2, 52, "No data", size=12, anchor="middle", fill=MUTED))
    return _svg(72, title, ["No data."], body)


# --- diagnosis by framework condition and severity ----------------------------------------------

SEV_TOP, SEV_ROW, SEV_BAR, SEV_X = 64, 34, 20, 200
SEV_WIDTH = WIDTH - SEV_X - 44  # room for the total after the longest bar


def severity_chart(bars: Sequence[SeverityBar], *, title: str) -> Markup:
    """One stacked bar per framework condition, segments by severity, counts written on them."""
    title = _clean(title)
    if not bars:
        return _no_data(title)
    scale = SEV_WIDTH / max(1, *(sum(bar.counts) for bar in bars))
    body = (
        _heading(title)
        + _legend(32, "Severity", list(zip(SEVERITY_FILLS, SEVERITY_NAMES, strict=True)))[0]
    )
    desc = []
    for index, bar in enumerate(bars):
        top = SEV_TOP + index * SEV_ROW
        body += _label(bar.label, 0, top + SEV_ROW / 2, SEV_X - 12)
        body += _stack(bar.counts, top + (SEV_ROW - SEV_BAR) / 2, scale)
        total = sum(bar.counts)
        body.append(
            _text(SEV_X + total * scale + 6, top + SEV_ROW / 2 + 4.3, str(total), bold=True)
        )
        shares = ", ".join(f"{n} of severity {s}" for s, n in enumerate(bar.counts, 1) if n)
        desc.append(f"{_clean(bar.label)}: {total} confirmed bottlenecks ({shares or 'none'}).")
    body.append(_line(SEV_X, SEV_TOP - 4, SEV_X, SEV_TOP + len(bars) * SEV_ROW, OUTLINE))
    return _svg(SEV_TOP + len(bars) * SEV_ROW + 8, title, desc, body)


def _stack(counts: Sequence[int], top: float, scale: float) -> list[str]:
    parts, x = [], float(SEV_X)
    for severity, count in enumerate(counts):
        if not count:
            continue
        width = count * scale
        # White hairlines between segments keep neighbours apart even at equal grey.
        parts.append(_rect(x, top, width, SEV_BAR, SEVERITY_FILLS[severity], WHITE))
        if _width(str(count), 11, bold=True) + 4 <= width:
            colour = WHITE if severity >= 3 else INK
            middle = x + width / 2
            parts.append(_text(middle, top + 14, str(count), size=11, anchor="middle",
                               fill=colour, bold=True))  # fmt: skip
        x += width
    return parts


# --- action plan by horizon ---------------------------------------------------------------------

PLAN_TOP, PLAN_ROW, PLAN_BAR, PLAN_X = 100, 20, 14, 290
YEAR = (WIDTH - PLAN_X - 2) / PLAN_YEARS


def action_plan_chart(items: Sequence[PlanItem], *, start_year: int) -> Markup:
    """A timeline of five years from `start_year`: one bar per recommendation in its horizon,
    in the order of the action plan's table (horizon, then priority, then the given order)."""
    title = f"Action plan by horizon, {start_year} to {start_year + PLAN_YEARS - 1}"
    if not items:
        return _no_data(title)
    horizons, priorities = list(HORIZONS), list(PRIORITIES)
    ranked = sorted(
        enumerate(items),
        key=lambda p: (horizons.index(p[1].horizon), priorities.index(p[1].priority), p[0]),
    )
    bottom = PLAN_TOP + len(items) * PLAN_ROW
    legend = [(fill, name) for name, fill, _ in PRIORITIES.values()]
    body = _heading(title) + _legend(32, "Priority", legend)[0] + _plan_axis(start_year, bottom)
    desc = []
    for row, (_, item) in enumerate(ranked):
        body += _plan_row(item, PLAN_TOP + row * PLAN_ROW)
        name, span = HORIZONS[item.horizon][2:]
        desc.append(f"{_clean(item.code)} {_clean(item.title)}: {name.lower()} ({span}), "
                    f"{item.priority} priority.")  # fmt: skip
    return _svg(bottom + 6, title, desc, body)


def _plan_axis(start_year: int, bottom: float) -> list[str]:
    parts = []
    for band, (first, last, name, span) in enumerate(HORIZONS.values()):
        left, width = PLAN_X + first * YEAR, (last - first) * YEAR
        if band == 1:  # the middle band is shaded so that the three read as columns
            parts.append(_rect(left, 50, width, bottom - 50, BAND))
        parts.append(_text(left + width / 2, 62, _fit(name, width - 4, 11), size=11,
                           anchor="middle", fill=NAVY, bold=True))  # fmt: skip
        parts.append(_text(left + width / 2, 75, span, size=10.5, anchor="middle", fill=MUTED))
    for year in range(PLAN_YEARS + 1):
        x = PLAN_X + year * YEAR
        parts.append(_line(x, 80, x, bottom, OUTLINE if year in (0, 1, 3) else RULE, 0.8))
        if year < PLAN_YEARS:
            parts.append(_text(x + YEAR / 2, 92, str(start_year + year), size=10.5,
                               anchor="middle", fill=MUTED))  # fmt: skip
    parts.append(_line(0, PLAN_TOP - 3, WIDTH, PLAN_TOP - 3, OUTLINE, 0.8))
    return parts


def _plan_row(item: PlanItem, top: float) -> list[str]:
    code = _fit(_clean(item.code), 44, 11, bold=True)
    title_x = max(38.0, _width(code, 11, bold=True) + 8)
    baseline = top + PLAN_ROW / 2 + 4
    parts = [
        _line(0, top + PLAN_ROW, WIDTH, top + PLAN_ROW, RULE, 0.5),
        _text(0, baseline, code, size=11, bold=True, fill=NAVY),
        _text(title_x, baseline, _fit(_clean(item.title), PLAN_X - title_x - 8, 11), size=11),
    ]
    first, last = HORIZONS[item.horizon][:2]
    name, fill, colour = PRIORITIES[item.priority]
    left, right, y = PLAN_X + first * YEAR + 3, PLAN_X + last * YEAR - 3, top + 3
    if item.horizon == "long":  # open-ended: the bar ends in an arrow
        points = f"{_n(left)},{_n(y)} {_n(right - 7)},{_n(y)} {_n(right)},{_n(y + PLAN_BAR / 2)} "
        points += f"{_n(right - 7)},{_n(y + PLAN_BAR)} {_n(left)},{_n(y + PLAN_BAR)}"
        parts.append(f'<polygon points="{points}" fill="{fill}" stroke="{OUTLINE}" '
                     'stroke-width="0.6"/>')  # fmt: skip
    else:
        parts.append(_rect(left, y, right - left, PLAN_BAR, fill, OUTLINE))
    parts.append(_text(left + 5, y + 10.5, name, size=10, fill=colour, bold=True))
    return parts


# --- key indicators against benchmarks ----------------------------------------------------------

# One index scale for every row: value / benchmark x 100, so 100 is "at the benchmark" whatever
# the unit. The label column is as wide as the labels need (up to IND_LABEL_MAX), then labels
# wrap at word boundaries; the value column wraps too. Nothing is cut with an ellipsis except
# text beyond IND_LINES lines, a cap for pathological input far beyond the model's 300 characters.
IND_TOP, IND_LABEL_MIN, IND_LABEL_MAX, IND_TEXT_W, IND_BAR, IND_LINES = 84, 90, 200, 170, 16, 6
IND_TEXT = WIDTH - IND_TEXT_W
IND_END = IND_TEXT - 18  # the right end of the scale
IND_STEPS = (25.0, 50.0, 100.0, 200.0, 250.0, 500.0)
IND_CAP = 500.0  # indices beyond are drawn to the edge of the scale; the number is written


def indicator_chart(bars: Sequence[IndicatorBar], *, title: str) -> Markup:
    """Indicators as indices of their benchmarks (benchmark = 100) on one scale for all rows;
    an indicator without a usable benchmark shows its value as text, without a bar."""
    title = _clean(title)
    if not bars:
        return _no_data(title)
    label_w = _ind_label_width(bars)
    x0 = label_w + 12
    indices = [_index(bar) for bar in bars]
    low, high, step = _ind_scale([i for i in indices if i is not None])

    def at(v: float) -> float:
        return x0 + (min(max(v, low), high) - low) / (high - low) * (IND_END - x0)

    legend, end = _legend(30, "Key", [(VALUE, "Index of the value")])
    legend += [*_marker(end + 4, 28, 15), _text(end + 14, 39.5, "Benchmark = 100", size=11)]
    legend.append(_text(0, 58, "Index = value \u00f7 benchmark \u00d7 100, one scale for all "
                        "indicators.", size=10.5, fill=MUTED))  # fmt: skip
    rows, desc, top = [], [], float(IND_TOP)
    for bar, index in zip(bars, indices, strict=True):
        labels = _lines(_clean(bar.label), label_w, 12)
        notes = _ind_notes(bar, index)
        height = max(40.0, len(labels) * 14.4 + 12, len(notes) * 13.5 + 12)
        rows += _ind_label(labels, top + height / 2)
        rows += _ind_bar(index, top + height / 2, x0, at)
        rows += _ind_notes_svg(notes, top + height / 2)
        desc.append(_ind_desc(bar, index))
        top += height
    axis = _ind_axis(low, high, step, at, top)
    return _svg(top + 6, title, desc, _heading(title) + legend + axis + rows)


def _benchmark(bar: IndicatorBar) -> float | None:
    ok = bar.benchmark is not None and math.isfinite(bar.benchmark)
    return bar.benchmark if ok else None


def _index(bar: IndicatorBar) -> float | None:
    """value / benchmark x 100; none without a positive benchmark (a ratio to a negative one
    would flip the meaning) or without a finite value."""
    benchmark = _benchmark(bar)
    if benchmark is None or benchmark <= 0 or not math.isfinite(bar.value):
        return None
    index = bar.value / benchmark * 100
    return index if math.isfinite(index) else None


def _ind_scale(indices: Sequence[float]) -> tuple[float, float, float]:
    """The shared scale: from 0 (or the lowest index) to past 100 (or the highest), in steps."""
    low = max(-IND_CAP, min([0.0, *indices]))
    high = min(IND_CAP, max([125.0, *indices]))
    step = next((s for s in IND_STEPS if (high - low) / s <= 6), IND_STEPS[-1])
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def _ind_label_width(bars: Sequence[IndicatorBar]) -> float:
    """As wide as the widest label on one line, up to IND_LABEL_MAX (then labels wrap)."""
    widest = max(_width(_clean(bar.label)[:300], 12) for bar in bars)
    return min(IND_LABEL_MAX, max(IND_LABEL_MIN, widest))


def _lines(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """Whole words per line; only a word wider than a whole line is broken (a URL, a code)."""
    out: list[str] = []
    current = ""
    for word in text[:3000].split():
        while _width(word, size, bold) > width and len(out) < IND_LINES:
            cut = 1
            while _width(word[: cut + 1], size, bold) <= width:
                cut += 1
            out += [current] if current else []
            out.append(word[:cut])
            current, word = "", word[cut:]
        trial = f"{current} {word}".strip()
        if current and _width(trial, size, bold) > width:
            out.append(current)
            trial = word
        current = trial
        if len(out) >= IND_LINES:
            break
    out += [current] if current else []
    if len(out) > IND_LINES:  # pathological input only
        out = [*out[: IND_LINES - 1], _fit(" ".join(out[IND_LINES - 1 :]), width, size, bold)]
    return out or [""]


def _ind_label(lines: Sequence[str], middle: float) -> list[str]:
    first = middle + 4.3 - (len(lines) - 1) * 7.2
    return [_text(0, first + i * 14.4, line) for i, line in enumerate(lines)]


def _ind_bar(
    index: float | None, middle: float, x0: float, at: Callable[[float], float]
) -> list[str]:
    top = middle - IND_BAR / 2
    if index is None:  # no bar: a full one would read as "at maximum"
        return [_text(x0 + 4, middle + 4, "No index: value only", size=10.5, fill=MUTED)]
    start, end = sorted((at(0.0), at(index)))
    return [_rect(start, top, end - start, IND_BAR, VALUE, OUTLINE)] if end > start else []


def _ind_axis(
    low: float, high: float, step: float, at: Callable[[float], float], bottom: float
) -> list[str]:
    """Ticks above the rows, light rules down through them, and the benchmark line at 100."""
    parts, tick = [], low
    while tick <= high + 1e-9:
        x = at(tick)
        colour = INK if tick == 0 else RULE
        parts.append(_line(x, IND_TOP - 4, x, bottom, colour, 0.8 if tick == 0 else 0.6))
        if abs(x - at(100.0)) >= 24:  # the benchmark's own label below wins
            parts.append(_text(x, IND_TOP - 8, _number(tick), size=10, anchor="middle", fill=MUTED))
        tick += step
    x = at(100.0)
    parts += _marker(x, IND_TOP - 4, bottom - IND_TOP + 4)
    parts.append(_text(x, IND_TOP - 8, "100", size=10, anchor="middle", bold=True))
    return parts


def _marker(x: float, top: float, height: float) -> list[str]:
    """A dark rule with a white halo, visible on the bar and beside it."""
    return [_line(x, top, x, top + height, WHITE, 4), _line(x, top, x, top + height, INK, 2)]


def _direction(bar: IndicatorBar) -> str:
    if bar.higher_is_better is None:
        return ""
    return "Higher is better" if bar.higher_is_better else "Lower is better"


def _ind_notes(bar: IndicatorBar, index: float | None) -> list[tuple[str, bool]]:
    """The right-hand text, wrapped: value (bold), benchmark, index, direction."""
    notes = [(line, True) for line in _lines(_quantity(bar.value, bar.unit), IND_TEXT_W, 12, True)]
    benchmark = _benchmark(bar)
    if benchmark is None:
        more = ["No benchmark"]
    else:
        name = _clean(bar.benchmark_label) or "Benchmark"
        more = _lines(f"{name} {_quantity(benchmark, bar.unit)}", IND_TEXT_W, 10.5)
        if len(more) > 1:  # keep the quantity on one line: "11.2 % of SMEs", not "of / SMEs"
            more = [*_lines(name, IND_TEXT_W, 10.5), *_lines(_quantity(benchmark, bar.unit),
                    IND_TEXT_W, 10.5)]  # fmt: skip
    notes += [(line, False) for line in more]
    for extra in (f"Index {_number(round(index))}" if index is not None else "", _direction(bar)):
        notes += [(line, False) for line in _lines(extra, IND_TEXT_W, 10.5)] if extra else []
    return notes


def _ind_notes_svg(notes: Sequence[tuple[str, bool]], middle: float) -> list[str]:
    first = middle + 4.3 - (len(notes) - 1) * 6.75
    return [
        _text(IND_TEXT, first + i * 13.5, line, size=12 if bold else 10.5, bold=bold,
              fill=NAVY if bold else MUTED)
        for i, (line, bold) in enumerate(notes)
    ]  # fmt: skip


def _ind_desc(bar: IndicatorBar, index: float | None) -> str:
    text = f"{_clean(bar.label)}: {_quantity(bar.value, bar.unit)}"
    benchmark = _benchmark(bar)
    if benchmark is not None:
        name = _clean(bar.benchmark_label) or "Benchmark"
        text += f", {name} {_quantity(benchmark, bar.unit)}"
    text += f", index {_number(round(index))}" if index is not None else ", no index"
    direction = _direction(bar)
    return text + (f", {direction.lower()}" if direction else "") + "."


# --- counts and shares (web dashboards) ---------------------------------------------------------

# Narrower than a report column: two of these side by side on a page keep legible text.
BAR_CHART_WIDTH, BAR_TOP, BAR_ROW, BAR_HEIGHT, BAR_X, BAR_WIDTH = 440, 34, 30, 18, 150, 180


def bar_chart(bars: Sequence[CountBar], *, title: str, percent: bool = False) -> Markup:
    """One plain bar per label, its value (and note) written after it; with `percent`, values
    are shares out of 100 on a 0-100 scale, else counts scaled to the largest."""
    title = _clean(title)
    if not bars:
        return _no_data(title)
    finite = [bar.value if math.isfinite(bar.value) and bar.value > 0 else 0.0 for bar in bars]
    scale = BAR_WIDTH / (100.0 if percent else max(1.0, *finite))
    body, desc = _heading(title, BAR_CHART_WIDTH), []
    for index, (bar, value) in enumerate(zip(bars, finite, strict=True)):
        middle = BAR_TOP + index * BAR_ROW + BAR_ROW / 2
        body += _label(bar.label, 0, middle, BAR_X - 10, size=11)
        if percent:  # the track shows where 100 % is
            body.append(_rect(BAR_X, middle - BAR_HEIGHT / 2, BAR_WIDTH, BAR_HEIGHT, BAND))
        width = min(value, 100.0) * scale if percent else value * scale
        if width > 0:
            body.append(_rect(BAR_X, middle - BAR_HEIGHT / 2, width, BAR_HEIGHT, VALUE))
        shown = f"{_number(bar.value)}{' %' if percent else ''}" if math.isfinite(bar.value) else ""
        note = _clean(bar.note)
        text = " ".join(t for t in (shown, f"({note})" if note else "") if t)
        x = (BAR_X + BAR_WIDTH if percent else BAR_X + width) + 5
        body.append(_text(x, middle + 4, _fit(text, BAR_CHART_WIDTH - x, 11), size=11,
                          bold=True, fill=NAVY))  # fmt: skip
        desc.append(f"{_clean(bar.label)}: {shown or 'no value'}{f' ({note})' if note else ''}.")
    bottom = BAR_TOP + len(bars) * BAR_ROW
    body.append(_line(BAR_X, BAR_TOP, BAR_X, bottom, OUTLINE))
    return _svg(bottom + 6, title, desc, body, width=BAR_CHART_WIDTH)
