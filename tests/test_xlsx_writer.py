"""The XLSX writer itself (pipeline.exports.xlsx_file, which writes the package's XML as text):
what a reader finds in the file, read back by openpyxl as Excel and LibreOffice read it. The
exports' own tests (test_exports.py, test_xlsx_print.py) check the pages' files; these check
what they leave out: the page's margins and centring, the details' font, the widths, the cells'
kinds and their text, odd sheet names, and that the rows are never held in memory."""
import io
import tracemalloc
import zipfile
from datetime import date, datetime
from decimal import Decimal

from openpyxl import load_workbook

from pipeline.exports.columns import Column
from pipeline.exports.xlsx_file import MAX_CELL_CHARS, MAX_WIDTH, SheetSpec, xlsx_chunks, xlsx_sheets_chunks
from xlsx_support import header_row, table, title_lines

COLUMNS = (Column("Name"), Column("Born", "date"), Column("Count", "int"), Column("Share", "percent"),
           Column("Amount", "number"), Column("Kept for a re-import", printed=False))
LABELS = [str(column.label) for column in COLUMNS]
HEADING = ["Candidates", "Unit: Chi bộ thôn A1 – Đảng bộ xã A", "Made on 31/10/2022"]


def workbook_of(chunks, read_only=False):
    data = b"".join(chunks)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert package.testzip() is None  # every entry's CRC checks out
    return load_workbook(io.BytesIO(data), read_only=read_only)


def test_a_sheet_is_laid_out_for_the_page():
    rows = [("Phùng Tấn Thắng", date(1995, 3, 15), 3, 0.5, 2.5, "x"),
            ("Lê Thị Hoa " + "rất dài " * 20, None, 1, 1, 0, None)]
    sheet = workbook_of(xlsx_chunks(LABELS, COLUMNS, iter(rows), "Candidates", HEADING, "Page &P of &N")).active
    header = header_row(sheet)
    assert header == 5 and title_lines(sheet) == HEADING  # the heading, a blank row, the header
    assert sheet.freeze_panes == "A6"
    # The title bold 13 and centred over the printed columns, the day made in italics.
    assert (sheet["A1"].font.b, sheet["A1"].font.sz, sheet["A1"].alignment.horizontal) == (True, 13, "center")
    assert [str(cells) for cells in sheet.merged_cells.ranges] == ["A1:E1"]
    assert sheet["A3"].font.i and not sheet["A2"].font.i and not sheet["A2"].font.b
    assert all(cell.font.b for cell in sheet[header])
    # On paper: the printed columns only, A4 landscape, centred, within the office's margins.
    assert sheet.print_area == f"'Candidates'!$A$1:$E${header + 2}"
    assert sheet.print_options.horizontalCentered
    margins = sheet.page_margins
    assert (margins.left, margins.right, margins.top, margins.bottom, margins.header, margins.footer) == (
        0.4, 0.4, 0.5, 0.6, 0.3, 0.3)
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    assert sheet.oddFooter.center.text == "Page &P of &N"
    # As wide as the header or the longest of the first rows, within bounds.
    assert sheet.column_dimensions["A"].width == MAX_WIDTH
    assert sheet.column_dimensions["B"].width == len("15/03/1995") + 2
    assert sheet.column_dimensions["C"].width == 8


def test_cells_keep_their_kind_and_text_stays_text():
    long_text = "x" * (MAX_CELL_CHARS + 10)
    rows = [("=SUM(A1:A2)", datetime(2022, 9, 1, 14, 30), 7, 1.34, Decimal("12.50"), "  two spaces around  "),
            ("Bell\x07 & <tag> “quoted” 😀", "not a date", 0, None, True, "line one\nline two"),
            (long_text, date(1900, 1, 1), None, 0.25, float("nan"), "")]
    sheet = workbook_of(xlsx_chunks(LABELS, COLUMNS, iter(rows), "Cells")).active
    first, second, third = table(sheet, cells=True)[1:]
    assert first[0].value == "'=SUM(A1:A2)" and first[0].data_type == "s"  # never a formula
    assert first[1].is_date and first[1].value == datetime(2022, 9, 1) and first[1].number_format == "DD/MM/YYYY"
    assert (first[2].value, first[3].value, first[3].number_format, first[4].value) == (7, 1.34, "0%", 12.5)
    assert first[5].value == "  two spaces around  "
    assert second[0].value == "Bell & <tag> “quoted” 😀"  # the control character dropped, the rest as typed
    assert second[1].value == "not a date" and not second[1].is_date
    assert (second[2].value, second[3].value, second[4].value) == (0, None, True)
    assert second[5].value == "line one\nline two"
    assert third[0].value == "x" * MAX_CELL_CHARS  # Excel's limit
    assert third[1].value == datetime(1900, 1, 1)  # Excel's first day, before its 29/02/1900
    assert (third[2].value, third[3].value, third[4].value, third[5].value) == (None, 0.25, "nan", None)


def test_several_sheets_with_names_excel_accepts():
    names = ["Kết nạp năm 2022 Đảng bộ thị xã Điện Bàn", "Kết nạp năm 2022 Đảng bộ thị xã Điện Bàn",
             "O'Brien's list", "Bare\x01"]
    specs = [SheetSpec(name, [name] if index < 3 else [], ["Name"], (Column("Name"),), iter([("Lớp 1",)]))
             for index, name in enumerate(names)]
    workbook = workbook_of(xlsx_sheets_chunks(specs))
    assert workbook.sheetnames == ["Kết nạp năm 2022 Đảng bộ thị xã", "Kết nạp năm 2022 Đảng bộ (2)",
                                   "O'Brien's list", "Bare"]
    for sheet in workbook.worksheets:
        assert table(sheet) == [["Name"], ["Lớp 1"]]
        assert not sheet.print_area  # every column printed
        assert not sheet.merged_cells.ranges  # one column: nothing to merge
    bare = workbook["Bare"]
    assert bare.print_title_rows == "$1:$1" and bare.freeze_panes == "A2"  # no heading: the header first
    # As the importer reads it (read-only): the blank row under the heading keeps the rows' numbers.
    spec = SheetSpec("x", HEADING, LABELS, COLUMNS, iter([("A", None, 1, 1, 1, "b")]))
    imported = workbook_of(xlsx_sheets_chunks([spec]), read_only=True).active
    assert [list(row) for row in imported.iter_rows(values_only=True)][3:] == [
        [], LABELS, ["A", None, 1, 1, 1, "b"]]


def test_no_rows_and_many_rows_in_constant_memory():
    empty = workbook_of(xlsx_chunks(LABELS, COLUMNS, iter([]), "Empty", HEADING)).active
    assert table(empty) == [LABELS] and empty.print_area == "'Empty'!$A$1:$E$5"

    def rows(count):
        for n in range(count):
            yield (f"Người số {n} " + "x" * 40, date(2022, 1, 1), n, 0.5, 2.5, "y" * 30)

    def peak(count):
        tracemalloc.start()
        try:
            size = sum(len(chunk) for chunk in xlsx_chunks(LABELS, COLUMNS, rows(count), "Many", HEADING))
            return tracemalloc.get_traced_memory()[1], size
        finally:
            tracemalloc.stop()

    few, _size = peak(1_000)
    many, size = peak(10_000)
    assert many < few + 500_000  # ten times the rows, the same memory: they go to disk as they come
    sheet = load_workbook(io.BytesIO(b"".join(xlsx_chunks(LABELS, COLUMNS, rows(10_000), "Many", HEADING))),
                          read_only=True).active
    assert sum(1 for _row in sheet.iter_rows()) == 5 + 10_000 and size > 0
