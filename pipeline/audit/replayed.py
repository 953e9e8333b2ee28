"""What the tables hold against what the logs say, for `audit verify`: every case's log replayed
and compared with its projection rows (the case row's stage and dates, its dossier items,
enrolments and running deadlines) and with the candidate's particulars as its opening act
recorded them; every account's chain of changes replayed and compared with the account's role,
unit, name and active flag; every unit's chain likewise with the unit's row. Each difference is named: case or account, field, stored value,
value the log gives.

The walks read a fixed number of statements per chunk of cases or accounts, never the whole
database at once."""
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pipeline.accounts.chain import GENESIS_HASH as ACCOUNT_GENESIS, apply, change_hash
from pipeline.accounts.models import AccountChange, User
from pipeline.base.text import fold, name_sort_key
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.units.chain import CHAINED_FIELDS as UNIT_FIELDS, GENESIS_HASH as UNIT_GENESIS
from pipeline.units.chain import apply as apply_unit_change, change_hash as unit_change_hash, state_of as unit_state
from pipeline.units.history import MOVE_ACTS, latest_versions
from pipeline.units.models import Unit, UnitChange, UnitVersion, subtree_filter
from pipeline.workdays.calendar import WorkingCalendar
from pipeline.workflow.log import logs_of
from pipeline.workflow.projection import DEADLINE_COLUMNS, projection_of, stored_projection, with_deadlines
from pipeline.workflow.replay import BrokenLog, replay

ACCOUNT_FIELDS = ("role", "unit_id", "active", "display_name")
CASES_AT_A_TIME = 200
ACCOUNT_ROWS_AT_A_TIME = 2000
# The particulars the opening act records (pipeline.workflow.operations.open_case), compared with
# the case row's columns when the log holds them (logs opened before the branch was recorded
# do not name it).
PARTICULARS = ("full_name", "date_of_birth", "sex", "ethnicity", "education", "occupation", "residence",
               "youth_union_member", "source_organisation", "helper_member", "branch_id")
NO_ROW = "(no row)"
MISSING = "(missing)"


@dataclass(frozen=True)
class Difference:
    """One value the tables hold that the log does not give. `subject` is a case id or an
    account id; `field` names the column (and the row, for a case's dossier item, enrolment
    or deadline)."""
    subject: int
    field: str
    stored: object
    logged: object


def _shown(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _json_value(value):
    """A column's value as the opening act's JSON data holds it."""
    return value.isoformat() if hasattr(value, "isoformat") else value


# --- cases -----------------------------------------------------------------------------------

def _case_ids(root, after, limit):
    statement = select(Case.id).where(Case.id > after)
    if root is not None:
        statement = statement.join(Unit, Unit.id == Case.branch_id).where(subtree_filter(root))
    return db.session.execute(statement.order_by(Case.id).limit(limit)).scalars().all()


def _cases(case_ids):
    return db.session.execute(
        select(Case).where(Case.id.in_(case_ids))
        .options(selectinload(Case.branch).selectinload(Unit.parent), selectinload(Case.dossier_items),
                 selectinload(Case.enrolments), selectinload(Case.deadlines))
        .order_by(Case.id)).scalars().all()


def particulars_differences(case, log):
    """The case row's particulars that differ from what its opening act recorded (and the search
    and sort keys, which follow from the name)."""
    if not log or not isinstance(log[0].data, dict):
        return []
    data = dict(log[0].data)
    for entry in log[1:]:  # a case moved to another branch is where its last move took it
        if entry.act in MOVE_ACTS and isinstance(entry.data, dict) and "to_branch_id" in entry.data:
            data["branch_id"] = entry.data["to_branch_id"]
    found = [Difference(case.id, name, _shown(getattr(case, name)), data[name])
             for name in PARTICULARS if name in data and _json_value(getattr(case, name)) != data[name]]
    name = data.get("full_name")
    if isinstance(name, str):
        for column, wanted in (("name_folded", fold(name)), ("sort_given_first", name_sort_key(name)),
                               ("sort_full_name", name_sort_key(name, given_name_first=False))):
            if getattr(case, column) != wanted:
                found.append(Difference(case.id, column, getattr(case, column), wanted))
    return found


def _rows_differences(case_id, label, stored, wanted):
    """stored, wanted: key -> column values (dossier items by item key, enrolments by class)."""
    found = []
    for key in sorted(set(stored) | set(wanted), key=str):
        if key not in wanted:
            found.append(Difference(case_id, f"{label} {key}", "present", NO_ROW))
        elif key not in stored:
            found.append(Difference(case_id, f"{label} {key}", NO_ROW, "present"))
        else:
            for name, value in wanted[key].items():
                if stored[key].get(name) != value:
                    found.append(Difference(case_id, f"{label} {key}: {name}", _shown(stored[key].get(name)),
                                            _shown(value)))
    return found


def projection_differences(case, log, calendar):
    """The case's projection rows that differ from a fresh replay of its log."""
    stored = stored_projection(case)
    try:
        wanted = projection_of(with_deadlines(replay(log), calendar, case))
    except BrokenLog as broken:
        return [Difference(case.id, "log", "-", f"does not replay: {broken}")]
    found = [Difference(case.id, name, _shown(stored.case[name]), _shown(value))
             for name, value in wanted.case.items() if stored.case[name] != value]
    documents = {key: dict(values) for key, values in wanted.documents.items()}
    for key, values in documents.items():
        held = stored.documents.get(key)
        if held is not None and values["file_path"] is None and values["file_name"] and held["file_path"]:
            values["file_path"] = held["file_path"]  # entries from before the log named the stored scan
    found += _rows_differences(case.id, "dossier_item", stored.documents, documents)
    found += _rows_differences(case.id, "enrolment in class", stored.enrolments, wanted.enrolments)
    found += _rows_differences(case.id, "case_deadline", _deadlines(stored.deadlines), _deadlines(wanted.deadlines))
    return found


def _deadlines(rows):
    """The deadline rows by their rule's key (numbered when a key comes twice), as column values."""
    found = {}
    for values in rows:
        columns = dict(zip(DEADLINE_COLUMNS, values))
        key, n = columns["key"], 2
        while key in found:
            key, n = f"{columns['key']}:{n}", n + 1
        found[key] = columns
    return found


def case_differences(root=None, chunk=CASES_AT_A_TIME):
    """(cases compared, differences) for every case of `root`'s subtree (all when None): per
    chunk of cases, one statement for their ids, one for their logs and one per kind of
    projection row."""
    calendar = WorkingCalendar.load()
    found, count, after = [], 0, 0
    while True:
        case_ids = _case_ids(root, after, chunk)
        if not case_ids:
            break
        logs = logs_of(case_ids)
        for case in _cases(case_ids):
            log = logs[case.id]
            count += 1
            if not log:
                continue  # the chain walk reports a case without rows
            found += particulars_differences(case, log)
            found += projection_differences(case, log, calendar)
        # The session's identity map holds its rows weakly: the chunk's go once unreferenced.
        after = case_ids[-1]
    return count, found


# --- accounts and units: each row against its chain of changes --------------------------------

def _users(root, after, limit):
    statement = select(User).where(User.id > after)
    if root is not None:
        statement = statement.join(Unit, Unit.id == User.unit_id).where(subtree_filter(root))
    return db.session.execute(statement.order_by(User.id).limit(limit)).scalars().all()


@dataclass(frozen=True)
class History:
    """How a kind of row (an account, a unit) is checked against its chain of changes."""
    noun: str  # "an account", "a unit": in the sentence for a row without history
    change_model: object  # AccountChange, UnitChange
    subject_column: str  # the change's column naming its row
    genesis: str
    change_hash: object  # row -> its hash under the key
    apply: object  # (state, change) -> None
    stored_state: object  # row -> {field: value}
    fields: tuple  # what is compared


class HistoryChain:
    """One row's changes fed in order; its first break, and the state the chain gives."""

    def __init__(self, history, subject):
        self.history = history
        self.subject = subject
        self.prev_hash = history.genesis
        self.state = {}
        self.rows = 0
        self.broken = None

    def feed(self, row):
        self.rows += 1
        if self.broken is None:
            if row.prev_hash != self.prev_hash:
                self.broken = Difference(self.subject.id, "history", f"change no. {self.rows} ({row.action})",
                                         "not linked to the change before it: rows were inserted or deleted")
            elif self.history.change_hash(row) != row.hash:
                self.broken = Difference(self.subject.id, "history", f"change no. {self.rows} ({row.action})",
                                         "its content no longer matches its hash: it was changed")
        self.prev_hash = row.hash
        self.history.apply(self.state, row)

    def differences(self):
        found = [self.broken] if self.broken else []
        if self.rows == 0:
            return [Difference(self.subject.id, "history", "no row",
                               f"{self.history.noun}'s history starts with its creation")]
        stored = self.history.stored_state(self.subject)
        for name in self.history.fields:
            if name in self.state and stored[name] != self.state[name]:
                found.append(Difference(self.subject.id, name, stored[name], self.state[name]))
        return found


def _history_differences(history, rows_after, per_chunk):
    """(rows compared, differences): per chunk of rows (`rows_after(after, limit)`), two statements."""
    found, count, after = [], 0, 0
    column = getattr(history.change_model, history.subject_column)
    while True:
        subjects = rows_after(after, per_chunk)
        if not subjects:
            break
        chains = {subject.id: HistoryChain(history, subject) for subject in subjects}
        changes = db.session.execute(select(history.change_model).where(column.in_(list(chains)))
                                     .order_by(column, history.change_model.id)).scalars()
        for change in changes:
            chains[getattr(change, history.subject_column)].feed(change)
        for chain in chains.values():
            count += 1
            found += chain.differences()
        after = subjects[-1].id
    return count, found


ACCOUNT_HISTORY = History("an account", AccountChange, "user_id", ACCOUNT_GENESIS, change_hash, apply,
                          lambda user: {name: getattr(user, name) for name in ACCOUNT_FIELDS}, ACCOUNT_FIELDS)
UNIT_HISTORY = History("a unit", UnitChange, "unit_id", UNIT_GENESIS, unit_change_hash, apply_unit_change,
                       unit_state, UNIT_FIELDS)


def account_differences(root=None, chunk=ACCOUNT_ROWS_AT_A_TIME):
    """(accounts compared, differences) for every account of `root`'s subtree (all when None):
    each account's chain walked and replayed, compared with the account's row. Per chunk of
    accounts, two statements."""
    return _history_differences(ACCOUNT_HISTORY, lambda after, limit: _users(root, after, limit),
                                max(1, chunk // 20))


def unit_codes(unit_ids):
    """id -> code for the units a report names: one statement, none when there are none."""
    if not unit_ids:
        return {}
    return dict(db.session.execute(select(Unit.id, Unit.code).where(Unit.id.in_(set(unit_ids)))).all())


def usernames(user_ids):
    """id -> username for the accounts a report names: one statement, none when there are none."""
    if not user_ids:
        return {}
    return dict(db.session.execute(select(User.id, User.username).where(User.id.in_(set(user_ids)))).all())


def unit_differences(root=None, chunk=ACCOUNT_ROWS_AT_A_TIME):
    """(units compared, differences) for every unit of `root`'s subtree (all when None): each
    unit's chain walked and replayed, compared with the unit's row (code, name, kind, parent,
    decides admissions, official members, validity). Per chunk of units, two statements."""
    def units_after(after, limit):
        statement = select(Unit).where(Unit.id > after)
        if root is not None:
            statement = statement.where(subtree_filter(root))
        return db.session.execute(statement.order_by(Unit.id).limit(limit)).scalars().all()

    count, found = _history_differences(UNIT_HISTORY, units_after, max(1, chunk // 10))
    return count, found + period_differences(root)


def period_differences(root=None):
    """The unit's newest period (pipeline.units.history) against its row: the name, place and
    power to decide it has now, and its end. Two statements."""
    units = select(Unit)
    if root is not None:
        units = units.where(subtree_filter(root))
    rows = db.session.execute(units.order_by(Unit.id)).scalars().all()
    newest = latest_versions([unit.id for unit in rows])
    found = []
    for unit in rows:
        version = newest.get(unit.id)
        if version is None:
            found.append(Difference(unit.id, "period", "present", MISSING))
            continue
        for name in (*UnitVersion.PLACED, "ends_on"):
            wanted = unit.valid_to if name == "ends_on" else getattr(unit, name)
            if getattr(version, name) != wanted:
                found.append(Difference(unit.id, f"period: {name}", _shown(wanted), _shown(getattr(version, name))))
    return found
