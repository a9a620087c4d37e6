"""Reading PDFs in tests: text (pypdf), attachments, metadata and structural checks (pikepdf,
which is qpdf: `check()` is `qpdf --check`)."""

import io
import json
from typing import Any

import pikepdf
from pypdf import PdfReader


def pdf_text(pdf: bytes) -> str:
    """All the text of the PDF, whitespace collapsed (so wrapped lines still match)."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def attachments(pdf: bytes) -> dict[str, bytes]:
    """Every embedded file, by name."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return {name: spec.get_file().read_bytes() for name, spec in doc.attachments.items()}


def attached_json(pdf: bytes, name: str = "clustercase-report.json") -> Any:
    return json.loads(attachments(pdf)[name])


def qpdf_problems(pdf: bytes) -> list[str]:
    """What `qpdf --check` finds wrong (an empty list for a sound file)."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return [str(problem) for problem in doc.check_pdf_syntax()]


def metadata(pdf: bytes) -> dict[str, str]:
    """Document information and the XMP fields PDF/A needs."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        info = {str(k): str(v) for k, v in doc.docinfo.items()}
        with doc.open_metadata() as xmp:
            info["pdfaid:part"] = str(xmp.get("pdfaid:part", ""))
            info["pdfaid:conformance"] = str(xmp.get("pdfaid:conformance", ""))
        info["Lang"] = str(doc.Root.get("/Lang", ""))
        return info


def link_uris(pdf: bytes) -> list[str]:
    """The target of every external link annotation."""
    uris = []
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            for annot in page.obj.get("/Annots", []):
                action = annot.get("/A")
                if action is not None and "/URI" in action:
                    uris.append(str(action.URI))
    return uris


def internal_link_count(pdf: bytes) -> int:
    count = 0
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            for annot in page.obj.get("/Annots", []):
                if annot.get("/Subtype") == "/Link" and "/URI" not in annot.get("/A", {}):
                    count += 1
    return count


def page_headers(pdf: bytes, margin_pt: float = 60.0) -> list[str]:
    """Each page's running header: the text drawn within `margin_pt` of the page's top."""
    headers = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        parts: list[str] = []
        floor = float(page.mediabox.top) - margin_pt

        def visit(
            text: str, cm: Any, tm: Any, *_: Any, parts: list[str] = parts, floor: float = floor
        ) -> None:
            if text.strip() and tm[5] * cm[3] + cm[5] > floor:
                parts.append(text)

        page.extract_text(visitor_text=visit)
        headers.append(" ".join(" ".join(parts).split()))
    return headers


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text, whitespace collapsed."""
    return [
        " ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages
    ]
