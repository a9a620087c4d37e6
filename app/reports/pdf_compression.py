"""PDF streams compressed at zlib level 6 instead of pydyf's 9.

pydyf (WeasyPrint's PDF writer) compresses every stream at level 9, the slowest, and does it
twice for the streams of a PDF/A: once to write each object and once more to hash them all for
the file identifier that PDF/A requires. Level 6 (zlib's own default) compresses the report's
text, fonts and structure tree about three times faster for files about 2 % larger: 5-10 % of
a large briefing's render time (docs/performance.md).

`install` gives pydyf a view of `zlib` whose `compressobj` uses `LEVEL`, for the pydyf version
it was checked against (a newer one may write differently: it is left alone, slower and still
right). Nothing else changes: the streams stay /FlateDecode, any reader decompresses them alike
(tests/reports/test_pdf_compression.py checks the output with qpdf).
"""

import logging
import types
import zlib
from typing import Any

import pydyf

log = logging.getLogger(__name__)
LEVEL = 6
SUPPORTED_VERSIONS = ("0.13.",)  # pydyf.Stream.data calls zlib.compressobj(level=9)


def _compressobj(level: int = -1, *args: Any, **kwargs: Any) -> Any:
    return zlib.compressobj(LEVEL, *args, **kwargs)


# Everything of zlib as it is, but compressobj, the only function pydyf's streams call.
_ZLIB = types.SimpleNamespace(
    **{name: getattr(zlib, name) for name in dir(zlib) if not name.startswith("__")}
)
_ZLIB.compressobj = _compressobj


def install() -> bool:
    """Have pydyf compress at `LEVEL`, if this pydyf is one it was checked against."""
    if not pydyf.__version__.startswith(SUPPORTED_VERSIONS):
        log.warning(
            "pydyf %s: PDF streams stay at its own compression level "
            "(app/reports/pdf_compression.py knows %s)",
            pydyf.__version__, ", ".join(SUPPORTED_VERSIONS),
        )  # fmt: skip
        return False
    pydyf.zlib = _ZLIB  # type: ignore[attr-defined]
    return True


def uninstall() -> None:
    """pydyf's own level again (the tests compare both)."""
    pydyf.zlib = zlib  # type: ignore[attr-defined]
