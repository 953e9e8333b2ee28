"""The per-unit table of plan and actual (quota page and year report) as CSV or XLSX: the rows
of the page's table, the subordinate units then the unit itself as the total."""
from flask_babel import gettext as _
from pipeline.base.i18n import lazy_gettext as _l

from pipeline.exports import Column, export_response
from pipeline.quotas.rollup import POOL_BUCKETS, POOL_LABELS

COLUMNS = (
    Column(_l("Unit")),
    Column(_l("Kind")),
    Column(_l("Quota (lower end)"), "int"),
    Column(_l("Quota (upper end)"), "int"),
    Column(_l("Admitted"), "int"),
    Column(_l("Percent of the quota"), "percent"),
    Column(_l("Above (+) or below (−) the quota"), "int"),
    *(Column(POOL_LABELS[bucket], "int") for bucket in POOL_BUCKETS),
)


def unit_name(unit):
    """The unit's name, and the units it replaced as the page shows them ("formerly …")."""
    formerly = getattr(unit, "formerly_label", "")
    return f"{unit.name} ({_('formerly %(names)s', names=formerly)})" if formerly else unit.name


def line_row(line):
    achievement = line.achievement
    return (unit_name(line.unit), str(line.kind_label),
            line.target.minimum if line.target else None, line.target.maximum if line.target else None,
            line.admitted, achievement.percent / 100 if achievement.percent is not None else None,
            achievement.difference, *(line.pool[bucket] for bucket in POOL_BUCKETS))


def unit_rows(rollup):
    for line in rollup.children:
        yield line_row(line)
    yield line_row(rollup.root)


def export_units(fmt, basename, rollup):
    return export_response(fmt, basename, COLUMNS, unit_rows(rollup))
