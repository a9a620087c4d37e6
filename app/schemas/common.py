"""Shapes shared by every resource: the list envelope, the error body, base configs."""

from typing import Annotated, Any, ClassVar, Generic, Self, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    PlainSerializer,
    StringConstraints,
    field_validator,
    model_validator,
)


class InputModel(BaseModel):
    """Request bodies: unknown fields are refused, strings are stripped, and NUL characters
    refused (PostgreSQL cannot store them; SQLite would, so the databases would disagree)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            raise ValueError("must not contain NUL characters")
        return value


class UpdateModel(InputModel):
    """PATCH bodies: every field optional; only the fields sent are applied. `null` is refused
    except for the fields listed in `nullable` (where it clears the value)."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _no_null_for_required(self) -> Self:
        bad = sorted(
            f for f in self.model_fields_set if getattr(self, f) is None and f not in self.nullable
        )
        if bad:
            raise ValueError(f"{', '.join(bad)} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, as plain values."""
        return self.model_dump(exclude_unset=True)


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


T = TypeVar("T")

# Ids fit the databases' 32-bit integer keys; a larger number is a 422, not an overflow.
MAX_ID = 2**31 - 1
DbId = Annotated[int, Field(ge=1, le=MAX_ID)]
# The page of a list (the `limit` and `offset` query parameters).
MAX_PAGE = 200
PageLimit = Annotated[int, Field(ge=1, le=MAX_PAGE, description=f"page size (max {MAX_PAGE})")]
PageOffset = Annotated[int, Field(ge=0, le=MAX_ID, description="items to skip")]

# Every text field has a cap (the database columns match the short ones).
Title = Annotated[str, StringConstraints(min_length=1, max_length=300)]
Name = Title
ShortText = Annotated[str, StringConstraints(max_length=300)]
LongText = Annotated[str, StringConstraints(max_length=20_000)]
Label = Annotated[str, StringConstraints(min_length=1, max_length=200)]


def _url_text(url: HttpUrl | None) -> str | None:
    return None if url is None else str(url)


# http(s) only: pydantic's HttpUrl refuses javascript:, file:, data: and the like.
WebUrl = Annotated[
    HttpUrl,
    Field(max_length=2000),
    AfterValidator(_url_text),
    PlainSerializer(lambda value: value, return_type=str),
]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str


class Problem(BaseModel):
    severity: str = Field(description="blocking | warning")
    code: str
    message: str
    entity_type: str | None = None
    entity_id: int | None = None


class ErrorOut(BaseModel):
    error: str = Field(description="machine-readable code, e.g. not_found, duplicate")
    detail: str = Field(description="a human sentence")
    fields: list[FieldError] | None = None
    problems: list[Problem] | None = None


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the error statuses an operation can answer."""
    descriptions = {
        400: "Bad request",
        401: "Missing, invalid or expired access token",
        403: "Forbidden",
        404: "Not found",
        409: "Conflict: duplicate, still referenced, or a blocked transition",
        412: "If-Match is stale",
        413: "Request body too large",
        422: "Malformed or invalid input",
        429: "Too many failed attempts; see Retry-After",
        503: "At capacity (e.g. every report renderer busy); see Retry-After",
    }
    return {c: {"model": ErrorOut, "description": descriptions[c]} for c in codes}
