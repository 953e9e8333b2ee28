"""Helpers shared by the dashboard tests (tests/test_dashboard*.py, test_kanban.py, test_due_soon.py)."""
import re
from datetime import date, timedelta

from conftest import actor_for
from pipeline.cases.models import Case
from pipeline.dashboard.filters import OPEN_STAGE_NAMES
from pipeline.extensions import db
from pipeline.transaction import one_transaction
from pipeline.workflow import operations
from pipeline.workflow.models import CaseDeadline

TODAY = date(2022, 10, 31)


def particulars(full_name, **changes):
    return dict(dict(full_name=full_name, date_of_birth=date(1995, 3, 15), sex="male", ethnicity="Kinh",
                     education="upper_secondary", occupation="Nông dân", residence="Thôn 1",
                     youth_union_member=False, source_organisation="youth_union", helper_member=""), **changes)


def quick_case(world, branch, stage, entered_on, full_name, spotted_on=None, due_on=None, **changes):
    """A case put straight into `stage` (one log row, the spotting; the stage columns set by hand),
    with an overdue-able "decision" deadline row due `due_on` when given. Fast enough to grow a
    database tenfold; the workflow is not under test here."""
    with one_transaction():
        case = operations.open_case(actor_for(world, "sec", branch), branch, spotted_on or entered_on,
                                    particulars(full_name, **changes)).case  # the spotting's deadlines are written now; the rows below come after
    case.stage, case.stage_entered_on = stage, entered_on
    if due_on is not None:
        db.session.add(CaseDeadline(case_id=case.id, key="decision", stage=stage, starts_on=entered_on,
                                    due_on=due_on, limit_value=60, limit_unit="working_days",
                                    citation="HD 01-HD/TW, 3.4"))
    db.session.commit()
    return case


def grow(world, count, start=0):
    """`count` cases over the world's four branches and the open stages: every third one with a
    deadline (overdue every other time), some in their stage for over a year."""
    branches = [world.branch_a1, world.branch_a2, world.branch_b1, world.branch_direct]
    made = []
    for n in range(start, start + count):
        entered = TODAY - timedelta(days=20 + 37 * n % 500)
        due = (TODAY - timedelta(days=3) if n % 2 else TODAY + timedelta(days=5)) if n % 3 == 0 else None
        made.append(quick_case(world, branches[n % 4], OPEN_STAGE_NAMES[n % len(OPEN_STAGE_NAMES)], entered,
                               f"Nguyễn Văn Số {n}", due_on=due))
    return made


def db_count(statement):
    return db.session.execute(statement).scalar_one()


def data_count(response, element_id):
    """The data-count attribute of the element with this id."""
    match = re.search(r'id="%s"[^>]*data-count="(\d+)"' % re.escape(element_id), response.get_data(as_text=True))
    assert match, f"no #{element_id} with data-count"
    return int(match.group(1))


def listed_case_ids(response):
    """The case ids of the rows of a dashboard list (data-case attributes), in order."""
    return [int(i) for i in re.findall(r'<tr data-case="(\d+)"', response.get_data(as_text=True))]


def scoped_ids(unit, *conditions):
    from sqlalchemy import select
    from pipeline.units.models import Unit
    return set(db.session.execute(
        select(Case.id).join(Unit, Unit.id == Case.branch_id)
        .where(Unit.path.startswith(unit.path), Case.stage.in_(OPEN_STAGE_NAMES), *conditions)).scalars())


def matrix_cells(response):
    """(row, stage) -> (count, stuck, overdue) of the matrix page; row is the unit id of a row or
    "total", stage a stage name or "all"."""
    page = response.get_data(as_text=True)
    found = {}
    for row in re.finditer(r'<tr (?:data-unit="(\d+)"|class="[^"]*" id="totals")[^>]*>(.*?)</tr>', page, re.S):
        key = int(row.group(1)) if row.group(1) else "total"
        for cell in re.finditer(r'data-stage="(\w+)" data-count="(\d+)" data-stuck="(\d+)" data-overdue="(\d+)"',
                                row.group(2)):
            found[key, cell.group(1)] = tuple(int(cell.group(i)) for i in (2, 3, 4))
    return found
