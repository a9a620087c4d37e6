"""The mapping file (TOML): what a statistical file is, and which of its series become which
indicators. docs/statistics-import.md has a full example.

    [dataset]
    source = "Eurostat"
    code = "rd_e_gerdreg"
    title = "GERD by sector of performance and NUTS 2 region"
    licence = "CC BY 4.0"
    attribution = "Source: Eurostat (rd_e_gerdreg)"
    url = "https://ec.europa.eu/eurostat/databrowser/view/rd_e_gerdreg/default/table"
    retrieved_on = 2026-11-30
    version = "2026-11-30"
    illustrative = false

    [[indicators]]
    code = "gerd_pc_gdp"
    name = "R&D expenditure"
    unit = "% of GDP"
    framework_condition = "knowledge_skills"
    direction = "higher"
    definition = "Gross domestic expenditure on R&D, all sectors, as a share of GDP."
    series = { unit = "PC_GDP", sectperf = "TOT" }

A series (a file's combination of dimension values, the place and the period aside) becomes
the first indicator whose `series` filter it matches: every dimension named must have that
value; dimensions not named may have any. Series that match no indicator are skipped and
counted. Everything is checked before a row is read: a mistake is a `MappingError` naming the
key."""

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.vocab import Direction, FrameworkCondition

_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}")
_DATASET_KEYS = {
    "source": True,
    "code": True,
    "title": True,
    "licence": False,
    "attribution": False,
    "url": False,
    "retrieved_on": False,
    "version": False,
    "illustrative": False,
}
_INDICATOR_KEYS = {
    "code": True,
    "name": True,
    "unit": False,
    "framework_condition": True,
    "direction": True,
    "definition": False,
    "series": True,
}
_LIMITS = {"source": 200, "title": 500, "licence": 200, "url": 2000, "version": 100}
_LIMITS |= {"name": 300, "unit": 50}
_RESERVED_DIMENSIONS = frozenset({"geo", "TIME_PERIOD", "time", "year", "OBS_VALUE", "OBS_FLAG"})


class MappingError(ValueError):
    """The mapping file is not valid; the message names the key."""


@dataclass(frozen=True)
class DatasetSpec:
    source: str
    code: str
    title: str
    licence: str = ""
    attribution: str = ""
    url: str | None = None
    retrieved_on: date | None = None
    version: str = ""
    illustrative: bool = False


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    name: str
    unit: str
    framework_condition: FrameworkCondition
    direction: Direction
    definition: str
    series: tuple[tuple[str, str], ...]  # the filter: (dimension, value) pairs

    def matches(self, series: dict[str, str]) -> bool:
        return all(series.get(name) == value for name, value in self.series)


@dataclass(frozen=True)
class Mapping:
    dataset: DatasetSpec
    indicators: tuple[IndicatorSpec, ...]

    @property
    def dimensions(self) -> frozenset[str]:
        """Every dimension some filter names: the file must have each."""
        return frozenset(name for i in self.indicators for name, _ in i.series)

    def indicator_for(self, series: tuple[tuple[str, str], ...]) -> IndicatorSpec | None:
        """The first indicator whose filter the series matches, or None."""
        values = dict(series)
        return next((i for i in self.indicators if i.matches(values)), None)


def load(text: str) -> Mapping:
    """A mapping from the text of a TOML file, or MappingError."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"not TOML: {exc}") from None
    _only(document, {"dataset", "indicators"}, "the file")
    dataset = _dataset(_table(document.get("dataset"), "[dataset]"))
    raw = document.get("indicators")
    if not isinstance(raw, list) or not raw:
        raise MappingError("[[indicators]]: at least one indicator is needed")
    indicators = tuple(
        _indicator(_table(item, f"indicators[{n}]"), n) for n, item in enumerate(raw)
    )
    codes = [i.code for i in indicators]
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        raise MappingError(f"[[indicators]]: codes used twice: {', '.join(repeated)}")
    return Mapping(dataset, indicators)


def _dataset(table: dict[str, Any]) -> DatasetSpec:
    where = "[dataset]"
    _only(table, set(_DATASET_KEYS), where)
    texts = ("source", "title", "licence", "attribution", "url", "version")
    values = {k: _text(table, k, where, required=_DATASET_KEYS[k]) for k in texts}
    code = _code(table, where)
    retrieved_on = table.get("retrieved_on")
    if isinstance(retrieved_on, str):
        try:
            retrieved_on = date.fromisoformat(retrieved_on)
        except ValueError:
            raise MappingError(f"{where} retrieved_on: not a date (YYYY-MM-DD)") from None
    if retrieved_on is not None and type(retrieved_on) is not date:
        raise MappingError(f"{where} retrieved_on: a date such as 2026-11-30")
    illustrative = table.get("illustrative", False)
    if not isinstance(illustrative, bool):
        raise MappingError(f"{where} illustrative: true or false")
    url = values.pop("url") or None
    if url is not None and not url.startswith(("https://", "http://")):
        raise MappingError(f"{where} url: an http or https address")
    return DatasetSpec(
        code=code, url=url, retrieved_on=retrieved_on, illustrative=illustrative, **values
    )


def _indicator(table: dict[str, Any], n: int) -> IndicatorSpec:
    where = f"indicators[{n}]"
    _only(table, set(_INDICATOR_KEYS), where)
    code = _code(table, where)
    where = f"indicator {code}"
    condition = _choice(table, "framework_condition", FrameworkCondition, where)
    direction = _choice(table, "direction", Direction, where)
    return IndicatorSpec(
        code=code,
        name=_text(table, "name", where, required=True),
        unit=_text(table, "unit", where, required=False),
        framework_condition=FrameworkCondition(condition),
        direction=Direction(direction),
        definition=_text(table, "definition", where, required=False),
        series=_series(table.get("series"), where),
    )


def _series(raw: Any, where: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, dict) or not raw:
        raise MappingError(f"{where} series: a table of dimension = value, e.g. {{ unit = 'PC' }}")
    for name, value in raw.items():
        if name in _RESERVED_DIMENSIONS:
            raise MappingError(f"{where} series: {name} is the place or the period, not a series")
        if not isinstance(value, str) or not value:
            raise MappingError(f"{where} series.{name}: a non-empty string")
    return tuple(raw.items())


def _table(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise MappingError(f"{where}: missing, or not a table")
    return raw


def _only(table: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise MappingError(f"{where}: unknown keys {', '.join(unknown)}")


def _text(table: dict[str, Any], key: str, where: str, *, required: bool) -> str:
    value = table.get(key, "")
    if not isinstance(value, str):
        raise MappingError(f"{where} {key}: a string")
    value = value.strip()
    if required and not value:
        raise MappingError(f"{where} {key}: required")
    if len(value) > _LIMITS.get(key, 100_000):
        raise MappingError(f"{where} {key}: at most {_LIMITS[key]} characters")
    return value


def _code(table: dict[str, Any], where: str) -> str:
    code = _text(table, "code", where, required=True)
    if not _CODE.fullmatch(code):
        raise MappingError(
            f"{where} code: letters, digits, '_', '-' or '.', at most 100, not {code!r}"
        )
    return code


def _choice(table: dict[str, Any], key: str, vocabulary: Any, where: str) -> str:
    value = table.get(key)
    allowed = [v.value for v in vocabulary]
    if value not in allowed:
        raise MappingError(f"{where} {key}: one of {', '.join(allowed)}, not {value!r}")
    return str(value)
