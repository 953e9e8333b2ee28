"""Reorganising the tree (pipeline.units.reorganise): merges and splits with an effective date move
the units below, the open cases (each with a log entry) and the accounts; the tree of an earlier
day stays readable (pipeline.units.history); `audit verify` still finds every row as its log says."""
import re
from datetime import date

import pytest
import sqlalchemy as sa

from pipeline.accounts.models import User
from pipeline.base.errors import NotPermitted
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.units.history import branch_on, units_on, version_on
from pipeline.units.models import Unit, UnitSuccession
from pipeline.units.operations import UnitRefused, create_unit
from pipeline.units.reorganise import NewUnit, carry_out, plan_merge, plan_split
from pipeline.workflow.models import LogEntry
from pages_support import pages  # noqa: F401
from reorganise_support import assert_all_as_logged

JULY = date(2025, 7, 1)


def merge(actor, ending, successor, day=JULY, accounts="move"):
    return carry_out(actor, lambda: plan_merge(actor, ending, successor, day, accounts))


def entries_of(case):
    return db.session.execute(sa.select(LogEntry).where(LogEntry.case_id == case.id).order_by(LogEntry.seq)).scalars().all()


def test_merging_two_branches_moves_the_open_cases_with_a_log_entry_each(world, make_case):
    waiting = make_case("decision", branch=world.branch_a2)
    admitted = make_case("official", branch=world.branch_a2, full_name="Lê Thị Xong")
    before = {case.id: (case.stage, [(d.key, d.due_on) for d in case.deadlines]) for case in (waiting, admitted)}

    plan = merge(world["admin"], [world.branch_a2], world.branch_a1)

    assert [move.subject.id for move in plan.cases] == [waiting.id]
    db.session.expire_all()
    waiting, admitted = db.session.get(Case, waiting.id), db.session.get(Case, admitted.id)
    assert waiting.branch_id == world.branch_a1.id
    moved = entries_of(waiting)[-1]
    assert moved.act == "move_with_reorganisation" and moved.effective_date == JULY
    assert moved.data["from_branch_name"] == "Chi bộ trường A2" and moved.data["to_branch_name"] == "Chi bộ thôn A1"
    # The stage and its deadlines keep running; a finished case stays where it finished.
    assert (waiting.stage, [(d.key, d.due_on) for d in waiting.deadlines]) == before[waiting.id]
    assert admitted.branch_id == world.branch_a2.id
    branch_a2 = db.session.get(Unit, world.branch_a2.id)
    assert branch_a2.valid_to == date(2025, 6, 30)
    assert db.session.get(User, world["sec_a2"].id).unit_id == world.branch_a1.id
    # Before the merge the case was in its old branch, from it in the new one.
    for day, branch in ((date(2025, 6, 30), world.branch_a2), (JULY, world.branch_a1)):
        found = db.session.execute(sa.select(branch_on(day)).where(Case.id == waiting.id)).scalar_one()
        assert found == branch.id
    assert_all_as_logged()


def test_merging_communes_into_a_new_one_moves_their_branches_and_keeps_the_old_tree(world, make_case):
    case = make_case("branch_vote", branch=world.branch_b1)
    new = NewUnit("commune_ab", "Đảng bộ xã AB", "commune", world.town, decides_admissions=True)

    plan = merge(world["admin"], [world.commune_a, world.commune_b], new, accounts="disable")

    successor = db.session.execute(sa.select(Unit).where(Unit.code == "commune_ab")).scalar_one()
    assert successor.valid_from == JULY and successor.decides_admissions
    assert {move.subject.code for move in plan.units} == {"branch_a1", "branch_a2", "branch_b1"}
    assert plan.cases == []  # their branches move, the cases stay in them
    db.session.expire_all()
    assert db.session.get(Unit, world.branch_b1.id).parent_id == successor.id
    assert db.session.get(Case, case.id).branch_id == world.branch_b1.id
    assert not db.session.get(User, world["com_a"].id).active
    # The tree of June 2025 is the old one, with its names; July's the new one, "formerly" both.
    june = version_on(world.branch_b1.id, date(2025, 6, 30))
    assert june.parent_id == world.commune_b.id and june.path.startswith(world.commune_b.path)
    assert version_on(world.branch_b1.id, JULY).path.startswith(successor.path)
    assert version_on(world.commune_a.id, JULY) is None
    july = units_on(JULY, None)
    assert july[successor.id].formerly == ["Đảng bộ xã A", "Đảng bộ phường B"]
    assert {s.predecessor_id for s in db.session.execute(sa.select(UnitSuccession)).scalars()} == {
        world.commune_a.id, world.commune_b.id}
    assert_all_as_logged()


def test_a_split_sends_each_row_where_it_was_chosen(world, make_case):
    first = make_case("dossier", branch=world.branch_a1)
    second = make_case("training", branch=world.branch_a1, full_name="Trần Văn Hai")
    admin = world["admin"]
    east = create_unit(admin, "a1_east", "Chi bộ thôn A1 Đông", "village", world.commune_a, valid_from=date(2025, 1, 1))
    west = create_unit(admin, "a1_west", "Chi bộ thôn A1 Tây", "village", world.commune_a, valid_from=date(2025, 1, 1))
    choice = {("case", first.id): east, ("case", second.id): west}
    accounts = {world["sec_a1"].id: west}

    carry_out(admin, lambda: plan_split(admin, world.branch_a1, choice, JULY, accounts))

    db.session.expire_all()
    assert db.session.get(Case, first.id).branch_id == east.id
    assert db.session.get(Case, second.id).branch_id == west.id
    assert db.session.get(User, world["sec_a1"].id).unit_id == west.id
    assert db.session.get(Unit, world.branch_a1.id).valid_to == date(2025, 6, 30)
    assert_all_as_logged()


@pytest.mark.usefixtures("english")
def test_bad_reorganisations_are_refused_and_write_nothing(world, make_case):
    admin = world["admin"]
    make_case("dossier", branch=world.branch_a2)
    closed = create_unit(admin, "gone", "Chi bộ đã giải thể", "village", world.commune_a, valid_from=date(2020, 1, 1))
    carry_out(admin, lambda: plan_merge(admin, [closed], world.branch_a1, date(2024, 1, 1)))
    counted = (Unit, LogEntry, UnitSuccession, User)
    before = [db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in counted]
    cases = {
        "is closed (dissolved or merged)": ([world.branch_a2], db.session.get(Unit, closed.id), JULY),
        "not of the same level": ([world.branch_a2], world.commune_b, JULY),
        "is below": ([world.commune_a], world.branch_a1, JULY),
        "into itself": ([world.commune_a], world.commune_a, JULY),
        "in the future": ([world.branch_a2], world.branch_a1, date(2099, 1, 1)),
    }
    for expected, (ending, successor, day) in cases.items():
        plan = plan_merge(admin, ending, successor, day)
        assert any(expected in str(problem) for problem in plan.problems), (expected, plan.problems)
        with pytest.raises(UnitRefused, match=re.escape(expected)):
            carry_out(admin, lambda: plan_merge(admin, ending, successor, day))
        assert [db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in counted] == before
    # Only an administrator strictly above every unit that ends.
    for who in ("com_a", "board", "sec_a1"):
        with pytest.raises(NotPermitted):
            plan_merge(world[who], [world.branch_a2], world.branch_a1, JULY)
    with pytest.raises(NotPermitted):
        plan_merge(admin, [world.town], world.commune_a, JULY)


def test_merge_units_from_the_command_line_prints_the_plan_then_merges(world, make_case, runner):
    case = make_case("dossier", branch=world.branch_a2)
    args = ["merge-units", "branch_a2", "--into", "branch_a1", "--on", "2025-07-01", "--as", "admin"]
    dry = runner.invoke(args=args + ["--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Phùng Tấn Thắng" in dry.output and "sec_a2" in dry.output
    assert db.session.get(Case, case.id).branch_id == world.branch_a2.id
    done = runner.invoke(args=args)
    assert done.exit_code == 0, done.output
    db.session.expire_all()
    assert db.session.get(Case, case.id).branch_id == world.branch_a1.id
    refused = runner.invoke(args=["merge-units", "branch_b1", "--into", "branch_a2", "--on", "2025-08-01",
                                  "--as", "admin"])
    assert refused.exit_code == 1 and "Chi bộ trường A2" in refused.output
    assert runner.invoke(args=["merge-units", "branch_b1", "--into", "branch_a1", "--on", "2025-08-01",
                               "--as", "com_a"]).exit_code == 1


def test_the_audit_log_and_the_case_page_name_units_as_they_were_then(world, make_case, pages):
    from pipeline.units.operations import update_unit
    case = make_case("dossier", branch=world.branch_a2)
    merge(world["admin"], [world.branch_a2], world.branch_a1)
    update_unit(world["admin"], db.session.get(Unit, world.branch_a1.id), "Chi bộ thôn A1 mới", False, None,
                "Đổi tên", date(2025, 8, 1))
    pages.login("board")
    body = pages.get(f"/audit/?unit={world.town.id}&per_page=100").get_data(as_text=True)
    branch_by_act = {}
    for row in body.split('<tr data-row="')[1:]:
        if f'data-case="{case.id}"' in row:
            act = row.split('data-event="')[1].split('"')[0]
            cells = re.findall(r'<td data-label="[^"]*">(.*?)</td>', row, re.S)
            branch_by_act[act] = cells[3].strip()  # took effect, entered at, case, branch
    # Acts of 2021 name the school branch the case was in; the move of July 2025 the branch it
    # went to, by the name it had then (renamed in August).
    assert branch_by_act["spot"] == "Chi bộ trường A2"
    assert branch_by_act["move_with_reorganisation"] == "Chi bộ thôn A1"
    timeline = pages.get(f"/candidates/{case.id}").get_data(as_text=True)
    assert "Chi bộ trường A2" in timeline and "Moved with a reorganisation of units" in timeline


def test_a_rename_takes_effect_on_its_day_and_a_day_to_come_is_refused(world, pages):
    pages.login("admin")
    url = f"/admin/units/{world.commune_a.id}"
    form = {"name": "Đảng bộ xã A mới", "effective_date": "2025-07-01", "reason": "Nghị quyết sắp xếp"}
    assert pages.post(url, data=form).status_code == 302
    for day, name in ((date(2025, 6, 30), "Đảng bộ xã A"), (JULY, "Đảng bộ xã A mới")):
        assert version_on(world.commune_a.id, day).name == name
    refused = pages.post(url, data=dict(form, name="Đảng bộ xã A sau này", effective_date="2099-01-01"))
    assert refused.status_code == 422 and "2099" in refused.get_data(as_text=True)
    assert db.session.get(Unit, world.commune_a.id).name == "Đảng bộ xã A mới"
    assert_all_as_logged()
