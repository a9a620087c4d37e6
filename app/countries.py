"""English short names of the countries the app's clients are in (EU, EEA, candidates, UK).

Regions carry a `country_code` and partnerships a list of `countries`: ISO 3166-1 alpha-2
codes, except Greece, which Eurostat and NUTS write `EL` (both spellings are known here).
Reports print names; a code we do not know is printed as it is rather than guessed.
"""

COUNTRY_NAMES: dict[str, str] = {
    # EU member states
    "AT": "Austria",
    "BE": "Belgium",
    "BG": "Bulgaria",
    "CY": "Cyprus",
    "CZ": "Czechia",
    "DE": "Germany",
    "DK": "Denmark",
    "EE": "Estonia",
    "EL": "Greece",
    "GR": "Greece",
    "ES": "Spain",
    "FI": "Finland",
    "FR": "France",
    "HR": "Croatia",
    "HU": "Hungary",
    "IE": "Ireland",
    "IT": "Italy",
    "LT": "Lithuania",
    "LU": "Luxembourg",
    "LV": "Latvia",
    "MT": "Malta",
    "NL": "Netherlands",
    "PL": "Poland",
    "PT": "Portugal",
    "RO": "Romania",
    "SE": "Sweden",
    "SI": "Slovenia",
    "SK": "Slovakia",
    # EEA and EFTA
    "IS": "Iceland",
    "LI": "Liechtenstein",
    "NO": "Norway",
    "CH": "Switzerland",
    # candidate and potential candidate countries
    "AL": "Albania",
    "BA": "Bosnia and Herzegovina",
    "GE": "Georgia",
    "MD": "Moldova",
    "ME": "Montenegro",
    "MK": "North Macedonia",
    "RS": "Serbia",
    "TR": "Türkiye",
    "UA": "Ukraine",
    "XK": "Kosovo",
    # former member state, still in older engagements
    "UK": "United Kingdom",
    "GB": "United Kingdom",
}


def country_name(code: str) -> str:
    """The English name of a country code; the code itself when it is not one we know."""
    return COUNTRY_NAMES.get(code.strip().upper(), code)


def country_names(codes: list[str] | tuple[str, ...]) -> str:
    """Names of several countries, comma-separated, in the order given."""
    return ", ".join(country_name(code) for code in codes)
