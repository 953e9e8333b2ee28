"""Dates and figures as our readers write them, for pages, PDFs, messages and the guards' reasons."""
from flask_babel import format_date, format_decimal, format_percent


def format_day(day):
    """A date as offices write it, dd/mm/yyyy, in every language."""
    return format_date(day, "dd/MM/yyyy")


def format_number(value):
    """A count or figure as the reader writes numbers: 1.234 and 12,5 in Vietnamese, 1,234 and 12.5
    in English. Years and identifiers are not figures: they stay as they are (2022, not 2.022)."""
    return "" if value is None else format_decimal(value)


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
