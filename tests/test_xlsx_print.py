"""Every XLSX export prints as a document an office accepts: title rows saying what it is, the
unit, the period or the filters and the day it was made; A4 landscape fitted to the page's width
with the header repeated on every page; a sheet name cut after a whole word. Opened with
openpyxl as LibreOffice and Excel read it."""
import re

import pytest
from openpyxl.worksheet.worksheet import Worksheet

from pages_support import pages  # noqa: F401  (a fixture)
from pipeline.base import clock
from xlsx_support import header_row, table, title_lines, workbook_of


def title_rows(sheet):
    """The title's rows: the first rows, in the title's font (a long title wraps)."""
    rows = []
    for row in sheet.iter_rows(min_row=1, max_row=header_row(sheet) - 1, max_col=1):
        if row[0].value is None or row[0].font.sz != 13:
            break
        rows.append(row[0].value)
    return rows

MADE = "Made on {:%d/%m/%Y}"
A1 = "Unit: Chi bộ thôn A1 – Đảng bộ xã A"
TOWN = "Unit: Đảng bộ thị xã Thử"
COMMUNE_A = "Unit: Đảng bộ xã A – Đảng bộ thị xã Thử"
COUNTED = "Admissions counted by the date of the admission ceremony"

# user, address, sheet name, title, lines under the title (the unit, the period or the filters)
EXPORTS = [
    ("sec_a1", "/candidates/?format=xlsx", "Candidates", "Candidates", [A1]),
    ("com_a", "/candidates/?format=xlsx&stage=training&q=Phung", "Candidates", "Candidates",
     [COMMUNE_A, "Filters: Name: “Phung”; Stage: Political training class"]),
    ("board", "/training/?format=xlsx", "Training classes", "Training classes", [TOWN]),
    ("board", "/training/{class_id}?format=xlsx", "Attendees", "Lớp bồi dưỡng 1/2021",
     [TOWN, "Period: from 01/09/2021 to 10/09/2021"]),
    ("board", "/quotas/?year=2022&format=xlsx", "Plan and actual 2022", "Quotas 2022 Đảng bộ thị xã Thử",
     [TOWN, "Period: from 01/01/2022 to 31/12/2022", COUNTED]),
    ("board", "/audit/?format=xlsx", "Audit log", "Audit log Đảng bộ thị xã Thử", [TOWN]),
    ("board", "/audit/?format=xlsx&from=2021-01-01&to=2022-12-31", "Audit log", "Audit log Đảng bộ thị xã Thử",
     [TOWN, "Filters: From: 01/01/2021; To: 31/12/2022"]),
    ("board", "/audit/anomalies?format=xlsx", "Anomalies", "Anomalies Đảng bộ thị xã Thử", [TOWN]),
    ("com_a", "/dashboard/?format=xlsx&kind=village", "Where cases are stuck", "Where cases are stuck: Đảng bộ xã A",
     [COMMUNE_A, "Filters: Branch kind: Village branch", "Figures as of {today}"]),
    ("sec_a1", "/dashboard/?format=xlsx", "Where cases are stuck", "Where cases are stuck: Chi bộ thôn A1",
     [A1, "Figures as of {today}"]),
    ("com_a", "/dashboard/cases?which=all&format=xlsx", "All cases", "All cases · Đảng bộ xã A",
     [COMMUNE_A, "Figures as of {today}"]),
    ("sec_a1", "/dashboard/deadlines?when=month&format=xlsx", None, None, [A1, "Figures as of {today}"]),
    ("admin", "/admin/units/export?format=xlsx", "units", "units", [TOWN]),
    ("admin", "/admin/users/export?format=xlsx", "accounts", "accounts", [TOWN]),
    ("admin", "/admin/units/import/template?format=xlsx", "units", "units", [TOWN]),
    ("com_a", "/candidates/import/template?format=xlsx", "Cases to import", "Cases to import", []),
]


def open_export(pages, world, user, address):
    pages.login(user)
    response = pages.get(address.format(class_id=world.training_class.id))
    assert response.status_code == 200, (address, response.status_code)
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return workbook_of(response.data)


@pytest.mark.parametrize("user, address, sheet_name, title, lines", EXPORTS, ids=[e[1] for e in EXPORTS])
def test_each_export_prints_as_a_document(pages, world, make_case, user, address, sheet_name, title, lines):
    make_case("training", full_name="Phùng Tấn Thắng")
    workbook = open_export(pages, world, user, address)
    assert len(workbook.worksheets) == 1
    sheet = workbook.active
    heading = title_lines(sheet)
    today = clock.today()
    # The title first, then the unit and the period or filters, the day it was made last.
    if title is not None:
        assert heading[0] == title
    assert heading[1:-1] == [line.format(today=f"{today:%d/%m/%Y}") for line in lines]
    assert_printable(sheet, sheet_name)


def test_each_sheet_of_the_year_report_prints_as_a_document(pages, world, make_case):
    make_case("probation", full_name="Phùng Tấn Thắng")
    workbook = open_export(pages, world, "board", "/reports/year?year=2022&until=2022-09-30&format=xlsx")
    assert len(workbook.worksheets) > 1
    names = [sheet.title for sheet in workbook.worksheets]
    assert len({name.casefold() for name in names}) == len(names)
    for sheet in workbook.worksheets:
        titled = title_rows(sheet)  # a long title wraps over rows as wide as the table
        heading = title_lines(sheet)[len(titled):]
        assert " ".join(titled).startswith("Admissions 2022 Đảng bộ thị xã Thử")
        assert heading[0] == TOWN
        # What each section is as of: the period of its admissions, or the report's end date.
        assert "Period: from 01/01/2022 to 30/09/2022" in heading or "Figures as of 30/09/2022" in heading
        assert_printable(sheet)
    assert "Period: from 01/01/2022 to 30/09/2022" in title_lines(workbook.worksheets[0])


def assert_printable(sheet, sheet_name=None):
    header = header_row(sheet)
    heading = title_lines(sheet)
    assert heading[-1] == MADE.format(clock.today())
    assert sheet["A1"].font.b and sheet["A1"].alignment.horizontal == "center"
    # The table right under them: its header bold and frozen, printed at the top of every page.
    assert sheet.print_title_rows == f"${header}:${header}"
    assert all(cell.font.b for cell in sheet[header] if cell.value is not None)
    assert sheet.freeze_panes == f"A{header + 1}"
    assert header <= 10  # within the rows where an import looks for its header
    # A4 landscape, as wide as the page and as many pages down as it takes, the pages numbered.
    setup = sheet.page_setup
    assert setup.orientation == "landscape" and str(setup.paperSize) == Worksheet.PAPERSIZE_A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert int(setup.fitToWidth) == 1 and int(setup.fitToHeight) == 0
    assert "&P" in sheet.oddFooter.center.text and "&N" in sheet.oddFooter.center.text
    # A name Excel keeps whole: at most 31 characters, never a word cut in two (test_exports.py
    # cuts long ones); a short name where the title rows say the rest.
    assert len(sheet.title) <= 31
    if sheet_name is not None:
        assert sheet.title == sheet_name
    else:
        title_words = set(" ".join(title_rows(sheet)).split())
        assert all(word in title_words for word in sheet.title.split()) or len(sheet.title) < 31


def test_the_title_rows_speak_vietnamese(pages, world, make_case):
    make_case("training", full_name="Phùng Tấn Thắng")
    pages.login("board")
    response = pages.get("/reports/year?year=2022&until=2022-09-30&format=xlsx&lang=vi")
    sheet = workbook_of(response.data).active
    heading = title_lines(sheet)
    assert heading[1] == "Đơn vị: Đảng bộ thị xã Thử"
    assert heading[2] == "Thời gian: từ 01/01/2022 đến 30/09/2022"
    assert heading[-1] == f"Lập ngày {clock.today():%d/%m/%Y}"
    assert sheet.oddFooter.center.text == "Trang &P/&N"


def test_a_long_title_wraps_within_the_table_and_the_rows_stay_whole(app):
    """A line longer than the table is as wide is cut into rows that print within the page, and
    every row of the table keeps its place under the header."""
    from pipeline.exports import Column, export_response
    columns = [Column("Name"), Column("Count", "int")]
    title = "Danh sách quần chúng ưu tú được chi bộ xem xét giới thiệu kết nạp Đảng trong năm 2022"
    with app.test_request_context("/?lang=vi"):
        response = export_response("xlsx", title, columns, iter([("Phùng Tấn Thắng", 1), ("Lê Thị Hoa", 2)]),
                                   about=["Bộ lọc: " + "rất dài " * 40])
        data = b"".join(response.response)
    sheet = workbook_of(data).active
    heading, titled = title_lines(sheet), title_rows(sheet)
    assert len(titled) > 1 and " ".join(titled) == title  # the title over several rows, each within the table
    assert {str(r) for r in sheet.merged_cells.ranges} == {f"A{row}:B{row}" for row in range(1, len(titled) + 1)}
    assert len(heading) == len(titled) + 3 + 1  # the long line in three rows, ending in "…"; the day made
    assert heading[-2].endswith("…")
    assert table(sheet) == [["Name", "Count"], ["Phùng Tấn Thắng", 1], ["Lê Thị Hoa", 2]]
    assert re.fullmatch(r"Danh sách quần chúng ưu tú được", sheet.title)


def test_several_tables_make_a_sheet_each_or_follow_one_another_in_csv(app):
    from pipeline.exports import Column, Table, export_tables
    columns = [Column("Name"), Column("Count", "int")]
    tables = [Table("Kết nạp năm 2022 Đảng bộ thị xã Điện Bàn · Từng đơn vị", columns, iter([("Điện Hòa", 12)]),
                    ("Thời gian: năm 2022",), "Kết nạp năm 2022 Đảng bộ thị xã Điện Bàn"),
              Table("Kết nạp năm 2022 Đảng bộ thị xã Điện Bàn · Lớp bồi dưỡng", columns, iter([("Lớp 1", 68)]),
                    (), "Kết nạp năm 2022 Đảng bộ thị xã Điện Bàn")]
    with app.test_request_context("/?lang=vi"):
        data = b"".join(export_tables("xlsx", "Kết nạp", tables).response)
    workbook = workbook_of(data)
    # Two sheets of the same name: the second numbered, both cut after a whole word.
    assert [sheet.title for sheet in workbook.worksheets] == ["Kết nạp năm 2022 Đảng bộ thị xã",
                                                              "Kết nạp năm 2022 Đảng bộ (2)"]
    assert [table(sheet)[1] for sheet in workbook.worksheets] == [["Điện Hòa", 12], ["Lớp 1", 68]]
    assert "Thời gian: năm 2022" in title_lines(workbook.worksheets[0])
    tables = [Table("Từng đơn vị", columns, iter([("Điện Hòa", 12)])), Table("Lớp", columns, iter([("Lớp 1", 68)]))]
    with app.test_request_context("/"):
        text = b"".join(export_tables("csv", "Kết nạp", tables).response).decode("utf-8")
    assert text == "\ufeffTừng đơn vị\r\nName,Count\r\nĐiện Hòa,12\r\n\r\nLớp\r\nName,Count\r\nLớp 1,68\r\n"


def test_the_candidate_list_prints_the_page_columns_and_keeps_the_rest_for_a_re_import(pages, world, make_case):
    make_case("training", full_name="Phùng Tấn Thắng")
    make_case("dossier", full_name="Lê Thị Hoa")
    workbook = open_export(pages, world, "sec_a1", "/candidates/?format=xlsx")
    sheet = workbook.active
    rows = table(sheet)
    assert len(rows[0]) > 20  # every step of the history is in the file...
    assert rows[0][7] == "Reason"
    last = header_row(sheet) + 2
    assert sheet.print_area == f"'Candidates'!$A$1:$H${last}"  # ...the page's eight columns on paper
    assert sheet.merged_cells.ranges and {str(r) for r in sheet.merged_cells.ranges} == {"A1:H1"}


def test_the_command_s_xlsx_has_title_rows_and_imports_again(app, runner, world, make_case, tmp_path):
    make_case("probation")
    exported = tmp_path / "cases.xlsx"
    result = runner.invoke(args=["export-cases", str(exported), "--unit", "commune_a"])
    assert result.exit_code == 0, result.output
    sheet = workbook_of(exported.read_bytes()).active
    assert title_lines(sheet)[1:] == ["Đơn vị: Đảng bộ xã A – Đảng bộ thị xã Thử", f"Lập ngày {clock.today():%d/%m/%Y}"]
    assert table(sheet)[1][0] == "Phùng Tấn Thắng"
    # The import finds the header under the title rows: it reads the case, and refuses it as already open.
    result = runner.invoke(args=["import-cases", str(exported), "--as", "com_a", "--dry-run"])
    assert result.exit_code == 1 and "đã có hồ sơ đang xử lý ở chi bộ này" in result.output
