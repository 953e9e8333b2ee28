"""What an XLSX export says above its table, so that a printed list is a document: its title, the
unit it covers, the period or the filters that chose its rows, and the day it was made. A view
gives the unit and the lines that only it knows (`about`); `heading_lines` writes them in the
request's language. CSV files keep their header on the first line: they are data for programs."""
from wtforms import SelectField, StringField
from wtforms.fields import DateField

from pipeline.base import clock
from pipeline.base.i18n import lazy_gettext as _l

LINE_CHARS = 400  # a line of the heading; what a user typed in a filter is bounded by its form anyway


def unit_line(unit):
    """ "Unit: Chi bộ thôn A1 – Đảng bộ xã A": the unit and the one above it, as letterheads name them."""
    parent = getattr(unit, "parent", None)
    name = f"{unit.name} – {parent.name}" if parent is not None else unit.name
    return _l("Unit: %(unit)s", unit=name)


def day_text(day):
    """A day as offices write it, dd/mm/yyyy."""
    return day.strftime("%d/%m/%Y")


def period_line(start, end):
    return _l("Period: from %(start)s to %(end)s", start=day_text(start), end=day_text(end))


def as_of_line(day):
    """What a list counted as of a day (its days in a stage, its deadlines)."""
    return _l("Figures as of %(day)s", day=day_text(day))


def made_line(today=None):
    """The day the file was made: the application's own today (the demo's fixed day too)."""
    return _l("Made on %(day)s", day=day_text(today or clock.today()))


def heading_lines(title, unit=None, about=()):
    """The lines above the table, in the request's language: title, unit, `about`, the day made."""
    lines = [str(title)]
    if unit is not None:
        lines.append(str(unit_line(unit)))
    lines.extend(str(line) for line in about if line is not None and str(line).strip())
    lines.append(str(made_line()))
    return [line[:LINE_CHARS] for line in lines]


def form_filters(form, skip=()):
    """A filter form's applied filters as one line ("Filters: Stage: Dossier; Name: Lan"), or None
    when none applies. A choice shows its label; a value that is not one of the choices, or that
    failed validation, was ignored by the list and is left out here too."""
    parts = []
    for field in form:
        if field.name in skip or field.errors or field.data in (None, "", [], ()):
            continue
        if isinstance(field, SelectField):
            labels = {str(choice[0]): choice[1] for choice in field.iter_choices()}
            value = labels.get(str(field.data))
            if value is None:
                continue
            value = str(value).replace("\u00a0", " ").strip()  # the tree's indentation
        elif isinstance(field, DateField):
            value = f"{field.data:%d/%m/%Y}"
        elif isinstance(field, StringField):
            value = f"“{field.data}”"
        else:
            continue
        parts.append(f"{field.label.text}: {value}")
    return _l("Filters: %(filters)s", filters="; ".join(parts)) if parts else None
