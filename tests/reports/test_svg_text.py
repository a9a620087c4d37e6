"""SVG labels laid out whole (app/reports/svg_text.py) land where WeasyPrint's own letter-by-letter
drawing puts them, and everything else still goes to WeasyPrint's own function."""

import re
import subprocess
from collections.abc import Iterator

import pytest
import weasyprint
import weasyprint.svg

from app.reports import render, svg_text

LABELS = """
<text x="10" y="20" font-size="12">Start of a label</text>
<text x="190" y="40" font-size="11" text-anchor="end" font-weight="bold">Ends here</text>
<text x="100" y="60" font-size="10" text-anchor="middle" fill="#5c6570">In the middle</text>
<text x="10" y="80" font-size="9" dominant-baseline="central">Centred 9.6% of SMEs</text>
"""
PER_LETTER = """
<text x="10 30 50" y="20" font-size="12">ABC</text>
<text x="10" y="40" dx="0 4 8" font-size="12">DEF</text>
<text x="10" y="60" font-size="12">GH<tspan font-weight="bold">IJ</tspan></text>
"""


def _svg(body: str) -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100" width="200" height="100"'
        f' font-family="DejaVu Sans">{body}</svg>'
    )


def _words(pdf: bytes) -> list[tuple[str, float, float, float, float]]:
    """Each word poppler reads, with its box in points."""
    out = subprocess.run(
        ["pdftotext", "-q", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return [
        (word, float(x0), float(y0), float(x1), float(y1))
        for x0, y0, x1, y1, word in re.findall(
            r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', out
        )
    ]


def _pdf(body: str) -> bytes:
    return weasyprint.HTML(string=_svg(body)).write_pdf()


@pytest.fixture
def both_paths() -> Iterator[None]:
    yield
    svg_text.install()  # as app.reports.render leaves it


def test_render_installs_the_whole_label_path() -> None:
    assert render.svg_text is svg_text
    assert weasyprint.svg.TAGS["text"] is svg_text.text
    assert weasyprint.svg.TAGS["tspan"] is svg_text.text
    assert weasyprint.svg.text is svg_text.text  # what the drawing code compares tags with


def test_whole_labels_land_where_letter_by_letter_ones_do(both_paths: None) -> None:
    fast = _words(_pdf(LABELS))
    svg_text.uninstall()
    slow = _words(_pdf(LABELS))

    assert [w[0] for w in fast] == [w[0] for w in slow]
    words = "Start of a label|Ends here|In the middle|Centred 9.6% of SMEs".replace("|", " ")
    assert [w[0] for w in fast] == words.split(" ")
    for a, b in zip(fast, slow, strict=True):
        # Kerning inside a word moves its end by hundredths of a point, nothing more.
        assert a[1:] == pytest.approx(b[1:], abs=0.3), (a, b)


def test_letters_placed_one_by_one_are_left_to_weasyprint(
    both_paths: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    delegated: list[str] = []
    original = svg_text._original

    def spy(svg: object, node: weasyprint.svg.Node, font_size: float) -> None:
        delegated.append(node.text or "")
        return original(svg, node, font_size)

    monkeypatch.setattr(svg_text, "_original", spy)
    fast = _words(_pdf(PER_LETTER))
    assert {"ABC", "DEF", "GH"} <= set(delegated)  # lists of positions, dx, a <tspan> child
    svg_text.uninstall()
    slow = _words(_pdf(PER_LETTER))
    assert [w[0] for w in fast] == [w[0] for w in slow]
    for a, b in zip(fast, slow, strict=True):
        assert a[1:] == pytest.approx(b[1:], abs=0.3), (a, b)


def test_another_weasyprint_keeps_its_own_text(
    both_paths: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    svg_text.uninstall()
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    assert svg_text.install() is False
    assert weasyprint.svg.TAGS["text"] is svg_text._original
    assert weasyprint.svg.text is svg_text._original
