"""Reading the rows of a CSV or XLSX file as (spreadsheet row number, cells). Offices put a title
and a blank line above the table, so the header is found, not assumed to be the first row."""
import csv
import io
import os
from dataclasses import dataclass

from pipeline.base.i18n import lazy_gettext as _l
from openpyxl import load_workbook

HEADER_SEARCH_ROWS = 10  # a title block longer than this is not a table's header any more
DELIMITERS = (";", ",", "\t")  # Vietnamese Excel writes ";" (the decimal separator is ",")


class SheetError(Exception):
    """The file cannot be read as a table; the message is for the user."""


@dataclass
class Sheet:
    header_row: int  # 1-based, as the spreadsheet numbers it
    headers: list
    rows: list  # (row number, [cells]) of the non-empty rows under the header


def read_sheet(path, is_header, no_header=None):
    """The table of `path`; `is_header(cells)` says whether a row is the header; `no_header`, the
    message when none is (the candidate list's by default)."""
    extension = os.path.splitext(path)[1].lower()
    if extension == ".csv":
        numbered = _csv_rows(path)
    elif extension in (".xlsx", ".xlsm"):
        numbered = _xlsx_rows(path)
    else:
        raise SheetError(_l("Save the list as .xlsx or as CSV (UTF-8) to import it."))
    numbered = [(number, cells) for number, cells in numbered if any(_filled(c) for c in cells)]
    for index, (number, cells) in enumerate(numbered[:HEADER_SEARCH_ROWS]):
        if is_header(cells):
            headers = ["" if c is None else str(c).strip() for c in cells]
            return Sheet(number, headers, numbered[index + 1:])
    raise SheetError(no_header or _l("No header row with the columns of a candidate list was found."))


def _filled(cell):
    return cell is not None and str(cell).strip() != ""


def _csv_rows(path):
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:  # utf-8-sig: with or without BOM
            text = fh.read()
    except UnicodeDecodeError:
        raise SheetError(_l("The file is not UTF-8 text: in Excel, save it as “CSV UTF-8”."))
    sample = text.splitlines()[:HEADER_SEARCH_ROWS]
    delimiter = max(DELIMITERS, key=lambda d: sum(line.count(d) for line in sample))
    # Excel numbers a record with a line break inside a cell as one row: so do we.
    return list(enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), 1))


def _xlsx_rows(path):
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)  # formulas: their last values
    except Exception as error:  # noqa: BLE001  openpyxl raises many kinds for a damaged file
        raise SheetError(_l("Cannot read the file as XLSX: %(error)s", error=str(error)))
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # other tools write a wrong <dimension>, which would cut columns off
        return [(number, list(values)) for number, values in enumerate(sheet.iter_rows(values_only=True), 1)]
    finally:
        workbook.close()
