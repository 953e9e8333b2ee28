"""Importing a unit tree: every row judged first (its cells, then what only the whole file can get
wrong: a code twice, a code the database has, an unknown parent, a cycle, a unit under a branch,
a parent outside the importer's subtree), then every row created in one transaction through
create_unit, parents before children, or none. The export writes the administrator's subtree
below their own unit in the same columns, parent codes included, so that it re-imports unchanged
under the same top unit."""
from dataclasses import dataclass

from sqlalchemy import select

from pipeline.base import clock
from pipeline.base.i18n import lazy_gettext as _l
from pipeline.extensions import db
from pipeline.imports.rows import Problem
from pipeline.transaction import one_transaction
from pipeline.bulk.table import Field, Table, sorted_problems, yes
from pipeline.units.models import BRANCH_KINDS, UNIT_KINDS, Unit, subtree_filter
from pipeline.units.operations import UnitRefused, create_unit, in_subtree, may_manage_units

UNIT_TABLE = Table(
    [Field("code", _l("Code"), required=True, max_length=64, aliases=("Mã", "Mã đơn vị", "Unit code")),
     Field("name", _l("Unit name"), required=True, aliases=("Tên", "Tên đơn vị", "Name", "Unit")),
     Field("kind", _l("Kind"), "choice", required=True, choices=UNIT_KINDS,
           aliases=("Loại", "Loại đơn vị", "Kind of unit")),
     Field("parent_code", _l("Parent code"), required=True, max_length=64,
           aliases=("Mã cấp trên", "Mã đơn vị cấp trên", "Cấp trên", "Parent")),
     Field("decides_admissions", _l("Decides admissions"), "bool", aliases=("Quyết định kết nạp",)),
     Field("valid_from", _l("Valid from"), "date", aliases=("Hiệu lực từ", "Từ ngày", "Ngày thành lập")),
     Field("official_members", _l("Official members"), "int",
           aliases=("Số đảng viên chính thức", "Đảng viên chính thức"))],
    key_fields=("code", "parent_code"),
    no_header=_l("No header row with the columns of a unit list (code, unit name, kind, parent code) was found."))
# create_unit's fields -> the file's columns, for a refusal it raises while writing.
REFUSED_COLUMNS = {"code": "code", "name": "name", "kind": "kind", "parent_id": "parent_code",
                   "official_members": "official_members", "valid_from": "valid_from"}


class ImportFailed(Exception):
    """The writing was refused at a row (nothing was written); `problems` say where and why."""

    def __init__(self, problems):
        super().__init__(problems)
        self.problems = problems


@dataclass
class UnitRow:
    row: int
    values: dict
    parent: object = None  # an existing Unit, or the UnitRow of the file it is under


def judge_units(actor, sheet, layout):
    """(rows in creation order, problems). The statements are a fixed few whatever the rows."""
    rows, problems, first_row = [], [], {}
    column = lambda name: UNIT_TABLE.column(layout, name)  # noqa: E731
    for number, cells in sheet.rows:
        values, row_problems = UNIT_TABLE.values(layout, number, cells)
        code, kind, members = values["code"], values["kind"], values["official_members"]
        if code is not None:
            if code in first_row:
                row_problems.append(Problem(number, column("code"),
                                            _l("The same code as row %(row)d.", row=first_row[code])))
            else:
                first_row[code] = number
        if members is not None and kind is not None and kind not in BRANCH_KINDS:
            row_problems.append(Problem(number, column("official_members"),
                                        _l("Only a branch has its own number of official members.")))
        problems += row_problems
        rows.append(UnitRow(number, values))
    in_file = {}
    for row in rows:
        in_file.setdefault(row.values["code"], row)
    codes = {row.values[name] for row in rows for name in ("code", "parent_code")} - {None}
    existing = {u.code: u for u in db.session.execute(select(Unit).where(Unit.code.in_(sorted(codes)))).scalars()}
    today = clock.today()
    for row in rows:
        code, parent_code = row.values["code"], row.values["parent_code"]
        if code in existing:
            problems.append(Problem(row.row, column("code"), _l("A unit with code %(code)s exists already: %(name)s.",
                                                                code=code, name=_shown(actor, existing[code]))))
        if parent_code is None:
            continue
        parent = in_file.get(parent_code) or existing.get(parent_code)
        at = column("parent_code")
        if parent is None:
            problems.append(Problem(row.row, at, _l("No unit with code %(code)s, in the file or in the database.",
                                                    code=parent_code)))
            continue
        row.parent = parent
        if isinstance(parent, Unit):
            if not in_subtree(actor, parent):
                problems.append(Problem(row.row, at, _l("The unit %(code)s is outside your units.", code=parent_code)))
                continue
            if parent.valid_to is not None:
                problems.append(Problem(row.row, at, _l("The unit above is closed: choose an open unit.")))
            parent_kind, parent_from = parent.kind, parent.valid_from
        else:
            parent_kind, parent_from = parent.values["kind"], parent.values["valid_from"]
        if parent_kind in BRANCH_KINDS:
            problems.append(Problem(row.row, at, _l("%(code)s is a branch: a branch has no units below it.",
                                                    code=parent_code)))
        start = row.values["valid_from"] or today
        if parent_from is not None and start < parent_from:
            problems.append(Problem(row.row, column("valid_from"),
                                    _l("A unit cannot start before the unit above it (%(date)s).",
                                       date=parent_from.strftime("%d/%m/%Y"))))
    ordered, cycle_problems = _creation_order(rows, in_file, column("parent_code"))
    return ordered, sorted_problems(problems + cycle_problems)


def _shown(actor, unit):
    """A unit the importer may not see is named by nothing but its code."""
    return unit.name if in_subtree(actor, unit) else unit.code


def _creation_order(rows, in_file, at):
    """The rows parents first; a problem for every row of a cycle of the file's parent codes."""
    ordered, done, problems = [], set(), []
    for start in rows:
        chain, seen, row = [], set(), start
        while isinstance(row, UnitRow) and id(row) not in done:
            if id(row) in seen:
                cycle = chain[chain.index(row):]
                path = " → ".join(r.values["code"] for r in cycle + [row])
                problems += [Problem(r.row, at, _l("The parent codes go round in a circle: %(path)s.", path=path))
                             for r in cycle]
                done.update(id(r) for r in cycle)
                chain = chain[:chain.index(row)]
                break
            seen.add(id(row))
            chain.append(row)
            row = row.parent
        for row in reversed(chain):  # the topmost first
            if id(row) not in done:
                done.add(id(row))
                ordered.append(row)
    return ordered, problems


def create_units(actor, rows, progress=None):
    """Every judged row created in one transaction, parents first; a refusal of create_unit names
    its row and column and rolls every row back (ImportFailed)."""
    created = {}
    with one_transaction():
        for row in rows:
            values = row.values
            parent = created[id(row.parent)] if isinstance(row.parent, UnitRow) else row.parent
            try:
                unit = create_unit(actor, values["code"], values["name"], values["kind"], parent,
                                   decides_admissions=values["decides_admissions"],
                                   official_members=values["official_members"], valid_from=values["valid_from"])
            except UnitRefused as refused:
                field = UNIT_TABLE.by_name[REFUSED_COLUMNS.get(refused.field, "code")]
                raise ImportFailed([Problem(row.row, str(field.label), refused.reason)]) from None
            created[id(row)] = unit
            if progress:
                progress(row)
    return len(rows)


def may_import_units(user):
    return may_manage_units(user)


def exported_units(actor):
    """The open units below the administrator's own, parents first (the import's order), as the
    export's rows."""
    units = db.session.execute(select(Unit).where(subtree_filter(actor.unit), Unit.id != actor.unit_id,
                                                  Unit.valid_to.is_(None)).order_by(Unit.depth, Unit.code)
                               ).scalars().all()
    codes = {u.id: u.code for u in units}
    codes[actor.unit_id] = actor.unit.code
    for unit in units:
        yield (unit.code, unit.name, UNIT_KINDS[unit.kind], codes[unit.parent_id], yes(unit.decides_admissions),
               unit.valid_from, unit.official_members)


TEMPLATE_ROWS = (
    ("xa_an_phu", "Đảng bộ xã An Phú", "commune", "", "", "01/07/2025", None),
    ("thon_1", "Chi bộ thôn 1", "village", "xa_an_phu", "", "01/07/2025", 35),
)


def template_rows(actor):
    """Two example rows under the administrator's own unit."""
    for code, name, kind, parent, decides, _valid_from, members in TEMPLATE_ROWS:
        yield (code, name, UNIT_KINDS[kind], parent or actor.unit.code, decides, actor.unit.valid_from, members)
