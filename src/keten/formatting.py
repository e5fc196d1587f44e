"""One formatter for the figures people read: numbers, shares, days and months.

Web tables, the KPI tiles, the monthly report (HTML and PDF) and the charts all format
through these functions, in the active Django language (Dutch: 1.234,5 and "okt 2025";
English: 1,234.5 and "Oct 2025"). Wrap a call in `translation.override(lang)` for another
language.

Rules:
- ROUNDING, never truncation: half away from zero on the decimal value people would write
  down (0.125 -> 0.13, not 0.12 as binary floats would round). Django's own `number_format`
  cuts digits off (99.6 -> "99"), so it only ever sees numbers already rounded here.
- Numbers: the decimals the caller asks for, thousands grouped (1.234 in Dutch).
- Days: one decimal (12,5).
- Shares (0..1) are shown in whole percent ("37%", "35%", "100%"), with one exception: a
  share strictly between 0 and 1 never reads "0%" or "100%" (that would claim "none" or
  "all"), so it gets as many decimals as it needs, up to three ("99,6%", "0,4%").
  Whole percents keep tables calm and match how agreements are written ("80% within 7
  days"); the exception keeps 99.6% from ever reading as complete.
- Missing values (None, NaN, NA) read "–".
- Months: "oktober 2025" (long) or "okt 2025" (short), always with the year.

`vega_locale()` gives the same conventions to Vega-Lite (`config.locale`), so the browser and
vl-convert's static renderings agree with the tables.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import dateformat, formats, numberformat
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

MISSING = "–"
DAY_DECIMALS = 1
#: A share between 0 and 1 gets at most this many decimals to stay clear of 0% and 100%.
SHARE_MAX_DECIMALS = 3


def is_missing(value: Any) -> bool:
    """True for None, NaN and pandas' NA/NaT (a hidden or absent figure)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError, ImportError):
        return False


def rounded(value: Any, decimals: int = 0) -> Decimal:
    """`value` rounded half away from zero to `decimals`, as the Decimal people would write."""
    try:
        # repr/str of a float is the shortest text that reads back as it: 0.125 stays 0.125.
        exact = Decimal(value) if isinstance(value, (int, Decimal)) else Decimal(str(float(value)))
        result = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, OverflowError) as exc:
        raise ValueError(f"Not a finite number: {value!r}") from exc
    return result + 0  # + 0 turns -0 into 0: a change too small to show has no sign


def number(value: Any, decimals: int = 0) -> str:
    """A number in the active language, rounded to `decimals`, thousands grouped."""
    if is_missing(value):
        return MISSING
    if isinstance(value, float) and math.isinf(value):
        return MISSING
    shown = rounded(value, decimals)
    return numberformat.format(
        shown,
        formats.get_format("DECIMAL_SEPARATOR"),
        decimals,
        formats.get_format("NUMBER_GROUPING"),
        formats.get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
    )


def count(value: Any) -> str:
    """A whole number of cases, events, ...: 1.234."""
    return number(value, 0)


def days(value: Any, *, unit: bool = False) -> str:
    """Days with one decimal ("12,5"); with `unit`, "12,5 d" for running text."""
    text = number(value, DAY_DECIMALS)
    if unit and text != MISSING:
        return _("%(n)s d") % {"n": text}
    return text


def share_decimals(value: Any) -> int:
    """Decimals for a share: 0, or more when whole percents would read 0% or 100%."""
    value = float(value)
    if value <= 0 or value >= 1:
        return 0
    for decimals in range(SHARE_MAX_DECIMALS + 1):
        if 0 < rounded(value * 100, decimals) < 100:
            return decimals
    return SHARE_MAX_DECIMALS


def share(value: Any) -> str:
    """A share (0..1) as a percentage: "37%", "99,6%", "100%"."""
    if is_missing(value) or (isinstance(value, float) and math.isinf(value)):
        return MISSING
    # Scale in decimal, not in binary: 0.145 * 100 is 14.499999999999998 as a float.
    percent = Decimal(str(float(value))) * 100
    return number(percent, share_decimals(value)) + "%"


def _as_date(period: Any) -> dt.date:
    if isinstance(period, dt.datetime):
        return period.date()
    if isinstance(period, dt.date):
        return period
    text = str(period)
    if len(text) == 7:  # "2025-10"
        text += "-01"
    return dt.date.fromisoformat(text[:10])


def month_label(period: Any, *, short: bool = False) -> str:
    """The month of a period (ISO text, date or timestamp): "oktober 2025" / "okt 2025"."""
    if is_missing(period):
        return MISSING
    day = _as_date(period)
    if short:
        # Vega's Dutch short months (no full stop), so tables and charts read the same.
        return f"{_locale()['time']['shortMonths'][day.month - 1]} {day.year}"
    return dateformat.format(day, "F Y")


def date_label(day: Any) -> str:
    """A calendar day: "6 okt 2025" / "6 Oct 2025"."""
    if is_missing(day):
        return MISSING
    d = _as_date(day)
    return f"{d.day} {_locale()['time']['shortMonths'][d.month - 1]} {d.year}"


def moment(value: Any, zone: str) -> str:
    """An instant as a day and a time of day in time zone `zone`: "6 okt 2025 14:05"."""
    if is_missing(value):
        return MISSING
    local = value.astimezone(ZoneInfo(zone))
    return f"{date_label(local)} {local:%H:%M}"


# --- the same conventions for Vega-Lite ------------------------------------------------------

# d3-format / d3-time-format locales (as vl-convert's get_format_locale("nl-NL") etc. give
# them), written out so the browser needs nothing beyond the spec.
_NL = {
    "number": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["€ ", ""]},
    "time": {
        "dateTime": "%a %e %B %Y %X",
        "date": "%d-%m-%Y",
        "time": "%H:%M:%S",
        "periods": ["AM", "PM"],
        "days": ["zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"],
        "shortDays": ["zo", "ma", "di", "wo", "do", "vr", "za"],
        "months": [
            "januari",
            "februari",
            "maart",
            "april",
            "mei",
            "juni",
            "juli",
            "augustus",
            "september",
            "oktober",
            "november",
            "december",
        ],
        "shortMonths": ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"],
    },
}
_EN = {
    "number": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["€", ""]},
    "time": {
        "dateTime": "%a %e %b %X %Y",
        "date": "%d/%m/%Y",
        "time": "%H:%M:%S",
        "periods": ["AM", "PM"],
        "days": ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
        "shortDays": ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
        "months": [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        "shortMonths": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    },
}


def _locale() -> dict[str, Any]:
    return _EN if (get_language() or "nl").lower().startswith("en") else _NL


def vega_locale() -> dict[str, Any]:
    """`config.locale` for a Vega-Lite spec in the active language (a fresh copy)."""
    source = _locale()
    return {"number": dict(source["number"]), "time": dict(source["time"])}


def figure(value: Any, unit: str, target: Any = None) -> str:
    """A KPI's value in its unit ("share", "days", or a count): the one text every surface
    shows. With `target`, a share never reads the same as a different target."""
    if is_missing(value):
        return MISSING
    if unit == "share":
        return share(value) if target is None else share_against(value, target)
    if unit == "days":
        return days(value, unit=True)
    return count(value)


def share_against(value: Any, target: Any) -> str:
    """A share beside its target: with as many decimals as it takes not to read the same as
    the target when it is not ("89,6%" next to a 90% target, not "90%" and "below")."""
    text = share(value)
    if is_missing(value) or is_missing(target) or float(value) == float(target):
        return text
    percent = Decimal(str(float(value))) * 100
    goal = Decimal(str(float(target))) * 100
    decimals = share_decimals(value)
    while rounded(percent, decimals) == goal and decimals < SHARE_MAX_DECIMALS:
        decimals += 1
    return number(percent, decimals) + "%"


# The status, level and unit codes the engine uses, as the words people read.
WORDS = {
    "on_target": gettext_lazy("On target"),
    "at_risk": gettext_lazy("At risk"),
    "off_target": gettext_lazy("Off target"),
    "no_data": gettext_lazy("No data"),
    "suppressed": gettext_lazy("Hidden (few cases)"),
    "open": gettext_lazy("Open"),
    "reached": gettext_lazy("Goal reached"),
    "dropped": gettext_lazy("Dropped out"),
    "chain": gettext_lazy("Whole chain"),
    "partner": gettext_lazy("One partner"),
    "share": gettext_lazy("Percentage"),
    "days": gettext_lazy("Days"),
    "cases": gettext_lazy("Number of cases"),
}


def word(code: Any) -> str:
    """A status, level or unit code as a word people read ("on_target" -> "On target"); a code
    outside the vocabulary is shown as it is. CSV files keep the codes: they are the stable
    vocabulary scripts read."""
    return MISSING if is_missing(code) else str(WORDS.get(str(code), code))
