"""Dates and figures as our readers write them, for pages, PDFs, messages and the guards' reasons."""
from functools import lru_cache

from babel.numbers import format_decimal as babel_decimal, get_decimal_symbol, get_group_symbol
from flask_babel import format_date, format_percent, get_locale


def format_day(day):
    """A date as offices write it, dd/mm/yyyy, in every language."""
    return format_date(day, "dd/MM/yyyy")


def format_number(value):
    """A count or figure as the reader writes numbers: 1.234 and 12,5 in Vietnamese, 1,234 and 12.5
    in English. Years and identifiers are not figures: they stay as they are (2022, not 2.022)."""
    return number_writer(get_locale()).count(value)


def format_whole_percent(value):
    """A whole percentage (134 for 134 %) in the reader's way of writing it; a dash when there is none."""
    return "—" if value is None else format_percent(value / 100)


def format_quota(minimum, maximum):
    """A quota as one number or a range (6–8), its numbers written as the reader writes them
    (the `label` of a quota, a quota change and a rolled-up target)."""
    if minimum is None:
        return ""
    if minimum == maximum:
        return format_number(minimum)
    return f"{format_number(minimum)}–{format_number(maximum)}"


# --- numbers written once per locale -------------------------------------------------------------

DAYS_PATTERN = "#,##0.#"  # a median may end in .5
_SAMPLES = (0, 7, 10, 999, 1000, 1234, 9999, 12345, 123456, 1234567, 100000000)


class NumberWriter:
    """Counts (the `num` filter: Babel's default pattern) and days (DAYS_PATTERN) of one locale.
    Whole numbers, and the halves of a median, are grouped by hand (Babel parses its pattern on
    every call: a page writes hundreds); anything else goes to Babel."""

    def __init__(self, locale):
        self.locale = locale
        self.group, self.decimal = get_group_symbol(locale), get_decimal_symbol(locale)

    def _whole(self, value):
        return f"{value:,}".replace(",", self.group) if value >= 0 else None

    def count(self, value):
        if value is None:
            return ""
        written = self._whole(value) if type(value) is int else None
        return written if written is not None else babel_decimal(value, locale=self.locale)

    def days(self, value):
        if value is None:
            return "—"
        written = None
        if type(value) is int:
            written = self._whole(value)
        elif type(value) is float and value >= 0 and (value * 2).is_integer() and value < 1e15:
            whole = self._whole(int(value))
            written = whole if value.is_integer() else whole + self.decimal + "5"
        return written if written is not None else babel_decimal(value, DAYS_PATTERN, locale=self.locale)


class BabelWriter(NumberWriter):
    """Babel for every number: a locale where the hand-made grouping would differ."""

    def count(self, value):
        return "" if value is None else babel_decimal(value, locale=self.locale)

    def days(self, value):
        return "—" if value is None else babel_decimal(value, DAYS_PATTERN, locale=self.locale)


@lru_cache(maxsize=32)
def number_writer(locale):
    """The locale's writer, checked once against Babel (minimum grouping digits, symbols)."""
    writer, babel = NumberWriter(locale), BabelWriter(locale)
    samples = _SAMPLES + tuple(n + 0.5 for n in _SAMPLES) + tuple(float(n) for n in _SAMPLES)
    same = all(writer.count(n) == babel.count(n) for n in _SAMPLES) and all(
        writer.days(n) == babel.days(n) for n in _SAMPLES + samples)
    return writer if same else babel
