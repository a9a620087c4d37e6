"""The parsers and the mapping file, without a database."""

import io

import pytest

from app.statistics.formats import Cell, Format, ParseError, Reader, parse, parse_value
from app.statistics.geo import nuts_level
from app.statistics.mapping import MappingError, load
from tests.statistics.fixtures import MAPPING, PLAIN, SDMX, TSV


def rows(fmt: Format, text: str) -> list[tuple[int, dict[str, str], str, list[Cell]]]:
    reader = Reader(io.BytesIO(text.encode()))
    return [(r.line, dict(r.series), r.geo, r.cells) for r in parse(fmt, reader)]


def test_eurostat_tsv_gives_one_row_per_series_with_flags_and_missing_values() -> None:
    parsed = rows(Format.EUROSTAT_TSV, TSV)
    assert len(parsed) == 5
    line, series, geo, cells = parsed[0]
    assert (line, series, geo) == (2, {"freq": "A", "unit": "PC_GDP", "sectperf": "TOT"}, "BE3")
    assert cells == [("2019", 2.1, ""), ("2020", 2.25, "e"), ("2021", None, "")]
    assert parsed[2][2:] == (
        "EU27_2020",
        [("2019", 2.23, ""), ("2020", 2.3, ""), ("2021", None, "c")],
    )
    assert parsed[4][3][0] == ("2019", 628.0, "e")


def test_sdmx_csv_gives_one_row_per_observation_with_its_dimensions() -> None:
    parsed = rows(Format.SDMX_CSV, SDMX)
    assert len(parsed) == 6
    assert parsed[0] == (
        2,
        {"freq": "A", "unit": "PC_GDP", "sectperf": "TOT"},
        "BE3",
        [("2019", 2.1, "")],
    )
    assert parsed[2][3] == [("2021", None, "c")]
    assert parsed[5][3] == [("2019", 628.0, "e")]


def test_plain_csv_has_the_indicator_as_its_only_dimension() -> None:
    parsed = rows(Format.CSV, PLAIN)
    assert parsed[0] == (2, {"indicator": "ris_summary"}, "BE3", [("2021", 112.5, "")])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("628 e", (628.0, "e")),
        (" 12.5 ", (12.5, "")),
        ("-0.4 bp", (-0.4, "bp")),
        (":", (None, "")),
        (": c", (None, "c")),
        ("", (None, "")),
        ("1.5e3", (1500.0, "")),
    ],
)
def test_values_and_their_flags(text: str, expected: tuple[float | None, str]) -> None:
    assert parse_value(text) == expected


@pytest.mark.parametrize("text", ["abc", "nan", "inf", "1_000", "12,5", "5 e!"])
def test_a_value_that_is_not_a_number_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_value(text)


@pytest.mark.parametrize(
    ("fmt", "text", "line", "message"),
    [
        (Format.EUROSTAT_TSV, "unit,geo\t2019\n", 1, "not a Eurostat header"),
        (Format.EUROSTAT_TSV, "unit,nace\\TIME_PERIOD\t2019\n", 1, "no 'geo' dimension"),
        (Format.EUROSTAT_TSV, TSV + "A,PC_GDP,TOT,FR1\t1.0\t2.0\n", 7, "3 tab-separated cells"),
        (Format.EUROSTAT_TSV, TSV.replace("1.60 ", "1,60"), 5, "'1,60' is not a number"),
        (Format.EUROSTAT_TSV, TSV.replace("A,EUR_HAB,TOT", "A,EUR_HAB"), 6, "3 dimension values"),
        (Format.SDMX_CSV, "freq,unit,TIME_PERIOD,OBS_VALUE\nA,PC,2019,1\n", 1, "no geo column"),
        (Format.SDMX_CSV, SDMX + "X,Y,A,PC_GDP\n", 8, "4 columns where the header has 9"),
        (Format.CSV, "region,year,value\n", 1, "the header must be"),
        (Format.CSV, PLAIN + "ris_summary,BE3,2024,high,\n", 6, "'high' is not a number"),
        (Format.CSV, "", 1, "the file is empty"),
    ],
)
def test_a_malformed_file_names_its_line(fmt: Format, text: str, line: int, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        rows(fmt, text)
    assert caught.value.line == line
    assert message in caught.value.message


def test_text_that_is_not_utf8_names_its_line() -> None:
    reader = Reader(io.BytesIO(TSV.encode() + b"A,PC_GDP,TOT,FR1\t\xff\t1\t2\n"))
    with pytest.raises(ParseError) as caught:
        list(parse(Format.EUROSTAT_TSV, reader))
    assert caught.value.line == 7


def test_the_reader_counts_the_bytes_it_read() -> None:
    data = TSV.encode()
    reader = Reader(io.BytesIO(data))
    list(parse(Format.EUROSTAT_TSV, reader))
    assert reader.bytes_read == len(data)


@pytest.mark.parametrize(
    ("geo", "level"),
    [
        ("BE", 0),
        ("BE3", 1),
        ("BE32", 2),
        ("BE323", 3),
        ("EL30", 2),
        ("EU27_2020", None),
        ("EA20", None),
        ("EU28", None),
        ("EU", None),
        ("be3", 1),
        ("B", None),
        ("BE3234", None),
    ],
)
def test_nuts_level_of_a_geo_code(geo: str, level: int | None) -> None:
    assert nuts_level(geo) == level


def test_the_mapping_says_which_series_become_which_indicators() -> None:
    mapping = load(MAPPING)
    assert mapping.dataset.code == "rd_e_gerdreg"
    assert str(mapping.dataset.retrieved_on) == "2026-11-30"
    assert mapping.dimensions == {"unit", "sectperf"}
    series = (("freq", "A"), ("unit", "PC_GDP"), ("sectperf", "BES"))
    found = mapping.indicator_for(series)
    assert found is not None and found.code == "berd_pc_gdp"
    assert mapping.indicator_for((("unit", "EUR_HAB"), ("sectperf", "TOT"))) is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("knowledge_skills", "skills"), "framework_condition: one of knowledge_skills"),
        (('direction = "higher"', 'direction = "up"'), "direction: one of higher, lower"),
        (('code = "berd_pc_gdp"', 'code = "gerd_pc_gdp"'), "codes used twice: gerd_pc_gdp"),
        (('series = { unit = "PC_GDP", sectperf = "BES" }', ""), "berd_pc_gdp series"),
        (('sectperf = "BES"', 'geo = "BE3"'), "geo is the place or the period"),
        (('title = "GERD', 'titel = "GERD'), "unknown keys titel"),
        (("retrieved_on = 2026-11-30", 'retrieved_on = "30/11/2026"'), "retrieved_on: not a date"),
        (('url = "https:', 'url = "ftp:'), "url: an http or https address"),
        (("[dataset]", "[dataset"), "not TOML"),
    ],
)
def test_a_mistake_in_the_mapping_names_its_key(change: tuple[str, str], message: str) -> None:
    with pytest.raises(MappingError) as caught:
        load(
            MAPPING.replace(*change, 1)
            if change[0] != 'sectperf = "BES"'
            else MAPPING.replace(*change)
        )
    assert message in str(caught.value)
