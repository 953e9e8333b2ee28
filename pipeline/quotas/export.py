"""The per-unit table of plan and actual (quota page and year report) as CSV or XLSX: the rows
of the page's table, the subordinate units then the unit itself as the total. The headers carry
the period of the admissions and the day of the pool, so the file says what it is as of."""
from flask_babel import gettext as _
from pipeline.base.i18n import lazy_gettext as _l

from pipeline.base.formatting import format_day, format_number
from pipeline.exports import Column, export_response, period_line
from pipeline.quotas.rollup import LOWER, POOL_BUCKETS, POOL_LABELS, UPPER


def columns(rollup):
    """The columns, headed with the rollup's period and day ("Admitted, 01/01/2022–30/09/2022")."""
    period = f"{format_day(rollup.start)}–{format_day(rollup.until)}"
    day = format_day(rollup.day or rollup.until)
    return (
        Column(_l("Unit")),
        Column(_l("Kind")),
        Column(_l("Quota (lower end)"), "int"),
        Column(_l("Quota (upper end)"), "int"),
        Column(_("Admitted, %(period)s", period=period), "int"),
        Column(_l("Percent of the quota"), "percent"),
        Column(_l("Compared against")),
        Column(_l("Above (+) or below (−) the quota"), "int"),
        *(Column(_("%(label)s, as of %(day)s", label=POOL_LABELS[bucket], day=day), "int") for bucket in POOL_BUCKETS),
    )


def compared_against(achievement):
    """Which end of a range the percentage and the difference are of ("upper end (8)"), or
    nothing for a single number."""
    if achievement.compared_to == UPPER:
        return _("upper end (%(num)s)", num=format_number(achievement.reference))
    if achievement.compared_to == LOWER:
        return _("lower end (%(num)s)", num=format_number(achievement.reference))
    return None


def unit_name(unit):
    """The unit's name, and the units it replaced as the page shows them ("formerly …")."""
    formerly = getattr(unit, "formerly_label", "")
    return f"{unit.name} ({_('formerly %(names)s', names=formerly)})" if formerly else unit.name


def line_row(line):
    achievement = line.achievement
    return (unit_name(line.unit), str(line.kind_label),
            line.target.minimum if line.target else None, line.target.maximum if line.target else None,
            line.admitted, achievement.percent / 100 if achievement.percent is not None else None,
            compared_against(achievement), achievement.difference, *(line.pool[bucket] for bucket in POOL_BUCKETS))


def unit_rows(rollup):
    for line in rollup.children:
        yield line_row(line)
    yield line_row(rollup.root)


def export_units(fmt, basename, rollup, unit=None, sheet=None, about=None):
    """The table as a download. Its XLSX sheet opens with title rows: `unit` (the rollup's by
    default), then `about` (by default the period and which day counts an admission), named
    `sheet` (by default "Plan and actual <year>": the title rows say the rest)."""
    if about is None:
        about = [period_line(rollup.start, rollup.until), _("Admissions counted %(basis)s", basis=rollup.basis_label)]
    return export_response(fmt, basename, columns(rollup), unit_rows(rollup), unit=unit or rollup.root.unit,
                           about=about, sheet=sheet or _("Plan and actual %(year)d", year=rollup.year))
