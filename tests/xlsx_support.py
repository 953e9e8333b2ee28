"""Reading an exported XLSX sheet as a person or a program does: the title rows above the table,
then the table from its header row (the row printed at the top of every page)."""
import re
from io import BytesIO

from openpyxl import load_workbook


def workbook_of(data):
    return load_workbook(BytesIO(data))


def header_row(sheet):
    """The header's row number: the one repeated on every printed page (print_title_rows "$5:$5")."""
    found = re.fullmatch(r"\$?(\d+):\$?(\d+)", sheet.print_title_rows or "")
    assert found and found.group(1) == found.group(2), sheet.print_title_rows
    return int(found.group(1))


def title_lines(sheet):
    """The text of the rows above the header (empty rows left out)."""
    rows = sheet.iter_rows(min_row=1, max_row=header_row(sheet) - 1, values_only=True)
    return [" ".join(str(value) for value in row if value is not None) for row in rows if any(row)]


def table(sheet, cells=False):
    """The header and the rows under it, as values (dates come back as datetimes), or as cells."""
    rows = sheet.iter_rows(min_row=header_row(sheet))
    return [list(row) if cells else [cell.value for cell in row] for row in rows]


def sheet_table(data):
    """The active sheet's table of an XLSX file's bytes."""
    return table(workbook_of(data).active)
