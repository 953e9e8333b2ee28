"""Exports to XLSX and CSV: the candidate list and a training class's attendees, every row the
page's filters select in the user's scope, streamed without reading the rows up front."""
import csv
import io
import os
import re
import threading
from datetime import date, datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import text as sql

from conftest import PASSWORD
from pages_support import pages  # noqa: F401  (a fixture)
from pipeline.base import clock
from pipeline.cases.export import CASE_COLUMNS
from pipeline.exports import Column, export_response
from pipeline.exports.response import ascii_name, utf8_name
from pipeline.exports.xlsx_file import sheet_title
from pipeline.extensions import db
from pipeline.workflow import operations
from pipeline.workflow.log import load_log
from pipeline.workflow.voiding import void_act
from xlsx_support import header_row, sheet_table, table, title_lines

NAMES = {"branch_a1": "Phùng Tấn Thắng", "branch_a2": "Lê Thị Hoa", "branch_b1": "Trần Văn Bình",
         "branch_direct": "Đỗ Minh Quân"}
# The page's columns first; then every particular and step of the history import (tests/test_import_history.py).
HEADERS = ["Full name", "Date of birth", "Sex", "Branch", "Stage", "Since", "Introduced by", "Reason"]
HEADERS_VI = ["Họ và tên", "Ngày sinh", "Giới tính", "Chi bộ", "Giai đoạn", "Từ ngày", "Tổ chức giới thiệu", "Lý do"]
PAGE_COLUMNS = len(HEADERS)


@pytest.fixture
def one_case_per_branch(world, make_case):
    return {code: make_case(branch=getattr(world, code), full_name=name).id for code, name in NAMES.items()}


def xlsx_rows(response):
    """The sheet's rows as values; dates come back as datetimes from openpyxl."""
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return sheet_table(response.data)  # from the header row: the title rows above it are for people


def csv_rows(response):
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))


def page_rows(response):
    """The cells of the list page's table, as the user reads them."""
    html = response.get_data(as_text=True)
    body = html[html.index('id="candidates"'):]
    body = body[body.index("<tbody>"):body.index("</tbody>")]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        rows.append([" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells])
    return rows


def day(value):
    return value.strftime("%d/%m/%Y")


# --- the candidate list --------------------------------------------------------------------------

def test_the_xlsx_export_has_the_rows_the_page_shows(pages, world, make_case):
    make_case("training", full_name="Phùng Tấn Thắng")
    make_case(full_name="Nguyễn Thị Ánh Tuyết", date_of_birth=date(1998, 12, 1), sex="female")
    make_case(full_name="Đặng Văn Lộc", source_organisation="trade_union")
    pages.login("sec_a1")
    page = page_rows(pages.get("/candidates/"))
    rows = xlsx_rows(pages.get("/candidates/?format=xlsx"))
    assert rows[0][:PAGE_COLUMNS] == HEADERS
    assert {"Ethnicity", "Education", "Residence", "Branch code", "Date spotted", "1-KNĐ"} <= set(rows[0])
    assert len(rows) == 1 + 3
    shown = [[name, day(born), branch, stage, day(since)] for name, born, _sex, branch, stage, since, _by, _reason
             in (row[:PAGE_COLUMNS] for row in rows[1:])]
    assert shown == page  # same cases, same order, same text
    # By given name, as offices list people: Lộc, Thắng, Tuyết.
    assert [row[0] for row in rows[1:]] == ["Đặng Văn Lộc", "Phùng Tấn Thắng", "Nguyễn Thị Ánh Tuyết"]
    loc, thang, tuyet = rows[1:]
    assert tuyet[1] == datetime(1998, 12, 1) and tuyet[2] == "Female"
    assert loc[6] == "Trade Union (Công đoàn)" and loc[7] is None
    assert thang[4] == "Political training class" and thang[5] == datetime(2021, 9, 1)


def test_the_xlsx_export_has_real_dates_a_bold_frozen_header_and_its_name(pages, world, make_case):
    make_case(full_name="Phùng Tấn Thắng")
    pages.login("sec_a1")
    response = pages.get("/candidates/?format=xlsx")
    stamp = clock.today().strftime("%Y%m%d")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename=Candidates-{stamp}.xlsx" in disposition
    assert f"filename*=UTF-8''Candidates-{stamp}.xlsx" in disposition
    assert "no-store" in response.headers["Cache-Control"]
    sheet = load_workbook(BytesIO(response.data)).active
    assert sheet.title == "Candidates"
    header = header_row(sheet)
    assert title_lines(sheet) == ["Candidates", "Unit: Chi bộ thôn A1 – Đảng bộ xã A",
                                  f"Made on {clock.today():%d/%m/%Y}"]
    assert sheet.freeze_panes == f"A{header + 1}"
    assert all(cell.font.b for cell in sheet[header])
    born = sheet[f"B{header + 1}"]
    assert born.is_date and born.value == datetime(1995, 3, 15) and born.number_format == "DD/MM/YYYY"
    assert sheet.column_dimensions["A"].width >= len("Phùng Tấn Thắng")


def test_the_export_speaks_vietnamese(pages, world, make_case):
    make_case(full_name="Phùng Tấn Thắng")
    pages.login("sec_a1")
    response = pages.get("/candidates/?format=xlsx&lang=vi")
    stamp = clock.today().strftime("%Y%m%d")
    assert f"filename=Quan-chung-{stamp}.xlsx" in response.headers["Content-Disposition"]
    assert "filename*=UTF-8''Qu%E1%BA%A7n-ch%C3%BAng-" in response.headers["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.data)).active
    assert sheet.title == "Quần chúng"
    rows = table(sheet)
    assert rows[0][:PAGE_COLUMNS] == HEADERS_VI
    assert rows[1][2] == "Nam" and rows[1][4] == "Tạo nguồn, bồi dưỡng"
    assert csv_rows(pages.get("/candidates/?format=csv&lang=vi"))[0][:PAGE_COLUMNS] == HEADERS_VI


def test_the_csv_export_has_the_same_rows_with_iso_dates(pages, world, make_case):
    make_case("training", full_name="Phùng Tấn Thắng")
    make_case(full_name="Nguyễn Thị Ánh Tuyết", date_of_birth=date(1998, 12, 1), sex="female")
    pages.login("sec_a1")
    spreadsheet = xlsx_rows(pages.get("/candidates/?format=xlsx"))
    rows = csv_rows(pages.get("/candidates/?format=csv"))
    as_text = [["" if v is None else v.date().isoformat() if isinstance(v, datetime) else str(v) for v in row]
               for row in spreadsheet]
    assert rows == as_text
    # yyyy-mm-dd: 01/12/1998 would be January the 12th to an Excel set up for the United States.
    assert rows[2][:2] == ["Nguyễn Thị Ánh Tuyết", "1998-12-01"]  # after Thắng: by given name
    response = pages.get("/candidates/?format=csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.count(b"\r\n") == 3


@pytest.mark.parametrize("username", ["sec_a1", "sec_b1", "com_a", "board"])
def test_the_export_keeps_to_the_users_scope(pages, world, one_case_per_branch, username):
    scope = {"sec_a1": {"branch_a1"}, "sec_b1": {"branch_b1"}, "com_a": {"branch_a1", "branch_a2"},
             "board": set(NAMES)}[username]
    pages.login(username)
    for fmt, read in (("xlsx", xlsx_rows), ("csv", csv_rows)):
        names = {row[0] for row in read(pages.get(f"/candidates/?format={fmt}"))[1:]}
        assert names == {NAMES[code] for code in scope}, fmt


def test_a_unit_outside_scope_cannot_widen_the_export(pages, world, one_case_per_branch):
    pages.login("com_a")
    names = {row[0] for row in xlsx_rows(pages.get(f"/candidates/?format=xlsx&unit={world.commune_b.id}"))[1:]}
    assert names == {NAMES["branch_a1"], NAMES["branch_a2"]}


def test_the_export_follows_the_filters_and_search_and_ignores_the_page(pages, world, make_case):
    for n in range(4):
        make_case(full_name=f"Nguyễn Văn Số {n}")
    make_case("training", full_name="Trần Thị Học")
    make_case(branch=world.branch_a2, full_name="Lê Văn Trường")
    pages.login("com_a")

    def names(query):
        return [row[0] for row in xlsx_rows(pages.get(f"/candidates/?format=xlsx&{query}"))[1:]]

    assert names("stage=training") == ["Trần Thị Học"]
    assert names("q=so") == [f"Nguyễn Văn Số {n}" for n in range(4)]
    assert names(f"unit={world.branch_a2.id}") == ["Lê Văn Trường"]
    assert len(names("per_page=2&page=2")) == 6  # every row, not one page
    assert names("stage=training&q=nguyen") == []


def test_the_list_page_links_to_its_exports_with_the_current_filters(pages, world, make_case):
    for n in range(3):
        make_case(full_name=f"Nguyễn Văn Số {n}")
    pages.login("sec_a1")
    html = pages.get("/candidates/?q=so&stage=spotted&per_page=2&page=2").get_data(as_text=True)
    links = re.findall(r'href="([^"]*format=(?:xlsx|csv)[^"]*)"', html)
    assert len(links) == 2
    for link in links:
        link = link.replace("&amp;", "&")
        assert link.startswith("/candidates/?") and "q=so" in link and "stage=spotted" in link
        assert "page=" not in link
    assert "Export Excel" in html and "Export CSV" in html


def test_an_unknown_format_is_not_found(pages, world, make_case):
    make_case()
    pages.login("sec_a1")
    assert pages.get("/candidates/?format=pdf").status_code == 404
    assert pages.get("/candidates/?format=").status_code == 200  # no format: the page


def test_a_formula_typed_as_text_stays_text(pages, world, make_case):
    cases = [make_case(full_name=f"Nguyễn Văn {letter}") for letter in "ABCD"]
    formulas = ['=HYPERLINK("http://evil.example","Bấm")', "+84 905 000 000", "-2+3", "@SUM(A1:A2)"]
    for case, formula in zip(cases, formulas):
        db.session.execute(sql("UPDATE candidate SET full_name = :name WHERE id = :id"),
                           {"name": formula, "id": case.id})
    db.session.commit()
    pages.login("sec_a1")
    expected = sorted("'" + formula for formula in formulas)
    response = pages.get("/candidates/?format=xlsx")
    names = [row[0] for row in table(load_workbook(BytesIO(response.data)).active, cells=True)[1:]]
    assert sorted(cell.value for cell in names) == expected
    assert all(cell.data_type == "s" for cell in names)
    assert sorted(row[0] for row in csv_rows(pages.get("/candidates/?format=csv"))[1:]) == expected


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_export_runs_the_same_queries_for_3_and_30_cases(pages, world, make_case, count_statements, fmt):
    branches = [world.branch_a1, world.branch_a2, world.branch_b1, world.branch_direct]
    for n in range(3):
        make_case(branch=branches[n % 4], full_name=f"Nguyễn Văn Số {n}")
    pages.login("board")
    pages.get(f"/candidates/?format={fmt}").get_data()  # warm up whatever is cached per process
    with count_statements() as few:
        data = pages.get(f"/candidates/?format={fmt}").get_data()  # the body is read inside the count
    assert len(data) > 0
    for n in range(3, 30):
        make_case(branch=branches[n % 4], full_name=f"Nguyễn Văn Số {n}")
    with count_statements() as many:
        response = pages.get(f"/candidates/?format={fmt}")
        rows = xlsx_rows(response) if fmt == "xlsx" else csv_rows(response)
    assert len(rows) == 1 + 30
    assert many.count == few.count
    # user, units for the filter, the cases with their logs (one statement); the read log:
    # the rows counted, the head of the user's chain and the row of this export (pipeline/readlog)
    assert few.count <= 7


def copy_cases(times):
    """`times` copies of every case (its row and its log's rows), in SQL: a list of a thousand cases
    in a second, their histories as the workflow wrote them."""
    import sqlalchemy as sa
    candidate, log = db.metadata.tables["candidate"], db.metadata.tables["case_event"]
    offset = 10 ** len(str(db.session.scalar(sa.select(sa.func.max(candidate.c.id)))))
    for copy in range(1, times + 1):
        db.session.execute(candidate.insert().from_select(
            list(candidate.c.keys()),
            sa.select(*[(column + copy * offset).label("id") if column.name == "id" else column
                        for column in candidate.c]).where(candidate.c.id < offset)))
        columns = [column for column in log.c if column.name != "id"]
        db.session.execute(log.insert().from_select(
            [column.name for column in columns],
            sa.select(*[(column + copy * offset).label(column.name) if column.name == "candidate_id" else column
                        for column in columns]).where(log.c.candidate_id < offset)))
    db.session.commit()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_runs_the_same_statements_for_4_and_1200_cases(pages, world, make_case, count_statements, fmt):
    """The logs come with their cases in one streamed statement: not one query per 500 cases."""
    make_case("probation", full_name="Phùng Tấn Thắng")
    make_case("dossier", branch=world.branch_b1, full_name="Lê Thị Hoa", sex="female")
    make_case(branch=world.branch_a2, full_name="Trần Văn Bình")
    make_case("training", branch=world.branch_direct, full_name="Đỗ Minh Quân")
    pages.login("board")
    pages.get(f"/candidates/?format={fmt}").get_data()  # warm up whatever is cached per process
    with count_statements() as few:
        response = pages.get(f"/candidates/?format={fmt}")
        first = xlsx_rows(response) if fmt == "xlsx" else csv_rows(response)
    copy_cases(299)
    with count_statements() as many:
        response = pages.get(f"/candidates/?format={fmt}")
        rows = xlsx_rows(response) if fmt == "xlsx" else csv_rows(response)
    assert len(rows) == 1 + 1200
    assert many.count == few.count
    # Every copy's row, its history's columns included, is its case's: in name order, then by id.
    assert rows[1:] == [row for row in first[1:] for _copy in range(300)]
    assert rows[0] == first[0] and len(rows[0]) == len(CASE_COLUMNS) > 60


def test_a_voided_act_is_not_in_the_exported_history(pages, world, make_case, english):
    """A vote typed wrong, voided and recorded again: the row has the vote that stands, and its
    "Earlier steps" neither the voided vote nor the void."""
    case = make_case("branch_vote", full_name="Phùng Tấn Thắng")
    operations.record_act(case.id, "record_branch_vote", world["sec_a1"], date(2021, 12, 1),
                          {"members_total": 51, "members_present": 14, "votes_for": 13, "votes_against": 1})
    void_act(case.id, world["sec_a1"], load_log(case.id)[-1].seq, "Gõ nhầm 51 thay vì 15")
    pages.login("sec_a1")
    (header, row) = csv_rows(pages.get("/candidates/?format=csv&lang=en"))
    cells = dict(zip(header, row))
    assert (cells["Stage"], cells["Branch vote on"], cells["Branch vote – official members"]) == (
        "Awaiting the branch vote", "", "")
    assert cells["Earlier steps"] == ""
    operations.record_act(case.id, "record_branch_vote", world["sec_a1"], date(2021, 12, 2),
                          {"members_total": 15, "members_present": 14, "votes_for": 13, "votes_against": 1})
    (header, row) = csv_rows(pages.get("/candidates/?format=csv&lang=en"))
    cells = dict(zip(header, row))
    assert (cells["Branch vote on"], cells["Branch vote – official members"], cells["Branch vote – in favour"]) == (
        "2021-12-02", "15", "13")
    assert cells["Earlier steps"] == "" and "51" not in ",".join(row)
    assert cells["Date spotted"] == "2021-06-01"


def test_the_export_reads_the_database_after_the_view_has_returned(app, world, make_case):
    """As in production: the view returns, its contexts are torn down (and the session removed),
    then the server reads the body. A thread starts with no context of the tests' fixture."""
    for n in range(3):
        make_case(full_name=f"Nguyễn Văn Số {n}")
    outcome = {}

    def download():
        client = app.test_client()
        client.post("/login?lang=en", data={"username": "sec_a1", "password": PASSWORD})
        response = client.get("/candidates/?format=csv", buffered=False)
        outcome["rows"] = csv_rows(response)

    worker = threading.Thread(target=download)
    worker.start()
    worker.join()
    assert [row[0] for row in outcome["rows"][1:]] == [f"Nguyễn Văn Số {n}" for n in range(3)]


# --- a training class's attendees ------------------------------------------------------------------

def test_a_class_exports_its_attendees_from_the_users_units(pages, world, make_case):
    make_case("training", full_name="Phùng Tấn Thắng")
    make_case("dossier", full_name="Lê Thị Hoa")  # passed, with a certificate
    make_case("training", branch=world.branch_b1, full_name="Trần Văn Bình")
    class_id = world.training_class.id
    pages.login("board")
    html = pages.get(f"/training/{class_id}").get_data(as_text=True)
    assert f"/training/{class_id}?format=xlsx" in html and f"/training/{class_id}?format=csv" in html
    rows = xlsx_rows(pages.get(f"/training/{class_id}?format=xlsx"))
    assert rows[0] == ["Full name", "Branch", "Stage", "Enrolled", "Result", "Certificate number",
                       "Certificate date", "Valid until"]
    assert [row[0] for row in rows[1:]] == ["Trần Văn Bình", "Lê Thị Hoa", "Phùng Tấn Thắng"]  # by given name
    hoa = rows[2]
    assert hoa[3] == datetime(2021, 9, 1) and hoa[5] == "CN-001" and hoa[6] == datetime(2021, 9, 15)
    assert isinstance(hoa[7], datetime) and hoa[7] > hoa[6]
    assert rows[3][4:] == [None, None, None, None]
    response = pages.get(f"/training/{class_id}?format=csv")
    assert "filename=Lop-boi-duong-1-2021-" in response.headers["Content-Disposition"]
    pages.login("sec_a1")
    names = [row[0] for row in csv_rows(pages.get(f"/training/{class_id}?format=csv"))[1:]]
    assert names == ["Lê Thị Hoa", "Phùng Tấn Thắng"]


# --- export_response itself --------------------------------------------------------------------------

COLUMNS = [Column("Name"), Column("Day", "date"), Column("Count", "int"), Column("Share", "percent"),
           Column("Amount", "number")]


class Recorder:
    """Rows made on demand, counting how many were taken."""

    def __init__(self, total, fail_at=None):
        self.total, self.fail_at, self.taken = total, fail_at, 0

    def __iter__(self):
        for n in range(self.total):
            if n == self.fail_at:
                raise RuntimeError("the database went away")
            self.taken += 1
            yield (f"Người số {n} " + "x" * 40, date(2022, 1, 1), n, 1.34, 2.5)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_rows_are_read_only_while_the_body_is_sent(app, fmt):
    rows = Recorder(5000)
    with app.test_request_context("/"):
        response = export_response(fmt, "Người", COLUMNS, iter(rows))
        assert rows.taken == 0
        body = iter(response.response)
        first = next(body)
        if fmt == "csv":
            assert 0 < rows.taken < 5000  # sent in chunks as the rows come
        data = first + b"".join(body)
    assert rows.taken == 5000
    if fmt == "csv":
        lines = data.decode("utf-8-sig").split("\r\n")
        assert lines[0] == "Name,Day,Count,Share,Amount"
        assert lines[1] == f"Người số 0 {'x' * 40},2022-01-01,0,134%,2.5"
    else:
        sheet = load_workbook(BytesIO(data)).active
        first = header_row(sheet) + 1
        assert sheet.max_row == first + 4999
        assert sheet[f"D{first}"].number_format == "0%" and sheet[f"D{first}"].value == 1.34
        assert sheet[f"C{first + 1}"].value == 1 and sheet[f"E{first}"].value == 2.5


def test_a_failed_xlsx_export_leaves_no_temporary_file(app, tmp_path, monkeypatch):
    import tempfile
    from openpyxl.worksheet import _writer
    scratch = tmp_path / "scratch"  # both our file and openpyxl's go to the default temporary directory
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    before = list(_writer.ALL_TEMP_FILES)
    with app.test_request_context("/"):
        response = export_response("xlsx", "x", COLUMNS, iter(Recorder(500, fail_at=300)))
        with pytest.raises(RuntimeError):
            b"".join(response.response)
    assert _writer.ALL_TEMP_FILES == before
    assert os.listdir(scratch) == []


def test_names_are_safe_for_files_and_sheets():
    assert ascii_name("Lớp bồi dưỡng 1/2021") == "Lop-boi-duong-1-2021"
    assert ascii_name("Đảng bộ xã Điện Hòa") == "Dang-bo-xa-Dien-Hoa"
    assert utf8_name("Lớp bồi dưỡng 1/2021") == "Lớp-bồi-dưỡng-1-2021"
    assert ascii_name("???") == "export"
    assert sheet_title("Lớp bồi dưỡng nhận thức về Đảng khóa 1/2022 [xã]") == "Lớp bồi dưỡng nhận thức về Đảng"
    assert sheet_title("a/b:c*d?") == "a-b-c-d-"
    assert sheet_title("''") == "Sheet1"
    # Cut after a whole word, never inside one; unique within the workbook, ignoring case.
    assert sheet_title("Kết nạp 2022 Đảng bộ thị xã Điện Bàn") == "Kết nạp 2022 Đảng bộ thị xã"
    assert sheet_title("Kếtnạp2022ĐảngbộthịxãĐiệnBànQuảngNam") == "Kếtnạp2022ĐảngbộthịxãĐiệnBànQuả"
    assert sheet_title("Quotas 2022", taken=["quotas 2022"]) == "Quotas 2022 (2)"
    assert sheet_title("Kết nạp 2022 Đảng bộ thị xã Điện Bàn", taken=["Kết nạp 2022 Đảng bộ thị xã"]) == \
        "Kết nạp 2022 Đảng bộ thị xã (2)"
    assert sheet_title("Kết nạp năm 2022 Đảng bộ thị xã Điện Bàn", taken=["Kết nạp năm 2022 Đảng bộ thị xã"]) == \
        "Kết nạp năm 2022 Đảng bộ (2)"


def test_a_column_kind_must_be_known():
    with pytest.raises(ValueError):
        Column("Name", "money")


def test_the_list_of_classes_exports_what_it_shows(pages, world, make_case):
    make_case("training", full_name="Phùng Tấn Thắng")
    make_case("training", branch=world.branch_b1, full_name="Trần Văn Bình")
    pages.login("board")
    html = pages.get("/training/").get_data(as_text=True)
    assert "/training/?format=xlsx" in html and "/training/?format=csv" in html
    rows = xlsx_rows(pages.get("/training/?format=xlsx"))
    assert rows[0] == ["Class", "Organised by", "Organiser unit", "Starts", "Ends", "Place", "Attendees"]
    training_class = world.training_class
    assert len(rows) == 2
    assert rows[1][0] == training_class.name and rows[1][6] == 2
    assert rows[1][3] == datetime.combine(training_class.starts_on, datetime.min.time())
    assert csv_rows(pages.get("/training/?format=csv"))[1][0] == training_class.name
