"""`clustercase data import` and `data list`, run as a user would (a subprocess on a fresh
SQLite file): progress on stderr, the report on stdout, a bad file's line and exit code 1."""

import sqlite3
from pathlib import Path

import pytest

from tests.cli_tools import clustercase, migrated_database
from tests.statistics.fixtures import MAPPING, SDMX, TSV, write


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return migrated_database(tmp_path)


def observations(db: Path) -> int:
    with sqlite3.connect(db) as connection:
        return int(connection.execute("SELECT count(*) FROM stat_observations").fetchone()[0])


def test_import_prints_progress_and_the_report(database: Path, tmp_path: Path) -> None:
    data, mapping = write(tmp_path, "gerd.tsv", TSV), write(tmp_path, "gerd.toml", MAPPING)
    done = clustercase(
        database, "data", "import", str(data), "--format", "eurostat-tsv", "--mapping", str(mapping)
    )
    assert done.returncode == 0, done.stderr
    assert "importing gerd.tsv: 100%" in done.stderr
    assert "dataset rd_e_gerdreg (eurostat-tsv): 5 rows read, 15 observations" in done.stdout
    assert "kept 10 observations of 2 indicators (10 new, 0 already stored" in done.stdout
    assert "3  series not in the mapping" in done.stdout
    assert "2  missing value (':' or empty)" in done.stdout
    assert observations(database) == 10
    again = clustercase(
        database, "data", "import", str(data), "--format", "eurostat-tsv", "--mapping", str(mapping)
    )
    assert "(0 new, 10 already stored" in again.stdout and observations(database) == 10
    listed = clustercase(database, "data", "list")
    assert "rd_e_gerdreg: GERD by sector" in listed.stdout
    assert "gerd_pc_gdp" in listed.stdout and "7 observations, 2019-2021" in listed.stdout


def test_sdmx_csv_imports_too(database: Path, tmp_path: Path) -> None:
    data, mapping = write(tmp_path, "gerd.csv", SDMX), write(tmp_path, "gerd.toml", MAPPING)
    done = clustercase(
        database, "data", "import", str(data), "--format", "sdmx-csv", "--mapping", str(mapping)
    )
    assert done.returncode == 0, done.stderr
    assert observations(database) == 4


def test_a_bad_file_names_its_line_exits_1_and_imports_nothing(
    database: Path, tmp_path: Path
) -> None:
    data = write(tmp_path, "bad.tsv", TSV + "A,PC_GDP,TOT,FR1\t1\t2\n")
    mapping = write(tmp_path, "gerd.toml", MAPPING)
    done = clustercase(
        database, "data", "import", str(data), "--format", "eurostat-tsv", "--mapping", str(mapping)
    )
    assert done.returncode == 1
    assert "line 7: 3 tab-separated cells where the header has 4" in done.stderr
    assert "nothing was imported" in done.stderr
    assert observations(database) == 0


def test_a_bad_mapping_or_a_missing_file_exits_1(database: Path, tmp_path: Path) -> None:
    data = write(tmp_path, "gerd.tsv", TSV)
    mapping = write(tmp_path, "bad.toml", MAPPING.replace("knowledge_skills", "skills", 1))
    done = clustercase(
        database, "data", "import", str(data), "--format", "eurostat-tsv", "--mapping", str(mapping)
    )
    assert (
        done.returncode == 1 and "mapping: indicator gerd_pc_gdp framework_condition" in done.stderr
    )
    good = write(tmp_path, "good.toml", MAPPING)
    missing = clustercase(
        database, "data", "import", "nowhere.tsv", "--format", "csv", "--mapping", str(good)
    )
    assert missing.returncode == 1 and "No such file or directory" in missing.stderr


def test_without_mapping_the_file_s_own_toml_is_taken(database: Path, tmp_path: Path) -> None:
    """The contract's `[--mapping MAP]`: by default, the file's name with .toml, beside it."""
    data = write(tmp_path, "gerd.tsv", TSV)
    alone = clustercase(database, "data", "import", str(data), "--format", "eurostat-tsv")
    assert alone.returncode == 1 and f"mapping {tmp_path / 'gerd.toml'} not found" in alone.stderr
    assert "(no --mapping given: the file's name with .toml)" in alone.stderr
    write(tmp_path, "gerd.toml", MAPPING)
    done = clustercase(database, "data", "import", str(data), "--format", "eurostat-tsv")
    assert done.returncode == 0, done.stderr
    assert observations(database) == 10
