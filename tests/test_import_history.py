"""Import of cases in flight (issue 14): one row per case with the date of every step reached, each
row replayed through the workflow's own acts and guards; the full export of cases in the same
format; a round trip of the whole demo into an empty database of the same tree."""
import contextlib
import csv
from datetime import date

import pytest
import sqlalchemy as sa

from databases import swap_engine
from pipeline.accounts.models import User
from pipeline.cases.export import CASE_COLUMNS, case_rows
from pipeline.cases.models import Case
from pipeline.exports.csv_file import csv_chunks
from pipeline.exports.xlsx_file import xlsx_chunks
from pipeline.extensions import db
from pipeline.imports import history
from pipeline.imports.history_columns import history_table
from pipeline.transaction import one_transaction
from pipeline.workflow.log import load_log, remember_key
from pipeline.workflow.models import LogEntry

# A committee of the test world imports into its communes' branches.
HEADERS = ["Họ và tên", "Ngày sinh", "Giới tính", "Trình độ văn hóa", "Tổ chức giới thiệu", "Mã chi bộ",
           "Ngày phát hiện"]


def write_csv(path, headers, rows):
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        writer.writerows(rows)
    return str(path)


def export_file(path, statement):
    """The full export of `statement`'s cases (XLSX or CSV by the name), as the list page writes it."""
    columns = tuple(CASE_COLUMNS)
    labels = [str(column.label) for column in columns]
    rows = case_rows(statement)
    # Title rows above the header, as the list page's XLSX has them: the import finds the header under them.
    chunks = csv_chunks(labels, columns, rows) if str(path).endswith(".csv") else \
        xlsx_chunks(labels, columns, rows, "Candidates", ["Candidates", "Unit: Đảng bộ thị xã Điện Bàn", "Made on …"])
    with open(path, "wb") as out:
        for chunk in chunks:
            out.write(chunk)
    return str(path)


def snapshot(case):
    """What the round trip must keep: the particulars, the stage, the deadlines, the dossier."""
    particulars = {name: getattr(case, name) for name in (
        "full_name", "date_of_birth", "sex", "ethnicity", "education", "occupation", "residence",
        "youth_union_member", "source_organisation", "helper_member", "stage", "stage_entered_on",
        "exit_reason", "failed_branch_votes")}
    particulars["branch"] = case.branch.code
    deadlines = sorted((d.key, d.stage, d.starts_on, d.due_on) for d in case.deadlines)
    dossier = sorted((i.item_key, i.received, i.received_on, i.note,
                      tuple(sorted((k, v) for k, v in (i.details or {}).items() if v not in (None, ""))))
                     for i in case.dossier_items)
    return particulars, deadlines, dossier


# --- the demo, exported and imported into an empty database of the same tree ----------------------

@contextlib.contextmanager
def second_database(app, backend):
    """The application on a new, empty database (schema only) while the block runs."""
    url = backend.copy_of("empty", "history_second")
    engine = sa.create_engine(url, **app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    db.session.remove()
    previous = swap_engine(app, engine)
    try:
        yield
    finally:
        db.session.remove()
        swap_engine(app, previous)
        engine.dispose()
        backend.drop_copy("history_second")


def acts_of(log):
    """The acts of a case's history in order, without the spotting (an import's opens the case)."""
    return [(e.act, e.effective_date) for e in log if e.act != "spot"]


def test_the_whole_demo_round_trips_through_the_export(app, backend, demo, tmp_path):
    from pipeline.demo.loader import _build_organisation
    cases = db.session.execute(sa.select(Case).order_by(Case.id)).scalars().all()
    kept = {(case.full_name, case.date_of_birth): snapshot(case) for case in cases}
    histories = {(case.full_name, case.date_of_birth): acts_of(load_log(case.id)) for case in cases}
    # Cases voted on again or reopened keep their earlier steps too ("Earlier steps").
    assert sum(len(acts) != len(set(a for a, _d in acts)) for acts in histories.values()) >= 2
    statement = sa.select(Case).order_by(Case.id).options(sa.orm.joinedload(Case.branch))
    path = export_file(tmp_path / "demo.xlsx", statement)
    with second_database(app, backend):
        with one_transaction():
            remember_key()
            _build_organisation()
        admin = db.session.execute(sa.select(User).filter_by(username="admin")).scalar_one()
        outcome = history.import_file(admin, path, write=True)
        assert [str(p.message) for p in outcome.problems] == [] and outcome.written
        imported = db.session.execute(sa.select(Case).order_by(Case.id)).scalars().all()
        again = {(c.full_name, c.date_of_birth): snapshot(c) for c in imported}
        assert again.keys() == kept.keys()
        differ = [(key, part, again[key][part], expected[part]) for key, expected in kept.items()
                  for part in range(3) if again[key][part] != expected[part]]
        for key, part, got, wanted in differ:
            if part == 0:
                print(key, {k: (got[k], wanted[k]) for k in got if got[k] != wanted[k]})
            else:
                print(key, part, set(got) ^ set(wanted))
        assert differ == []
        again_acts = {(c.full_name, c.date_of_birth): sorted(acts_of(load_log(c.id))) for c in imported}
        # Every act of every case, on its date (a document may take its place among the acts of
        # its day in another order).
        assert again_acts == {key: sorted(acts) for key, acts in histories.items()}
        marks = db.session.execute(sa.select(LogEntry.data)).scalars().all()
        assert all(data.get("imported", {}).get("by") == admin.id for data in marks)


# --- a file written by hand, on the test world ------------------------------------------------------

def english_headers():
    from flask_babel import force_locale
    with force_locale("en"):
        return {f.name: str(f.label) for f in history_table().fields}


def full_row(**changes):
    """A case of branch_a1 walked to its ceremony with FORWARD_ACTS' dates (tests/conftest.py)."""
    row = {"full_name": "Phùng Tấn Thắng", "date_of_birth": "1995-03-15", "sex": "Male", "education": "THPT",
           "ethnicity": "Kinh", "occupation": "Nông dân", "residence": "Thôn 1", "source_organisation": "youth_union",
           "helper_member": "Lê Văn Giúp", "branch_code": "branch_a1", "spotted_on": "01/06/2021",
           "training_class": "Lớp bồi dưỡng 1/2021", "enrolled_on": "2021-09-01",
           "certificate_number": "CN-101", "certificate_date": "2021-09-15",
           "doc:1-KNĐ": "2021-09-20", "doc:2-KNĐ": "2021-09-25",
           "doc:3-KNĐ:1": "2021-10-01", "doc:3-KNĐ:1:introducer_name": "Nguyễn Văn Một",
           "doc:3-KNĐ:1:official": "x", "doc:3-KNĐ:1:known_since": "2019-01-01",
           "doc:3-KNĐ:2": "2021-10-02", "doc:3-KNĐ:2:introducer_name": "Trần Thị Hai",
           "doc:3-KNĐ:2:official": "x", "doc:3-KNĐ:2:known_since": "2019-06-01",
           "doc:5-KNĐ": "2021-10-20", "doc:TTLL": "2021-10-25", "doc:TTLL:verification_result": "clear",
           "dossier_complete_on": "2021-11-01",
           "branch_vote_on": "2021-12-01", "branch_members_total": "30", "branch_members_present": "27",
           "branch_votes_for": "25", "branch_votes_against": "2",
           "committee_review_on": "2021-12-20", "committee_committee_size": "15", "committee_votes_for": "13",
           "committee_votes_against": "0",
           "decision_number": "123-QĐ/TU", "decision_date": "2022-01-20", "decision_received_on": "2022-01-25",
           "ceremony_date": "2022-02-10", "ceremony_place": "Hội trường thôn"}
    row.update(changes)
    return {name: value for name, value in row.items() if value is not None}


def history_csv(path, rows):
    names = english_headers()
    fields = [f.name for f in history_table().fields if any(f.name in row for row in rows)]
    return write_csv(path, [names[f] for f in fields], [[row.get(f, "") for f in fields] for row in rows])


def cases_named(*names):
    return db.session.execute(sa.select(Case).where(Case.full_name.in_(names))).scalars().all()


def test_a_case_in_flight_is_replayed_to_its_stage_and_marked_as_imported(app, world, tmp_path, english):
    path = history_csv(tmp_path / "cases.csv", [full_row()])
    outcome = history.import_file(world["com_a"], path, write=True)
    assert outcome.problems == [] and outcome.written
    (case,) = cases_named("Phùng Tấn Thắng")
    assert case.stage == "probation" and case.stage_entered_on == date(2022, 2, 10)
    log = load_log(case.id)
    acts = [entry.act for entry in log if entry.act != "record_document"]
    assert acts == ["spot", "enrol_training", "complete_training", "complete_dossier", "record_branch_vote",
                    "record_committee_review", "record_decision", "hold_ceremony"]
    assert all(entry.data["imported"]["by"] == world["com_a"].id for entry in log)
    assert len({entry.data["imported"]["file_sha256"] for entry in log}) == 1
    received = {item.item_key: item.received_on for item in case.dossier_items if item.received}
    assert received["3-KNĐ:2"] == date(2021, 10, 2) and received["TTLL"] == date(2021, 10, 25)
    # Entered years after they took effect, yet not "entered late": they were imported.
    from pipeline.audit.anomalies import late_entries
    from pipeline.audit.log_query import flag_rows
    assert list(late_entries(world.town, 30)) == []
    assert not any(row.late for row in flag_rows(log, 30))


def test_the_audit_still_verifies_every_chain_after_an_import(app, runner, world, tmp_path):
    history.import_file(world["com_a"], history_csv(tmp_path / "cases.csv", [full_row()]), write=True)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output


def test_the_preview_names_the_first_act_refused_in_the_guards_words_and_writes_nothing(app, world, tmp_path,
                                                                                      english):
    rows = [full_row(),
            full_row(full_name="Lê Thị Hoa", sex="Female", certificate_number="CN-102",
                     **{"doc:5-KNĐ": None}),  # the dossier lacks 5-KNĐ
            full_row(full_name="Trần Văn Bình", certificate_number="CN-103",
                     decision_received_on="2022-01-10")]  # received before its date
    path = history_csv(tmp_path / "cases.csv", rows)
    outcome = history.import_file(world["com_a"], path, write=True)
    assert not outcome.written and cases_named("Phùng Tấn Thắng", "Lê Thị Hoa", "Trần Văn Bình") == []
    assert [p.row for p in outcome.problems] == [3, 4]
    hoa, binh = (str(p.message) for p in outcome.problems)
    assert hoa.startswith("Dossier complete on 01/11/2021 cannot be recorded: ") and "5-KNĐ" in hoa
    assert hoa.endswith("(the case would stay at “Preparing the dossier”).")
    assert binh.startswith("Record the admission decision on 20/01/2022 cannot be recorded: ")
    assert [row.stage for row in outcome.rows] == ["probation", "dossier", "decision"]


def test_rows_are_judged_cell_by_cell_before_any_act(app, world, tmp_path, english):
    rows = [full_row(full_name="Trần Văn Bình", branch_code="branch_b1"),  # commune_b: outside com_a's subtree
            full_row(full_name="Lê Thị Hoa", branch_code="nowhere"),
            full_row(full_name="Đỗ Minh Quân", ceremony_date="10/02/22x"),
            full_row(full_name="Ngô Văn Tư", exit_act="Candidate withdraws"),
            full_row(),
            full_row(date_of_birth="15/03/1995", branch_code="branch_a2")]
    outcome = history.import_file(world["com_a"], history_csv(tmp_path / "cases.csv", rows), write=False)
    lines = [(p.row, p.column, str(p.message)) for p in outcome.problems]
    assert (2, "Branch code", "com_a may not open cases in Chi bộ khối phố B1.") in lines
    assert (3, "Branch code", "No unit with code nowhere.") in lines
    assert (4, "Ceremony date", "Not a date: write it as dd/mm/yyyy.") in lines
    assert (5, "Left on", "Give the date the case left the road.") in lines
    assert (7, None, "The same person as row 6.") in lines
    assert len(lines) == 5 and outcome.rows[4].stage is None  # no act replayed


def test_an_exit_is_replayed_with_its_reason(app, world, tmp_path, english):
    row = full_row(**{key: None for key in ("dossier_complete_on", "branch_vote_on", "committee_review_on",
                                            "decision_date", "ceremony_date", "decision_received_on")},
                   exit_act="Candidate withdraws", exit_date="2021-11-05", exit_reason="Chuyển công tác vào Nam")
    outcome = history.import_file(world["com_a"], history_csv(tmp_path / "cases.csv", [row]), write=True)
    assert outcome.problems == []
    (case,) = cases_named("Phùng Tấn Thắng")
    assert case.stage == "withdrawn" and case.exit_reason == "Chuyển công tác vào Nam"


def test_vietnamese_headers_and_a_case_only_spotted(app, world, tmp_path):
    path = write_csv(tmp_path / "cases.csv", HEADERS,
                     [["Nguyễn Thị Ánh Tuyết", "01/12/1998", "Nữ", "THPT", "Đoàn Thanh niên", "branch_a2", "2022-03-01"]])
    outcome = history.import_file(world["admin"], path, write=True)
    assert outcome.problems == [] and [row.stage for row in outcome.rows] == ["spotted"]
    (case,) = cases_named("Nguyễn Thị Ánh Tuyết")
    assert case.sex == "female" and case.branch.code == "branch_a2"


def no_2016_rulebook():
    from pipeline.rules.rulebook import load_rulebooks
    return all(book.code != "2016" for book in load_rulebooks())


@pytest.mark.xfail(no_2016_rulebook(), reason="the 2016 rulebook (QĐ 29-QĐ/TW) is not in rulebooks.toml yet",
                   strict=True)
def test_a_case_admitted_before_30_7_2021_is_judged_by_the_2016_rulebook(app, world, tmp_path, english):
    from pipeline.training.models import TrainingClass
    with one_transaction():
        db.session.add(TrainingClass(name="Lớp bồi dưỡng 2/2020", organiser_unit=world.town, organiser_name="TTCT",
                                     starts_on=date(2020, 9, 1), ends_on=date(2020, 9, 10)))
    row = full_row(spotted_on="2020-06-01", training_class="Lớp bồi dưỡng 2/2020", enrolled_on="2020-09-01",
                   certificate_date="2020-09-15", dossier_complete_on="2020-11-02", branch_vote_on="2020-12-01",
                   committee_review_on="2020-12-21", decision_date="2021-01-20", decision_received_on="2021-01-25",
                   ceremony_date="2021-02-10",
                   **{"doc:1-KNĐ": "2020-09-21", "doc:2-KNĐ": "2020-09-25", "doc:3-KNĐ:1": "2020-10-01",
                      "doc:3-KNĐ:2": "2020-10-02", "doc:5-KNĐ": "2020-10-20", "doc:TTLL": "2020-10-26",
                      "doc:3-KNĐ:1:known_since": "2018-01-01", "doc:3-KNĐ:2:known_since": "2018-06-01"})
    outcome = history.import_file(world["com_a"], history_csv(tmp_path / "cases.csv", [row]), write=True)
    assert [str(p.message) for p in outcome.problems] == []
    (case,) = cases_named("Phùng Tấn Thắng")
    assert case.stage == "probation"
    assert {e.data.get("rulebook") for e in load_log(case.id) if e.act == "record_branch_vote"} == {"2016"}


def test_the_commands_export_and_import_every_case(app, runner, world, make_case, tmp_path):
    make_case("probation")
    exported = tmp_path / "cases.csv"
    result = runner.invoke(args=["export-cases", str(exported)])
    assert result.exit_code == 0, result.output
    text = exported.read_text(encoding="utf-8-sig")
    assert "1995-03-15" in text and "15/03/1995" not in text  # ISO dates in CSV
    # The same people again: refused as open cases, nothing written.
    result = runner.invoke(args=["import-cases", str(exported), "--as", "com_a"])
    assert result.exit_code == 1 and "đã có hồ sơ đang xử lý ở chi bộ này" in result.output
    path = history_csv(tmp_path / "new.csv", [full_row(full_name="Lê Thị Hoa", sex="Female")])
    result = runner.invoke(args=["import-cases", path, "--as", "com_a", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "1/1" in result.output and cases_named("Lê Thị Hoa") == []
    result = runner.invoke(args=["import-cases", path, "--as", "sec_a1"])
    assert result.exit_code == 1 and cases_named("Lê Thị Hoa") == []
    result = runner.invoke(args=["import-cases", path, "--as", "com_a"])
    assert result.exit_code == 0, result.output
    assert [case.stage for case in cases_named("Lê Thị Hoa")] == ["probation"]


def test_the_page_previews_then_imports(app, client, login, world, tmp_path):
    path = history_csv(tmp_path / "cases.csv", [full_row(), full_row(full_name="Lê Thị Hoa", sex="Female",
                                                                     certificate_number="CN-102",
                                                                     dossier_complete_on="2021-09-01")])
    login("com_a")
    with open(path, "rb") as fh:
        response = client.post("/candidates/import?lang=en", data={"file": (fh, "cases.csv")},
                               content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="confirm"' not in page
    assert "Dossier complete on 01/09/2021 cannot be recorded" in page and "Lê Thị Hoa" in page
    good = history_csv(tmp_path / "good.csv", [full_row()])
    with open(good, "rb") as fh:
        response = client.post("/candidates/import?lang=en", data={"file": (fh, "good.csv")},
                               content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="confirm"' in page and "Probationary member: 1" in page
    assert cases_named("Phùng Tấn Thắng") == []
    token = page.split('name="token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    response = client.post("/candidates/import/confirm", data={"token": token})
    assert response.status_code == 302
    assert [case.stage for case in cases_named("Phùng Tấn Thắng")] == ["probation"]


def test_a_stage_the_steps_do_not_reach_is_a_problem(app, world, tmp_path, english):
    """An export's "Stage" column says where the case is: a row whose dates stop short is caught."""
    row = full_row(stage="Official member")
    outcome = history.import_file(world["com_a"], history_csv(tmp_path / "cases.csv", [row]), write=True)
    assert [str(p.message) for p in outcome.problems] == [
        "The file says the case is at “Official member”, but its steps lead to “Probationary member”."]
    assert not outcome.written and cases_named("Phùng Tấn Thắng") == []


def test_earlier_steps_replay_a_failed_vote_and_a_bad_cell_is_named(app, world, tmp_path, english):
    import json
    # Voted down on 1/12/2021 (back to nurturing), the dossier reopened and completed again, voted
    # through on 10/1/2022: the row's columns hold the last vote, the cell the earlier ones.
    earlier = [["record_branch_vote", "2021-12-01", {"members_total": 30, "members_present": 27, "votes_for": 15,
                                                     "votes_against": 12}, "Chưa đủ 2/3"],
               ["resume_dossier", "2021-12-10", {}, ""],
               ["complete_dossier", "2021-12-15", {}, ""]]
    row = full_row(earlier_steps=json.dumps(earlier, ensure_ascii=False), branch_vote_on="2022-01-10",
                   committee_review_on="2022-01-20", decision_date="2022-02-20", decision_received_on="2022-02-22",
                   ceremony_date="2022-03-10")
    outcome = history.import_file(world["com_a"], history_csv(tmp_path / "cases.csv", [row]), write=True)
    assert outcome.problems == [] and outcome.written
    (case,) = cases_named("Phùng Tấn Thắng")
    assert case.stage == "probation" and case.failed_branch_votes == 1
    acts = [e.act for e in load_log(case.id) if e.act != "record_document"]
    assert acts.count("record_branch_vote") == 2 and "resume_dossier" in acts
    for cell, words in (("not json", "not readable"), ('[["fly_away", "2021-12-01", {}, ""]]', "not an act"),
                        ('[["resume_dossier", "1/12/2021", {}, ""]]', "yyyy-mm-dd")):
        bad = full_row(full_name="Lê Văn Sai", earlier_steps=cell)
        outcome = history.import_file(world["com_a"], history_csv(tmp_path / "bad.csv", [bad]), write=False)
        assert any(words in str(p.message) for p in outcome.problems), (cell, outcome.problems)
        assert not cases_named("Lê Văn Sai")
