"""Verifying the act log (pipeline.audit.verify): the database is tampered with directly, as
someone with access to it could (UPDATE, DELETE, INSERT of log rows, the append-only triggers
bypassed), and the walk — the CLI `audit verify` and the page /audit/verify — names the case, the
act number and what happened. Deleting the newest rows leaves a valid chain: the chain head
printed on the checklist and the report is what shows it."""
import re
from datetime import date, datetime

import pytest
from sqlalchemy import update

from audit_support import craft_act, delete_rows, edit_row, events_of, row_at, seq_of, tampering
from pages_support import pages, section, text  # noqa: F401  (pages is a fixture)
from pipeline.audit.corrections import record_correction
from pipeline.audit.head import case_head_of, unit_head
from pipeline.audit.verify import DELETED, EDITED, INSERTED, verify
from pipeline.extensions import db
from pipeline.workflow.models import LogEntry

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def two_cases(world, make_case):
    """A case of commune A with its whole dossier (13 rows) and an untouched one of commune B."""
    tampered = make_case("ceremony")
    other = make_case("decision", branch=world.branch_b1, full_name="Trần Văn Bình")
    assert verify().ok
    return tampered, other


def only_break(report, case_id):
    assert [b.case_id for b in report.breaks] == [case_id]
    return report.breaks[0]


def cli(runner, *args):
    return runner.invoke(args=["audit", "verify", *args])


# --- a clean log ------------------------------------------------------------------------------

def test_a_clean_log_verifies_and_the_command_says_so(two_cases, runner):
    tampered, other = two_cases
    rows = len(events_of(tampered.id)) + len(events_of(other.id))
    result = cli(runner)
    assert result.exit_code == 0, result.output
    assert "Cases checked: 2" in result.output
    assert f"Rows checked: {rows}" in result.output
    assert "Broken: 0" in result.output


def test_the_walk_is_the_same_whatever_the_chunk_size(two_cases):
    tampered, _other = two_cases
    edit_row(tampered.id, 5, reason="sửa")
    assert verify(chunk=1) == verify(chunk=3) == verify()


# --- edited -----------------------------------------------------------------------------------

@pytest.mark.parametrize("column, value", [
    ("data", {"members_total": 30, "members_present": 30, "votes_for": 30, "votes_against": 0, "rulebook": "2021"}),
    ("reason", "Chi bộ nhất trí"),
    ("effective_date", date(2021, 11, 30)),
    ("recorded_at", datetime(2021, 12, 1, 8, 0)),
    ("actor_id", None),
])
def test_an_edited_row_is_named_as_edited(two_cases, runner, column, value):
    tampered, _other = two_cases
    vote = seq_of(tampered.id, "record_branch_vote")
    edit_row(tampered.id, vote, **{column: value})
    broken = only_break(verify(), tampered.id)
    assert (broken.seq, broken.kind, broken.act) == (vote, EDITED, "record_branch_vote")
    result = cli(runner)
    assert result.exit_code == 1
    assert f"case {tampered.id} (Phùng Tấn Thắng, Chi bộ thôn A1), act no. {vote} (record_branch_vote): edited" \
        in result.output
    assert "Broken: 1" in result.output


def test_an_edit_with_its_hash_recomputed_is_still_named(two_cases):
    tampered, _other = two_cases
    vote = seq_of(tampered.id, "record_branch_vote")
    row = events_of(tampered.id)[vote - 1]
    forged = dict(row.data, votes_for=30)
    row.data = forged
    new_hash = row.compute_hash()
    db.session.rollback()
    edit_row(tampered.id, vote, data=forged, hash=new_hash)
    broken = only_break(verify(), tampered.id)
    assert (broken.seq, broken.kind, broken.act) == (vote, EDITED, "record_branch_vote")
    assert f"act no. {vote + 1} still points to its original hash" in str(broken.detail)


# --- deleted ----------------------------------------------------------------------------------

def test_a_deleted_middle_row_is_named_as_deleted(two_cases, runner):
    tampered, _other = two_cases
    delete_rows(tampered.id, 6)
    broken = only_break(verify(), tampered.id)
    assert (broken.seq, broken.kind, broken.act) == (6, DELETED, None)
    assert "act no. 6 is missing" in str(broken.detail)
    result = cli(runner)
    assert result.exit_code == 1
    assert f"case {tampered.id} (Phùng Tấn Thắng, Chi bộ thôn A1), act no. 6: deleted" in result.output


def test_deleted_rows_hidden_by_renumbering_are_named_as_deleted(two_cases):
    tampered, _other = two_cases
    total = len(events_of(tampered.id))
    with tampering():
        db.session.execute(LogEntry.__table__.delete().where(row_at(tampered.id, 4) | row_at(tampered.id, 5)))
        for seq in range(6, total + 1):  # close the gap, one row at a time (seq is unique per case)
            db.session.execute(update(LogEntry).where(row_at(tampered.id, seq)).values(seq=seq - 2))
    broken = only_break(verify(), tampered.id)
    assert (broken.seq, broken.kind) == (4, DELETED)
    assert "act no. 6 now stands at no. 4" in str(broken.detail)


def test_every_row_of_a_case_deleted(two_cases):
    tampered, _other = two_cases
    delete_rows(tampered.id, *range(1, 14))
    broken = only_break(verify(), tampered.id)
    assert (broken.seq, broken.kind) == (1, DELETED)


def test_the_newest_act_deleted_shows_where_it_moved_the_case(two_cases):
    """The decision moved the case to "ceremony": without it the log ends elsewhere."""
    tampered, _other = two_cases
    newest = len(events_of(tampered.id))
    assert events_of(tampered.id)[-1].act == "record_decision"
    delete_rows(tampered.id, newest)
    broken = only_break(verify(), tampered.id)
    assert (broken.seq, broken.kind) == (newest, DELETED)
    assert "Awaiting the admission ceremony" in str(broken.detail)


def checklist_head(pages, case_id):
    page = pages.get(f"/candidates/{case_id}/checklist?lang=en")
    assert page.status_code == 200
    match = re.search(r'data-chain-head="([0-9a-f]{12})"', page.get_data(as_text=True))
    assert match, "no chain head on the checklist"
    return match.group(1), re.search(r"Case log: acts: (\d+), chain head", text(page)).group(1)


def test_the_newest_row_deleted_leaves_a_valid_chain_but_another_head_on_paper(two_cases, world, pages, runner):
    tampered, _other = two_cases
    record_correction(tampered.id, world["sec_a1"], 2, "Ngày", "02/09/2021", "Ghi nhầm ngày vào lớp",
                      date(2022, 2, 1))
    pages.login("sec_a1")
    printed, printed_acts = checklist_head(pages, tampered.id)
    assert (printed, int(printed_acts)) == (case_head_of(tampered.id).hash, 14)
    delete_rows(tampered.id, 14)  # the correction: a fact, the stage does not move
    assert verify().ok and cli(runner).exit_code == 0  # the chain cannot see it...
    now, now_acts = checklist_head(pages, tampered.id)
    assert now != printed and int(now_acts) == 13  # ...the paper can


def test_the_unit_head_changes_when_a_newest_row_goes(two_cases, world, pages):
    tampered, other = two_cases
    record_correction(other.id, world["sec_b1"], 2, "Ngày", "02/09/2021", "Ghi nhầm ngày vào lớp",
                      date(2022, 2, 1))
    pages.login("board")
    before, commune_a = unit_head(world.town), unit_head(world.commune_a)
    report = pages.get("/reports/year?year=2022&lang=en")
    assert f'data-unit-chain-head="{before.hash}"' in report.get_data(as_text=True)
    assert f"cases: 2, acts: {before.acts}" in text(report)
    delete_rows(other.id, len(events_of(other.id)))  # commune B's correction
    after = unit_head(world.town)
    assert after.hash != before.hash and after.acts == before.acts - 1
    assert unit_head(world.commune_a) == commune_a  # commune A's log did not change, nor its head


def test_the_head_command_prints_what_the_report_prints(two_cases, world, runner):
    result = runner.invoke(args=["audit", "head", "--unit", "town"])
    head = unit_head(world.town)
    assert result.exit_code == 0
    assert f"town (Đảng bộ thị xã Thử): cases 2, acts {head.acts}, chain head {head.hash}" in result.output
    assert runner.invoke(args=["audit", "head"]).output == result.output  # the town is the only top unit


# --- inserted ---------------------------------------------------------------------------------

def test_a_row_slipped_into_the_middle_is_named_as_inserted(two_cases, runner):
    tampered, _other = two_cases
    events = events_of(tampered.id)
    before = events[2]
    with tampering():
        for seq in range(len(events), 3, -1):  # make room at seq 4
            db.session.execute(update(LogEntry).where(row_at(tampered.id, seq)).values(seq=seq + 1))
        forged = LogEntry(case_id=tampered.id, seq=4, act="expire", from_stage="dossier", to_stage="dossier",
                           actor_id=before.actor_id, recorded_at=datetime(2021, 11, 20, 9, 0),
                           effective_date=date(2021, 11, 20), reason="ghi thêm", data={"rulebook": "2021"},
                           prev_hash=before.hash)
        forged.hash = forged.compute_hash()  # a careful forger: the row itself is consistent
        db.session.add(forged)
    broken = only_break(verify(), tampered.id)
    assert (broken.seq, broken.kind, broken.act) == (4, INSERTED, "expire")
    result = cli(runner)
    assert result.exit_code == 1
    assert "act no. 4 (expire): inserted" in result.output


def test_a_forged_row_appended_with_a_made_up_hash_is_named_as_inserted(two_cases, world):
    tampered, _other = two_cases
    newest = events_of(tampered.id)[-1]
    db.session.add(LogEntry(case_id=tampered.id, seq=newest.seq + 1, act="hold_ceremony",
                             from_stage="ceremony", to_stage="ceremony", actor_id=world["sec_a1"].id,
                             recorded_at=datetime(2022, 2, 11), effective_date=date(2022, 2, 10), reason="",
                             data={}, prev_hash="f" * 64, hash="e" * 64))
    db.session.commit()
    broken = only_break(verify(), tampered.id)
    assert (broken.seq, broken.kind, broken.act) == (newest.seq + 1, INSERTED, "hold_ceremony")


def test_a_consistent_row_appended_by_a_forger_passes_the_walk_but_not_the_head(two_cases, world):
    """What the chain cannot prove: a row appended with the right hashes. The head moves."""
    tampered, _other = two_cases
    before = case_head_of(tampered.id)
    craft_act(tampered.id, "hold_ceremony", "probation", date(2022, 2, 10), {"place": "?"}, world["sec_a1"])
    assert verify().ok
    assert case_head_of(tampered.id) != before


# --- scope of the command and the page --------------------------------------------------------

def test_the_command_checks_one_subtree_on_request(two_cases, runner):
    tampered, other = two_cases
    delete_rows(tampered.id, 6)
    result = cli(runner, "--unit", "commune_b")
    assert result.exit_code == 0 and "Cases checked: 1" in result.output
    assert cli(runner, "--unit", "commune_a").exit_code == 1
    unknown = cli(runner, "--unit", "nowhere")
    assert unknown.exit_code != 0 and "nowhere" in unknown.output


def test_the_page_names_the_row_within_the_users_scope(two_cases, pages, world):
    tampered, _other = two_cases
    vote = seq_of(tampered.id, "record_branch_vote")
    edit_row(tampered.id, vote, reason="sửa")
    pages.login("board")
    page = pages.get("/audit/verify")
    assert page.status_code == 200
    assert f'data-case="{tampered.id}" data-seq="{vote}" data-kind="edited"' in page.get_data(as_text=True)
    assert "Cases checked: 2. Rows checked:" in text(page) and "Broken chains: 1." in text(page)
    assert "Record the branch vote" in section(page, "breaks")
    case_page = pages.get(f"/audit/cases/{tampered.id}")
    assert f'data-kind="edited" data-seq="{vote}"' in case_page.get_data(as_text=True)
    pages.login("com_b")
    page = pages.get("/audit/verify")
    assert "Broken chains: 0." in text(page) and "Cases checked: 1." in text(page)
    assert "Phùng Tấn Thắng" not in text(page)
    assert pages.get(f"/audit/verify?unit={world.commune_a.id}").status_code == 404


def test_a_secretary_cannot_run_the_walk(two_cases, pages):
    pages.login("sec_a1")
    assert pages.get("/audit/verify").status_code == 403


# --- the head on paper ------------------------------------------------------------------------

def pdf_text(body):
    from io import BytesIO

    from pypdf import PdfReader
    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(BytesIO(body)).pages).split())


def test_the_printed_pdfs_carry_the_chain_head(two_cases, world, pages, needs_pdf):
    tampered, _other = two_cases
    head = case_head_of(tampered.id)
    pages.login("board")
    checklist = pdf_text(pages.get(f"/candidates/{tampered.id}/checklist.pdf?lang=en").data)
    assert f"chain head: {head.hash}" in checklist
    branch = pdf_text(pages.get(f"/branches/{world.branch_a1.id}/checklists.pdf?lang=en").data)
    assert f"chain head: {head.hash}" in branch
    assert f"chain head: {unit_head(world.branch_a1).hash}" in branch
    report = pdf_text(pages.get("/reports/year.pdf?year=2022&lang=en").data)
    assert f"chain head: {unit_head(world.town).hash}" in report
