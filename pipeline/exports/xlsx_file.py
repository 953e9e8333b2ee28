"""XLSX with openpyxl's write-only workbook: rows go to disk as they come (constant memory), the
file is built in an anonymous temporary file and then sent in chunks.

Each sheet is ready to print as offices print lists: its title rows (pipeline.exports.heading)
above the header, A4 landscape fitted to the page's width (as many pages down as it takes), the
header repeated on every page, the pages numbered. Whoever reads a sheet back finds its header
row (pipeline.imports.sheet) instead of assuming the first."""
import re
import tempfile
import textwrap
from dataclasses import dataclass
from datetime import date
from itertools import chain, islice

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.exports.columns import as_date, display_text, safe_text

CHUNK_BYTES = 64 * 1024
DATE_FORMAT = "DD/MM/YYYY"
PERCENT_FORMAT = "0%"
MAX_CELL_CHARS = 32767  # Excel's limit; longer text makes it "repair" the file
SHEET_TITLE_CHARS = 31  # Excel's limit
SAMPLE_ROWS = 100  # rows read ahead to size the columns (a write-only sheet sets widths first)
MIN_WIDTH, MAX_WIDTH = 8, 60
HEADER_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=13)
DETAIL_FONT = Font(italic=True)
CENTRED = Alignment(horizontal="center")
TITLE_SCALE = 1.3  # the title's characters are wider than the columns' 11 pt ones
MIN_LINE_CHARS = 40  # a heading line of a narrow table still reads as a sentence
MAX_LINE_ROWS = 3
MARGINS = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.6, header=0.3, footer=0.3)  # inches


@dataclass
class SheetSpec:
    """One sheet: `name` (made acceptable to Excel and unique), the heading's lines (the first is
    the title), the headers in the reader's language, the columns and the rows."""
    name: str
    heading: list
    labels: list
    columns: tuple
    rows: object
    footer: str = ""  # the pages' footer, with Excel's codes (&P: page, &N: pages)


def xlsx_chunks(labels, columns, rows, title, heading=(), footer=""):
    """The workbook of one sheet as byte chunks; `labels` are the headers in the reader's language."""
    return xlsx_sheets_chunks([SheetSpec(title, list(heading), list(labels), tuple(columns), rows, footer)])


def xlsx_sheets_chunks(specs):
    """A workbook of one sheet per SheetSpec, in order, as byte chunks."""
    # TemporaryFile has no name on disk: it is gone when closed, even if the process dies.
    with tempfile.TemporaryFile() as out:
        _write_workbook(out, specs)
        out.seek(0)
        while chunk := out.read(CHUNK_BYTES):
            yield chunk


def sheet_title(text, taken=()):
    """A sheet name Excel accepts: no []:*?/\\, no apostrophe at either end, at most 31 characters,
    cut after a whole word, and not one of `taken` (Excel compares them ignoring case): a second
    "Quotas 2022" becomes "Quotas 2022 (2)"."""
    base = re.sub(r"[\[\]:*?/\\]", "-", " ".join(str(text).split())).strip(" '") or "Sheet1"
    used = {name.casefold() for name in taken}
    title, number = _cut(base, SHEET_TITLE_CHARS), 1
    while title.casefold() in used:
        number += 1
        suffix = f" ({number})"
        title = _cut(base, SHEET_TITLE_CHARS - len(suffix)) + suffix
    return title


def _cut(text, limit):
    """`text` in at most `limit` characters, ending with a whole word where there is one."""
    if len(text) <= limit:
        return text
    head = text[:limit + 1]
    space = head.rfind(" ")
    cut = head[:space] if space > 0 else text[:limit]
    return cut.rstrip(" '-–·,;.(") or text[:limit].strip(" '")


def _write_workbook(out, specs):
    workbook = Workbook(write_only=True)
    taken, sheets = [], []
    try:
        for spec in specs:
            sheet = workbook.create_sheet(sheet_title(spec.name, taken))
            taken.append(sheet.title)
            sheets.append(sheet)
            _write_sheet(sheet, spec)
        workbook.save(out)
    except BaseException:
        for sheet in sheets:
            _discard(sheet)
        raise


def _write_sheet(sheet, spec):
    rows = iter(spec.rows)
    sample = list(islice(rows, SAMPLE_ROWS))
    widths = list(_widths(spec.labels, spec.columns, sample))
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    printed = _printed_columns(spec.columns)
    heading = _heading_rows(spec.heading, sum(widths[:printed]))
    header_row = len(heading) + 2 if heading else 1  # a blank row between the heading and the table
    _page_setup(sheet, header_row, printed, sum(font is TITLE_FONT for _line, font in heading), spec.footer)
    for text, font in heading:
        cell = WriteOnlyCell(sheet, value=_text(text))
        if font is not None:
            cell.font = font
        if font is TITLE_FONT:
            cell.alignment = CENTRED
        sheet.append([cell])
    if heading:
        sheet.append([])
    sheet.append([_header_cell(sheet, label) for label in spec.labels])
    last_row = header_row
    for row in chain(sample, rows):
        sheet.append([_cell(sheet, column.kind, value) for column, value in zip(spec.columns, row, strict=True)])
        last_row += 1
    if printed < len(spec.columns):
        # Known once the rows are written: the workbook part, where it is kept, is written on saving.
        sheet.print_area = f"A1:{get_column_letter(printed)}{last_row}"


def _printed_columns(columns):
    """How many columns go on paper: those before the first column that is not printed."""
    count = 0
    for column in columns:
        if not column.printed:
            break
        count += 1
    return max(count, 1)


def _heading_rows(lines, table_chars):
    """(text, font) per row: each line wrapped to the table's width, so that it prints within the
    page (a cell's text that runs past the last column is cut off on paper)."""
    rows = []
    width = max(int(table_chars), MIN_LINE_CHARS)
    for index, line in enumerate(str(line) for line in lines):
        font = TITLE_FONT if index == 0 else (DETAIL_FONT if index == len(lines) - 1 else None)
        limit = int(width / TITLE_SCALE) if font is TITLE_FONT else width
        # At most three rows a line: an importer looks for the header within the first ten rows.
        for part in textwrap.wrap(line, limit, max_lines=MAX_LINE_ROWS, placeholder=" …") or [""]:
            rows.append((part, font))
    return rows


def _page_setup(sheet, header_row, width, title_rows, footer):
    setup = sheet.page_setup
    setup.orientation = "landscape"
    setup.paperSize = Worksheet.PAPERSIZE_A4
    # Fit to the page's width, as many pages down as the rows need (fitToHeight 0: no limit).
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    setup.fitToWidth, setup.fitToHeight = 1, 0
    sheet.print_options.horizontalCentered = True
    sheet.page_margins = MARGINS
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.freeze_panes = f"A{header_row + 1}"
    if footer:
        sheet.oddFooter.center.text = footer
    # The title centred across the table: its rows merged over the table's width.
    if width > 1:
        for row in range(1, title_rows + 1):
            sheet.merged_cells.add(f"A{row}:{get_column_letter(width)}{row}")


def _widths(labels, columns, sample):
    """Wide enough for the header and the first rows, within bounds (a long reason wraps)."""
    for index, (label, column) in enumerate(zip(labels, columns)):
        texts = [str(label)] + [display_text(row[index], column.kind) for row in sample]
        longest = max(len(line) for text in texts for line in text.splitlines() or [""])
        yield min(max(longest + 2, MIN_WIDTH), MAX_WIDTH)


def _header_cell(sheet, label):
    cell = WriteOnlyCell(sheet, value=_text(label))
    cell.font = HEADER_FONT
    return cell


def _text(value):
    # openpyxl refuses control characters, and would store a text starting with "=" as a formula.
    return safe_text(ILLEGAL_CHARACTERS_RE.sub("", str(value)))[:MAX_CELL_CHARS]


def _cell(sheet, kind, value):
    if value is None:
        return None
    if kind == "date":
        value = as_date(value)
        if not isinstance(value, date):
            return _text(value)
        cell = WriteOnlyCell(sheet, value=value)  # a real date: sortable, filterable
        cell.number_format = DATE_FORMAT
        return cell
    if kind == "percent":
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = PERCENT_FORMAT
        return cell
    if kind == "int":
        return int(value)
    if kind == "number":
        return value
    return _text(value)


def _discard(sheet):
    """openpyxl keeps a write-only sheet in a named temporary file of its own until the workbook
    is saved, and removes it only at process exit otherwise: a failed export removes it now."""
    writer = getattr(sheet, "_writer", None)
    if writer is None:
        return
    try:
        sheet.close()  # ends the sheet's XML, so openpyxl's generators do not write to a closed file later
    except Exception:  # noqa: BLE001  the export's own error is the one to report
        pass
    try:
        writer.cleanup()
    except (OSError, ValueError):
        pass
