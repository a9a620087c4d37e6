"""Importing files into the database: what is kept and skipped, all or nothing, re-imports."""

import io

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Dataset, Observation, StatIndicator
from app.services.statistics_import import (
    MISSING,
    NOT_YEARLY,
    REPEATED,
    UNMAPPED,
    ImportFailed,
    ImportReport,
    import_file,
    read_mapping,
)
from app.statistics.formats import Format
from app.vocab import Direction, FrameworkCondition
from tests.statistics.fixtures import MAPPING, PLAIN, PLAIN_MAPPING, SDMX, TSV


def run(
    db: Session, text: str, fmt: Format = Format.EUROSTAT_TSV, mapping: str = MAPPING, **kw: object
) -> ImportReport:
    data = text.encode()
    return import_file(
        db,
        io.BytesIO(data),
        fmt=fmt,
        mapping=read_mapping(mapping),
        total_bytes=len(data),
        **kw,  # type: ignore[arg-type]
    )


def stored(db: Session) -> dict[tuple[str, str, int], tuple[float, str, int | None]]:
    rows = db.execute(
        select(
            StatIndicator.code,
            Observation.geo,
            Observation.year,
            Observation.value,
            Observation.flag,
            Observation.nuts_level,
        ).join(StatIndicator, StatIndicator.id == Observation.indicator_id)
    )
    return {(c, g, y): (v, f, n) for c, g, y, v, f, n in rows}


def count(db: Session, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_a_eurostat_tsv_is_imported_with_its_flags_places_and_aggregates(db: Session) -> None:
    report = run(db, TSV)
    assert (report.rows, report.observations, report.kept, report.new) == (5, 15, 10, 10)
    assert report.skipped == {MISSING: 2, UNMAPPED: 3}
    assert report.unmapped == ["freq=A,unit=EUR_HAB,sectperf=TOT"]
    values = stored(db)
    assert len(values) == 10
    assert values[("gerd_pc_gdp", "BE3", 2020)] == (2.25, "e", 1)
    assert values[("gerd_pc_gdp", "BE", 2021)] == (3.4, "", 0)
    assert values[("gerd_pc_gdp", "EU27_2020", 2019)] == (2.23, "", None)
    assert values[("berd_pc_gdp", "BE3", 2021)] == (1.7, "", 1)
    assert ("gerd_pc_gdp", "BE3", 2021) not in values


def test_the_dataset_and_indicators_come_from_the_mapping(db: Session) -> None:
    run(db, TSV)
    dataset = db.scalars(select(Dataset)).one()
    assert (dataset.code, dataset.source, dataset.licence, dataset.illustrative) == (
        "rd_e_gerdreg",
        "Eurostat",
        "CC BY 4.0",
        False,
    )
    indicator = db.scalars(select(StatIndicator).where(StatIndicator.code == "gerd_pc_gdp")).one()
    assert indicator.dataset_id == dataset.id
    assert indicator.framework_condition == FrameworkCondition.KNOWLEDGE_SKILLS
    assert indicator.direction == Direction.HIGHER
    assert indicator.unit == "% of GDP"


def test_an_sdmx_csv_is_imported_like_the_tsv(db: Session) -> None:
    report = run(db, SDMX, Format.SDMX_CSV)
    assert (report.rows, report.observations, report.kept) == (6, 6, 4)
    assert report.skipped == {MISSING: 1, UNMAPPED: 1}
    values = stored(db)
    assert values[("gerd_pc_gdp", "BE32", 2019)] == (1.9, "", 2)
    assert values[("gerd_pc_gdp", "BE3", 2020)] == (2.25, "e", 1)


def test_a_plain_csv_is_imported_by_its_indicator_column(db: Session) -> None:
    report = run(db, PLAIN, Format.CSV, PLAIN_MAPPING)
    assert (report.kept, report.skipped) == (3, {UNMAPPED: 1})
    assert db.scalars(select(Dataset.illustrative)).one() is True


def test_a_reimport_updates_values_and_never_duplicates(db: Session) -> None:
    run(db, TSV)
    first = (count(db, Dataset), count(db, StatIndicator), count(db, Observation))
    report = run(db, TSV.replace("2.25 e", "2.27 p"))
    assert (count(db, Dataset), count(db, StatIndicator), count(db, Observation)) == first
    assert (report.kept, report.new) == (10, 0)
    assert stored(db)[("gerd_pc_gdp", "BE3", 2020)] == (2.27, "p", 1)
    assert db.scalars(select(Dataset.version)).one() == 2


def test_a_reimport_with_more_years_adds_only_those(db: Session) -> None:
    run(db, TSV)
    lines = TSV.splitlines()
    longer = "\n".join([lines[0] + "\t2022 "] + [line + "\t1.0 " for line in lines[1:]]) + "\n"
    report = run(db, longer)
    assert report.new == 4  # the four series the mapping names, one more year each
    assert count(db, Observation) == 14


def test_a_malformed_file_leaves_nothing_behind_and_names_its_line(db: Session) -> None:
    broken = TSV + "A,PC_GDP,TOT,FR1\t1.0\tabc\t2.0\n"
    with pytest.raises(ImportFailed) as caught:
        run(db, broken, batch_size=2)  # batches were written before the bad line
    assert caught.value.line == 7
    assert "line 7" in caught.value.detail and "'abc' is not a number" in caught.value.detail
    assert (count(db, Dataset), count(db, StatIndicator), count(db, Observation)) == (0, 0, 0)


def test_a_failed_reimport_keeps_the_previous_import_intact(db: Session) -> None:
    run(db, TSV)
    before = stored(db)
    with pytest.raises(ImportFailed):
        run(db, TSV.replace("2.25 e", "9.99").replace("1.70 ", "x"), batch_size=1)
    assert stored(db) == before


def test_dimensions_the_file_lacks_are_a_mapping_error_at_its_first_row(db: Session) -> None:
    with pytest.raises(ImportFailed) as caught:
        run(db, PLAIN, Format.CSV)
    assert caught.value.line == 2
    assert "dimensions the file does not have: sectperf, unit" in caught.value.detail
    assert count(db, Dataset) == 0


def test_two_series_that_match_one_indicator_are_refused(db: Session) -> None:
    loose = MAPPING.replace(
        'series = { unit = "PC_GDP", sectperf = "TOT" }', 'series = { unit = "PC_GDP" }'
    )
    loose = loose.replace(
        'series = { unit = "PC_GDP", sectperf = "BES" }', 'series = { unit = "EUR_HAB" }'
    )
    with pytest.raises(ImportFailed) as caught:
        run(db, TSV, mapping=loose)
    assert caught.value.line == 5
    assert "gerd_pc_gdp matches two series" in caught.value.detail


def test_an_indicator_code_of_another_dataset_is_refused(db: Session) -> None:
    run(db, TSV)
    other = MAPPING.replace('code = "rd_e_gerdreg"', 'code = "other_table"')
    with pytest.raises(ImportFailed) as caught:
        run(db, TSV, mapping=other)
    assert "gerd_pc_gdp (dataset rd_e_gerdreg)" in caught.value.detail
    assert count(db, Dataset) == 1


def test_a_bad_mapping_is_an_import_failure() -> None:
    with pytest.raises(ImportFailed) as caught:
        read_mapping(MAPPING.replace('direction = "higher"', 'direction = "up"', 1))
    assert caught.value.detail.startswith("mapping: indicator gerd_pc_gdp direction")


def test_periods_that_are_not_years_and_repeated_keys_are_skipped_and_counted(db: Session) -> None:
    text = (
        "indicator,geo,year,value\n"
        "ris_summary,BE3,2021Q1,1\n"
        "ris_summary,BE3,2021,1\n"
        "ris_summary,BE3,2021,2\n"
        "ris_summary,BE3,1850,2\n"
    )
    report = run(db, text, Format.CSV, PLAIN_MAPPING)
    assert report.kept == 1
    assert report.skipped[NOT_YEARLY] == 1 and report.skipped[REPEATED] == 1
    assert stored(db)[("ris_summary", "BE3", 2021)] == (2.0, "", 1)


def test_progress_is_reported_in_bytes_of_the_total(db: Session) -> None:
    seen: list[tuple[int, int | None]] = []
    run(db, TSV, progress=lambda done, total: seen.append((done, total)), batch_size=3)
    assert len(seen) >= 3
    assert seen[-1] == (len(TSV.encode()), len(TSV.encode()))
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_the_demo_dataset_is_illustrative_and_wallonia_lags_on_venture_capital(
    db: Session,
) -> None:
    from app.seed import demo_statistics

    report = demo_statistics.load(db)
    assert report.indicators == 11 and report.kept > 9000
    assert db.scalars(select(Dataset.illustrative)).one() is True
    vc = (
        select(Observation.geo, Observation.value)
        .join(StatIndicator, StatIndicator.id == Observation.indicator_id)
        .where(StatIndicator.code == "demo_vc_pc_gdp", Observation.year == 2022)
    )
    level1 = dict(db.execute(vc.where(Observation.nuts_level == 1)).all())
    ranked = sorted(level1.values())
    assert len(level1) == 30
    assert ranked.index(level1["BE3"]) < len(ranked) / 4  # bottom quartile of the NUTS 1 regions
    eu = dict(db.execute(vc.where(Observation.geo == "EU27_2020")).all())
    assert level1["BE3"] < eu["EU27_2020"]
    again = demo_statistics.load(db)
    assert again.new == 0 and count(db, Observation) == report.kept
