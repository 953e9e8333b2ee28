"""The audit pages: who may open them (committees, the board and the administrator; a secretary
gets 403), scope (commune A never sees commune B), the filters, the flags (entered late,
back-dated), the per-case rows with their hashes, the export, and a fixed number of statements
whatever the size of the log."""
import csv
import io
import re
from datetime import date

import pytest

from conftest import append_entry

from audit_support import events_of
from pages_support import pages, section, text  # noqa: F401  (pages is a fixture)
from pipeline.base import clock
from pipeline.audit.head import unit_head
from pipeline.extensions import db
from pipeline.transaction import one_transaction
from pipeline.workflow import operations

pytestmark = pytest.mark.usefixtures("english")
AUDIT_PAGES = ["/audit/", "/audit/verify", "/audit/anomalies"]


@pytest.fixture
def cases(world, make_case):
    """One case in commune A (up to the decision's wait) and one in commune B, by name."""
    return {"a": make_case("committee_review", full_name="Nguyễn Văn An"),
            "b": make_case("dossier", branch=world.branch_b1, full_name="Trần Văn Bình")}


def listed(response):
    """(case id, seq, event) of each row of the list."""
    return [(int(c), int(s), e) for c, s, e in re.findall(
        r'<tr data-row="\d+" data-case="(\d+)" data-seq="(\d+)" data-event="(\w+)">', response.get_data(as_text=True))]


# --- access -----------------------------------------------------------------------------------

@pytest.mark.parametrize("username, status", [
    ("sec_a1", 403), ("sec_b1", 403), ("com_a", 200), ("com_b", 200), ("board", 200), ("admin", 200)])
def test_who_may_open_the_audit_pages(cases, pages, username, status):
    pages.login(username)
    for url in AUDIT_PAGES + [f"/audit/cases/{cases['a'].id}"]:
        expected = 404 if status == 200 and username == "com_b" and "/cases/" in url else status
        assert pages.get(url).status_code == expected, url


def test_the_menu_shows_the_audit_to_those_who_may_open_it(cases, pages):
    pages.login("board")
    assert 'href="/audit/"' in pages.get("/").get_data(as_text=True)
    pages.login("sec_a1")
    assert 'href="/audit/"' not in pages.get("/").get_data(as_text=True)


def test_logged_out_is_sent_to_login(cases, client):
    assert client.get("/audit/").status_code == 302


def test_commune_a_never_sees_commune_b(cases, pages, world):
    pages.login("com_a")
    page = pages.get("/audit/")
    rows = listed(page)
    assert rows and {case for case, _seq, _event in rows} == {cases["a"].id}
    assert "Trần Văn Bình" not in text(page)
    users = section(page, "user")  # the filter's choices: no one of commune B
    assert "SEC_A1" in users and "BOARD" in users and "SEC_B1" not in users and "COM_B" not in users
    # Asking for commune B's unit or user changes nothing; its case is a 404.
    assert listed(pages.get(f"/audit/?unit={world.commune_b.id}")) == rows
    assert listed(pages.get(f"/audit/?user={world['sec_b1'].id}")) == rows
    assert pages.get(f"/audit/cases/{cases['b'].id}").status_code == 404
    export = pages.get("/audit/?format=csv").get_data(as_text=True)
    assert "Nguyễn Văn An" in export and "Trần Văn Bình" not in export


def test_the_board_sees_both_communes_newest_entry_first(cases, pages):
    pages.login("board")
    rows = listed(pages.get("/audit/?per_page=200"))
    assert {case for case, _seq, _event in rows} == {cases["a"].id, cases["b"].id}
    assert rows[0][0] == cases["b"].id  # made after commune A's case
    assert len(rows) == len(events_of(cases["a"].id)) + len(events_of(cases["b"].id))


# --- filters ----------------------------------------------------------------------------------

def test_the_filters(cases, pages, world):
    pages.login("board")
    everything = events_of(cases["a"].id) + events_of(cases["b"].id)
    assert {e for _c, _s, e in listed(pages.get("/audit/?event=record_branch_vote"))} == {"record_branch_vote"}
    by_secretary = listed(pages.get(f"/audit/?user={world['sec_a1'].id}&per_page=200"))
    assert {(c, s) for c, s, _e in by_secretary} == {
        (row.case_id, row.seq) for row in everything if row.actor_id == world["sec_a1"].id}
    in_branch = listed(pages.get(f"/audit/?unit={world.branch_b1.id}&per_page=200"))
    assert {c for c, _s, _e in in_branch} == {cases["b"].id}
    period = listed(pages.get("/audit/?from=2021-11-01&to=2021-12-31&per_page=200"))
    assert {(c, s) for c, s, _e in period} == {
        (row.case_id, row.seq) for row in everything
        if date(2021, 11, 1) <= row.effective_date <= date(2021, 12, 31)}
    today = clock.today().isoformat()
    assert len(listed(pages.get(f"/audit/?from={today}&to={today}&by=entered&per_page=200"))) == len(everything)
    assert listed(pages.get(f"/audit/?from={today}&by=effective")) == []
    # Nonsense is ignored, not an error.
    assert pages.get("/audit/?from=yesterday&event=drop_table&user=x&unit=99999&by=z").status_code == 200


# --- flags ------------------------------------------------------------------------------------

def test_entered_late_and_back_dated(world, make_case, pages):
    """The world's cases are entered today for acts of 2021: all late. A case spotted today is
    not; a fact dated before the act before it is back-dated, a dossier document is not."""
    old = make_case("training")
    with one_transaction():
        fresh = operations.open_case(world["sec_a1"], world.branch_a1, clock.today(),
                                     dict(full_name="Lê Thị Hoa", date_of_birth=date(1999, 1, 1), sex="female",
                                          ethnicity="Kinh", education="upper_secondary",
                                          source_organisation="youth_union")).case
    # The guards refuse a back-dated act today: one entered before them (or imported) is written as is.
    back = append_entry(old.id, "record_training_result", world["board"], date(2021, 8, 1),
                        {"class_id": world.training_class.id, "result": "absent"})
    pages.login("board")
    page = pages.get("/audit/?per_page=200").get_data(as_text=True)
    blocks = re.findall(r'(<tr data-row="\d+" data-case="(\d+)" data-seq="(\d+)".*?</tr>)', page, re.S)
    flags = {(int(c), int(s)): ("entered-late" in block, "back-dated" in block) for block, c, s in blocks}
    assert flags[(fresh.id, 1)] == (False, False)
    assert flags[(old.id, 1)][0] is True
    assert flags[(old.id, back.seq)] == (True, True)
    assert not any(back_dated for (case_id, seq), (_late, back_dated) in flags.items() if seq != back.seq)
    late_days = re.search(r"entered late \((\d+) days\)", text(pages.get("/audit/?per_page=200"))).group(1)
    assert int(late_days) > 30
    # The case's own audit page flags the same rows.
    case_page = pages.get(f"/audit/cases/{old.id}").get_data(as_text=True)
    row = re.search(r'<tr id="act-%d".*?</tr>' % back.seq, case_page, re.S).group(0)
    assert "back-dated" in row and "entered-late" in row
    export = list(csv.reader(io.StringIO(pages.get("/audit/?format=csv").get_data(as_text=True).lstrip("\ufeff"))))
    header, body = export[0], export[1:]
    assert header[:3] == ["Took effect", "Entered at", "Case no."] and header[-2:] == ["Entered late", "Back-dated"]
    backrow = next(r for r in body if r[2] == str(old.id) and r[5] == str(back.seq))
    assert backrow[0] == "2021-08-01" and backrow[-2:] == ["Yes", "Yes"]
    assert next(r for r in body if r[2] == str(fresh.id))[-2:] == ["", ""]


# --- one case ---------------------------------------------------------------------------------

def test_the_case_page_shows_every_row_with_its_hashes(cases, pages):
    case = cases["a"]
    events = events_of(case.id)
    pages.login("com_a")
    page = pages.get(f"/audit/cases/{case.id}")
    html = page.get_data(as_text=True)
    assert section(page, "chain-status").startswith("Every row of this case is linked")
    hashes = re.findall(r'<code class="hash" title="([0-9a-f]{64})">', html)
    previous = re.findall(r'<code class="prev-hash" title="([0-9a-f]{64})">', html)
    assert hashes == [row.hash for row in events]
    assert previous[1:] == hashes[:-1] and previous[0] == "0" * 64
    assert f"Chain head now: {events[-1].hash[:12]} (acts: {len(events)})" in text(page)
    vote = section(page, f"act-{len(events)}")
    assert "Record the branch vote" in vote and "SEC_A1" in vote and "01/12/2021" in vote


def test_the_audit_page_shows_the_head_the_report_prints(cases, pages, world):
    pages.login("board")
    head = unit_head(world.town)
    expected = f"Chain head of {world.town.name} now: {head.hash} (cases: 2, acts: {head.acts})"
    assert expected in text(pages.get("/audit/"))
    assert f'data-unit-chain-head="{head.hash}"' in pages.get("/reports/year?year=2022").get_data(as_text=True)
    commune = unit_head(world.commune_a)
    assert f"now: {commune.hash} (cases: 1," in text(pages.get(f"/audit/?unit={world.commune_a.id}"))


# --- export and statements ----------------------------------------------------------------------

def test_the_export_has_every_row_of_the_filter(cases, pages):
    pages.login("board")
    csv_rows = pages.get("/audit/?format=csv&event=spot").get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert len(csv_rows) == 1 + 2
    xlsx = pages.get("/audit/?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    assert pages.get("/audit/?format=pdf").status_code == 404


def test_the_list_runs_the_same_statements_for_ten_times_the_rows(world, make_case, pages, count_statements):
    branches = [world.branch_a1, world.branch_a2, world.branch_b1]

    def grow(start, n):
        return [make_case("dossier", branch=branches[i % 3], full_name=f"Nguyễn Văn {chr(65 + i % 26)}")
                for i in range(start, start + n)]

    (first,) = grow(0, 1)
    pages.login("board")
    rows_few = len(events_of(first.id))
    pages.get("/audit/")
    with count_statements() as few:
        assert pages.get("/audit/").status_code == 200
    grow(1, 9)
    with count_statements() as many:
        response = pages.get("/audit/")
    assert len(listed(response)) == min(50, 10 * rows_few)
    with count_statements() as filtered:
        pages.get(f"/audit/?unit={world.commune_a.id}&event=spot&from=2021-01-01&by=entered&page=1")
    with count_statements() as case_page:
        pages.get(f"/audit/cases/{first.id}")
    # A chosen unit is one more statement (looked up by its id, the scope's units never read).
    assert many.count == few.count == filtered.count - 1 <= 6
    print(f"audit list: {few.count} statements for {rows_few} rows, {many.count} for {10 * rows_few}; "
          f"case page: {case_page.count}")
