"""What an export's column is, and how a value becomes cell text the same way in both formats."""
from dataclasses import dataclass
from datetime import date, datetime

COLUMN_KINDS = ("text", "int", "number", "percent", "date")

# A cell starting with one of these is read as a formula by Excel and LibreOffice, also from a
# CSV file (CSV injection, OWASP): a name typed as "=HYPERLINK(...)" must stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    """One column of an export.

    label: a lazy_gettext string (English msgid), rendered in the request's language.
    kind: "text"; "int"; "number"; "percent", a fraction (1.34 is 134 %); "date", a datetime.date.
    printed: False for a column in the file but not on paper (those a re-import needs, after the
    page's own): an XLSX sheet's print area ends before the first such column."""
    label: object
    kind: str = "text"
    printed: bool = True

    def __post_init__(self):
        if self.kind not in COLUMN_KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}, expected one of {COLUMN_KINDS}")


def safe_text(value):
    """The value as text, with a leading apostrophe when it would otherwise start a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def as_date(value):
    """A datetime counts as its day: the columns are dates."""
    return value.date() if isinstance(value, datetime) else value


def display_text(value, kind):
    """The value as a reader sees it: CSV cells, and the widths of XLSX columns.
    Dates as offices write them (dd/mm/yyyy), numbers plain, a fraction as a percentage."""
    if value is None:
        return ""
    if kind == "date":
        return as_date(value).strftime("%d/%m/%Y") if isinstance(value, date) else safe_text(value)
    if kind == "percent":
        return f"{round(value * 100, 2):g}%"
    if kind in ("int", "number"):
        return str(value)
    return safe_text(value)
