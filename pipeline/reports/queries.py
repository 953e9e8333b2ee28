"""The figures of the year's report on the admission of new members, for a unit and a year up to
a day: the plan-and-actual rollup (pipeline.quotas.rollup) plus the training classes, the funnel,
the time cases spend in their stage and the stuck cases. Aggregates only: a fixed number of
statements whatever the number of cases.

Every section is as of the rollup's day (`Rollup.day`: the report's end date, or today while the
year runs) and reads the tree of that day: each case in the branch it belonged to then, placed
where that branch stood then, in the stage it was in then (pipeline.quotas.stage_then). A report
"until 30/09/2022" printed in October counts the classes begun and the enrolments made by 30/09,
the pool, the time in stage and the stuck cases of 30/09 (pipeline.reports.stuck_then)."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from pipeline.analytics.sql import days_between, median_and_max
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.quotas.rollup import Rollup, rollup
from pipeline.quotas.scope import in_scope
from pipeline.quotas.stage_then import stage_on
from pipeline.reports.stuck_then import stuck_cases_on
from pipeline.training.models import Enrolment, TrainingClass
from pipeline.units.history import as_of, cases_placed
from pipeline.units.per_root import per_root
from pipeline.units.models import Unit, UnitVersion
from pipeline.workflow.stages import MAIN_STAGES, STAGE_BY_NAME
from pipeline.workflow.stuck import StuckCase, reasons_for, stuck_condition, too_long_cutoffs

# The road to admission: the funnel and the time in stage cover the cases still on it.
ROAD_STAGES = tuple(s.name for s in MAIN_STAGES if s.name not in ("probation", "official"))
FUNNEL_STAGES = tuple(s.name for s in MAIN_STAGES)
STUCK_SHOWN = 100  # the longest-waiting stuck cases listed; the report gives the total too


@dataclass(frozen=True)
class ClassLine:
    id: int
    name: str
    organiser: str
    starts_on: date
    ends_on: date
    attendees: int  # enrolments of the report unit's cases made by the report's day


@dataclass(frozen=True)
class StageTime:
    stage: str
    cases: int
    median_days: float
    max_days: int

    @property
    def label(self):
        return STAGE_BY_NAME[self.stage].label


@dataclass
class YearReport:
    unit: Unit
    produced_on: date  # the day it is made (its date line)
    rollup: Rollup
    classes: list
    time_in_stage: list
    stuck: list
    stuck_total: int

    @property
    def attendees(self):
        return sum(line.attendees for line in self.classes)

    @property
    def as_of(self):
        """The day every section is of."""
        return self.rollup.day

    @property
    def funnel(self):
        """(stage, label, cases on the report's day) along the main road."""
        counts = self.rollup.stage_counts
        return [(name, STAGE_BY_NAME[name].label, counts.get(name, 0)) for name in FUNNEL_STAGES]


# Each section's statements are built once per day (and what else they depend on) and depth of
# root (pipeline.units.per_root), and run with the root's path and id as parameters.
def _build_classes(root, _dialect, year, day):
    in_root, _placed = cases_placed(day, root.path)
    attendees = (select(Enrolment.class_id, func.count().label("n")).select_from(in_root)
                 .join(Enrolment, Enrolment.case_id == Case.id)
                 .where(in_scope(day, root.path), Enrolment.enrolled_on <= day)
                 .group_by(Enrolment.class_id).subquery())
    n = func.coalesce(attendees.c.n, 0)
    organiser, organiser_then = aliased(Unit), aliased(UnitVersion, name="organiser_then")
    organiser_path = func.coalesce(organiser_then.path, organiser.path)
    return (select(TrainingClass.id, TrainingClass.name, TrainingClass.organiser_name,
                   func.coalesce(organiser_then.name, organiser.name), TrainingClass.starts_on,
                   TrainingClass.ends_on, n)
            .join(organiser, organiser.id == TrainingClass.organiser_unit_id)
            .outerjoin(organiser_then, and_(organiser_then.unit_id == organiser.id, as_of(organiser_then, day)))
            .outerjoin(attendees, attendees.c.class_id == TrainingClass.id)
            .where(TrainingClass.starts_on.between(date(year, 1, 1), min(date(year, 12, 31), day)),
                   or_(organiser_path.startswith(root.path, autoescape=True), n > 0))
            .order_by(TrainingClass.starts_on, TrainingClass.id)),


_classes_statement = per_root(_build_classes)


def training_classes(root, year, day):
    """The classes begun in `year` by `day`, organised inside the unit's subtree or attended by its
    cases (a commune's candidates go to the town's classes), with the number of the unit's cases
    enrolled by `day`. `root`: the unit as it was on `day` (its path then); the cases and the
    organiser are placed as they were on `day`."""
    (statement,), parameters = _classes_statement(root, year, day)
    return [ClassLine(id_, name, organiser_name or organiser_unit, starts, ends, count)
            for id_, name, organiser_name, organiser_unit, starts, ends, count
            in db.session.execute(statement, parameters)]


def _build_time_in_stage(root, dialect, day):
    in_root, _placed = cases_placed(day, root.path)
    stage, entered = stage_on(day)
    # Materialized: each case's stage then is read once, not again for each condition on it; and
    # on SQLite the road's stages are not pushed into it, where they had the planner read every
    # open case of the country by its stage (a secretary's report at 100,000 cases: 91 -> 22 ms).
    cases = (select(stage.label("stage"), entered.label("entered_on")).select_from(in_root)
             .where(in_scope(day, root.path)).cte("then").prefix_with("MATERIALIZED"))
    return median_and_max([cases.c.stage], days_between(cases.c.entered_on, day),
                          where=cases.c.stage.in_(ROAD_STAGES), from_=cases, dialect=dialect),


_time_in_stage_statement = per_root(_build_time_in_stage)


def time_in_stage(root, day):
    """Median and longest days in their stage on `day`, per stage of the road, for the cases of
    the unit's subtree as it was then."""
    (statement,), parameters = _time_in_stage_statement(root, day)
    found = {row.stage: StageTime(row.stage, row.count, (row.median_low + row.median_high) / 2, row.maximum)
             for row in db.session.execute(statement, parameters)}
    return [found[stage] for stage in ROAD_STAGES if stage in found]


def _build_stuck(root, _dialect, today, day, limit, _cutoffs):
    in_root, placed = cases_placed(day, root.path)
    stuck = and_(in_scope(day, root.path), stuck_condition(today))
    # As pipeline.workflow.stuck.stuck_of orders and limits them; with how many there are in all,
    # counted over the same rows (a count apart read them all again: 1.1 s at the top of 1M cases).
    listed = (select(Case.id.label("case_id"), Case.full_name, placed.unit_id.label("branch_id"),
                     placed.name.label("branch_name"), Case.stage, Case.stage_entered_on,
                     func.count().over().label("total"))
              .select_from(in_root).where(stuck).order_by(Case.stage_entered_on, Case.id))
    return (listed.limit(limit) if limit else listed),


_stuck_statements = per_root(_build_stuck)


def stuck_list(root, today, day, limit=None):
    """(how many of the subtree's cases, as it was on `day`, are stuck; the first `limit` of them,
    the longest in their stage first, each with its branch's name then and its reasons): two
    statements (as stuck_of reads them). The rulebook's cut-offs of `today` and `limit` are part
    of the statement's key."""
    (listed,), parameters = _stuck_statements(root, today, day, limit, tuple(sorted(too_long_cutoffs(today).items())))
    rows = db.session.execute(listed, parameters).all()
    reasons = reasons_for(rows, today) if rows else {}
    return (rows[0].total if rows else 0), [
        StuckCase(r.case_id, r.full_name, r.branch_id, r.branch_name, r.stage, r.stage_entered_on,
                  tuple(reasons[r.case_id])) for r in rows]


def stuck_section(root, today, day):
    """(total, the STUCK_SHOWN longest waiting) stuck on `day`: on today from the projection, on a
    day before from the logs."""
    if day < today:
        return stuck_cases_on(root, day, STUCK_SHOWN)
    return stuck_list(root, today, day, limit=STUCK_SHOWN)


def year_report(unit, year, until, today):
    """Everything the report shows, as of the rollup's day (`until`, or `today` if sooner), on
    the tree of that day; `today` is the day it is made."""
    figures = rollup(unit, year, until)
    root, day = figures.root.unit, figures.day
    stuck_total, stuck = stuck_section(root, today, day)
    return YearReport(unit=unit, produced_on=today, rollup=figures, classes=training_classes(root, year, day),
                      time_in_stage=time_in_stage(root, day), stuck=stuck, stuck_total=stuck_total)
