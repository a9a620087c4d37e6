"""A faster SVG `<text>` for WeasyPrint 70: one text layout per label instead of one per letter.

WeasyPrint draws every SVG `<text>` letter by letter (`weasyprint.svg.text.text`), each letter a
Pango layout of its own, so that `x`/`y`/`dx`/`dy`/`rotate` lists can place letters one by one.
The report charts (app/reports/charts.py) never do that: every label is one `<text>` with one
`x` and one `y`. For such a label the per-letter work is pure cost: the charts of the large
briefing hold about 3,300 letters, a tenth of its render time (docs/performance.md).

`text` below lays such a label out once and draws it as one line; anything else (lists of
positions, `dx`/`dy`/`rotate`, `textLength`, `letter-spacing`, child `<tspan>`s) goes to
WeasyPrint's own function unchanged. The position, the bounding box (which `text-anchor` uses)
and the cursor are computed as WeasyPrint computes them; the only visible difference is that the
label keeps its font's kerning. `install` puts it in place for the WeasyPrint version it was
written against and leaves any other version alone (slower, still right);
tests/reports/test_svg_text.py compares both paths' output.
"""

import importlib
import logging
from math import inf
from typing import Any

import weasyprint
import weasyprint.svg
from weasyprint.svg.utils import normalize

log = logging.getLogger(__name__)
SUPPORTED_VERSIONS = ("70.",)  # the function replaced is copied from these versions

_wtext = importlib.import_module("weasyprint.svg.text")  # `weasyprint.svg.text` is the function
_original = _wtext.text
# Attributes that position or stretch letters one by one: WeasyPrint's own path handles them.
_PER_LETTER = ("dx", "dy", "rotate", "textLength", "letter-spacing")


def _one_value(node: Any, name: str) -> bool:
    value = node.attrib.get(name)
    return value is None or len(normalize(value).split()) == 1


def _is_simple(node: Any) -> bool:
    return (
        node.tag in ("text", "tspan")
        and bool(node.text)
        and not any(name in node.attrib for name in _PER_LETTER)
        and _one_value(node, "x")
        and _one_value(node, "y")
        and next(iter(node), None) is None  # no <tspan> or other child
    )


def _style(svg: Any, node: Any, font_size: float) -> Any:
    """The text style exactly as `weasyprint.svg.text.text` builds it."""
    from weasyprint.css.properties import INITIAL_VALUES

    style = _wtext.Style()
    style.update(INITIAL_VALUES)
    style.font_config = svg.font_config
    style["font_family"] = [
        font.strip("\"'") for font in node.get("font-family", "sans-serif").split(",")
    ]
    style["font_style"] = node.get("font-style", "normal")
    weight = node.get("font-weight", 400)
    if weight == "normal":
        weight = 400
    elif weight == "bold":
        weight = 700
    else:
        try:
            weight = int(weight)
        except ValueError:
            weight = 400
    style["font_weight"] = weight
    style["font_size"] = font_size
    if node.get("direction") in ("ltr", "rtl"):
        style["direction"] = node.get("direction")
    return style


def _vertical_align(node: Any, font_size: float, height: float) -> float:
    """WeasyPrint's own vertical alignment of a text box (its ascent and descent are guesses)."""
    ascent, descent = font_size * 0.8, font_size * 0.2
    display_anchor = node.get("display-anchor")
    baseline = node.get("dominant-baseline", node.get("alignment-baseline"))
    if display_anchor == "middle":
        return -height / 2
    if display_anchor == "top":
        return 0
    if display_anchor == "bottom":
        return -height
    if baseline in ("central", "middle"):
        return (ascent + descent) / 2 - descent
    if baseline in ("text-before-edge", "before_edge", "top", "hanging", "text-top"):
        return ascent
    if baseline in ("text-after-edge", "after_edge", "bottom", "text-bottom"):
        return -descent
    return 0


def text(svg: Any, node: Any, font_size: float) -> None:
    """Draw an SVG `<text>`: one layout when nothing places its letters one by one."""
    if not _is_simple(node):
        return _original(svg, node, font_size)
    from weasyprint.draw.text import draw_emojis, draw_first_line
    from weasyprint.matrix import Matrix
    from weasyprint.svg.bounding_box import extend_bounding_box
    from weasyprint.svg.utils import size
    from weasyprint.text.line_break import split_first_line

    style = _style(svg, node, font_size)
    layout, _, _, width, height, baseline = split_first_line(node.text, style, svg.context, inf, 0)
    x = y = None
    if "x" in node.attrib:
        x = size(normalize(node.attrib["x"]).strip(), font_size, svg.inner_width)
    if "y" in node.attrib:
        y = size(normalize(node.attrib["y"]).strip(), font_size, svg.inner_height)
    if x:  # as WeasyPrint does: a position of 0 keeps the cursor's offset
        svg.cursor_d_position[0] = 0
    if y:
        svg.cursor_d_position[1] = 0
    x = svg.cursor_position[0] if x is None else x
    y = svg.cursor_position[1] if y is None else y
    svg.cursor_position = x + width, y
    x_position = x + svg.cursor_d_position[0]
    y_position = y + svg.cursor_d_position[1] + _vertical_align(node, font_size, height)
    node.text_bounding_box = extend_bounding_box(
        node.text_bounding_box,
        ((x_position, y_position - baseline), (x_position + width, y_position - baseline + height)),
    )

    svg.stream.push_state()
    fill, stroke = svg.set_graphical_state(node, font_size)
    svg.stream.begin_text()
    layout.reactivate(style)
    svg.fill_stroke(fill, stroke, text=True)
    text_box = _wtext.TextBox(layout, style)
    text_box.baseline = baseline
    matrix = Matrix(d=-1, e=x_position, f=y_position)
    emojis = draw_first_line(svg.stream, text_box, "none", "none", matrix)
    svg.stream.end_text()
    svg.stream.pop_state()
    draw_emojis(svg.stream, style, x, y, emojis)
    return None


def install() -> bool:
    """Use `text` for SVG `<text>` if this WeasyPrint is one it was written for."""
    if not weasyprint.__version__.startswith(SUPPORTED_VERSIONS):
        log.warning(
            "WeasyPrint %s: SVG text stays letter by letter (app/reports/svg_text.py knows %s)",
            weasyprint.__version__, ", ".join(SUPPORTED_VERSIONS),
        )  # fmt: skip
        return False
    _use(text)
    return True


def uninstall() -> None:
    """WeasyPrint's own letter-by-letter `<text>` again (the tests compare both)."""
    _use(_original)


def _use(function: Any) -> None:
    # The drawing code tells text elements by `TAGS.get(tag) == text`, comparing with its
    # module's `text`: every tag drawn as text, and that name, change together.
    current = weasyprint.svg.text
    for tag, drawer in weasyprint.svg.TAGS.items():
        if drawer is current:
            weasyprint.svg.TAGS[tag] = function
    weasyprint.svg.text = function
