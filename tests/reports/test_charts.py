"""SVG charts: well-formed, labelled, hostile text escaped, self-contained, printable."""

import itertools
import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import weasyprint
from markupsafe import Markup
from weasyprint.urls import URLFetcher, URLFetcherResponse

from app.reports import charts
from app.reports.charts import (
    IndicatorBar,
    PlanItem,
    SeverityBar,
    action_plan_chart,
    indicator_chart,
    severity_chart,
)

SVG = "{http://www.w3.org/2000/svg}"
ALLOWED_TAGS = {
    f"{SVG}{tag}" for tag in ("svg", "title", "desc", "text", "rect", "line", "polygon")
}
HOSTILE = [
    "<link rel=attachment href=file:///etc/passwd>",
    '"><script>alert(1)</script>',
    "url(http://x)",
    "]]><!ENTITY x SYSTEM 'file:///etc/passwd'>&x;",
]

SEVERITY = [
    SeverityBar("Knowledge and skills", (1, 2, 3, 1, 0)),
    SeverityBar("Access to finance", (0, 1, 0, 2, 2)),
    SeverityBar("Entrepreneurial culture", (0, 0, 0, 0, 0)),
]
PLAN = [
    PlanItem("R1", "Set up a regional skills observatory", "medium", "low"),
    PlanItem("R2", "Simplify the innovation voucher", "short", "medium"),
    PlanItem("R3", "Open a one-stop shop for internationalisation", "long", "high"),
    PlanItem("R4", "Revise procurement rules", "short", "high"),
]
INDICATORS = [
    IndicatorBar("GDP per capita (PPS)", 28400, "EUR", 35500, "EU-27 average"),
    IndicatorBar("R&D expenditure", 1.42, "% of GDP", 2.27, "EU-27 average"),
    IndicatorBar("Cluster organisations", 12, "", None, ""),
]


def parse(markup: Markup) -> ET.Element:
    assert isinstance(markup, Markup)
    return ET.fromstring(str(markup))


def texts(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.iter(f"{SVG}text")]


def desc(root: ET.Element) -> str:
    element = root.find(f"{SVG}desc")
    assert element is not None
    return element.text or ""


def height(root: ET.Element) -> float:
    return float(root.attrib["viewBox"].split()[3])


def all_charts() -> list[Markup]:
    return [
        severity_chart(SEVERITY, title="Bottlenecks"),
        action_plan_chart(PLAN, start_year=2025),
        indicator_chart(INDICATORS, title="Key indicators"),
    ]


def hostile_charts() -> list[Markup]:
    return [
        severity_chart([SeverityBar(text, (1, 0, 2, 0, 1)) for text in HOSTILE], title=HOSTILE[0]),
        action_plan_chart(
            [PlanItem(text[:8], text, "short", "high") for text in HOSTILE], start_year=2025
        ),
        indicator_chart(
            [IndicatorBar(text, 3.5, text[:5], 2.0, text) for text in HOSTILE], title=HOSTILE[1]
        ),
    ]


def empty_charts() -> list[Markup]:
    return [
        severity_chart([], title="Bottlenecks"),
        action_plan_chart([], start_year=2025),
        indicator_chart([], title="Key indicators"),
    ]


@pytest.mark.parametrize("markup", all_charts() + empty_charts())
def test_chart_is_a_standalone_accessible_svg_sized_to_the_column(markup: Markup) -> None:
    root = parse(markup)
    assert root.tag == f"{SVG}svg"
    assert root.attrib["role"] == "img"
    assert root.attrib["width"] == "100%"
    assert root.attrib["viewBox"].startswith(f"0 0 {charts.WIDTH} ")
    assert root.attrib["font-family"] == "'DejaVu Sans', sans-serif"
    assert root[0].tag == f"{SVG}title" and root[0].text
    assert {element.tag for element in root.iter()} <= ALLOWED_TAGS


def test_severity_chart_writes_labels_counts_totals_and_legend() -> None:
    root = parse(severity_chart(SEVERITY, title="Bottlenecks by framework condition"))
    written = texts(root)
    # The title is the chart's alternative text: its heading, then its data in words.
    assert root[0].text.startswith("Bottlenecks by framework condition. Knowledge and skills")
    assert {"Knowledge and skills", "Access to finance", "Entrepreneurial culture"} <= set(written)
    assert {"1 minor", "2", "3", "4", "5 critical"} <= set(written)
    on_bars = [e.text for e in root.iter(f"{SVG}text") if e.attrib.get("text-anchor") == "middle"]
    assert on_bars == ["1", "2", "3", "1", "1", "2", "2"]
    totals = [
        e.text
        for e in root.iter(f"{SVG}text")
        if float(e.attrib["y"]) > charts.SEV_TOP  # below the legend
        and float(e.attrib["x"]) > charts.SEV_X  # right of the labels
        and "text-anchor" not in e.attrib  # not on a segment
    ]
    assert totals == ["7", "5", "0"]
    assert "Access to finance: 5 confirmed bottlenecks" in desc(root)


def test_severity_segments_are_five_lightness_steps() -> None:
    root = parse(severity_chart([SeverityBar("All", (1, 1, 1, 1, 1))], title="t"))
    fills = [rect.attrib["fill"] for rect in root.iter(f"{SVG}rect")]
    assert fills[-5:] == list(charts.SEVERITY_FILLS)
    lightness = [sum(int(fill[i : i + 2], 16) for i in (1, 3, 5)) for fill in charts.SEVERITY_FILLS]
    assert all(a - b > 80 for a, b in itertools.pairwise(lightness))


def test_plan_chart_writes_codes_titles_years_bands_and_priority_words() -> None:
    root = parse(action_plan_chart(PLAN, start_year=2025))
    written = texts(root)
    assert {"R1", "R2", "R3", "R4"} <= set(written)
    assert "Set up a regional skills observatory" in written
    assert {"2025", "2026", "2027", "2028", "2029"} <= set(written)
    assert {
        "Short term",
        "Medium term",
        "Long term",
        "< 1 year",
        "1\u20133 years",
        "> 3 years",
    } <= set(written)
    assert written.count("High") == 3 and written.count("Medium") == 2 and written.count("Low") == 2


def test_plan_chart_orders_by_horizon_then_priority() -> None:
    root = parse(action_plan_chart(PLAN, start_year=2025))
    codes = [t for t in texts(root) if re.fullmatch(r"R\d", t)]
    assert codes == ["R4", "R2", "R1", "R3"]


def test_plan_priority_is_fill_darkness_and_a_word() -> None:
    items = [PlanItem(f"R{i}", "x", "short", p) for i, p in enumerate(["high", "medium", "low"])]
    root = parse(action_plan_chart(items, start_year=2030))
    bars = [rect.attrib["fill"] for rect in root.iter(f"{SVG}rect")][-3:]
    assert bars == [fill for _, fill, _ in charts.PRIORITIES.values()]
    assert [t for t in texts(root) if t in {"High", "Medium", "Low"}][-3:] == [
        "High",
        "Medium",
        "Low",
    ]


def test_plan_titles_are_truncated_with_an_ellipsis() -> None:
    long_title = "Establish a permanent interregional steering group for " * 3
    root = parse(action_plan_chart([PlanItem("R1", long_title, "long", "low")], start_year=2025))
    shown = next(t for t in texts(root) if t.startswith("Establish"))
    assert shown.endswith("…") and len(shown) < 60
    assert long_title.strip() in desc(root)


@pytest.mark.parametrize("count", [1, 30])
def test_plan_chart_grows_with_items_without_overlap(count: int) -> None:
    items = [
        PlanItem(f"R{i}", f"Recommendation {i}", ("short", "medium", "long")[i % 3], "high")
        for i in range(1, count + 1)
    ]
    root = parse(action_plan_chart(items, start_year=2025))
    codes = [e for e in root.iter(f"{SVG}text") if re.fullmatch(r"R\d+", e.text or "")]
    assert sorted(e.text or "" for e in codes) == sorted(item.code for item in items)
    rows = sorted(float(e.attrib["y"]) for e in codes)
    assert all(b - a >= 16 for a, b in itertools.pairwise(rows))
    assert rows[-1] < height(root)
    assert height(root) == pytest.approx(charts.PLAN_TOP + count * charts.PLAN_ROW + 6)


def test_indicator_chart_prints_values_and_benchmarks() -> None:
    root = parse(indicator_chart(INDICATORS, title="Key indicators"))
    written = texts(root)
    assert {"GDP per capita (PPS)", "R&D expenditure", "Cluster organisations"} <= set(written)
    assert {"28,400 EUR", "EU-27 average 35,500 EUR", "1.42% of GDP", "12"} <= set(written)
    assert "EU-27 average 2.27% of GDP" in written


def test_indicator_handles_zero_negative_missing_and_non_finite_values() -> None:
    bars = [
        IndicatorBar("Zero", 0, "%", 0, "EU"),
        IndicatorBar("Negative", -1.2, "%", 0.8, "EU"),
        IndicatorBar("All negative", -3, "%", -1, "EU"),
        IndicatorBar("No benchmark", 5, "", None, "ignored"),
        IndicatorBar("Not a number", float("nan"), "%", float("inf"), "EU"),
    ]
    markup = indicator_chart(bars, title="Edge cases")
    root = parse(markup)
    written = texts(root)
    assert {
        "0%",
        "EU 0%",
        "\u22121.2%",
        "EU 0.8%",
        "\u22123%",
        "EU \u22121%",
        "5",
        "\u2014",  # a value that is not a number: a dash, without its unit
    } <= set(written)
    assert not any("ignored" in t for t in written)
    assert not re.search(
        r"nan|inf", " ".join(str(v) for e in root.iter() for v in e.attrib.values())
    )
    for rect in root.iter(f"{SVG}rect"):
        assert float(rect.attrib["width"]) >= 0 and float(rect.attrib["height"]) >= 0


def test_severity_chart_with_only_zero_counts_draws_no_segments() -> None:
    root = parse(severity_chart([SeverityBar("Nothing", (0, 0, 0, 0, 0))], title="t"))
    assert "0" in texts(root)
    legend_swatches = len(charts.SEVERITY_FILLS)
    assert len(list(root.iter(f"{SVG}rect"))) == legend_swatches


@pytest.mark.parametrize("markup", empty_charts())
def test_empty_input_says_no_data(markup: Markup) -> None:
    root = parse(markup)
    assert "No data" in texts(root)
    assert height(root) < 100


@pytest.mark.parametrize("index", [0, 1, 2])
def test_hostile_text_is_escaped_and_reads_back_verbatim(index: int) -> None:
    markup = hostile_charts()[index]
    root = parse(markup)
    assert {element.tag for element in root.iter()} <= ALLOWED_TAGS
    drawn = texts(root)
    for text in HOSTILE:
        assert text in desc(root)
        assert any(line.startswith(text[:8]) for line in drawn)  # drawn as literal text
    assert "<script" not in markup and "<link" not in markup and "<!ENTITY" not in markup


def test_hostile_label_reads_back_verbatim_in_the_drawing() -> None:
    root = parse(severity_chart([SeverityBar(HOSTILE[0], (1, 0, 0, 0, 0))], title="t"))
    label = [e.text or "" for e in root.iter(f"{SVG}text") if e.attrib["x"] == "0"][-2:]
    assert " ".join(label) == HOSTILE[0]  # wrapped on two lines


@pytest.mark.parametrize("markup", all_charts() + hostile_charts() + empty_charts())
def test_chart_refers_to_nothing_outside_itself(markup: Markup) -> None:
    root = parse(markup)
    for element in root.iter():
        for name, value in element.attrib.items():
            assert "href" not in name.lower()
            for found in re.findall(r"url\(([^)]*)\)", value):
                assert found.startswith("#") or found == "none"
            assert "passwd" not in value and "script" not in value
    assert "xlink" not in markup and "@import" not in markup


def test_control_characters_are_dropped_and_spaces_folded() -> None:
    label = "Vertical\x0btab\x00 and\nnewline\ud800"
    root = parse(severity_chart([SeverityBar(label, (1, 0, 0, 0, 0))], title="t\x1f"))
    assert "Vertical tab and newline" in texts(root)


def test_huge_label_is_truncated_quickly() -> None:
    label = "x" * 200_000
    started = time.perf_counter()
    root = parse(indicator_chart([IndicatorBar(label, 1, "", 2, label)], title=label))
    assert time.perf_counter() - started < 1
    assert all(len(text) < 100 for text in texts(root))


def test_invalid_values_are_refused() -> None:
    with pytest.raises(ValueError):
        SeverityBar("x", (1, 2, 3))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        SeverityBar("x", (1, 0, 0, 0, -1))
    with pytest.raises(ValueError):
        PlanItem("R1", "x", "someday", "high")
    with pytest.raises(ValueError):
        PlanItem("R1", "x", "short", "urgent")


def test_output_is_deterministic() -> None:
    assert [str(m) for m in all_charts()] == [str(m) for m in all_charts()]
    rebuilt = [SeverityBar(str(bar.label), (*bar.counts,)) for bar in SEVERITY]
    assert severity_chart(rebuilt, title="Bottlenecks") == all_charts()[0]


@pytest.mark.parametrize("text", ["Regulatory framework and public procurement", "R12", "WWW mmm"])
@pytest.mark.parametrize("bold", [False, True])
def test_text_width_estimate_does_not_undershoot_dejavu_sans(text: str, bold: bool) -> None:
    from fontTools import ttLib  # WeasyPrint's own dependency

    path = Path("/usr/share/fonts/truetype/dejavu") / (
        "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    )
    assert path.exists(), "DejaVu Sans is missing: `make install` installs fonts-dejavu-core"
    font = ttLib.TTFont(path)
    cmap, metrics, em = font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm
    actual = sum(metrics[cmap[ord(char)]][0] for char in text) / em * 12
    assert actual * 0.98 <= charts._width(text, 12, bold) <= actual * 1.3


class RecordingFetcher(URLFetcher):
    """Refuses every URL and remembers it: a chart must not make WeasyPrint ask for any."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=())
        self.requested: list[str] = []

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        self.requested.append(url)
        raise ValueError(f"refused: {url}")


@pytest.mark.parametrize("markup", all_charts() + hostile_charts() + empty_charts())
def test_weasyprint_prints_each_chart_without_fetching_anything(markup: Markup) -> None:
    fetcher = RecordingFetcher()
    html = f"<html><body><h1>Report</h1><figure>{markup}</figure></body></html>"
    pdf = weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()
    assert pdf is not None and pdf.startswith(b"%PDF")
    assert fetcher.requested == []


# --- the indicator chart: whole labels, one index scale, no bar without a benchmark (#14) ----


def bar_widths(root: ET.Element) -> list[float]:
    """The value bars, top to bottom (the legend swatch is the only other rect, 11 high)."""
    return [
        float(rect.attrib["width"])
        for rect in root.iter(f"{SVG}rect")
        if float(rect.attrib["height"]) == charts.IND_BAR
    ]


def test_indicator_labels_are_wrapped_whole_never_cut() -> None:
    long = "Business enterprise expenditure on research and development per inhabitant (PPS)"
    bars = [
        IndicatorBar(long, 3.5, "%", 2.9, "EU-27 average of the member states, latest year"),
        IndicatorBar("Employment in high-tech manufacturing", 4.1, "%", 3.5, "Germany"),
    ]
    root = parse(indicator_chart(bars, title="Key indicators"))
    written = texts(root)
    assert not any(charts.ELLIPSIS in text for text in written)
    joined = " ".join(written)  # a wrapped label's lines are consecutive text elements
    assert long in joined
    assert "Employment in high-tech manufacturing" in joined
    assert "EU-27 average of the member states, latest year 2.9%" in joined
    assert "Germany 3.5%" in written
    assert len([t for t in written if t and t in long]) >= 2, "the long label wraps"
    words = set(re.findall(r"\S+", joined))
    assert {"EU-27", "average", "Germany", "inhabitant", "(PPS)"} <= words


def test_indicator_without_benchmark_has_no_bar_and_shows_its_value() -> None:
    bars = [
        IndicatorBar("Cluster organisations", 12, "", None, ""),
        IndicatorBar("R&D expenditure", 1.42, "% of GDP", 2.84, "EU-27 average"),
        IndicatorBar("Negative benchmark", 3, "%", -1, "EU"),
    ]
    root = parse(indicator_chart(bars, title="Key indicators"))
    written = texts(root)
    assert bar_widths(root) == [pytest.approx(bar_widths(root)[0])]  # only R&D has a bar
    assert {"12", "No benchmark", "1.42% of GDP", "Index 50", "3%", "EU \u22121%"} <= set(written)
    assert written.count("No index: value only") == 2
    assert "Cluster organisations: 12, no index." in desc(root)


def test_indicator_bars_share_one_index_scale_with_the_benchmark_at_100() -> None:
    bars = [
        IndicatorBar("At benchmark, percent", 50, "%", 50, "EU"),
        IndicatorBar("Twice the benchmark", 3, "% of GDP", 1.5, "EU"),
        IndicatorBar("At benchmark, euros", 28_000, "EUR", 28_000, "EU"),
        IndicatorBar("Half the benchmark", 10, "", 20, "EU"),
    ]
    root = parse(indicator_chart(bars, title="Key indicators"))
    at_100, twice, euros, half = bar_widths(root)
    assert at_100 > 0
    assert euros == pytest.approx(at_100, abs=0.2)  # equal ratios, equal bars, any unit
    assert twice == pytest.approx(2 * at_100, abs=0.3)
    assert half == pytest.approx(at_100 / 2, abs=0.3)
    starts = {
        rect.attrib["x"]
        for rect in root.iter(f"{SVG}rect")
        if float(rect.attrib["height"]) == charts.IND_BAR
    }
    assert len(starts) == 1, "every bar starts at the same zero"
    written = texts(root)
    assert {"100", "Benchmark = 100", "Index 100", "Index 200", "Index 50"} <= set(written)
    # the benchmark line at 100 is where a bar at 1x its benchmark ends
    (x0,) = (float(x) for x in starts)
    marks = {float(line.attrib["x1"]) for line in root.iter(f"{SVG}line")}
    assert any(abs(mark - (x0 + at_100)) < 0.2 for mark in marks)


def test_indicator_direction_is_stated_only_where_known() -> None:
    bars = [
        IndicatorBar("GDP per capita", 28_400, "EUR", 35_500, "EU-27 average", True),
        IndicatorBar("Unemployment rate", 9.6, "%", 6.1, "EU-27 average", False),
        IndicatorBar("Cluster organisations", 12, "", None, ""),
    ]
    root = parse(indicator_chart(bars, title="Key indicators"))
    written = texts(root)
    assert written.count("Higher is better") == 1
    assert written.count("Lower is better") == 1
    assert "GDP per capita: 28,400 EUR, EU-27 average 35,500 EUR, index 80, higher is better." in (
        desc(root)
    )
    assert "Unemployment rate: 9.6%, EU-27 average 6.1%, index 157, lower is better." in (
        desc(root)
    )
    unknown = parse(indicator_chart(INDICATORS, title="Key indicators"))
    assert not any("is better" in text for text in texts(unknown))
