"""Small statistical files and mappings for the import tests, in both Eurostat formats."""

from pathlib import Path

# Eurostat bulk TSV: three dimensions besides geo, flags after values, ':' for missing, a
# regional series, a country and the EU aggregate, a series the mapping does not name.
TSV = (
    "freq,unit,sectperf,geo\\TIME_PERIOD\t2019 \t2020 \t2021 \n"
    "A,PC_GDP,TOT,BE3\t2.10 \t2.25 e\t: \n"
    "A,PC_GDP,TOT,BE\t3.16 \t3.35 p\t3.40 \n"
    "A,PC_GDP,TOT,EU27_2020\t2.23 \t2.30 \t: c\n"
    "A,PC_GDP,BES,BE3\t1.50 \t1.60 \t1.70 \n"
    "A,EUR_HAB,TOT,BE3\t628 e\t650 \t700 \n"
)

SDMX = (
    "DATAFLOW,LAST UPDATE,freq,unit,sectperf,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG\n"
    "ESTAT:RD_E_GERDREG(1.0),01/12/26 23:00:00,A,PC_GDP,TOT,BE3,2019,2.10,\n"
    "ESTAT:RD_E_GERDREG(1.0),01/12/26 23:00:00,A,PC_GDP,TOT,BE3,2020,2.25,e\n"
    "ESTAT:RD_E_GERDREG(1.0),01/12/26 23:00:00,A,PC_GDP,TOT,BE3,2021,,c\n"
    "ESTAT:RD_E_GERDREG(1.0),01/12/26 23:00:00,A,PC_GDP,TOT,EU27_2020,2019,2.23,\n"
    "ESTAT:RD_E_GERDREG(1.0),01/12/26 23:00:00,A,PC_GDP,TOT,BE32,2019,1.90,\n"
    "ESTAT:RD_E_GERDREG(1.0),01/12/26 23:00:00,A,EUR_HAB,TOT,BE3,2019,628,e\n"
)

PLAIN = (
    "indicator,geo,year,value,flag\n"
    "ris_summary,BE3,2021,112.5,\n"
    "ris_summary,BE3,2023,115.0,\n"
    "ris_summary,EU27_2020,2023,100,\n"
    "ris_other,BE3,2023,1,\n"
)

MAPPING = """
[dataset]
source = "Eurostat"
code = "rd_e_gerdreg"
title = "GERD by sector of performance and NUTS 2 region"
licence = "CC BY 4.0"
attribution = "Source: Eurostat"
url = "https://ec.europa.eu/eurostat/databrowser/view/rd_e_gerdreg/default/table"
retrieved_on = 2026-11-30
version = "2026-11-30"

[[indicators]]
code = "gerd_pc_gdp"
name = "R&D expenditure"
unit = "% of GDP"
framework_condition = "knowledge_skills"
direction = "higher"
definition = "Gross domestic expenditure on R&D, all sectors."
series = { unit = "PC_GDP", sectperf = "TOT" }

[[indicators]]
code = "berd_pc_gdp"
name = "Business R&D expenditure"
unit = "% of GDP"
framework_condition = "knowledge_skills"
direction = "higher"
series = { unit = "PC_GDP", sectperf = "BES" }
"""

PLAIN_MAPPING = """
[dataset]
source = "European Commission"
code = "ris_2023"
title = "Regional Innovation Scoreboard 2023"
illustrative = true

[[indicators]]
code = "ris_summary"
name = "Summary innovation index"
unit = "EU 2016 = 100"
framework_condition = "other"
direction = "higher"
series = { indicator = "ris_summary" }
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path
