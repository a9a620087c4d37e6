"""Write the demo's illustrative indicator table (regional_indicators.tsv): made-up values,
the same on every run, for the demo regions, about 30 peers at NUTS 1 and at NUTS 2, 20
countries and the EU, 2013-2022. Wallonia (BE3) is made to lag on some framework conditions
(bottom quartile, or a gap to the EU that widens) so that its profile has something to say.

    .venv/bin/python -m app.seed.demo_data.statistics.generate
"""

import random
from dataclasses import dataclass

from app.seed.demo_data.statistics import TSV
from app.statistics.geo import GEO_NAMES, nuts_level

YEARS = range(2013, 2023)


@dataclass(frozen=True)
class Series:
    indic: str
    unit: str
    eu_start: float  # the EU value in the first year
    eu_growth: float  # a year, as a share
    spread: float  # regions' spread around the EU value, as a share
    decimals: int = 1
    regional_from: int = 2013  # earlier regional values are missing (':')


SERIES = (
    Series("GERD", "PC_GDP", 2.02, 0.012, 0.45, 2),
    Series("TERT_25_64", "PC", 28.5, 0.018, 0.25),
    Series("HRST", "PC_ACT", 44.0, 0.012, 0.15),
    Series("VC_INV", "PC_GDP", 0.040, 0.06, 0.6, 3, regional_from=2015),
    Series("SME_COOP", "PC_SME", 10.5, 0.015, 0.35),
    Series("COPUB_INT", "P_MHAB", 780.0, 0.04, 0.5, 0),
    Series("GDP_PPS", "PC_EU27", 100.0, 0.0, 0.3),
    Series("HH_INC", "PPS_HAB", 17_500.0, 0.022, 0.2, 0),
    Series("ENT_BIRTH", "PC_ACT", 9.8, 0.004, 0.22),
    Series("LTU", "PC_ACT", 5.1, -0.06, 0.5),
    Series("EQI", "Z_SCORE", 0.0, 0.0, 1.0, 2),
)
# The one series the mapping leaves out: the import reports it as skipped.
UNMAPPED = Series("GERD", "EUR_HAB", 560.0, 0.03, 0.45, 0)

# Wallonia's made-up story: (its level against the EU, its yearly drift against the EU).
WALLONIA = {
    "GERD": (1.25, 0.004),  # a strength
    "TERT_25_64": (1.05, -0.004),
    "HRST": (1.02, -0.002),
    "VC_INV": (0.55, -0.035),  # bottom quartile, widening gap
    "SME_COOP": (0.95, -0.025),  # gap widening
    "COPUB_INT": (1.1, 0.0),
    "GDP_PPS": (0.86, -0.006),  # below the EU, slowly falling further behind
    "HH_INC": (0.98, -0.004),
    "ENT_BIRTH": (0.72, -0.01),  # bottom quartile
    "LTU": (1.55, 0.01),  # lower is better: far above the EU
    "EQI": (0.0, 0.0),  # a level, set below
}


def value(series: Series, geo: str, year: int) -> float | None:
    """The made-up value of a series for a place and a year (None: missing)."""
    level = nuts_level(geo)
    if level is not None and level >= 1 and year < series.regional_from:
        return None
    t = year - YEARS.start
    eu = series.eu_start * (1 + series.eu_growth) ** t
    if level is None:
        return round(eu, series.decimals)
    rng = random.Random(f"{series.indic}:{series.unit}:{geo}")
    if geo == "BE3" and series.indic in WALLONIA:
        factor, drift = WALLONIA[series.indic]
    else:
        factor, drift = max(0.2, rng.gauss(1.0, series.spread)), rng.gauss(0.0, 0.008)
    noise = 1 + random.Random(f"{series.indic}:{geo}:{year}").gauss(0.0, 0.015)
    if series.unit == "Z_SCORE":  # a score around 0, not a ratio
        base = -0.85 if geo == "BE3" else rng.gauss(0.0, series.spread)
        return round(base + drift * t + (noise - 1), series.decimals)
    return round(eu * factor * (1 + drift) ** t * noise, series.decimals)


def cell(series: Series, geo: str, year: int) -> str:
    number = value(series, geo, year)
    if number is None:
        return ": "
    text = f"{number:.{series.decimals}f}"
    flag = "p" if year == YEARS[-1] else ("e" if (hash_of(geo, year) % 23 == 0) else "")
    return f"{text} {flag}".rstrip() + (" " if not flag else "")


def hash_of(geo: str, year: int) -> int:
    return random.Random(f"{geo}:{year}").randrange(1000)


def main() -> None:
    geos = [*sorted(g for g in GEO_NAMES if nuts_level(g) is not None), "EU27_2020"]
    with TSV.open("w", encoding="utf-8", newline="\n") as out:
        out.write("freq,indic,unit,geo\\TIME_PERIOD\t" + "\t".join(f"{y} " for y in YEARS) + "\n")
        for series in (*SERIES, UNMAPPED):
            for geo in geos:
                cells = "\t".join(cell(series, geo, y) for y in YEARS)
                out.write(f"A,{series.indic},{series.unit},{geo}\t{cells}\n")
    print(f"wrote {TSV}")


if __name__ == "__main__":
    main()
