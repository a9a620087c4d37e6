"""Forms on pages: read into the API's own input schemas (so the rules are the same), errors
put beside their fields with the user's input kept, and edits checked against the version
they were based on, so a stale edit shows what changed instead of overwriting it."""

import json
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from app import vocab
from app.services.errors import AppError
from app.web.cookies import CSRF_FIELD

M = TypeVar("M", bound=BaseModel)
FORM_CONTROL_FIELDS = frozenset({CSRF_FIELD, "version", "base"})
FORM_ERROR = "_form"


async def form_data(request: Request) -> FormData:
    """The submitted form (parsed once; the CSRF check has already read it)."""
    return await request.form()


Form = Annotated[FormData, Depends(form_data)]


def plain(value: Any) -> Any:
    """A value as a form shows it and as JSON keeps it."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return sorted(str(plain(v)) for v in value)
    return value


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The editable fields of an object (ORM or read model), as plain values."""
    return {name: plain(getattr(obj, name)) for name in fields}


@dataclass
class FormState:
    """What a form shows: the input (as submitted, or the object's values), its errors, and
    for edits the version it is based on and what changed since."""

    data: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    stale: list[tuple[str, Any, Any]] = field(default_factory=list)
    version: int | None = None
    base: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, values: Mapping[str, Any], *, version: int | None = None) -> "FormState":
        """A form filled with `values` (for an edit: the object's, with its version)."""
        data = {}
        for name, value in values.items():
            value = plain(value)
            if isinstance(value, list):
                data[name] = [str(v) for v in value]
            else:
                data[name] = [] if value is None else [str(value)]
        base = {k: plain(v) for k, v in values.items()} if version is not None else {}
        return cls(data=data, version=version, base=base)

    @classmethod
    def submitted(cls, form: FormData) -> "FormState":
        data = {k: form.getlist(k) for k in form if k not in FORM_CONTROL_FIELDS}
        return cls(data={k: [v for v in vs if isinstance(v, str)] for k, vs in data.items()})

    def value(self, name: str) -> str:
        values = self.data.get(name) or [""]
        return values[0]

    def values(self, name: str) -> list[str]:
        return self.data.get(name, [])

    @property
    def base_json(self) -> str:
        return json.dumps(self.base, sort_keys=True)

    def add_error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)


def _is_list(annotation: Any) -> bool:
    if typing.get_origin(annotation) is list:
        return True
    return any(_is_list(arg) for arg in typing.get_args(annotation))


def parse(
    schema: type[M], form: FormData, *, fields: Iterable[str] | None = None, update: bool = False
) -> tuple[M | None, FormState]:
    """The form as `schema` (a Create or Update model of app/schemas), or None and the state
    with an error beside each field. `fields`: the fields the form shows (default: all of the
    schema's); on an update, a blank field clears a nullable value, and a list field the form
    shows but sent nothing for (unticked checkboxes) becomes empty."""
    state = FormState.submitted(form)
    names = list(fields) if fields is not None else list(schema.model_fields)
    nullable: frozenset[str] = getattr(schema, "nullable", frozenset())
    payload: dict[str, Any] = {}
    for name in names:
        info = schema.model_fields[name]
        sent = state.values(name)
        if _is_list(info.annotation):
            payload[name] = [v for v in sent if v.strip()]
            continue
        text = sent[0].strip() if sent else ""
        if text:
            payload[name] = text
        elif update and name in nullable:
            payload[name] = None
        elif update and name in state.data and not info.is_required():
            payload[name] = ""
    try:
        return schema.model_validate(payload), state
    except ValidationError as exc:
        for error in exc.errors():
            loc = error.get("loc") or ()
            name = str(loc[0]) if loc and str(loc[0]) in names else FORM_ERROR
            state.add_error(name, _message(name, error))
        return None, state


_MESSAGES = {
    "missing": "{label} is required",
    "string_too_short": "{label} is required",
    "string_too_long": "{label} is too long",
    "int_parsing": "{label} must be a whole number",
    "float_parsing": "{label} must be a number",
    "date_from_datetime_parsing": "{label} must be a date",
    "date_parsing": "{label} must be a date",
    "enum": "Choose one of the options for {label}",
    "literal_error": "Choose one of the options for {label}",
    "url_parsing": "{label} must be a web address starting with http:// or https://",
    "url_scheme": "{label} must be a web address starting with http:// or https://",
}


def _message(name: str, error: Any) -> str:
    """A validation error in words, naming the field (its label)."""
    text = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
    if name == FORM_ERROR:
        return text
    label = vocab.label(name.removesuffix("_id").removesuffix("_ids"))
    template = _MESSAGES.get(str(error.get("type")))
    return template.format(label=label) if template else f"{label}: {text}"


def stale_changes(
    form: FormData, current: Mapping[str, Any], current_version: int
) -> list[tuple[str, Any, Any]]:
    """What changed, among the fields the form showed, since the version the form was based on
    (empty when it is current, or when nothing the user saw has changed)."""
    sent = form.get("version")
    if not isinstance(sent, str) or sent == str(current_version):
        return []
    raw_base = form.get("base")
    try:
        base = json.loads(raw_base) if isinstance(raw_base, str) else {}
    except ValueError:
        base = {}
    if not isinstance(base, dict):
        base = {}
    changed = []
    for name, now in current.items():
        before = base.get(name)
        if plain(now) != before:
            changed.append((name, before, plain(now)))
    if not changed and not base:
        # No base to compare with: say the record changed, rather than overwrite silently.
        changed.append(("version", sent, current_version))
    return changed


def refuse(session: Session, state: FormState, exc: AppError) -> None:
    """A service refused the form's change: nothing of it is kept (the transaction is rolled
    back; the page then reads afresh), and its reason is shown at the top of the form."""
    session.rollback()
    state.add_error(FORM_ERROR, exc.detail)


def options(values: Iterable[Enum]) -> list[tuple[str, str]]:
    """A vocabulary as (value, label) pairs for select and checkbox fields."""
    return [(str(member.value), vocab.label(str(member.value))) for member in values]


def choices(rows: Iterable[Any]) -> list[tuple[str, str]]:
    """Rows with `id` and `name` (app/services/directory.Choice) as (value, label) pairs."""
    return [(str(row.id), row.name) for row in rows]


def _as_sent(value: Any) -> Any:
    """A value as a form sends it back: text without \\r and outer spaces; lists sorted."""
    if isinstance(value, list):
        return sorted(str(v) for v in value)
    return "" if value is None else str(value).replace("\r\n", "\n").strip()


def keep_their_changes(state: FormState, changes: list[tuple[str, Any, Any]]) -> None:
    """After `stale_changes`: a field the user left as it was takes the value saved meanwhile,
    so that saving again reapplies the user's own edits, not the old values of the others."""
    for name, before, now in changes:
        if name == "version":
            continue
        listed = isinstance(before, list) or isinstance(now, list)
        mine = state.values(name) if listed else state.value(name)
        if _as_sent(mine) == _as_sent(before):
            state.data[name] = FormState.of({name: now}).data[name]


def rebase(
    form: FormData, state: FormState, current: Mapping[str, Any], version: int
) -> list[tuple[str, Any, Any]]:
    """Base an edit form on the stored `version`: what changed since the version it was based
    on, among the fields it showed (empty: save it). When something did, the page shows the
    changes and saves nothing; the fields the user left alone take the values saved meanwhile,
    so that saving again applies the user's own edits and undoes nobody else's."""
    changes = stale_changes(form, current, version)
    keep_their_changes(state, changes)
    state.stale = changes
    state.version = version
    state.base = dict(current)
    return changes
