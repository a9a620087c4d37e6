"""Numbers as the reports print them, in EU English style (the Interinstitutional Style Guide):
a comma between thousands, a point before decimals ("12,340.5"), a percentage written against
its number ("9.6%", "9.6% of SMEs"), and no float noise ("0.041", never "0.041000000000000002").

One place for the templates' `number` and `quantity` filters, so that a value and its benchmark
are always written alike.
"""

import math

MINUS = "\u2212"  # a real minus sign: a hyphen reads as a dash in a table
# Units written against the number, with no space: "9.6%", "3‰", "12°C" would be odd but "12 °C"
# is the style guide's, so only the per-cent and per-mille signs are here.
_ATTACHED = ("%", "‰")


def number(value: float | None) -> str:
    """12,340 / 11.2 / 1.49 / 0.041; "—" for a missing value."""
    if value is None:
        return "—"
    value = float(value)
    if not math.isfinite(value):
        return "—"
    magnitude = abs(value)
    if magnitude.is_integer():
        text = f"{magnitude:,.0f}"
    else:
        digits = 3 if magnitude < 1 else 2
        text = f"{magnitude:,.{digits}f}".rstrip("0").rstrip(".")
    return (MINUS if value < 0 and text.strip("0.,") else "") + text


def quantity(value: float | None, unit: str = "") -> str:
    """A number with its unit: "9.6% of SMEs", "12,340 EUR"; "—" (without a unit) if missing."""
    text = number(value)
    unit = (unit or "").strip()
    if value is None or not unit or text == "—":
        return text
    if unit.startswith(_ATTACHED):
        return f"{text}{unit}"
    return f"{text} {unit}"
