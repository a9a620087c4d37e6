"""PDF streams at zlib level 6 (app/reports/pdf_compression.py): the renderer installs it, the
files are as valid (qpdf's check, through pikepdf) and hold the same content as at pydyf's
level 9, and a pydyf it does not know is left
alone."""

import io
import zlib
from collections.abc import Iterator

import pikepdf
import pydyf
import pytest
import weasyprint

from app.reports import pdf_compression, render

HTML = '<html lang="en"><title>Compression</title><h1>Title</h1>' + (
    "<p>The steering committee coordinates but cannot reallocate.</p>" * 200
)


@pytest.fixture
def both_levels() -> Iterator[None]:
    yield
    pdf_compression.install()  # as app.reports.render leaves it


def _pdf() -> bytes:
    return weasyprint.HTML(string=HTML).write_pdf(pdf_variant="pdf/a-3a")


def _streams(pdf: bytes) -> list[bytes]:
    """Every stream decompressed: pages, fonts, images, metadata, attachments. (Not the
    cross-reference stream: it holds byte offsets, which the compression moves.)"""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return [
            obj.read_bytes()
            for obj in doc.objects
            if isinstance(obj, pikepdf.Stream) and obj.get("/Type") != "/XRef"
        ]


def test_the_renderer_compresses_at_level_6() -> None:
    assert render.pdf_compression is pdf_compression
    assert pydyf.zlib.compressobj is pdf_compression._compressobj  # type: ignore[attr-defined]
    # Level 6 output, whatever level pydyf asks for: the same bytes zlib gives at 6, not at 9.
    data = b"The steering committee coordinates. " * 2000
    asked = pydyf.zlib.compressobj(level=9)  # type: ignore[attr-defined]
    level6 = zlib.compressobj(6)
    assert asked.compress(data) + asked.flush() == level6.compress(data) + level6.flush()
    assert pydyf.zlib.decompress is zlib.decompress  # type: ignore[attr-defined]


def test_files_at_level_6_hold_the_same_streams_and_pass_qpdf(both_levels: None) -> None:
    fast = _pdf()
    pdf_compression.uninstall()
    slow = _pdf()
    with pikepdf.open(io.BytesIO(fast)) as doc:
        assert doc.check_pdf_syntax() == []  # qpdf's own check: syntax and stream encoding
    assert sorted(_streams(fast)) == sorted(_streams(slow))  # decompressed: identical
    assert len(fast) < len(slow) * 1.05


def test_another_pydyf_keeps_its_own_level(
    both_levels: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf_compression.uninstall()
    monkeypatch.setattr(pydyf, "__version__", "0.14.0")
    assert pdf_compression.install() is False
    assert pydyf.zlib is zlib  # type: ignore[attr-defined]
