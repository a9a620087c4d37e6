"""/datasets in a real browser: a consultant imports a Eurostat TSV with its mapping through
the upload form and reads the report; a bad file shows its line in the error summary. axe
checks each state of the page.

The file uses a place and an indicator of its own (not Wallonia's), so that the other tests on
the shared demo database see the same profiles whatever the order."""

from pathlib import Path
from typing import Any

from tests.web.browser.helpers import assert_accessible

TSV = (
    "freq,unit,indic,geo\\TIME_PERIOD\t2020 \t2021 \n"
    "A,PC,BROWSER,PT1\t1.5 \t1.7 p\n"
    "A,PC,BROWSER,EU27_2020\t2.0 \t: \n"
)
MAPPING = """
[dataset]
source = "Browser test"
code = "browser_upload"
title = "Uploaded in the browser test"
illustrative = true

[[indicators]]
code = "browser_upload_share"
name = "Uploaded share"
unit = "%"
framework_condition = "other"
direction = "higher"
series = { indic = "BROWSER" }
"""


def test_consultant_imports_a_file_on_the_datasets_page(
    consultant_page: Any, tmp_path: Path
) -> None:
    page = consultant_page
    data, mapping = tmp_path / "upload.tsv", tmp_path / "upload.toml"
    data.write_text(TSV, encoding="utf-8")
    mapping.write_text(MAPPING, encoding="utf-8")
    page.goto("/datasets")
    assert page.get_by_role("heading", name="Statistics", exact=True).count() == 1
    assert_accessible(page)

    page.get_by_label("File", exact=True).set_input_files(str(data))
    page.get_by_label("Format").select_option("eurostat-tsv")
    page.get_by_label("Mapping file").set_input_files(str(mapping))
    with page.expect_navigation():
        page.get_by_role("button", name="Import").click()
    report = page.locator("section.import-report")
    assert "Imported browser_upload" in report.inner_text()
    assert "Kept: 3 observations of 1 indicators" in report.inner_text()
    assert "missing value" in report.inner_text()
    assert (
        page.get_by_role("heading", name="Uploaded in the browser test Illustrative").count() == 1
    )
    assert_accessible(page)

    broken = tmp_path / "broken.tsv"
    broken.write_text(TSV + "A,PC,BROWSER,PT2\t1.0\n", encoding="utf-8")
    page.get_by_label("File", exact=True).set_input_files(str(broken))
    page.get_by_label("Mapping file").set_input_files(str(mapping))
    with page.expect_navigation():
        page.get_by_role("button", name="Import").click()
    summary = page.locator(".error-summary")
    assert "line 4" in summary.inner_text() and "Nothing was imported" in summary.inner_text()
    assert_accessible(page)
