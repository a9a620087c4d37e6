"""The pages' static files, served under content-hashed names with long-lived cache headers:
a changed file gets a new name, so browsers may keep every name for a year."""

import functools
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

from app.services.errors import NotFound

STATIC_DIR = Path(__file__).parent / "static"
PREFIX = "/static"
SERVED_SUFFIXES = frozenset({".css", ".js", ".svg", ".png", ".ico", ".woff2"})
CACHE_FOREVER = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str


class Assets:
    """Every static file, read once: `url(name)` is the hashed address of `name` (a path
    under app/web/static), and the router serves those addresses."""

    def __init__(self, root: Path = STATIC_DIR) -> None:
        self._urls: dict[str, str] = {}
        self._served: dict[str, Asset] = {}
        for path in sorted(root.rglob("*")):
            if not path.is_file() or path.suffix not in SERVED_SUFFIXES:
                continue
            body = path.read_bytes()
            name = path.relative_to(root).as_posix()
            digest = hashlib.sha256(body).hexdigest()[:12]
            hashed = f"{name.removesuffix(path.suffix)}.{digest}{path.suffix}"
            media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            self._urls[name] = f"{PREFIX}/{hashed}"
            self._served[hashed] = Asset(body, media_type)

    @classmethod
    @functools.cache
    def of_app(cls) -> "Assets":
        """The app's static files, read once per process."""
        return cls()

    def url(self, name: str) -> str:
        return self._urls[name]

    def total_bytes(self, names: list[str]) -> int:
        return sum(len(self._served[self._urls[n].removeprefix(PREFIX + "/")].body) for n in names)

    def router(self) -> APIRouter:
        router = APIRouter(include_in_schema=False)

        @router.get(PREFIX + "/{path:path}")
        async def static_file(path: str) -> Response:
            # In memory: no file system access, and no path to escape the folder with.
            asset = self._served.get(path)
            if asset is None:
                raise NotFound("No such file")
            return Response(
                asset.body,
                media_type=asset.media_type,
                headers={"Cache-Control": CACHE_FOREVER},
            )

        @router.get("/favicon.ico")
        async def favicon() -> Response:
            # Browsers ask for it on their own (before any page names its hashed icon).
            icon = self._served[self._urls["favicon.svg"].removeprefix(PREFIX + "/")]
            return Response(
                icon.body,
                media_type=icon.media_type,
                headers={"Cache-Control": "public, max-age=86400"},
            )

        return router
