"""Verifying the act log (pipeline.audit.verify): the database is tampered with directly, as
someone with access to it could (UPDATE, DELETE, INSERT of log rows, the append-only triggers
bypassed), and the walk — the CLI `audit verify` and the page /audit/verify — names the case, the
act number and what happened. The hashes are HMACs under the log key: a chain recomputed without
it is named too, and the command says when the key is missing or wrong. The command also replays
every case's log and every account's history against the tables (pipeline.audit.replayed) and
names each difference. The newest rows deleted with every trace they left leave a valid chain:
the chain head printed on the checklist and the report is what shows it."""
import contextlib
import os
import re
import sys
from datetime import date, datetime

import pytest
from sqlalchemy import select, update

from audit_support import craft_act, delete_rows, edit_row, events_of, row_at, seq_of, tampering
from pages_support import pages, section, text as page_text  # noqa: F401  (pages is a fixture)
from pipeline.accounts.models import AccountChange, User
from pipeline.accounts.operations import create_user, set_active, update_user
from pipeline.audit.corrections import record_correction
from pipeline.audit.head import UnitHead, case_head_of, unit_head
from pipeline.audit.replayed import case_differences
from pipeline.audit.verify import DELETED, EDITED, INSERTED, verify
from pipeline.base.signing import LogKeyMissing, seal
from pipeline.cases.models import Case
from pipeline.dossier.models import DossierItem
from pipeline.extensions import db
from pipeline.training.models import Enrolment
from pipeline.workflow.models import CaseDeadline, LogEntry
from pipeline.workflow.operations import record_act

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts"))
from tamper_demo import plain_sha256, rewrite_chain  # noqa: E402  (scripts/ is put on the path first)

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def two_cases(world, make_case):
    """A case of commune A with its whole dossier (13 rows) and an untouched one of commune B."""
    tampered = make_case("ceremony")
    other = make_case("decision", branch=world.branch_b1, full_name="Trần Văn Bình")
    assert verify().ok
    return tampered, other


def named_as_edited(runner, case, vote):
    """The walk and the command both name the branch vote of `case` (of branch A1) as edited;
    returns the command's result."""
    broken = only_break(verify(), case.id)
    assert (broken.seq, broken.kind, broken.act) == (vote, EDITED, "record_branch_vote")
    result = cli(runner)
    assert result.exit_code == 1
    assert f"case {case.id} (Phùng Tấn Thắng, Chi bộ thôn A1), act no. {vote} (record_branch_vote): edited" \
        in result.output
    return result


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
    result = named_as_edited(runner, tampered, vote)
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
    return match.group(1), re.search(r"Case log: acts: (\d+), chain head", page_text(page)).group(1)


def test_the_newest_row_deleted_leaves_a_valid_chain_but_another_head_on_paper(two_cases, world, pages, runner):
    tampered, _other = two_cases
    record_correction(tampered.id, world["sec_a1"], 2, "Ngày", "02/09/2021", "Ghi nhầm ngày vào lớp",
                      date(2022, 2, 1))
    pages.login("sec_a1")
    printed, printed_acts = checklist_head(pages, tampered.id)
    assert (printed, int(printed_acts)) == (case_head_of(tampered.id).hash, 14)
    delete_rows(tampered.id, 14)  # the correction: a fact, the stage does not move
    assert verify().ok  # the chain cannot see it...
    now, now_acts = checklist_head(pages, tampered.id)
    assert now != printed and int(now_acts) == 13  # ...the paper can
    # ...and the replay: the case row still says when the deleted act was entered.
    result = cli(runner)
    assert result.exit_code == 1 and "Broken: 0" in result.output
    assert f"case {tampered.id} (Phùng Tấn Thắng, Chi bộ thôn A1): last_recorded_at: stored" in result.output


def test_the_unit_head_changes_when_a_newest_row_goes(two_cases, world, pages):
    tampered, other = two_cases
    record_correction(other.id, world["sec_b1"], 2, "Ngày", "02/09/2021", "Ghi nhầm ngày vào lớp",
                      date(2022, 2, 1))
    pages.login("board")
    before, commune_a = unit_head(world.town), unit_head(world.commune_a)
    report = pages.get("/reports/year?year=2022&lang=en")
    assert f'data-unit-chain-head="{before.hash}"' in report.get_data(as_text=True)
    assert f"cases: 2, acts: {before.acts}" in page_text(report)
    delete_rows(other.id, len(events_of(other.id)))  # commune B's correction
    after = unit_head(world.town)
    assert after.hash != before.hash and after.acts == before.acts - 1
    assert unit_head(world.commune_a) == commune_a  # commune A's log did not change, nor its head


def test_the_unit_head_is_the_digest_of_each_cases_newest_row_in_case_order(two_cases, world):
    """What the head is, written out here: PostgreSQL computes it in the database, SQLite here;
    from the log and from the snapshots the acts keep, the same."""
    import hashlib
    newest = [events_of(case.id)[-1] for case in sorted(two_cases, key=lambda case: case.id)]
    lines = "".join(f"{row.case_id}:{row.seq}:{row.hash}\n" for row in newest)
    expected = UnitHead(2, sum(row.seq for row in newest), hashlib.sha256(lines.encode()).hexdigest()[:12])
    assert unit_head(world.town) == expected == unit_head(world.town, from_snapshots=True)
    assert unit_head(world.commune_a).cases == 1 and unit_head(world.branch_b1).acts == newest[1].seq
    assert unit_head(world.branch_a2) == UnitHead(0, 0, hashlib.sha256(b"").hexdigest()[:12])


def test_a_second_tree_keeps_its_cases_out_of_the_first_roots_head(two_cases, world):
    """The top's head reads every snapshot only while its root is the tree's one root: with a
    second root, each head counts the cases of its own tree, from the snapshots as from the log."""
    from pipeline.transaction import one_transaction
    from pipeline.units.models import add_unit
    alone = unit_head(world.town, from_snapshots=True)
    assert alone == unit_head(world.town) and alone.cases == 2
    with one_transaction():
        other_root = add_unit("other_root", "Đảng bộ khác", "town", decides_admissions=True)
        other_branch = add_unit("other_branch", "Chi bộ khác", "village", parent=other_root)
    moved = max(two_cases, key=lambda case: case.id)
    with one_transaction():
        db.session.execute(update(Case).where(Case.id == moved.id).values(branch_id=other_branch.id))
    db.session.expire_all()
    town = unit_head(world.town, from_snapshots=True)
    assert town == unit_head(world.town) and town.cases == 1
    assert unit_head(other_root, from_snapshots=True).cases == 1


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
    """What the chain cannot prove: a row appended with the right hashes, by a forger who holds
    the key too. The head moves."""
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
    assert "Cases checked: 2. Rows checked:" in page_text(page) and "Broken chains: 1." in page_text(page)
    assert "Record the branch vote" in section(page, "breaks")
    case_page = pages.get(f"/audit/cases/{tampered.id}")
    assert f'data-kind="edited" data-seq="{vote}"' in case_page.get_data(as_text=True)
    pages.login("com_b")
    page = pages.get("/audit/verify")
    assert "Broken chains: 0." in page_text(page) and "Cases checked: 1." in page_text(page)
    assert "Phùng Tấn Thắng" not in page_text(page)
    assert pages.get(f"/audit/verify?unit={world.commune_a.id}").status_code == 404


def test_the_page_names_what_the_tables_hold_against_the_logs(two_cases, pages, world):
    tampered, _other = two_cases
    set_column(Case.__table__, tampered.id, full_name="Người Giả")
    set_column(User.__table__, world["sec_a1"].id, role="admin")
    pages.login("board")
    page = pages.get("/audit/verify")
    body = page.get_data(as_text=True)
    assert f'data-case="{tampered.id}" data-field="full_name"' in body
    assert f'data-account="{world["sec_a1"].id}" data-field="role"' in body
    assert "Differences: 2." in page_text(page)
    assert "Người Giả" in section(page, "differences") and "Phùng Tấn Thắng" in section(page, "differences")
    pages.login("com_b")  # neither is in commune B's subtree
    assert "Differences: 0." in page_text(pages.get("/audit/verify"))


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


# --- the key ------------------------------------------------------------------------------------

@pytest.mark.parametrize("hash_of", [plain_sha256, lambda payload: seal(payload, "a guessed key")],
                         ids=["plain sha256", "a guessed key"])
def test_a_chain_recomputed_without_the_key_is_named(two_cases, runner, hash_of):
    """An intruder edits a middle row and recomputes every later hash with the project's own
    payload: without the key, the edited row is named as edited."""
    tampered, _other = two_cases
    vote = seq_of(tampered.id, "record_branch_vote")
    db.session.rollback()
    with tampering():
        rewrite_chain(db.session.connection(), tampered.id, vote, "sửa lén", hash_of)
    named_as_edited(runner, tampered, vote)


def test_the_command_says_when_the_key_is_missing(two_cases, app, runner):
    app.config["LOG_KEY"] = None
    result = cli(runner)
    assert result.exit_code == 2
    assert "The log key is missing" in result.output
    assert "instance/log_key" in result.output and "KETNAP_LOG_KEY" in result.output
    assert "Cases checked" not in result.output  # nothing judged without it


def test_the_command_says_when_the_key_is_not_the_logs(two_cases, app, runner):
    app.config["LOG_KEY"] = "not the key the log was written with"
    result = cli(runner)
    assert result.exit_code == 2
    assert "The key is not the one the log was written with" in result.output
    assert "Cases checked" not in result.output


def test_acting_without_the_key_is_refused(two_cases, app, world):
    _tampered, other = two_cases
    app.config["LOG_KEY"] = None
    before = len(events_of(other.id))
    with pytest.raises(LogKeyMissing):
        record_act(other.id, "withdraw", world["sec_b1"], date(2022, 1, 5), {}, reason="Xin rút")
    assert len(events_of(other.id)) == before


# --- the tables against the logs ------------------------------------------------------------------

def set_column(table, row_id, **values):
    """An UPDATE of a table the guards read, as whoever holds the database could run it."""
    db.session.rollback()
    db.session.execute(table.update().where(table.c.id == row_id).values(**values))
    db.session.commit()
    db.session.expire_all()


@pytest.mark.parametrize("column, value, shown", [
    ("full_name", "Nguyễn Văn Giả", "'Nguyễn Văn Giả', the log says 'Phùng Tấn Thắng'"),
    ("date_of_birth", date(1960, 1, 1), "'1960-01-01', the log says '1995-"),
    ("education", "postgraduate", "'postgraduate', the log says"),
    ("sex", "female", "'female', the log says 'male'"),
    ("residence", "Hà Nội", "'Hà Nội', the log says"),
    ("stage", "probation", "'probation', the log says 'ceremony'"),
    ("stage_entered_on", date(2022, 2, 2), "'2022-02-02', the log says"),
])
def test_an_edited_case_column_is_named(two_cases, runner, column, value, shown):
    tampered, _other = two_cases
    set_column(Case.__table__, tampered.id, **{column: value})
    result = cli(runner)
    assert result.exit_code == 1
    assert f"case {tampered.id} (" in result.output and f"): {column}: stored {shown}" in result.output
    assert "Differences between the cases' tables and their logs: " in result.output


def test_a_case_moved_to_another_branch_is_named(two_cases, world, runner):
    tampered, _other = two_cases
    set_column(Case.__table__, tampered.id, branch_id=world.branch_b1.id)
    result = cli(runner)
    assert result.exit_code == 1
    assert (f"case {tampered.id} (Phùng Tấn Thắng, Chi bộ khối phố B1): branch_id: stored {world.branch_b1.id}, "
            f"the log says {world.branch_a1.id}") in result.output


def test_an_edited_dossier_item_enrolment_or_deadline_is_named(two_cases, runner):
    tampered, other = two_cases
    item = db.session.execute(select(DossierItem).where(DossierItem.case_id == tampered.id,
                                                         DossierItem.received.is_(True))
                              .order_by(DossierItem.id)).scalars().first()
    enrolment = db.session.execute(select(Enrolment).where(Enrolment.case_id == tampered.id)).scalar_one()
    deadline = db.session.execute(select(CaseDeadline).where(CaseDeadline.case_id == other.id)).scalars().first()
    assert deadline is not None, "the case awaiting its decision has a running deadline"
    item_key, class_id, deadline_id, deadline_key = item.item_key, enrolment.class_id, deadline.id, deadline.key
    set_column(DossierItem.__table__, item.id, received=False)
    set_column(Enrolment.__table__, enrolment.id, certificate_number="GIẢ-001")
    set_column(CaseDeadline.__table__, deadline_id, due_on=date(2030, 1, 1))
    result = cli(runner)
    assert result.exit_code == 1
    assert f"dossier_item {item_key}: received: stored False, the log says True" in result.output
    assert f"enrolment in class {class_id}: certificate_number: stored 'GIẢ-001', the log says 'CN-001'" \
        in result.output
    assert f"case {other.id} (Trần Văn Bình, Chi bộ khối phố B1): case_deadline {deadline_key}: due_on: " \
           "stored '2030-01-01', the log says '20" in result.output


def test_the_replay_reads_a_fixed_number_of_statements_per_chunk(two_cases, count_statements):
    with count_statements() as one_at_a_time:
        assert case_differences(chunk=1) == (2, [])
    with count_statements() as both:
        assert case_differences(chunk=2) == (2, [])
    per_chunk = one_at_a_time.count - both.count
    assert per_chunk > 0 and both.count == per_chunk + 2  # the calendar and the last, empty, page of ids


# --- accounts against their histories -----------------------------------------------------------------

@contextlib.contextmanager
def history_unguarded():
    """account_change's append-only triggers out of the way for the block, then committed."""
    db.session.rollback()
    with tampering("account_change"):
        yield
    db.session.expire_all()


def test_accounts_changed_through_the_application_verify(two_cases, world, runner):
    made = create_user(world["admin"], "sec_new", "SEC NEW", "secretary", world.branch_a2, "mat-khau-dai-1")
    update_user(world["admin"], made, "SEC MỚI", "committee", world.commune_a)
    set_active(world["admin"], made, False, "Nghỉ việc")
    created = db.session.execute(select(AccountChange).where(AccountChange.user_id == made.id)
                                 .order_by(AccountChange.id)).scalars().first()
    assert created.action == "created" and created.changes == {
        "display_name": [None, "SEC NEW"], "role": [None, "secretary"], "unit_id": [None, world.branch_a2.id],
        "active": [None, True]}
    result = cli(runner)
    assert result.exit_code == 0, result.output
    assert "Accounts checked: 8" in result.output and "Differences between the accounts and their histories: 0" \
        in result.output


@pytest.mark.parametrize("column, value, shown", [
    ("role", "admin", "role: stored 'admin', its history says 'secretary'"),
    ("active", False, "active: stored False, its history says True"),
    ("display_name", "Kẻ giả", "display_name: stored 'Kẻ giả', its history says 'SEC_A1'"),
])
def test_an_edited_account_is_named(two_cases, world, runner, column, value, shown):
    account = world["sec_a1"]
    set_column(User.__table__, account.id, **{column: value})
    result = cli(runner)
    assert result.exit_code == 1
    assert f"account {account.id} (sec_a1): {shown}" in result.output


def test_an_account_moved_to_another_unit_is_named(two_cases, world, runner):
    account = world["sec_a1"]
    set_column(User.__table__, account.id, unit_id=world.town.id)
    result = cli(runner)
    assert f"account {account.id} (sec_a1): unit_id: stored {world.town.id}, its history says " \
           f"{world.branch_a1.id}" in result.output


def test_an_edited_history_row_is_named_even_with_the_account_to_match(two_cases, world, runner):
    """Making sec_a1 an admin in both the account and its "created" row: the row's hash tells."""
    account = world["sec_a1"]
    row = db.session.execute(select(AccountChange).where(AccountChange.user_id == account.id)).scalar_one()
    changes = dict(row.changes, role=[None, "admin"])
    with history_unguarded():
        db.session.execute(AccountChange.__table__.update().where(AccountChange.__table__.c.id == row.id)
                           .values(changes=changes))
    set_column(User.__table__, account.id, role="admin")
    result = cli(runner)
    assert result.exit_code == 1
    assert f"account {account.id} (sec_a1): history: stored 'change no. 1 (created)', its history says " \
           "'its content no longer matches its hash: it was changed'" in result.output
