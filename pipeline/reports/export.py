"""The year report as XLSX (a sheet per section) or CSV (the tables one under the other), with the
figures of the page and the PDF, every sheet saying the day it is as of in its title rows: the
units against their quotas (the page's table, with the pool of the day), the communes and wards
against the units directly under, the admissions by kind of branch, the training classes and
their attendees, and the cases by stage with the stuck ones. Built from the report already
computed, through the shared writer's several-table export (pipeline.exports.export_tables)."""
from flask_babel import gettext as _, ngettext

from pipeline.base.i18n import lazy_gettext as _l
from pipeline.exports import Column, Table, as_of_line, export_tables, period_line
from pipeline.quotas.export import columns as unit_columns, compared_against, unit_rows
from pipeline.quotas.rollup import BRANCH_KIND_COLUMNS, POOL_BUCKETS, POOL_LABELS

GROUP_COLUMNS = (
    Column(_l("Group")), Column(_l("Units"), "int"),
    Column(_l("Quota (lower end)"), "int"), Column(_l("Quota (upper end)"), "int"),
    Column(_l("Admitted"), "int"), Column(_l("Percent of the quota"), "percent"),
    Column(_l("Compared against")), Column(_l("Above (+) or below (−) the quota"), "int"),
    *(Column(POOL_LABELS[bucket], "int") for bucket in POOL_BUCKETS),
)
KIND_COLUMNS = (Column(_l("Kind of branch")), Column(_l("Admitted"), "int"))
CLASS_COLUMNS = (Column(_l("Class")), Column(_l("Organised by")), Column(_l("From"), "date"),
                 Column(_l("To"), "date"), Column(_l("Attendees"), "int"))
STAGE_COLUMNS = (Column(_l("Stage")), Column(_l("Cases"), "int"))


def _group_rows(groups):
    for group in groups:
        achievement = group.achievement
        yield (str(group.label), group.units,
               group.target.minimum if group.target else None, group.target.maximum if group.target else None,
               group.admitted, achievement.percent / 100 if achievement.percent is not None else None,
               compared_against(achievement), achievement.difference, *(group.pool[bucket] for bucket in POOL_BUCKETS))


def _class_rows(report):
    for line in report.classes:
        yield line.name, line.organiser, line.starts_on, line.ends_on, line.attendees
    yield (ngettext("%(num)s class", "%(num)s classes", len(report.classes)), _("Total"), None, None,
           report.attendees)


def _stage_rows(report):
    for _name, label, n in report.funnel:
        yield str(label), n
    yield _("Stuck cases"), report.stuck_total


def report_tables(report, title):
    """The sheets: (title, columns, rows, title-row lines, sheet name) each."""
    r = report.rollup
    period, as_of = period_line(r.start, r.until), as_of_line(report.as_of)

    def titled(section):  # outside an f-string: the message extractor reads no call inside one
        return f"{title} · {section}"

    tables = [Table(titled(_("Each unit against its quota")), unit_columns(r), unit_rows(r), (period, as_of),
                    _("Unit figures"))]
    if r.split:
        tables.append(Table(titled(_("Commune and ward committees, units directly under")), GROUP_COLUMNS,
                            _group_rows(r.split), (period, as_of), _("Groups")))
    tables.append(Table(titled(_("Admitted, by kind of branch")), KIND_COLUMNS,
                        ((str(label), r.by_branch_kind[kind]) for kind, label in BRANCH_KIND_COLUMNS
                         if kind in r.by_branch_kind), (period,), _("Kinds of branch")))
    tables.append(Table(titled(_("Political training classes")), CLASS_COLUMNS, _class_rows(report), (as_of,),
                        _("Classes")))
    tables.append(Table(titled(_("Cases by stage")), STAGE_COLUMNS, _stage_rows(report), (as_of,), _("Stages")))
    return tables


def export_report(fmt, title, report, unit):
    return export_tables(fmt, title, report_tables(report, title), unit=unit)
