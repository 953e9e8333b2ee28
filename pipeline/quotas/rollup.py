"""Plan against actual for a unit and its subordinate units in a year: the quota as planned, the
admissions counted from the act log, and the pool waiting behind (cases by their stage on the
period's reference day, pipeline.quotas.stage_then).

The figures read the organisation tree as it was on the period's reference day (`reference_day`:
its last day, or today while it runs), from the units' versions (pipeline.units.history): each case
counts in the branch it belonged to then, placed where that branch stood then. A reorganisation
dated later leaves the period's figures as they were; one dated within it shows the new tree, a
merged unit's quota and figures in its successor's line ("formerly ...").

Every figure is an aggregate query (GROUP BY over the log or the stage column): `rollup` runs five
statements whatever the number of cases or units (the units and their former names, the quotas
and merges, the admissions, the cases by stage). A unit's subtree is its path prefix on that day."""
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from decimal import ROUND_HALF_UP, Decimal

from pipeline.base.i18n import lazy_gettext as _l
from sqlalchemy import Date, and_, bindparam, func, select, union
from sqlalchemy.orm import aliased

from pipeline.base import clock
from pipeline.cases.models import Case
from pipeline.base.text import fold
from pipeline.extensions import db
from pipeline.quotas.models import Quota
from pipeline.quotas.scope import child_id, in_scope
from pipeline.quotas.stage_then import stage_on
from pipeline.rules.rulebook import NoRulebook, rulebook_on
from pipeline.units.history import cases_placed, unit_on_now, units_as_of
from pipeline.units.per_root import per_root
from pipeline.units.models import BRANCH_KINDS, UNIT_KINDS, Unit, UnitSuccession
from pipeline.base.formatting import format_quota
from pipeline.workflow.log import not_voided
from pipeline.workflow.models import LogEntry

# The act that counts a new member, by the rulebook's `admission_count_basis`.
COUNT_BASIS_ACTS = {"ceremony": "hold_ceremony", "decision": "record_decision"}
COUNT_BASIS_LABELS = {
    "ceremony": _l("by the date of the admission ceremony"),
    "decision": _l("by the date of the admission decision"),
}
DEFAULT_COUNT_BASIS = "ceremony"

# The pool waiting behind the year's admissions: open cases by their current stage.
POOL_BUCKETS = {
    "training": ("training",),
    "dossier": ("dossier", "branch_vote"),
    "voted": ("committee_review", "decision", "ceremony"),
}
POOL_LABELS = {
    "training": _l("In training"),
    "dossier": _l("With a dossier"),
    "voted": _l("Voted by the branch"),
}
POOL_COLUMNS = tuple(POOL_LABELS.items())  # (bucket, label) in table order
POOL_STAGES = tuple(stage for stages in POOL_BUCKETS.values() for stage in stages)
BUCKET_OF_STAGE = {stage: bucket for bucket, stages in POOL_BUCKETS.items() for stage in stages}

KIND_ORDER = {kind: rank for rank, kind in enumerate(UNIT_KINDS)}
BRANCH_KIND_COLUMNS = tuple((kind, UNIT_KINDS[kind]) for kind in BRANCH_KINDS)

# Subordinate units that are commune or ward committees; every other kind is "directly under".
LOCAL_KINDS = ("commune", "ward", "special_zone")


# The per-unit table's column labels, each cell's data-label (templates/quotas/_figures.html).
CELL_LABELS = {"unit": _l("Unit"), "kind": _l("Kind"), "quota": _l("Quota"), "admitted": _l("Admitted"),
               "percent": _l("Percent of the quota"), "difference": _l("Above or below")}


def template_figures(trail_endpoint):
    """What the plan-and-actual templates (templates/quotas/_*.html) read besides the rollup; the
    labels every row repeats translated once per page, as markup (as the templates' _() gives)."""
    return {"pool": tuple((bucket, label.__html__()) for bucket, label in POOL_COLUMNS),
            "cell_labels": {key: label.__html__() for key, label in CELL_LABELS.items()},
            "branch_kinds": BRANCH_KIND_COLUMNS, "trail_endpoint": trail_endpoint}


def count_basis(day):
    """The rulebook's count basis on `day` (ceremony when no rulebook or setting says otherwise)."""
    try:
        basis = rulebook_on(day).values.get("admission_count_basis")
    except NoRulebook:
        return DEFAULT_COUNT_BASIS
    return basis.value if basis and basis.value in COUNT_BASIS_ACTS else DEFAULT_COUNT_BASIS


def percent(part, whole):
    """Whole percent, halves rounded up (137.5 -> 138), or None against a nil quota."""
    if not whole:
        return None
    return int((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Target:
    """A quota: one number (minimum == maximum) or a range."""
    minimum: int
    maximum: int

    @property
    def label(self):
        return format_quota(self.minimum, self.maximum)

    @property
    def is_range(self):
        return self.maximum != self.minimum

    def __add__(self, other):
        return Target(self.minimum + other.minimum, self.maximum + other.maximum)


# The end of a quota a figure is compared against (Achievement.compared_to).
LOWER, UPPER, SINGLE = "lower", "upper", "single"


@dataclass(frozen=True)
class Achievement:
    """Admissions against a target, by one rule for the percentage and the difference alike:
    a single number is the reference; against a range, below it both are of its lower end (short
    by), above it both are of its upper end (exceeded by), and within it the percentage is of the
    lower end and the difference 0. `compared_to` says which end, so the row can show it."""
    admitted: int
    target: Target | None

    @property
    def compared_to(self):
        """SINGLE, LOWER or UPPER (None without a quota)."""
        if self.target is None:
            return None
        if not self.target.is_range:
            return SINGLE
        return UPPER if self.admitted > self.target.maximum else LOWER

    @property
    def reference(self):
        """The number the percentage and the difference are of."""
        if self.target is None:
            return None
        return self.target.maximum if self.compared_to == UPPER else self.target.minimum

    @property
    def percent(self):
        return percent(self.admitted, self.reference) if self.target else None

    @property
    def difference(self):
        if self.target is None:
            return None
        if self.admitted > self.target.maximum or self.admitted < self.target.minimum:
            return self.admitted - self.reference
        return 0

    @property
    def state(self):
        """above | within | below | None (no quota)."""
        difference = self.difference
        if difference is None:
            return None
        return "above" if difference > 0 else "below" if difference < 0 else "within"


class Figures:
    """What a line or a group shows: its achievement against the quota and its waiting pool."""

    @property
    def achievement(self):
        return Achievement(self.admitted, self.target)

    @property
    def pool_total(self):
        return sum(self.pool.values())


@dataclass
class Line(Figures):
    """One unit's plan and actual; `unit` is the unit as it was on the rollup's day (a UnitOn:
    its name then, and the names of the units it replaced in `formerly`)."""
    unit: object
    target: Target | None
    admitted: int = 0
    pool: dict = field(default_factory=lambda: dict.fromkeys(POOL_BUCKETS, 0))

    @property
    def kind(self):
        return self.unit.kind

    @property
    def kind_label(self):
        return self.unit.kind_label


@dataclass
class Group(Figures):
    """Subordinate units added up: by kind, or communes and wards against the rest. `target`
    sums the quotas set; `units_without_quota` says how many had none."""
    key: str
    label: object
    units: int = 0
    units_without_quota: int = 0
    target: Target | None = None
    admitted: int = 0
    pool: dict = field(default_factory=lambda: dict.fromkeys(POOL_BUCKETS, 0))

    def add(self, line):
        self.units += 1
        self.admitted += line.admitted
        for bucket, n in line.pool.items():
            self.pool[bucket] += n
        if line.target is None:
            self.units_without_quota += 1
        else:
            self.target = line.target if self.target is None else self.target + line.target


@dataclass
class Rollup:
    year: int
    start: date
    until: date
    basis: str
    root: Line
    children: list
    by_branch_kind: dict  # branch kind -> admissions in the subtree
    stage_counts: dict  # stage -> cases of the subtree in it on `day` (all stages: the funnel reads it)
    day: date | None = None  # the day whose tree the figures read (reference_day)
    merged: list = field(default_factory=list)  # units merged into a line's unit during the period (no line)

    @property
    def basis_label(self):
        return COUNT_BASIS_LABELS[self.basis]

    @property
    def children_target(self):
        """The subordinate units' quotas added up (None when none is set)."""
        targets = [line.target for line in self.children if line.target is not None]
        return sum(targets[1:], targets[0]) if targets else None

    @property
    def by_kind(self):
        """Subordinate units by their kind, in the order of UNIT_KINDS."""
        groups = _grouped(self.children, lambda line: (line.kind, line.kind_label))
        return [groups[kind] for kind in UNIT_KINDS if kind in groups]

    @property
    def split(self):
        """Communes and wards against the units directly under the root; empty when the root has
        no commune or ward under it (a commune's own report has nothing to split)."""
        if not any(line.kind in LOCAL_KINDS for line in self.children):
            return []
        direct = _l("Directly under %(unit)s", unit=self.root.unit.name)
        groups = _grouped(self.children, lambda line: ("local", _l("Commune and ward committees"))
                          if line.kind in LOCAL_KINDS else ("direct", direct))
        return [groups[key] for key in ("local", "direct") if key in groups]


def _grouped(lines, key_of):
    groups = {}
    for line in lines:
        key, label = key_of(line)
        groups.setdefault(key, Group(key, label)).add(line)
    return groups


def year_span(year, until=None):
    """1 January of `year` to `until` (default 31 December)."""
    start = date(year, 1, 1)
    return start, until or date(year, 12, 31)


def reference_day(start, until):
    """The day whose tree a period's figures read: the period's last day, or today while the
    period runs (the tree of a day to come is not known), never before the period starts."""
    return max(start, min(until, clock.today()))


@lru_cache(maxsize=None)
def _quotas_statement():
    """The quotas and merges of the parameters `unit_ids` and of the units merged into `root_id`,
    for `year` and the merges of [start, day]: built once (named parameters)."""
    merged = and_(UnitSuccession.kind == "merge", UnitSuccession.effective_date.between(
        bindparam("start", type_=Date()), bindparam("day", type_=Date())))
    into_root = select(UnitSuccession.predecessor_id).where(UnitSuccession.successor_id == bindparam("root_id"), merged)
    listed = aliased(Unit)
    return (select(Unit.id, Quota.minimum, Quota.maximum, UnitSuccession.successor_id)
            .outerjoin(Quota, and_(Quota.unit_id == Unit.id, Quota.year == bindparam("year")))
            .outerjoin(UnitSuccession, and_(UnitSuccession.predecessor_id == Unit.id, merged))
            # One list of ids, the listed and the merged: as two INs under an OR, PostgreSQL read
            # every unit of the country (7 ms at 60,000 units) for a commune's 17.
            .where(Unit.id.in_(union(select(listed.id).where(listed.id.in_(bindparam("unit_ids", expanding=True))),
                                     into_root))))


def _quotas_and_mergers(root, unit_ids, year, start, day):
    """(unit id -> its own Target for `year`, predecessor id -> successor id for the merges of
    [start, day]) of these units and of the units merged into `root` in that time: one statement
    (the rule of pipeline.units.history.successors_of, read with the quotas)."""
    rows = db.session.execute(_quotas_statement(), {"root_id": root.id, "unit_ids": list(unit_ids), "year": year,
                                                    "start": start, "day": day}).all()
    quotas = {unit_id: Target(minimum, maximum) for unit_id, minimum, maximum, _s in rows if minimum is not None}
    return quotas, {unit_id: successor for unit_id, _min, _max, successor in rows if successor is not None}


def _target(unit_id, quotas, merged_into, seen=()):
    """The unit's quota for the year; without one of its own, the quotas of the units merged into
    it during the period added up (a merger's own quota, once set, is the plan that counts: the
    level above may have planned the new unit differently from the sum of the old ones)."""
    if unit_id in quotas:
        return quotas[unit_id]
    inherited = [_target(predecessor, quotas, merged_into, seen + (unit_id,))
                 for predecessor, successor in merged_into.items() if successor == unit_id and predecessor not in seen]
    inherited = [target for target in inherited if target is not None]
    return sum(inherited[1:], inherited[0]) if inherited else None


def _line_of(unit_id, lines, merged_into):
    """The line a unit's figures count in: its own, or the line of the unit it was merged into
    during the period (following a second merger of the same year); None outside the lines."""
    seen = set()
    while unit_id in merged_into and unit_id not in seen:
        seen.add(unit_id)
        unit_id = merged_into[unit_id]
    return lines.get(unit_id)


def _build_figure_statements(root, _dialect, day, start, until, admission_act):
    """(admissions by line and kind of branch, cases by line and stage on `day`) of the subtree of
    `root` as it stood on `day` (before today the stages are read from the logs,
    pipeline.quotas.stage_then: per_root keys the statements by today too)."""
    in_root, placed = cases_placed(day, root.path)
    scoped = in_scope(day, root.path)  # what a small scope's plan starts from
    # The line a case counts in: the unit below the root on its branch's path (ids not listed
    # count in no line, as with holder_among).
    holder = child_id(placed.path, root.path).label("holder")

    # The admissions as a plain IN of the scope's branches: PostgreSQL then reads the period's
    # ceremonies by their index and keeps the scope's, where the ids read first (`in_scope`) had
    # it look each case's log up (a province of 29,496 cases at 1M: 397 -> 255 ms).
    admissions = (select(holder, placed.kind.label("kind")).select_from(in_root)
                  .join(LogEntry, LogEntry.case_id == Case.id)
                  .where(in_scope(day, root.path, looked_up=False), LogEntry.act == admission_act,
                         LogEntry.effective_date.between(start, until), not_voided()).subquery())
    stage, _entered = stage_on(day)
    # Materialized: each case's stage then is read once, not again for the condition on it.
    cases = (select(holder, stage.label("stage")).select_from(in_root).where(scoped)
             .cte("then").prefix_with("MATERIALIZED", dialect="postgresql"))
    return (select(admissions.c.holder, admissions.c.kind, func.count()).group_by(admissions.c.holder,
                                                                                 admissions.c.kind),
            select(cases.c.holder, cases.c.stage, func.count()).where(cases.c.stage.is_not(None))
            .group_by(cases.c.holder, cases.c.stage))


_figure_statements = per_root(_build_figure_statements)


def rollup(root, year, until=None):
    """Plan and actual of `root` and each unit directly under it (valid during the year), the
    admissions of [1 January, until] and the pool as it stood on `reference_day` (the cases'
    stages then, pipeline.quotas.stage_then), read on the tree of that day. A unit merged into another during the period has no line: its quota and
    figures count in its successor's."""
    start, until = year_span(year, until)
    day = reference_day(start, until)
    basis = count_basis(until)
    admission_act = COUNT_BASIS_ACTS[basis]

    # The units under the root on the day, and those that ended during the period (a unit
    # dissolved or created during the period has a line too, with the name it had last).
    units = units_as_of(day, since=start, children_of=root.id)
    root_unit = units.pop(root.id, None) or unit_on_now(root)
    quotas, merged_into = _quotas_and_mergers(root, [root.id, *units], year, start, day)
    lines = {unit_id: Line(unit, _target(unit_id, quotas, merged_into))
             for unit_id, unit in units.items() if unit_id not in merged_into}
    root_line = Line(root_unit, _target(root.id, quotas, merged_into))

    (by_holder_kind, by_holder_stage), parameters = _figure_statements(root_unit, day, start, until, admission_act)
    by_branch_kind = {}
    for holder_id, kind, n in db.session.execute(by_holder_kind, parameters):
        by_branch_kind[kind] = by_branch_kind.get(kind, 0) + n
        line = _line_of(holder_id, lines, merged_into) if holder_id in units else None
        if line is not None:
            line.admitted += n
    root_line.admitted = sum(by_branch_kind.values())

    stage_counts = {}
    for holder_id, stage, n in db.session.execute(by_holder_stage, parameters):
        stage_counts[stage] = stage_counts.get(stage, 0) + n
        line = _line_of(holder_id, lines, merged_into) if holder_id in units else None
        if line is not None and stage in BUCKET_OF_STAGE:
            line.pool[BUCKET_OF_STAGE[stage]] += n
    for stage, n in stage_counts.items():
        if stage in BUCKET_OF_STAGE:
            root_line.pool[BUCKET_OF_STAGE[stage]] += n

    # Sorted here, not in SQL: a Vietnamese order ("Điện An" before "Vĩnh Điện") that neither
    # database's default collation gives; communes and wards first, as the reports list them.
    children = sorted(lines.values(), key=lambda line: (KIND_ORDER.get(line.kind, len(KIND_ORDER)),
                                                         fold(line.unit.name), line.unit.id))
    return Rollup(year, start, until, basis, root_line, children, by_branch_kind, stage_counts, day,
                  [unit for unit_id, unit in units.items() if unit_id in merged_into])
