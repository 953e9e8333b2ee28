"""XLSX with openpyxl's write-only workbook: rows go to disk as they come (constant memory), the
file is built in an anonymous temporary file and then sent in chunks."""
import re
import tempfile
from datetime import date
from itertools import chain, islice

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from pipeline.exports.columns import as_date, display_text, safe_text

CHUNK_BYTES = 64 * 1024
DATE_FORMAT = "DD/MM/YYYY"
PERCENT_FORMAT = "0%"
MAX_CELL_CHARS = 32767  # Excel's limit; longer text makes it "repair" the file
SHEET_TITLE_CHARS = 31  # Excel's limit
SAMPLE_ROWS = 100  # rows read ahead to size the columns (a write-only sheet sets widths first)
MIN_WIDTH, MAX_WIDTH = 8, 60
HEADER_FONT = Font(bold=True)


def xlsx_chunks(labels, columns, rows, title):
    """The workbook as byte chunks; `labels` are the headers in the reader's language."""
    # TemporaryFile has no name on disk: it is gone when closed, even if the process dies.
    with tempfile.TemporaryFile() as out:
        _write_workbook(out, labels, columns, iter(rows), title)
        out.seek(0)
        while chunk := out.read(CHUNK_BYTES):
            yield chunk


def sheet_title(text):
    """A title Excel accepts: no []:*?/\\, no apostrophe at either end, at most 31 characters."""
    title = re.sub(r"[\[\]:*?/\\]", "-", " ".join(str(text).split()))[:SHEET_TITLE_CHARS].strip(" '")
    return title or "Sheet1"


def _write_workbook(out, labels, columns, rows, title):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(title))
    sample = list(islice(rows, SAMPLE_ROWS))
    for index, width in enumerate(_widths(labels, columns, sample), 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    try:
        sheet.append([_header_cell(sheet, label) for label in labels])
        for row in chain(sample, rows):
            sheet.append([_cell(sheet, column.kind, value) for column, value in zip(columns, row, strict=True)])
        workbook.save(out)
    except BaseException:
        _discard(sheet)
        raise


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
