"""Log lines: one JSON object per line (production), or plain text (development).

Every line written while a request runs carries its request id (a context variable, set by
app/observability/middleware.py; worker threads inherit it). `config` is the logging setup
`clustercase serve` hands to uvicorn, which applies it in every worker process.
"""

import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import orjson

from app.config import Settings

REQUEST_ID: ContextVar[str | None] = ContextVar("clustercase_request_id", default=None)
# Attributes a log call may pass in `extra`, written as fields of their own.
FIELDS = (
    "request_id",
    "user_id",
    "method",
    "route",
    "path",
    "status",
    "duration_ms",
    "statement",
)


def format_of(settings: Settings) -> str:
    """The configured format, else JSON in production and text in development."""
    if settings.log_format is not None:
        return settings.log_format
    return "json" if settings.environment == "production" else "text"


class RequestContext(logging.Filter):
    """Adds the running request's id to each record that has none."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for name in ("request_id", "user_id"):
            value = getattr(record, name, None)
            if value is not None:
                text += f" {name}={value}"
        return text


def config(log_format: str, level: str = "INFO") -> dict[str, Any]:
    """A logging.config.dictConfig for the server: every logger (the app's, uvicorn's) through
    one handler on stderr; uvicorn's access log stays off (the app writes one line per
    request, app/observability/middleware.py)."""
    formatter = JsonFormatter if log_format == "json" else TextFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request": {"()": RequestContext}},
        "formatters": {"default": {"()": formatter}},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "default",
                "filters": ["request"],
            }
        },
        # Libraries' chatter (WeasyPrint's progress, Alembic's plugins) stays below the line;
        # the app's own loggers and uvicorn's say what they do.
        "root": {"level": "WARNING", "handlers": ["default"]},
        "loggers": {
            "app": {"level": level},
            "clustercase": {"level": level},
            "uvicorn": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.error": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        },
    }
