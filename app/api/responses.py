"""Response classes shared by the routers."""

from typing import Any

import orjson
from fastapi import Response


class JSONBytes(Response):
    """JSON written by orjson from plain values, without a response model's validation. It
    writes what pydantic would (UTC times end in Z; naive times are UTC, as EngagementRead
    reads them), and the route declares the model, so the OpenAPI document still tells the
    shape."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return self.dumps(content)

    @staticmethod
    def dumps(content: Any) -> bytes:
        """`content` as the JSON this response sends."""
        return orjson.dumps(content, option=orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC)
