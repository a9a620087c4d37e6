"""The demo's statistics: an illustrative regional indicator table in Eurostat's bulk TSV
format (`regional_indicators.tsv`) and its mapping (`regional_indicators.toml`), which
`clustercase seed demo` imports through the import service (app/seed/demo_statistics.py).

The values are made up (`generate.py` writes them, the same each time): the dataset says so
(`illustrative = true`) and so does every page that shows it. Places are real NUTS 2021 codes."""

from pathlib import Path

HERE = Path(__file__).parent
TSV = HERE / "regional_indicators.tsv"
MAPPING = HERE / "regional_indicators.toml"
