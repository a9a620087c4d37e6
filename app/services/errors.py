"""Domain errors. Each carries its HTTP status and error code; one handler renders them all
(app/api/errors.py). Services raise these and never import FastAPI."""

from typing import Any


class AppError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra
        self.headers: dict[str, str] = {}


class Unauthorized(AppError):
    """No valid credentials. Rendered with `WWW-Authenticate: Bearer`."""

    status_code = 401
    code = "unauthorized"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.headers = {"WWW-Authenticate": "Bearer"}


class RetryLater(AppError):
    """An error the client may retry after `retry_after` seconds (sent as Retry-After)."""

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": str(retry_after)}


class TooManyAttempts(RetryLater):
    status_code = 429
    code = "too_many_attempts"


class Busy(RetryLater):
    """The service is at capacity for this kind of work; the client should retry later."""

    status_code = 503
    code = "busy"


class DatabaseUnavailable(RetryLater):
    """The database cannot be reached or refuses the app (down, refused, wrong credentials,
    unknown database, a connection that timed out)."""

    status_code = 503
    code = "database_unavailable"


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class Duplicate(Conflict):
    code = "duplicate"


class StillReferenced(Conflict):
    code = "still_referenced"


class TransitionBlocked(Conflict):
    """A workflow step refused; `problems` lists every unmet condition."""

    code = "transition_blocked"

    def __init__(self, detail: str, problems: list[dict[str, Any]]) -> None:
        super().__init__(detail, problems=problems)


class InvalidTransition(Conflict):
    code = "invalid_transition"


class PreconditionFailed(AppError):
    status_code = 412
    code = "precondition_failed"


class InvalidInput(AppError):
    """Well-formed input that the domain refuses, e.g. a reference to another engagement's
    bottleneck. `fields` names the offending inputs like a validation error does."""

    status_code = 422
    code = "invalid_input"

    def __init__(self, detail: str, loc: list[str | int] | None = None) -> None:
        fields = [{"loc": loc, "msg": detail}] if loc else []
        super().__init__(detail, fields=fields)
