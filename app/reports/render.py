"""HTML and PDF from a report view-model: Jinja2 (autoescaped everywhere) and WeasyPrint.

Anything a user typed reaches these templates, so the renderer trusts no URL: `StaticOnlyFetcher`
serves the files of app/reports/static and refuses everything else (file://, http(s)://, data:,
paths that climb out of the folder). The only attachment a PDF carries is the JSON we put there.
"""

import base64
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jinja2
from markupsafe import Markup
from weasyprint import CSS, HTML, Attachment
from weasyprint.urls import URLFetcher, URLFetcherResponse

from app.reports import charts, numbers
from app.reports.viewmodel import ReportView, machine_readable

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
TEMPLATE_DIR = HERE / "templates"
PDF_VARIANT = "pdf/a-3b"
ATTACHMENT_NAME = "clustercase-report.json"
_MEDIA_TYPES = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}

log = logging.getLogger(__name__)


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
    for a browser (stylesheet inlined, logo as a data URI: it fetches nothing)."""
    template = _ENV.get_template(f"{view.kind}.html")
    extras: dict[str, object] = {"logo": "logo.svg", "css": None}
    if preview:
        logo = base64.b64encode((STATIC_DIR / "logo.svg").read_bytes()).decode()
        extras = {
            "logo": f"data:image/svg+xml;base64,{logo}",
            "css": Markup((STATIC_DIR / "report.css").read_text()),  # our own file
        }
    return template.render(view=view, charts=_charts(view), **extras)


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
        charts.IndicatorBar(i.name, i.value, i.unit, i.benchmark_value, i.benchmark_label)
        for i in view.indicators
    ]
    start_year = view.as_of.year
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
    """The report as an archival PDF (PDF/A-3b) with its data attached as JSON."""
    html = html if html is not None else render_html(view)
    fetcher = StaticOnlyFetcher()
    document = HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=fetcher)
    stylesheet = CSS(filename=str(STATIC_DIR / "report.css"), url_fetcher=fetcher)
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
    options = {"pdf_variant": PDF_VARIANT, "stylesheets": [stylesheet]}
    rendered = document.render(**options)
    pdf = rendered.write_pdf(attachments=[attachment], **options)
    return RenderedPdf(pdf=pdf, page_count=len(rendered.pages), html_bytes=len(html.encode()))


def _stamp(view: ReportView) -> datetime:
    day = view.published_on or view.as_of
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
