"""Streaming parsers for the files statistical offices publish. Each reads a binary stream line
by line and yields one `SeriesRow` at a time (a Eurostat TSV line, or one CSV row), so a file of
any size is read in bounded memory; `Reader.bytes_read` says how far it got, for a progress bar.

- `eurostat-tsv`: Eurostat's bulk download. The first cell of the header names the dimensions
  and the time axis (`freq,unit,geo\\TIME_PERIOD`), the other cells are periods; each line is
  one series: its dimension values, comma-separated, then one value per period, `:` when
  missing, flags after the value (`628 e`, `: c`).
- `sdmx-csv`: SDMX-CSV (1.0 or 2.0), one observation per row: DATAFLOW (or STRUCTURE...),
  one column per dimension (freq, unit, geo, ...), TIME_PERIOD, OBS_VALUE, OBS_FLAG.
- `csv`: a plain CSV for sources with neither, e.g. the Regional Innovation Scoreboard saved as
  CSV: the header `indicator,geo,year,value` and an optional `flag` column; the `indicator`
  column is the series' only dimension.

A file that cannot be read as its format raises `ParseError` with its line number; a value
that is merely missing is a row with `value=None`, for the import to skip and count."""

import csv
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import IO


class Format(StrEnum):
    EUROSTAT_TSV = "eurostat-tsv"
    SDMX_CSV = "sdmx-csv"
    CSV = "csv"


class ParseError(ValueError):
    """The file is not what its format says, at `line` (1 is the header)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


# (period as written, value or None when missing, flag)
Cell = tuple[str, float | None, str]


@dataclass(slots=True)
class SeriesRow:
    """Observations of one series for one place: a TSV line (many periods) or a CSV row (one).
    `series` is the dimension values other than the place and the period, in file order."""

    line: int
    series: tuple[tuple[str, str], ...]
    geo: str
    cells: list[Cell]


class Reader:
    """Lines of a binary stream, decoded as UTF-8 (a byte-order mark is dropped), counted in
    lines and bytes."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.line = 0
        self.bytes_read = 0

    def __iter__(self) -> Iterator[str]:
        for raw in self.stream:
            self.line += 1
            self.bytes_read += len(raw)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise ParseError(self.line, "not UTF-8 text") from None
            if self.line == 1:
                text = text.removeprefix("\ufeff")
            yield text


def parse(fmt: Format, reader: Reader) -> Iterator[SeriesRow]:
    """The rows of a file of format `fmt`, one at a time."""
    if fmt is Format.EUROSTAT_TSV:
        return parse_eurostat_tsv(reader)
    if fmt is Format.SDMX_CSV:
        return parse_sdmx_csv(reader)
    return parse_plain_csv(reader)


# A number as statistical offices write it, then its flags (letters), e.g. "628 e", "1.5bp".
_VALUE = re.compile(r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z][A-Za-z ]*)?")


def parse_value(text: str) -> tuple[float | None, str]:
    """A value cell: (number, flags), (None, flags) for a missing one (`:`, `: c`, empty), or
    ValueError for anything else."""
    cell = text.strip()
    if not cell:
        return None, ""
    if cell[0] == ":":
        return None, _flag(cell[1:])
    try:
        number = float(cell)
    except ValueError:
        pass
    else:  # float() also reads "nan", "inf" and "1_000": none is a statistic
        if math.isfinite(number) and "_" not in cell:
            return number, ""
    match = _VALUE.fullmatch(cell)
    if match is None:
        raise ValueError(f"{cell!r} is not a number (nor ':' for a missing value)")
    return float(match.group(1)), _flag(match.group(2) or "")


def _flag(text: str) -> str:
    flag = "".join(text.split())
    if len(flag) > 10:
        raise ValueError(f"flag {flag!r} is longer than 10 characters")
    return flag


def parse_eurostat_tsv(reader: Reader) -> Iterator[SeriesRow]:
    lines = iter(reader)
    header = next(lines, None)
    if header is None:
        raise ParseError(1, "the file is empty")
    dimensions, periods = _tsv_header(header.rstrip("\r\n"))
    geo_at = dimensions.index("geo")
    width = len(periods) + 1
    for text in lines:
        text = text.rstrip("\r\n")
        if not text.strip():
            continue
        cells = text.split("\t")
        line = reader.line
        if len(cells) != width:
            raise ParseError(line, f"{len(cells)} tab-separated cells where the header has {width}")
        keys = cells[0].split(",")
        if len(keys) != len(dimensions):
            raise ParseError(
                line, f"{len(keys)} dimension values where the header names {len(dimensions)}"
            )
        keys = [k.strip() for k in keys]
        pairs = enumerate(zip(dimensions, keys, strict=True))
        series = tuple((d, k) for i, (d, k) in pairs if i != geo_at)
        values = []
        for period, cell in zip(periods, cells[1:], strict=True):
            try:
                value, flag = parse_value(cell)
            except ValueError as exc:
                raise ParseError(line, f"period {period}: {exc}") from None
            values.append((period, value, flag))
        yield SeriesRow(line, series, keys[geo_at], values)


def _tsv_header(header: str) -> tuple[list[str], list[str]]:
    cells = header.split("\t")
    first = cells[0]
    if "\\" not in first:
        raise ParseError(
            1, "the first cell is not a Eurostat header such as 'freq,unit,geo\\TIME_PERIOD'"
        )
    names, _time = first.split("\\", 1)
    dimensions = [d.strip() for d in names.split(",")]
    if "geo" not in dimensions:
        raise ParseError(1, f"no 'geo' dimension among {', '.join(dimensions)}")
    periods = [c.strip() for c in cells[1:]]
    if not periods or any(not p for p in periods):
        raise ParseError(1, "the header names no periods, or an empty one")
    return dimensions, periods


# SDMX-CSV columns that are not dimensions of the series.
_SDMX_NOT_DIMENSIONS = frozenset(
    {
        "DATAFLOW",
        "STRUCTURE",
        "STRUCTURE_ID",
        "STRUCTURE_NAME",
        "ACTION",
        "LAST UPDATE",
        "TIME_PERIOD",
        "OBS_VALUE",
        "OBS_FLAG",
        "CONF_STATUS",
        "geo",
    }
)


def parse_sdmx_csv(reader: Reader) -> Iterator[SeriesRow]:
    rows = csv.reader(iter(reader))
    header = _csv_header(rows)
    for needed in ("geo", "TIME_PERIOD", "OBS_VALUE"):
        if needed not in header:
            raise ParseError(1, f"no {needed} column (SDMX-CSV needs geo, TIME_PERIOD, OBS_VALUE)")
    at = {name: i for i, name in enumerate(header)}
    dimensions = [(n, i) for i, n in enumerate(header) if n not in _SDMX_NOT_DIMENSIONS]
    geo, period, value, flag = at["geo"], at["TIME_PERIOD"], at["OBS_VALUE"], at.get("OBS_FLAG")
    yield from _rows(reader, rows, header, dimensions, geo, period, value, flag)


def parse_plain_csv(reader: Reader) -> Iterator[SeriesRow]:
    rows = csv.reader(iter(reader))
    header = [h.lower() for h in _csv_header(rows)]
    if header[:4] != ["indicator", "geo", "year", "value"] or header[4:] not in ([], ["flag"]):
        raise ParseError(1, "the header must be 'indicator,geo,year,value' or '...,value,flag'")
    flag = 4 if len(header) == 5 else None
    yield from _rows(reader, rows, header, [("indicator", 0)], 1, 2, 3, flag)


def _csv_header(rows: Iterator[list[str]]) -> list[str]:
    try:
        header = next(rows, None)
    except csv.Error as exc:
        raise ParseError(1, f"not CSV: {exc}") from None
    if not header:
        raise ParseError(1, "the file is empty")
    return [h.strip() for h in header]


def _rows(
    reader: Reader,
    rows: Iterator[list[str]],
    header: list[str],
    dimensions: list[tuple[str, int]],
    geo: int,
    period: int,
    value: int,
    flag: int | None,
) -> Iterator[SeriesRow]:
    width = len(header)
    while True:
        try:
            row = next(rows, None)
        except csv.Error as exc:
            raise ParseError(reader.line, f"not CSV: {exc}") from None
        if row is None:
            return
        line = reader.line
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != width:
            raise ParseError(line, f"{len(row)} columns where the header has {width}")
        try:
            number, flags = parse_value(row[value])
            if flag is not None and row[flag].strip():
                flags = _flag(row[flag])
        except ValueError as exc:
            raise ParseError(line, str(exc)) from None
        series = tuple((name, row[i].strip()) for name, i in dimensions)
        yield SeriesRow(line, series, row[geo].strip(), [(row[period].strip(), number, flags)])
