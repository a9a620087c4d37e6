"""Shapes shared by every resource: the list envelope, the error body, base configs."""

import re
from datetime import date
from typing import Annotated, Any, ClassVar, Generic, Self, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    HttpUrl,
    PlainSerializer,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date_text(value: Any) -> Any:
    """A date as JSON carries it: an ISO 8601 string (YYYY-MM-DD), or a date given by Python
    code. Numbers are refused: pydantic's lax mode reads them as Unix times (0 = 1970-01-01)."""
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.match(value)):
        return value
    if isinstance(value, str):
        raise PydanticCustomError("date_parsing", "Input should be a date as YYYY-MM-DD")
    raise PydanticCustomError("date_type", "Input should be a date: a string YYYY-MM-DD")


# The JSON types whose values pydantic's lax mode would take from another type: "2" as 2,
# 1 and "true" as True, false as 0.0, 5 as "5".
_STRICT_SCALARS = frozenset({"int", "float", "bool", "str"})


def _strict_scalars_iso_dates(node: Any) -> None:
    """Make the scalars of a core schema strict, and its dates take ISO strings only. Enums
    stay lax: JSON gives their values, which strict Python validation (what FastAPI runs on a
    parsed body) would refuse for want of enum instances."""
    if isinstance(node, list):
        for item in node:
            _strict_scalars_iso_dates(item)
        return
    if not isinstance(node, dict):
        return
    if node.get("type") == "function-before" and node["function"]["function"] is _iso_date_text:
        return  # done already: a model's schema is handed back each time it is used
    if node.get("type") in _STRICT_SCALARS:
        node["strict"] = True
    elif node.get("type") == "date":
        inner = dict(node)
        node.clear()
        node.update(core_schema.no_info_before_validator_function(_iso_date_text, inner))
        return
    for child in node.values():
        _strict_scalars_iso_dates(child)


class InputModel(BaseModel):
    """Request bodies: unknown fields are refused, strings are stripped, and NUL characters
    refused (PostgreSQL cannot store them; SQLite would, so the databases would disagree).

    Types are strict, as the OpenAPI document states them: no string, number or boolean
    coercion (`"2"` is not an integer, `false` not a number, `0` not a date, `5` not a
    string); dates are ISO strings (docs/openapi-conformance.md). FastAPI validates a parsed
    JSON body through a TypeAdapter, which keeps this strictness; `model_validate` (the
    pages' forms, whose every value is text) is lenient unless told otherwise."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[BaseModel], handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        schema = handler(source)
        _strict_scalars_iso_dates(schema)
        return schema

    @classmethod
    def model_validate(cls, obj: Any, *, strict: bool | None = False, **kwargs: Any) -> Self:
        """Lenient by default: Python callers pass form text ("2" for 2); see the class."""
        return super().model_validate(obj, strict=strict, **kwargs)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any, info: ValidationInfo) -> Any:
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            raise ValueError("must not contain NUL characters")
        # The documented maxLength holds for the text as sent: stripping comes after, so
        # 300 characters and a space would otherwise pass a limit of 300.
        limit = _max_lengths(cls).get(info.field_name or "")
        if limit is not None and isinstance(value, str) and len(value) > limit:
            raise ValueError(f"must be at most {limit} characters")
        return value


_MAX_LENGTHS: dict[type[BaseModel], dict[str, int]] = {}


def warm_max_lengths() -> int:
    """Read every request body's maxLengths now (at startup) rather than on each model's first
    request: building a model's JSON schema takes milliseconds. Returns how many models."""
    pending: list[type[BaseModel]] = [InputModel]
    seen = 0
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        if model is not InputModel and not model.__pydantic_generic_metadata__["origin"]:
            _max_lengths(model)
            seen += 1
    return seen


def _max_lengths(model: type[BaseModel]) -> dict[str, int]:
    """Each text field's maxLength as the OpenAPI document states it (once per model)."""
    found = _MAX_LENGTHS.get(model)
    if found is None:
        found = {}
        for name, prop in model.model_json_schema(mode="validation").get("properties", {}).items():
            lengths = [o["maxLength"] for o in prop.get("anyOf", [prop]) if "maxLength" in o]
            if lengths:
                found[name] = max(lengths)
        _MAX_LENGTHS[model] = found
    return found


class UpdateModel(InputModel):
    """PATCH bodies: every field optional; only the fields sent are applied. `null` is refused
    except for the fields listed in `nullable` (where it clears the value)."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """Document `null` only where it is accepted: the `X | None` of the other fields only
        means "may be left out"."""
        json_schema = handler(schema)
        properties = handler.resolve_ref_schema(json_schema).get("properties", {})
        for name, prop in properties.items():
            if name not in cls.nullable:
                properties[name] = _without_null(prop)
        return json_schema

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


def _without_null(prop: dict[str, Any]) -> dict[str, Any]:
    """A property's JSON schema with its `null` alternative (and `default: null`) removed."""
    rest = {k: v for k, v in prop.items() if k not in ("anyOf", "default")}
    options = [o for o in prop.get("anyOf", ()) if o != {"type": "null"}]
    if "anyOf" not in prop:
        return rest
    return rest | options[0] if len(options) == 1 else rest | {"anyOf": options}


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
