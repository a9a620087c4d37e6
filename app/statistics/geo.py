"""Geographic codes of statistical tables: a NUTS code (country, then one character per level:
`BE`, `BE3`, `BE32`, `BE323`) or an aggregate of several countries (`EU27_2020`, `EA20`, `EU28`),
which has no NUTS level: peers and percentiles compare regions of one level only."""

import re

# NUTS: two letters (the country), then up to three letters or digits (one per level).
_NUTS = re.compile(r"[A-Z]{2}[A-Z0-9]{0,3}")
# Any code a table may use: letters, digits and underscores (aggregates such as EU27_2020).
GEO_CODE = re.compile(r"[A-Z0-9_]{2,20}")
# Prefixes of the European aggregates: the EU, the euro area, the EEA and EFTA.
_AGGREGATE_PREFIXES = ("EU", "EA", "EEA", "EFTA")


def nuts_level(geo: str) -> int | None:
    """The NUTS level of a code (`BE` 0, `BE3` 1, `BE32` 2, `BE323` 3), or None for an
    aggregate (`EU27_2020`, `EA20`, `EU28`) or anything that is not a NUTS code."""
    code = geo.strip().upper()
    if code.startswith(_AGGREGATE_PREFIXES) or not _NUTS.fullmatch(code):
        return None
    return len(code) - 2


def is_aggregate(geo: str) -> bool:
    """Whether a code stands for a group of countries rather than one place."""
    return nuts_level(geo) is None


# Names (NUTS 2021) of the aggregates and of the places of the demo dataset
# (app/seed/demo_data/statistics), for pages that name a geo code with no Region row behind it.
GEO_NAMES: dict[str, str] = {
    "EU27_2020": "European Union (27 countries, from 2020)",
    "EU28": "European Union (28 countries, 2013-2020)",
    "EA20": "Euro area (20 countries)",
    "EA19": "Euro area (19 countries)",
    # Countries (NUTS 0)
    "AT": "Austria",
    "BE": "Belgium",
    "CZ": "Czechia",
    "DE": "Germany",
    "DK": "Denmark",
    "EE": "Estonia",
    "ES": "Spain",
    "FI": "Finland",
    "FR": "France",
    "HR": "Croatia",
    "IE": "Ireland",
    "IT": "Italy",
    "LT": "Lithuania",
    "LV": "Latvia",
    "NL": "Netherlands",
    "PL": "Poland",
    "PT": "Portugal",
    "SE": "Sweden",
    "SI": "Slovenia",
    "SK": "Slovakia",
    # NUTS 1
    "AT1": "Ostösterreich",
    "AT2": "Südösterreich",
    "AT3": "Westösterreich",
    "BE1": "Région de Bruxelles-Capitale / Brussels Hoofdstedelijk Gewest",
    "BE2": "Vlaams Gewest",
    "BE3": "Région wallonne",
    "DE1": "Baden-Württemberg",
    "DE2": "Bayern",
    "DE7": "Hessen",
    "DEA": "Nordrhein-Westfalen",
    "DED": "Sachsen",
    "DEG": "Thüringen",
    "ES1": "Noroeste",
    "ES2": "Noreste",
    "ES3": "Comunidad de Madrid",
    "ES5": "Este",
    "FR1": "Ile-de-France",
    "FRC": "Bourgogne-Franche-Comté",
    "FRE": "Hauts-de-France",
    "FRF": "Grand Est",
    "FRI": "Nouvelle-Aquitaine",
    "FRK": "Auvergne-Rhône-Alpes",
    "ITC": "Nord-Ovest",
    "ITF": "Sud",
    "ITH": "Nord-Est",
    "NL2": "Oost-Nederland",
    "NL3": "West-Nederland",
    "NL4": "Zuid-Nederland",
    "PL2": "Makroregion południowy",
    "PL4": "Makroregion północno-zachodni",
    # NUTS 2
    "AT22": "Steiermark",
    "AT31": "Oberösterreich",
    "BE21": "Prov. Antwerpen",
    "BE32": "Prov. Hainaut",
    "BE33": "Prov. Liège",
    "DE11": "Stuttgart",
    "DEA1": "Düsseldorf",
    "ES11": "Galicia",
    "ES12": "Principado de Asturias",
    "ES13": "Cantabria",
    "ES21": "País Vasco",
    "ES22": "Comunidad Foral de Navarra",
    "ES24": "Aragón",
    "ES51": "Cataluña",
    "FI19": "Länsi-Suomi",
    "FI1B": "Helsinki-Uusimaa",
    "FI1C": "Etelä-Suomi",
    "FI1D": "Pohjois- ja Itä-Suomi",
    "FRB0": "Centre — Val de Loire",
    "FRD1": "Basse-Normandie",
    "FRG0": "Pays de la Loire",
    "FRH0": "Bretagne",
    "ITC1": "Piemonte",
    "ITC4": "Lombardia",
    "ITH3": "Veneto",
    "ITH5": "Emilia-Romagna",
    "ITI1": "Toscana",
    "SE11": "Stockholm",
    "SE12": "Östra Mellansverige",
    "SE21": "Småland med öarna",
    "SE22": "Sydsverige",
    "SE23": "Västsverige",
    "SE31": "Norra Mellansverige",
    "SE32": "Mellersta Norrland",
    "SE33": "Övre Norrland",
}


def geo_name(geo: str) -> str:
    """A human name for a geographic code: a known one, else the code itself."""
    return GEO_NAMES.get(geo, geo)
