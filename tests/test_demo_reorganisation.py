"""The demo's second scenario (pipeline.demo.reorganisation): on 1/7/2025 the Điện Bàn demo's
twenty communes and wards become six commune-level units under the city, which decide admissions;
the merged branches' open cases follow them with a log entry each; the old units end on
30/6/2025, the tree of 2022 stays as it was, and `audit verify` finds every row as its log says."""
from datetime import date

import sqlalchemy as sa

from pages_support import Pages, section
from pipeline.accounts.models import User
from pipeline.audit.replayed import account_differences, case_differences, unit_differences
from pipeline.cases.models import Case
from pipeline.demo import organisation as org
from pipeline.demo.reorganisation import CITY_NAME, MERGED_BRANCHES, NEW_COMMUNES, apply_reorganisation
from pipeline.extensions import db
from pipeline.training.access import may_manage_classes
from pipeline.units.history import units_on, version_on
from pipeline.units.models import Unit
from pipeline.workflow.definition import ACT_BY_NAME, OPEN_STAGES
from pipeline.workflow.models import LogEntry
from pipeline.workflow.operations import deciding_units_for, role_may

JULY, JUNE_30 = date(2025, 7, 1), date(2025, 6, 30)


def unit(code):
    return db.session.execute(sa.select(Unit).where(Unit.code == code)).scalar_one()


def open_cases_of_merged_branches():
    """case id -> (stage, code of the branch it should end up in), before the reorganisation."""
    expected = {}
    for commune in NEW_COMMUNES:
        for suffix, _kind, _name in MERGED_BRANCHES:
            codes = [f"{code}-{suffix}" for code in commune.formerly]
            for case in db.session.execute(sa.select(Case).join(Unit, Case.branch_id == Unit.id).where(
                    Unit.code.in_(codes), Case.stage.in_(OPEN_STAGES))).scalars():
                expected[case.id] = (case.stage, case.branch.name, f"{commune.code}-{suffix}")
    return expected


def test_the_reorganisation_moves_the_tree_the_cases_and_the_power_to_decide(app, demo):
    expected = open_cases_of_merged_branches()
    assert len(expected) > 10  # police and military branches with cases in every stage of the pool
    hatay2_cases = set(db.session.execute(sa.select(Case.id).where(Case.branch_id == unit("hatay2").id)).scalars())
    today_before = app.config.get("TODAY")

    outcome = apply_reorganisation()

    assert app.config.get("TODAY") == today_before  # the clock stood on 1/7/2025 only meanwhile
    assert (len(outcome.communes), outcome.branches, outcome.cases) == (6, 40, len(expected))
    db.session.expire_all()
    # Each open case of a merged branch is in its successor, with one entry saying so.
    moves = {}
    for entry in db.session.execute(sa.select(LogEntry).where(LogEntry.act == "move_with_reorganisation")).scalars():
        moves.setdefault(entry.case_id, []).append(entry)
    assert set(moves) == set(expected)
    for case_id, (stage, old_name, successor_code) in expected.items():
        case = db.session.get(Case, case_id)
        (entry,) = moves[case_id]
        assert (case.branch.code, case.stage) == (successor_code, stage)
        assert entry.effective_date == JULY and "1659/NQ-UBTVQH15" in entry.reason
        assert (entry.data["from_branch_name"], entry.data["to_branch_name"]) == (old_name, case.branch.name)
    # The old communes, wards and merged branches end on 30/6/2025; the others moved with theirs.
    for commune in NEW_COMMUNES:
        for code in commune.formerly:
            assert unit(code).valid_to == JUNE_30, code
            for suffix, _kind, _name in MERGED_BRANCHES:
                assert unit(f"{code}-{suffix}").valid_to == JUNE_30
    hatay2 = unit("hatay2")
    assert hatay2.valid_to is None and hatay2.parent.code == "phuong-dienbanbac"
    assert set(db.session.execute(sa.select(Case.id).where(Case.branch_id == hatay2.id)).scalars()) == hatay2_cases
    # The tree of 30/6/2025 is the town's, with its twenty communes and wards; from 1/7 the city's six.
    top = unit(org.TOWN_CODE)
    june, july = units_on(JUNE_30), units_on(JULY)
    assert june[top.id].name == org.TOWN_NAME and july[top.id].name == CITY_NAME
    assert {u.code for u in june.values() if u.parent_id == top.id and u.kind in ("commune", "ward")} == {
        g.code for g in org.GRASSROOTS if g.under_commune_or_ward}
    new_units = {u.code: u for u in july.values() if u.parent_id == top.id and u.kind in ("commune", "ward")}
    assert set(new_units) == {c.code for c in NEW_COMMUNES}
    assert sorted(new_units["phuong-dienbanbac"].formerly) == ["Đảng bộ xã Điện Hòa", "Đảng bộ xã Điện Thắng Bắc",
                                                               "Đảng bộ xã Điện Tiến"]
    assert version_on(hatay2.id, date(2022, 10, 31)).parent_id == unit("dienhoa").id  # 2022 read as it was
    # The new units' committees decide admissions, and the moved committee account acts for one.
    assert all(u.decides_admissions for u in new_units.values())
    dienhoa = db.session.execute(sa.select(User).where(User.username == "dienhoa")).scalar_one()
    case = db.session.get(Case, min(hatay2_cases))
    assert dienhoa.unit.code == "phuong-dienbanbac" and dienhoa.active
    assert role_may(dienhoa, ACT_BY_NAME["record_decision"], case) and may_manage_classes(dienhoa)
    assert [u.code for u in deciding_units_for(case)] == [org.TOWN_CODE, "phuong-dienbanbac"]
    # The new unit's committee reads the move on the case's page.
    moved = db.session.get(Case, min(expected))
    committee = db.session.execute(sa.select(User).where(
        User.unit_id == moved.branch.parent_id, User.role == "committee").order_by(User.username)).scalars().first()
    pages = Pages(app.test_client())
    pages.post("/login?lang=en", data={"username": committee.username, "password": org.DEMO_PASSWORD})
    timeline = section(pages.get(f"/candidates/{moved.id}"), "timeline")
    assert "Moved with a reorganisation of units" in timeline and moved.branch.name in timeline
    # Everything is as its log says.
    assert case_differences()[1] == []
    assert unit_differences()[1] == []
    assert account_differences()[1] == []


def test_the_demo_command_applies_the_scenario_only_when_asked(app, demo, runner, monkeypatch):
    # The demo is loaded already (the fixture's copy): the command's loader stands aside.
    monkeypatch.setattr("pipeline.cli.load_demo", lambda **kwargs: "Điện Bàn 2022 demo loaded.")
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "Reorganisation" not in result.output and unit("dienhoa").valid_to is None

    result = runner.invoke(args=["demo", "--scenario", "reorganisation-2025"])
    assert result.exit_code == 0, result.output
    assert "merged into 6" in result.output and "KETNAP_TODAY=2025-07-15" in result.output
    db.session.expire_all()
    assert unit("dienhoa").valid_to == JUNE_30 and unit("phuong-dienbanbac").decides_admissions
    assert runner.invoke(args=["demo", "--scenario", "2023"]).exit_code != 0
