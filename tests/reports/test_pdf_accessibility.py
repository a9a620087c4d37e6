"""Tagged, accessible PDFs (issue 14, part 4; docs/reports-accessibility.md).

Every demo report (each engagement, each kind) is rendered to a real PDF and read back with
pikepdf: PDF/A-3a with the PDF/UA-1 identification, a structure tree, MarkInfo, Lang, the title
displayed, the JSON attachment; every /Figure with /Alt (the charts' from their SVG <title>),
every /TH with /Scope, every /TD with its /Headers, every link annotation with a description.
The `pdfua` checker (the machine-checkable subset of PDF/UA-1, on pikepdf) finds nothing. The
draft watermark is an artifact drawn over the content that no text extraction reads.
"""

import html as html_module
import io
import re
import subprocess
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import pikepdf
from pdfua import validate
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Engagement
from app.reports.render import ATTACHMENT_NAME, render_html, render_pdf
from app.reports.viewmodel import ReportView
from app.vocab import ReportKind
from tests import demo_reports
from tests.pdf_tools import pdf_text

PDFUA_NS = "http://www.aiim.org/pdfua/ns/id/"
WALLONIA = "EOCIC-2018-BE3"


def _view(db: Session, engagement: Engagement, kind: ReportKind) -> ReportView:
    return demo_reports.view(db, engagement, kind)


def _wallonia_briefing(db: Session) -> ReportView:
    wallonia = db.scalars(select(Engagement).where(Engagement.reference == WALLONIA)).one()
    return _view(db, wallonia, ReportKind.POLICY_BRIEFING)


# -- reading the structure tree -------------------------------------------------------------------


@dataclass
class Tree:
    """The structure elements of a PDF, walked from /StructTreeRoot through /K."""

    elements: list[pikepdf.Dictionary] = field(default_factory=list)
    reachable: set[tuple[int, int]] = field(default_factory=set)  # their objgen

    def role(self, role: str) -> list[pikepdf.Dictionary]:
        return [e for e in self.elements if e.get("/S") == role]


def _tree(doc: pikepdf.Pdf) -> Tree:
    tree = Tree()
    stack = list(_kids(doc.Root.StructTreeRoot))
    while stack:
        node = stack.pop()
        if not isinstance(node, pikepdf.Dictionary) or node.get("/Type") not in (
            None,
            "/StructElem",
        ):
            continue  # a marked-content id, an object reference (/OBJR)
        if "/S" not in node:
            continue
        tree.elements.append(node)
        tree.reachable.add(node.objgen)
        stack.extend(_kids(node))
    return tree


def _kids(node: pikepdf.Dictionary) -> list[object]:
    kids = node.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _attribute(element: pikepdf.Dictionary, key: str) -> object:
    attributes = element.get("/A")
    for a in attributes if isinstance(attributes, pikepdf.Array) else [attributes]:
        if isinstance(a, pikepdf.Dictionary) and key in a:
            return a[key]
    return None


def _chart_titles(markup: str) -> list[str]:
    """The <title> of each inline chart: what WeasyPrint writes as the chart's /Alt."""
    return [
        " ".join(html_module.unescape(t).split())
        for t in re.findall(r"<svg\b[^>]*>\s*<title>(.*?)</title>", markup, flags=re.S)
    ]


def accessibility_problems(pdf: bytes, view: ReportView, markup: str) -> list[str]:
    """What keeps the PDF from being the tagged PDF/A-3a the reports promise (empty: none)."""
    problems = []
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        root = doc.Root
        if "/StructTreeRoot" not in root:
            return ["no structure tree"]
        if root.get("/MarkInfo", {}).get("/Marked") is not True:
            problems.append("MarkInfo /Marked is not true")
        if str(root.get("/Lang", "")) != view.language:
            problems.append(f"Lang is {root.get('/Lang')!r}")
        if root.get("/ViewerPreferences", {}).get("/DisplayDocTitle") is not True:
            problems.append("DisplayDocTitle is not true")
        if str(doc.docinfo.get("/Title", "")) != view.title:
            problems.append(f"Title is {doc.docinfo.get('/Title')!r}")
        with doc.open_metadata() as xmp:
            ids = (xmp.get("pdfaid:part"), xmp.get("pdfaid:conformance"))
            ua = xmp.get(f"{{{PDFUA_NS}}}part")
        if ids != ("3", "A") or ua != "1":
            problems.append(f"identification PDF/A {ids}, PDF/UA {ua!r}")
        if list(doc.attachments) != [ATTACHMENT_NAME]:
            problems.append(f"attachments {list(doc.attachments)}")
        af = [spec.get("/AFRelationship") for spec in root.get("/AF", [])]
        if not af or set(af) != {"/Data"}:
            problems.append(f"/AF relationships {af}")

        tree = _tree(doc)
        if [str(e.S) for e in _kids(root.StructTreeRoot)] != ["/Document"]:
            problems.append("the tree's root is not one /Document")
        figures = tree.role("/Figure")
        alts = [" ".join(str(f.get("/Alt", "")).split()) for f in figures]
        if not figures or "" in alts:
            problems.append(f"{alts.count('')} of {len(figures)} figures without /Alt")
        for title in _chart_titles(markup):
            if title not in alts:
                problems.append(f"no figure has the chart's alternative text {title[:60]!r}")
        headers = tree.role("/TH")
        unscoped = [h for h in headers if _attribute(h, "/Scope") not in ("/Row", "/Column")]
        if not headers or unscoped:
            problems.append(f"{len(unscoped)} of {len(headers)} header cells without /Scope")
        cells = tree.role("/TD")
        orphans = [c for c in cells if not _attribute(c, "/Headers")]
        if orphans:
            problems.append(f"{len(orphans)} of {len(cells)} data cells without /Headers")

        links = [
            annot
            for page in doc.pages
            for annot in page.obj.get("/Annots", [])
            if annot.get("/Subtype") == "/Link"
        ]
        if not links:
            problems.append("no link annotation")
        for annot in links:
            text = str(annot.get("/Contents", "")).strip()
            target = str(annot.get("/Dest", ""))
            if not text or text == target or text.isdigit():
                problems.append(f"link to {target!r} described as {text!r}")
            if "/StructParent" not in annot:
                problems.append(f"link to {target!r} is not in the structure tree")
    return problems


def pdfua_findings(pdf: bytes, directory: Path) -> list[str]:
    """What the `pdfua` checker finds (machine-checkable PDF/UA-1 and WCAG 2.1 subset)."""
    path = directory / "report.pdf"
    path.write_bytes(pdf)
    report = validate(str(path))
    return [
        f"{f.rule_id} {f.severity.name} page {f.location.page}: {f.message}"
        for f in report.findings
    ]


# -- the tests ------------------------------------------------------------------------------------


def test_every_demo_report_is_tagged_and_passes_the_pdfua_checker(
    seeded: Session, tmp_path: Path
) -> None:
    problems: dict[str, list[str]] = {}
    rendered = 0
    for engagement in seeded.scalars(select(Engagement).order_by(Engagement.reference)):
        for kind in ReportKind:
            view = _view(seeded, engagement, kind)
            markup = render_html(view)
            pdf = render_pdf(view, html=markup).pdf
            rendered += 1
            found = accessibility_problems(pdf, view, markup) + pdfua_findings(pdf, tmp_path)
            if found:
                problems[f"{engagement.reference} {kind.value}"] = found
    assert rendered >= 9
    assert problems == {}


def test_charts_are_figures_whose_alternative_text_describes_the_data(seeded: Session) -> None:
    view = _wallonia_briefing(seeded)
    markup = render_html(view)
    titles = _chart_titles(markup)
    assert len(titles) == 3  # indicators, diagnosis, action plan
    with pikepdf.open(io.BytesIO(render_pdf(view, html=markup).pdf)) as doc:
        alts = [str(f.Alt) for f in _tree(doc).role("/Figure")]
    assert "ClusterCase" in alts  # the logo, from its alt attribute
    for title in titles:
        assert title in alts
        # Not only the chart's name: its figures (a count, a value, a year) are in the text.
        assert re.search(r"\d", title), f"the alternative text names no figure: {title!r}"


def _watermark_marks(doc: pikepdf.Pdf, page: pikepdf.Page) -> tuple[list[int], int]:
    """The positions, in the page's content stream, of each form XObject painted as an
    /Artifact with transparency and no text (the watermark image), and the position of the last
    marked content that belongs to the document's structure tree (the body's text and figures;
    the running header and footer are outside the tree)."""
    tree = _tree(doc)
    parents = doc.Root.StructTreeRoot.ParentTree.Nums
    numbers = dict(zip(list(parents)[::2], list(parents)[1::2], strict=True))
    mcids = numbers[page.obj.StructParents]
    marks, last_tagged, stack = [], -1, []
    for index, (operands, operator) in enumerate(pikepdf.parse_content_stream(page)):
        name = str(operator)
        if name in ("BMC", "BDC"):
            stack.append(str(operands[0]))
            if name == "BDC" and "/MCID" in operands[1]:
                element = mcids[int(operands[1].MCID)]
                if element.objgen in tree.reachable:
                    last_tagged = index
        elif name == "EMC":
            stack.pop()
        elif name == "Do" and stack and stack[-1] == "/Artifact":
            xobject = page.Resources.XObject[str(operands[0])]
            if xobject.get("/Subtype") == "/Form" and _translucent_outlines(xobject):
                marks.append(index)
    return marks, last_tagged


def _translucent_outlines(xobject: pikepdf.Stream) -> bool:
    """Filled paths under a fill opacity below 1, and no text, in the form or its forms."""
    operators = {str(op) for _, op in pikepdf.parse_content_stream(xobject)}
    resources = xobject.get("/Resources", {})
    states = resources.get("/ExtGState", {})
    translucent = any(float(s.get("/ca", 1)) < 1 for s in states.values())
    if "BT" in operators:
        return False
    if translucent and operators & {"f", "f*", "B", "B*"}:
        return True
    return any(_translucent_outlines(x) for x in resources.get("/XObject", {}).values())


def _pdftotext(pdf: bytes, *options: str) -> str:
    done = subprocess.run(
        ["pdftotext", "-q", *options, "-", "-"],
        input=pdf, capture_output=True, check=True, timeout=60,
    )  # fmt: skip
    return done.stdout.decode()


def _texts(pdf: bytes) -> list[str]:
    """The text as poppler reads it (layout order, then content-stream order) and as pypdf does."""
    return [_pdftotext(pdf), _pdftotext(pdf, "-raw"), pdf_text(pdf)]


# The word, in capitals, in either direction (poppler writes rotated letters one per line, last
# first, in its default mode), whatever the spacing.
WATERMARK_WORD = re.compile(r"D\s*R\s*A\s*F\s*T|T\s*F\s*A\s*R\s*D")


def test_the_draft_watermark_is_an_artifact_over_the_content_that_no_one_reads(
    seeded: Session,
) -> None:
    draft = _wallonia_briefing(seeded)
    assert draft.is_draft
    published = replace(draft, status="published", published_on=date(2026, 6, 2))
    draft_pdf, published_pdf = render_pdf(draft).pdf, render_pdf(published).pdf

    with pikepdf.open(io.BytesIO(draft_pdf)) as doc:
        for number, page in enumerate(doc.pages, 1):
            marks, last_tagged = _watermark_marks(doc, page)
            assert len(marks) == 1, f"page {number}: {len(marks)} watermarks"
            assert marks[0] > last_tagged > 0, f"page {number}: the watermark is under content"
    with pikepdf.open(io.BytesIO(published_pdf)) as doc:
        assert all(_watermark_marks(doc, page)[0] == [] for page in doc.pages)

    # Text extraction (poppler, pypdf) reads the report, not the watermark; the cover says
    # "Draft, not for circulation" in words.
    for text in _texts(draft_pdf):
        assert "Draft, not for circulation" in " ".join(text.split())
        assert not WATERMARK_WORD.search(text), "the watermark is text"
    assert not any(WATERMARK_WORD.search(text) for text in _texts(published_pdf))
    assert 'class="watermark"' not in render_html(published)
