"""Managing the organisation tree: an administrator creates, renames, changes the details of,
moves and closes the units of their subtree. Each change is one transaction with its UnitChange
row, written by `_record` at the end of the unit's chain. Units are never deleted: cases,
accounts and the logs keep pointing at them; a closed unit keeps its row with its end date.

Who may act: an administrator of a unit strictly above the unit changed (for a new unit: at or
above its parent), never on their own top unit. `actor` None is the command line (or an import
run from it), where whoever holds the database acts.

The import of a tree calls `create_unit` row after row inside its own `one_transaction`: every
operation here is re-entrant, so a refused row rolls the whole import back."""
from pipeline.base.i18n import lazy_gettext as _l
from sqlalchemy import func, literal, select, update

from pipeline.accounts.models import User
from pipeline.base import clock
from pipeline.base.errors import NotPermitted
from pipeline.base.formatting import format_day
from pipeline.base.text import to_nfc
from pipeline.base.validators import has_control_characters
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.transaction import one_transaction
from pipeline.units.chain import chained_change
from pipeline.units.forms import UNIT_CODE
from pipeline.units.history import DatedBeforeLastChange, ended_on, placed_from, subtree_units
from pipeline.units.models import BRANCH_KINDS, UNIT_KINDS, Unit, UnitVersion, subtree_filter
from pipeline.workflow.stages import TERMINAL_STAGES

# A case in one of these stages is finished: it does not keep its unit open.
CLOSED_STAGES = (*TERMINAL_STAGES, "official")
MAX_NAME = 200
MAX_OFFICIAL_MEMBERS = 100_000
CODE_TAKEN = _l("This code is taken by another unit: choose another.")
NOT_ADMINISTRATOR = _l("Only an administrator of a unit above may change this unit.")


class UnitRefused(Exception):
    """The change breaks a rule; `field` names the form field the reason belongs to."""

    def __init__(self, field, reason):
        super().__init__(str(reason))
        self.field = field
        self.reason = reason


def may_manage_units(user):
    return user.role == "admin"


def in_subtree(actor, unit):
    """The unit is the administrator's own or below it (what the pages show them)."""
    return unit.path.startswith(actor.unit.path)


def may_change(actor, unit):
    """An administrator of a unit strictly above `unit` (their own top unit is changed from above)."""
    return may_manage_units(actor) and in_subtree(actor, unit) and unit.id != actor.unit_id


def managed_units(actor):
    """Select of the units the administrator sees: their subtree, their own unit included."""
    return select(Unit).where(subtree_filter(actor.unit))


def _check_change(actor, unit):
    if actor is not None and not may_change(actor, unit):
        raise NotPermitted(NOT_ADMINISTRATOR)


def _record(actor, unit, action, changes, reason="", effective_date=None):
    # Sealed at the end of the unit's own chain (pipeline.units.chain), which `audit verify`
    # replays against the unit's row; a "created" row records the whole initial state.
    db.session.add(chained_change(actor, unit, action, changes, reason, effective_date))


def code_taken(code, except_id=None):
    statement = select(func.count()).select_from(Unit).where(Unit.code == code)
    if except_id is not None:
        statement = statement.where(Unit.id != except_id)
    return db.session.execute(statement).scalar_one() > 0


def _clean_name(name):
    name = to_nfc((name or "").strip())
    if not name:
        raise UnitRefused("name", _l("This field is required."))
    if len(name) > MAX_NAME or has_control_characters(name):
        raise UnitRefused("name", _l("Use at most 200 characters, without invisible control characters."))
    return name


def _check_official_members(kind, official_members):
    if official_members is None:
        return
    if kind not in BRANCH_KINDS:
        raise UnitRefused("official_members", _l("Only a branch has its own number of official members."))
    if isinstance(official_members, bool) or not isinstance(official_members, int) \
            or not 0 <= official_members <= MAX_OFFICIAL_MEMBERS:
        raise UnitRefused("official_members", _l("Give a whole number from 0 to 100000."))


def _check_parent(parent, field="parent_id"):
    """A unit above must be open and a committee: a branch has no units below it."""
    if parent.valid_to is not None:
        raise UnitRefused(field, _l("The unit above is closed: choose an open unit."))
    if parent.is_branch:
        raise UnitRefused(field, _l("A branch has no units below it: choose a committee."))


def create_unit(actor, code, name, kind, parent, decides_admissions=False, official_members=None, valid_from=None):
    """A new unit under `parent` (None only from the command line: a top unit, which is a committee)."""
    with one_transaction(conflict=lambda: UnitRefused("code", CODE_TAKEN)):
        if actor is not None:
            if parent is None:
                raise UnitRefused("parent_id", _l("Choose the unit above."))
            if not (may_manage_units(actor) and in_subtree(actor, parent)):
                raise NotPermitted(NOT_ADMINISTRATOR)
        code = (code or "").strip()
        if not UNIT_CODE.fullmatch(code):
            raise UnitRefused("code", _l("Use 1 to 64 characters: letters without accents, digits, dots, "
                                         "hyphens or underscores, starting with a letter or digit."))
        name = _clean_name(name)
        if kind not in UNIT_KINDS:
            raise UnitRefused("kind", _l("This kind of unit is not known."))
        if parent is None:
            if kind in BRANCH_KINDS:
                raise UnitRefused("parent_id", _l("A branch belongs to a committee: choose the unit above."))
        else:
            _check_parent(parent)
        _check_official_members(kind, official_members)
        valid_from = valid_from or clock.today()
        if parent is not None and valid_from < parent.valid_from:
            raise UnitRefused("valid_from", _l("A unit cannot start before the unit above it."))
        if code_taken(code):
            raise UnitRefused("code", CODE_TAKEN)
        unit = Unit(code=code, name=name, kind=kind, parent=parent, decides_admissions=bool(decides_admissions),
                    official_members=official_members, valid_from=valid_from)
        db.session.add(unit)
        db.session.flush()  # the path and the history need the id; a concurrent twin fails here
        unit.path = (parent.path if parent else "/") + f"{unit.id}/"
        unit.depth = parent.depth + 1 if parent else 0
        db.session.add(UnitVersion.of(unit, valid_from))
        _record(actor, unit, "created", {}, effective_date=valid_from)
    return unit


def update_unit(actor, unit, name, decides_admissions, official_members, reason="", effective_date=None):
    """Rename the unit and/or change its details; returns the fields changed ({} when nothing was).
    A new name is its own "renamed" row, other details a "details_changed" row."""
    with one_transaction():
        _check_change(actor, unit)
        _check_open(unit)
        name = _clean_name(name)
        _check_official_members(unit.kind, official_members)
        renamed = {"name": [unit.name, name]} if name != unit.name else {}
        details = {}
        for field, old, new in (("decides_admissions", unit.decides_admissions, bool(decides_admissions)),
                                ("official_members", unit.official_members, official_members)):
            if old != new:
                details[field] = [old, new]
        unit.name = name
        unit.decides_admissions, unit.official_members = bool(decides_admissions), official_members
        if renamed or "decides_admissions" in details:
            # The name and the power to decide are what reports of a period show: dated.
            _placed_from([unit], effective_date or clock.today())
        if renamed:
            _record(actor, unit, "renamed", renamed, reason, effective_date)
        if details:
            _record(actor, unit, "details_changed", details, reason, effective_date)
    return renamed | details


def _placed_from(units, day, field="effective_date"):
    if day > clock.today():
        # The unit's row changes now: a period of a day to come would contradict it until then.
        raise UnitRefused(field, _l("The date %(day)s is in the future: record the change once it takes effect.",
                                    day=format_day(day)))
    try:
        placed_from(units, day)
    except DatedBeforeLastChange as error:
        raise UnitRefused(field, error.message) from None


def _check_open(unit):
    if unit.valid_to is not None:
        raise UnitRefused("name", _l("This unit is closed: it cannot be changed."))


def eligible_parents(actor, unit):
    """The units `unit` may move under: open committees of the administrator's subtree, outside
    the unit's own subtree, other than its present parent."""
    return db.session.execute(
        managed_units(actor).where(Unit.valid_to.is_(None), Unit.kind.not_in(BRANCH_KINDS),
                                   ~subtree_filter(unit), Unit.id != unit.parent_id)
        .order_by(Unit.path)).scalars().all()


def move_unit(actor, unit, new_parent, reason="", effective_date=None):
    """Put `unit` (and everything below it) under `new_parent`. Returns False when it is there already."""
    with one_transaction():
        _check_change(actor, unit)
        if actor is not None and not in_subtree(actor, new_parent):
            raise NotPermitted(NOT_ADMINISTRATOR)
        _check_open(unit)
        if new_parent.id == unit.parent_id:
            return False
        if new_parent.path.startswith(unit.path):
            raise UnitRefused("parent_id", _l("A unit cannot move under itself or a unit below it."))
        _check_parent(new_parent)
        old_parent_id, old_prefix, old_depth = unit.parent_id, unit.path, unit.depth
        new_prefix = new_parent.path + f"{unit.id}/"
        unit.parent = new_parent
        db.session.flush()
        # The whole moved subtree at once: its paths start with the unit's path, so the new prefix
        # replaces the old one and the depth shifts by the same amount everywhere below.
        db.session.execute(
            update(Unit).where(subtree_filter(unit))
            .values(path=literal(new_prefix) + func.substr(Unit.path, len(old_prefix) + 1),
                    depth=Unit.depth + (new_parent.depth + 1 - old_depth))
            .execution_options(synchronize_session="fetch"))
        _placed_from(subtree_units(unit), effective_date or clock.today())
        _record(actor, unit, "moved", {"parent_id": [old_parent_id, new_parent.id]}, reason, effective_date)
    return True


def blockers(unit):
    """What keeps `unit` from closing, as sentences: open units below it, open cases of its
    subtree, active accounts of its subtree (one count each)."""
    below = db.session.execute(select(func.count()).select_from(Unit).where(
        subtree_filter(unit), Unit.id != unit.id, Unit.valid_to.is_(None))).scalar_one()
    subtree_ids = select(Unit.id).where(subtree_filter(unit))
    cases = db.session.execute(select(func.count()).select_from(Case).where(
        Case.branch_id.in_(subtree_ids), Case.stage.not_in(CLOSED_STAGES))).scalar_one()
    accounts = db.session.execute(select(func.count()).select_from(User).where(
        User.unit_id.in_(subtree_ids), User.active.is_(True))).scalar_one()
    reasons = []
    if below:
        reasons.append(_l("%(count)s unit(s) below it are still open: close or move them first.", count=below))
    if cases:
        reasons.append(_l("%(count)s case(s) are still open in it: finish or move them first.", count=cases))
    if accounts:
        reasons.append(_l("%(count)s account(s) of it are still active: disable or move them first.",
                          count=accounts))
    return reasons


def close_unit(actor, unit, effective_date, reason=""):
    """The unit ends on `effective_date` (its valid_to); refused while anything below it is open."""
    with one_transaction():
        _check_change(actor, unit)
        if unit.valid_to is not None:
            raise UnitRefused("effective_date", _l("This unit is closed already."))
        if effective_date < unit.valid_from:
            raise UnitRefused("effective_date", _l("A unit cannot close before it started."))
        reasons = blockers(unit)
        if reasons:
            raise UnitRefused("effective_date", " ".join(str(r) for r in reasons))
        unit.valid_to = effective_date
        ended_on(unit, effective_date)
        _record(actor, unit, "closed", {"valid_to": [None, effective_date]}, reason, effective_date)
    return unit

