"""Plan against actual for a unit and its subordinate units in a year: the quota as planned, the
admissions counted from the act log, and the pool waiting behind (cases by current stage).

Every figure is an aggregate query (GROUP BY over the log or the stage column): `rollup` runs five
statements whatever the number of cases or units. A unit's subtree is its materialised path
prefix; the branches under each subordinate unit `child` are `branch.path LIKE child.path || '%'`."""
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from pipeline.base.i18n import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from pipeline.cases.models import Case
from pipeline.base.text import fold
from pipeline.extensions import db
from pipeline.quotas.models import Quota
from pipeline.rules.rulebook import NoRulebook, rulebook_on
from pipeline.units.models import BRANCH_KINDS, UNIT_KINDS, Unit
from pipeline.base.formatting import format_quota
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
LOCAL_KINDS = ("commune", "ward")


def template_figures(trail_endpoint):
    """What the plan-and-actual templates (templates/quotas/_*.html) read besides the rollup."""
    return {"pool": POOL_COLUMNS, "branch_kinds": BRANCH_KIND_COLUMNS, "trail_endpoint": trail_endpoint}


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


@dataclass(frozen=True)
class Achievement:
    """Admissions against a target. Against a range the percentage is of the minimum, and the
    difference is measured from the range: above the maximum, below the minimum, 0 within."""
    admitted: int
    target: Target | None

    @property
    def percent(self):
        return percent(self.admitted, self.target.minimum) if self.target else None

    @property
    def difference(self):
        if self.target is None:
            return None
        if self.admitted > self.target.maximum:
            return self.admitted - self.target.maximum
        if self.admitted < self.target.minimum:
            return self.admitted - self.target.minimum
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
    """One unit's plan and actual."""
    unit: Unit
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
    stage_counts: dict  # stage -> cases of the subtree in it now (all stages: the funnel reads it)

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


def rollup(root, year, until=None):
    """Plan and actual of `root` and each unit directly under it (valid during the year), the
    admissions of [1 January, until] and the pool as it stands now."""
    start, until = year_span(year, until)
    basis = count_basis(until)
    admission_act = COUNT_BASIS_ACTS[basis]

    units = db.session.execute(
        select(Unit, Quota.minimum, Quota.maximum)
        .outerjoin(Quota, and_(Quota.unit_id == Unit.id, Quota.year == year))
        .where(or_(Unit.id == root.id, Unit.parent_id == root.id),
               # A unit dissolved before the year or created after the period has no line.
               or_(Unit.id == root.id, and_(Unit.valid_from <= until,
                                            or_(Unit.valid_to.is_(None), Unit.valid_to >= start))))
    ).all()
    lines = {unit.id: Line(unit, Target(minimum, maximum) if minimum is not None else None)
             for unit, minimum, maximum in units}
    root_line = lines.pop(root.id)

    branch, child = aliased(Unit), aliased(Unit)
    under_child = branch.path.like(child.path + "%")
    admissions = (select(LogEntry.case_id).select_from(LogEntry)
                  .where(LogEntry.act == admission_act, LogEntry.effective_date.between(start, until)))

    for child_id, n in db.session.execute(
            admissions.with_only_columns(child.id, func.count())
            .join(Case, Case.id == LogEntry.case_id)
            .join(branch, branch.id == Case.branch_id).join(child, under_child)
            .where(child.parent_id == root.id).group_by(child.id)):
        if child_id in lines:
            lines[child_id].admitted = n

    by_branch_kind = dict(db.session.execute(
        admissions.with_only_columns(branch.kind, func.count())
        .join(Case, Case.id == LogEntry.case_id)
        .join(branch, branch.id == Case.branch_id)
        .where(branch.path.startswith(root.path, autoescape=True)).group_by(branch.kind)).all())
    root_line.admitted = sum(by_branch_kind.values())

    for child_id, stage, n in db.session.execute(
            select(child.id, Case.stage, func.count())
            .select_from(Case).join(branch, branch.id == Case.branch_id).join(child, under_child)
            .where(child.parent_id == root.id, Case.stage.in_(POOL_STAGES))
            .group_by(child.id, Case.stage)):
        if child_id in lines:
            lines[child_id].pool[BUCKET_OF_STAGE[stage]] += n

    stage_counts = dict(db.session.execute(
        select(Case.stage, func.count()).select_from(Case)
        .join(branch, branch.id == Case.branch_id)
        .where(branch.path.startswith(root.path, autoescape=True)).group_by(Case.stage)).all())
    for stage, n in stage_counts.items():
        if stage in BUCKET_OF_STAGE:
            root_line.pool[BUCKET_OF_STAGE[stage]] += n

    # Sorted here, not in SQL: a Vietnamese order ("Điện An" before "Vĩnh Điện") that neither
    # database's default collation gives; communes and wards first, as the reports list them.
    children = sorted(lines.values(), key=lambda line: (KIND_ORDER.get(line.kind, len(KIND_ORDER)),
                                                         fold(line.unit.name), line.unit.id))
    return Rollup(year, start, until, basis, root_line, children, by_branch_kind, stage_counts)
