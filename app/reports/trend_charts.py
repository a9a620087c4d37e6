"""Trend charts for a region's indicator profile (issue 15): a sparkline per indicator and a
small multiple (the region against its benchmark over time), as inline SVG.

Built on app/reports/charts.py's primitives and conventions: pure functions returning one
standalone escaped `<svg>` as Markup, every label in a text node, nothing referred to outside
it. The region is a solid line, the benchmark a dashed one: meaning never rests on hue.
"""

from collections.abc import Sequence

from markupsafe import Markup, escape

from app.reports.charts import FONT, INK, MUTED, NAVY, RULE, _n, _number, _text

Series = Sequence[tuple[int, float]]

SPARK_W, SPARK_H = 120, 32
MULTI_W, MULTI_H = 240, 130
MULTI_LEFT, MULTI_TOP, MULTI_BOTTOM = 8, 26, 22


def _frame(
    width: float, height: float, title: str, desc: Sequence[str], body: Sequence[str]
) -> Markup:
    """charts.py's standalone svg, at its own size (many sit side by side, unscaled)."""
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'width="{_n(width)}" height="{_n(height)}" role="img" font-family="{FONT}" '
        f'fill="{INK}">'
    )
    parts = [head, f"<title>{escape(title)}</title>", f"<desc>{escape(' '.join(desc))}</desc>"]
    return Markup("\n".join([*parts, *body, "</svg>"]))


def _scale(
    series: Sequence[Series], left: float, top: float, width: float, height: float
) -> tuple[float, float, float, float] | None:
    """The (x0, x-step per year, y of the minimum, y-step per unit) fitting every series."""
    points = [p for s in series for p in s]
    if not points:
        return None
    years = [y for y, _ in points]
    values = [v for _, v in points]
    low, high = min(values), max(values)
    span = high - low or abs(high) or 1.0
    first, last = min(years), max(years)
    step = width / (last - first) if last > first else 0.0
    x0 = left if last > first else left + width / 2
    return x0 - first * step, step, top + height, height / span * -1 + 0.0


def _path(series: Series, scale: tuple[float, float, float, float], low: float) -> str:
    ox, sx, base, sy = scale
    coords = [f"{_n(ox + y * sx)},{_n(base + (v - low) * sy)}" for y, v in sorted(series)]
    return " ".join(coords)


def _line(points: str, stroke: str, width: float, dashed: bool) -> str:
    dash = ' stroke-dasharray="4 3"' if dashed else ""
    return (
        f'<polyline points="{points}" fill="none" stroke="{stroke}" '
        f'stroke-width="{_n(width)}"{dash}/>'
    )


def _lines(
    region: Series, benchmark: Series, box: tuple[float, float, float, float], width: float
) -> list[str]:
    scale = _scale([region, benchmark], *box)
    if scale is None:
        return []
    low = min(v for s in (region, benchmark) for _, v in s)
    body = []
    if len(benchmark) > 1:
        body.append(_line(_path(benchmark, scale, low), MUTED, width * 0.8, dashed=True))
    if len(region) > 1:
        body.append(_line(_path(region, scale, low), NAVY, width, dashed=False))
    if region:
        x, y = _path([max(region)], scale, low).split(",")
        body.append(f'<circle cx="{x}" cy="{y}" r="{_n(width * 1.3)}" fill="{NAVY}"/>')
    return body


def _describe(name: str, region: Series, benchmark: Series, benchmark_label: str) -> list[str]:
    desc = []
    if region:
        (y0, v0), (y1, v1) = min(region), max(region)
        desc.append(f"{name}: {_number(v0)} in {y0}, {_number(v1)} in {y1}.")
    if benchmark:
        (y0, v0), (y1, v1) = min(benchmark), max(benchmark)
        desc.append(f"{benchmark_label}: {_number(v0)} in {y0}, {_number(v1)} in {y1}.")
    return desc or ["No data."]


def sparkline(name: str, region: Series, benchmark: Series, benchmark_label: str) -> Markup:
    """A word-sized chart: the region's series (solid) over its benchmark's (dashed)."""
    body = _lines(region, benchmark, (2, 3, SPARK_W - 4, SPARK_H - 6), 1.5)
    title = f"{name}: trend"
    return _frame(
        SPARK_W, SPARK_H, title, _describe(name, region, benchmark, benchmark_label), body
    )


def small_multiple(
    name: str, region: Series, benchmark: Series, region_label: str, benchmark_label: str
) -> Markup:
    """One panel of a small-multiples grid: the region (solid) against its benchmark (dashed)
    over the years, the first and last year written under it (the page gives the legend and
    the indicator's name, in the panel's caption)."""
    plot_w = MULTI_W - MULTI_LEFT * 2
    plot_h = MULTI_H - MULTI_TOP - MULTI_BOTTOM
    # No name inside the panel: the page's caption under it names the indicator in full.
    body = _lines(region, benchmark, (MULTI_LEFT, MULTI_TOP, plot_w, plot_h), 2.0)
    bottom = MULTI_H - MULTI_BOTTOM
    body.append(
        f'<line x1="0" y1="{_n(bottom + 2)}" x2="{MULTI_W}" y2="{_n(bottom + 2)}" '
        f'stroke="{RULE}" stroke-width="1"/>'
    )
    years = sorted({y for s in (region, benchmark) for y, _ in s})
    if years:
        body.append(_text(MULTI_LEFT, bottom + 16, str(years[0]), size=10, fill=MUTED))
        body.append(
            _text(MULTI_W - MULTI_LEFT, bottom + 16, str(years[-1]), size=10, fill=MUTED,
                  anchor="end")
        )  # fmt: skip
    title = f"{name}: {region_label} against {benchmark_label}"
    desc = _describe(region_label, region, benchmark, benchmark_label)
    return _frame(MULTI_W, MULTI_H, title, desc, body)
