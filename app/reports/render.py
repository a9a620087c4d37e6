"""HTML and PDF from a report view-model: Jinja2 (autoescaped everywhere) and WeasyPrint.

The PDF is PDF/A-3a: archival, tagged (a structure tree a screen reader follows), with the
report's data attached as JSON. `_finish_accessibility` completes what WeasyPrint 70's tagging
leaves out (docs/reports-accessibility.md): header cells' /Scope, link descriptions, and the
PDF/UA-1 identification.

Anything a user typed reaches these templates, so the renderer trusts no URL: `StaticOnlyFetcher`
serves the files of app/reports/static and refuses everything else (file://, http(s)://, data:,
paths that climb out of the folder). The only attachment a PDF carries is the JSON we put there.
"""

import base64
import functools
import hashlib
import json
import logging
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jinja2
import pydyf
from markupsafe import Markup
from weasyprint import CSS, HTML, Attachment
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from app.reports import charts, numbers, pdf_compression, svg_text
from app.reports.viewmodel import ReportView, machine_readable

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
TEMPLATE_DIR = HERE / "templates"
# PDF/A-3a: PDF/A-3b plus tagging (WeasyPrint's `pdf_tags`), keeping the attachment's
# /AFRelationship; WeasyPrint's "pdf/ua-1" tags alike but is not PDF/A and drops /AF.
PDF_VARIANT = "pdf/a-3a"
ATTACHMENT_NAME = "clustercase-report.json"
_MEDIA_TYPES = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}

log = logging.getLogger(__name__)
# Two speed-ups of the libraries under the renderer, each for the versions it was checked
# against (docs/performance.md): chart labels laid out whole, not letter by letter, and PDF
# streams compressed at zlib's default level rather than its slowest.
svg_text.install()
pdf_compression.install()


class ResourceRefused(ValueError):
    """A report asked for something outside its own static files (WeasyPrint skips it)."""


class StaticOnlyFetcher(URLFetcher):
    """A WeasyPrint 70 URL fetcher that reads only app/reports/static and refuses the rest."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.refused: list[str] = []

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        path = self._static_path(url)
        if path is None:
            self.refused.append(url)
            log.warning("report renderer refused a resource: %.200s", url)
            raise ResourceRefused(f"resource refused: {url[:200]}")
        media_type = _MEDIA_TYPES.get(path.suffix, "application/octet-stream")
        return URLFetcherResponse(
            path.as_uri(), path.read_bytes(), headers={"Content-Type": media_type}
        )

    @staticmethod
    def _static_path(url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            return None
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(STATIC_DIR) or not path.is_file():
            return None
        return path


_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
    autoescape=True,  # every template, whatever its name
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _date(value: object) -> str:
    return value.strftime("%-d %B %Y") if hasattr(value, "strftime") else "—"


# Numbers in EU English style, written alike everywhere (app/reports/numbers.py): `number` for a
# bare figure, `quantity` for a figure with its unit ("9.6% of SMEs"). Vocabulary labels and
# country names are resolved in the view-model (app/services/report_view.py), not here.
_ENV.filters["date"] = _date
_ENV.filters["number"] = numbers.number
_ENV.filters["quantity"] = numbers.quantity


def render_html(view: ReportView, *, preview: bool = False) -> str:
    """The report as HTML: what WeasyPrint lays out, or, with `preview`, a self-contained page
    for a browser (stylesheet inlined, its images and the logo as data URIs: it fetches
    nothing)."""
    template = _ENV.get_template(f"{view.kind}.html")
    extras: dict[str, object] = {"logo": "logo.svg", "css": None}
    if preview:
        css = _CSS_URL.sub(
            lambda m: f"url({_data_uri(m.group(1))})", (STATIC_DIR / "report.css").read_text()
        )
        extras = {"logo": _data_uri("logo.svg"), "css": Markup(css)}  # our own files
    return template.render(view=view, charts=_charts(view), **extras)


# A url() of the stylesheet naming one of our static files (the draft watermark, the contents'
# leader dots).
_CSS_URL = re.compile(r"url\(([\w.-]+\.svg)\)")


def _data_uri(name: str) -> str:
    data = base64.b64encode((STATIC_DIR / name).read_bytes()).decode()
    return f"data:{_MEDIA_TYPES[Path(name).suffix]};base64,{data}"


def _charts(view: ReportView) -> dict[str, object]:

    bars = [
        charts.SeverityBar(
            group.label,
            tuple(sum(1 for b in group.bottlenecks if b.severity == s) for s in range(1, 6)),  # type: ignore[arg-type]
        )
        for group in view.diagnosis
    ]
    plan = [charts.PlanItem(r.code, r.title, r.horizon, r.priority) for r in view.recommendations]
    indicators = [
        charts.IndicatorBar(
            i.name, i.value, i.unit, i.benchmark_value, i.benchmark_label, i.higher_is_better
        )
        for i in view.indicators
    ]
    start_year = (view.plan_from or view.as_of).year  # from the engagement, not the render day
    return {
        "severity": charts.severity_chart(bars, title="Bottlenecks by framework condition")
        if bars
        else None,
        "plan": charts.action_plan_chart(plan, start_year=start_year) if plan else None,
        "indicators": charts.indicator_chart(indicators, title="Key indicators against benchmarks")
        if indicators
        else None,
    }


@dataclass(frozen=True)
class RenderedPdf:
    pdf: bytes
    page_count: int
    html_bytes: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()


def render_pdf(view: ReportView, *, html: str | None = None) -> RenderedPdf:
    """The report as an archival, tagged PDF (PDF/A-3a) with its data attached as JSON."""
    html = html if html is not None else render_html(view)
    fetcher = StaticOnlyFetcher()
    rendered = lay_out(html, fetcher)
    data = json.dumps(machine_readable(view), ensure_ascii=False, indent=2).encode()
    attachment = Attachment(
        string=data,
        name=ATTACHMENT_NAME,
        description="The report's recommendations, bottlenecks and evidence as JSON",
        relationship="Data",
        url_fetcher=fetcher,
        created=_stamp(view),
        modified=_stamp(view),
    )
    pdf = rendered.write_pdf(attachments=[attachment], finisher=_finish_accessibility, **_options())
    return RenderedPdf(pdf=pdf, page_count=len(rendered.pages), html_bytes=len(html.encode()))


def lay_out(html: str, fetcher: StaticOnlyFetcher | None = None) -> Document:
    """The report's HTML laid out into pages, as the PDF will have them (layout_check reads
    this too)."""
    fetcher = fetcher or StaticOnlyFetcher()
    document = HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=fetcher)
    return document.render(font_config=_font_config(), **_options())


def _options() -> dict[str, Any]:
    return {"pdf_variant": PDF_VARIANT, "stylesheets": [_stylesheet()]}


# Parsed once per process, not once per render (about 15 ms each): the stylesheet is ours and
# does not change while the process runs. WeasyPrint only reads it while rendering.
@functools.cache
def _stylesheet() -> CSS:
    return CSS(filename=str(STATIC_DIR / "report.css"), url_fetcher=StaticOnlyFetcher())


_fonts = threading.local()


def _font_config() -> FontConfiguration:
    """One font configuration per thread, kept between renders: the fonts it has loaded and
    measured serve the next render (WeasyPrint makes a new one per render when given none).
    The reports declare no @font-face, so nothing of one document stays in it for the next."""
    config = getattr(_fonts, "config", None)
    if config is None:
        config = _fonts.config = FontConfiguration()
    return config


def _stamp(view: ReportView) -> datetime:
    day = view.published_on or view.as_of
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


# -- what WeasyPrint 70's tagging leaves out ---------------------------------------------------

# HTML `scope` to the /Scope of a /TH's table attributes (ISO 32000-1, 14.8.5.7). Without a
# `scope`, WeasyPrint maps the cell as a column header (its /Headers of the data cells), so
# /Column says the same; the templates give every header cell its `scope`.
_SCOPES = {"row": "/Row", "rowgroup": "/Row", "col": "/Column", "colgroup": "/Column"}
_PDFUA_ID = (
    b'<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/" '
    b'pdfuaid:part="1"/>'
)


def _finish_accessibility(document: Any, pdf: Any) -> None:
    """WeasyPrint's `finisher`: called with the laid-out document and the pydyf PDF, tags
    already built, before the file is written.

    - Each /TH gets its /Scope from the cell's `scope` (WeasyPrint writes /IDs and the data
      cells' /Headers only, which PDF/UA checkers do not read as an association).
    - Each link annotation's /Contents (its description for assistive technology, PDF/UA-1
      7.18.5) is the link's `aria-label`, else its `title`, else its text; WeasyPrint writes
      the bare target ("ref-3").
    - The XMP metadata declares PDF/UA-1 beside PDF/A-3a (`pdfuaid:part`).

    It relies on two attributes WeasyPrint's tagging sets on boxes (`mark`, the /TH's structure
    element; `link_annotation`), checked by tests/reports/test_pdf_accessibility.py."""
    for page in document.pages:
        for box in page._page_box.descendants():
            if box.element_tag == "th" and hasattr(box, "mark"):
                scope = _SCOPES.get((box.element.get("scope") or "").lower(), "/Column")
                box.mark["A"]["Scope"] = scope
        for _type, _target, _rectangle, box in page.links:
            annotation = getattr(box, "link_annotation", None)
            if annotation is not None:
                annotation["Contents"] = pydyf.String(_link_description(box.element))
    metadata = pdf.objects[int(pdf.catalog["Metadata"].split()[0])]
    xmp = b"".join(metadata.stream)
    if b"pdfuaid:part" not in xmp:
        metadata.stream = [xmp.replace(b"</rdf:RDF>", _PDFUA_ID + b"</rdf:RDF>", 1)]


def _link_description(element: Any) -> str:
    for attribute in ("aria-label", "title"):
        if text := " ".join((element.get(attribute) or "").split()):
            return text
    return " ".join("".join(element.itertext()).split()) or element.get("href", "")
