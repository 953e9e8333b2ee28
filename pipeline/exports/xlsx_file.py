"""XLSX written as text: each sheet's rows are streamed as XML into its zip entry as they come
(constant memory), the file is built in an anonymous temporary file and then sent in chunks.
openpyxl's object per cell took ten times as long as the CSV; the package's other parts are in
pipeline.exports.xlsx_package.

Each sheet is ready to print as offices print lists: its title rows (pipeline.exports.heading)
above the header, A4 landscape fitted to the page's width (as many pages down as it takes), the
header repeated on every page, the pages numbered. Whoever reads a sheet back finds its header
row (pipeline.imports.sheet) instead of assuming the first."""
import math
import re
import tempfile
import textwrap
import zipfile
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import chain, islice

from pipeline.exports import xlsx_package as package
from pipeline.exports.columns import as_date, display_text, safe_text
from pipeline.exports.xlsx_package import column_letter

CHUNK_BYTES = 64 * 1024
MAX_CELL_CHARS = 32767  # Excel's limit; longer text makes it "repair" the file
SHEET_TITLE_CHARS = 31  # Excel's limit
SAMPLE_ROWS = 100  # rows read ahead to size the columns (the widths come before the rows in a sheet)
MIN_WIDTH, MAX_WIDTH = 8, 60
TITLE_SCALE = 1.3  # the title's characters are wider than the columns' 11 pt ones
MIN_LINE_CHARS = 40  # a heading line of a narrow table still reads as a sentence
MAX_LINE_ROWS = 3
BATCH_ROWS = 500  # rows joined before each write to the zip entry: fewer, larger compress calls
# zlib's default. 100,000 rows of the list (benchmarks/xlsx_writer.py): 80 MB of XML deflated in
# 1.25 s to 8.6 MB; level 1 takes 0.35 s but makes 11.3 MB, a quarter more to download.
COMPRESS_LEVEL = 6
# What XML 1.0 cannot carry (control characters, lone surrogates, U+FFFE/U+FFFF).
ILLEGAL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
EXCEL_EPOCH = date(1899, 12, 30).toordinal()  # Excel's day 0, counting its 29/02/1900 in


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
        _write_workbook(out, list(specs))
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
    names = []
    for spec in specs:
        names.append(sheet_title(ILLEGAL_CHARACTERS.sub("", str(spec.name)), names))
    # On an error the `with` blocks still end the entry and the zip: the temporary file is then closed.
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as zipped:
        def part(name, xml):
            zipped.writestr(name, package.XML_DECLARATION + xml)
        part("[Content_Types].xml", package.content_types(len(specs)))
        part("_rels/.rels", package.package_rels())
        part("docProps/core.xml", package.core_properties())
        part("xl/_rels/workbook.xml.rels", package.workbook_rels(len(specs)))
        part("xl/styles.xml", package.STYLES)
        sheets = []
        for number, (name, spec) in enumerate(zip(names, specs), 1):
            # force_zip64: the entry's size is unknown until written, and a big list passes 4 GB of XML.
            with zipped.open(f"xl/worksheets/sheet{number}.xml", "w", force_zip64=True) as entry:
                sheets.append((name, *_write_sheet(entry, spec, selected=number == 1)))
        part("xl/workbook.xml", package.workbook(sheets))  # last: the print areas end at the last rows


def _write_sheet(entry, spec, selected):
    """The sheet's XML into the zip entry; returns its header row and print area (or None)."""
    rows = iter(spec.rows)
    sample = list(islice(rows, SAMPLE_ROWS))
    widths = list(_widths(spec.labels, spec.columns, sample))
    printed = _printed_columns(spec.columns)
    heading = _heading_rows(spec.heading, sum(widths[:printed]))
    header_row = len(heading) + 2 if heading else 1  # a blank row between the heading and the table
    title_rows = sum(style == package.TITLE_STYLE for _line, style in heading)
    # The title centred across the printed table: its rows merged over the table's width.
    merged = [f"A{row}:{column_letter(printed)}{row}" for row in range(1, title_rows + 1)] if printed > 1 else []
    entry.write(package.sheet_start(widths, header_row, selected).encode())
    lines = [f'<row r="{number}">{_text_cell(f"A{number}", text, style)}</row>'
             for number, (text, style) in enumerate(heading, 1)]
    if heading:
        lines.append(f'<row r="{header_row - 1}"/>')
    letters = [column_letter(n) for n in range(1, max(len(spec.columns), len(spec.labels)) + 1)]
    lines.append(f'<row r="{header_row}">' + "".join(_text_cell(f"{letter}{header_row}", label, package.HEADER_STYLE)
                                                     for letter, label in zip(letters, spec.labels)) + "</row>")
    cells = [(letter, CELL_WRITERS[column.kind]) for letter, column in zip(letters, spec.columns)]
    number = header_row
    for row in chain(sample, rows):
        number += 1
        lines.append(f'<row r="{number}">' + "".join([write(f"{letter}{number}", value)
                                                      for (letter, write), value in zip(cells, row, strict=True)
                                                      if value is not None]) + "</row>")
        if len(lines) >= BATCH_ROWS:
            entry.write("".join(lines).encode())
            lines.clear()
    lines.append(package.sheet_end(merged, spec.footer))
    entry.write("".join(lines).encode())
    print_area = f"$A$1:${column_letter(printed)}${number}" if printed < len(spec.columns) else None
    return header_row, print_area


def _printed_columns(columns):
    """How many columns go on paper: those before the first column that is not printed."""
    count = 0
    for column in columns:
        if not column.printed:
            break
        count += 1
    return max(count, 1)


def _heading_rows(lines, table_chars):
    """(text, style) per row: each line wrapped to the table's width, so that it prints within the
    page (a cell's text that runs past the last column is cut off on paper)."""
    rows = []
    width = max(int(table_chars), MIN_LINE_CHARS)
    for index, line in enumerate(str(line) for line in lines):
        style = package.TITLE_STYLE if index == 0 else (package.DETAIL_STYLE if index == len(lines) - 1 else None)
        limit = int(width / TITLE_SCALE) if style == package.TITLE_STYLE else width
        # At most three rows a line: an importer looks for the header within the first ten rows.
        for part in textwrap.wrap(line, limit, max_lines=MAX_LINE_ROWS, placeholder=" …") or [""]:
            rows.append((part, style))
    return rows


def _widths(labels, columns, sample):
    """Wide enough for the header and the first rows, within bounds (a long reason wraps)."""
    for index, (label, column) in enumerate(zip(labels, columns)):
        texts = [str(label)] + [display_text(row[index], column.kind) for row in sample]
        longest = max(len(line) for text in texts for line in text.splitlines() or [""])
        yield min(max(longest + 2, MIN_WIDTH), MAX_WIDTH)


def _text(value):
    # XML cannot carry control characters; a text starting with "=" would be a formula to Excel.
    return safe_text(ILLEGAL_CHARACTERS.sub("", str(value)))[:MAX_CELL_CHARS]


def _text_cell(ref, value, style=None):
    text = _text(value)
    if not text:
        return ""
    style = f' s="{style}"' if style else ""
    space = ' xml:space="preserve"' if text != text.strip() else ""  # else readers drop the spaces
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _number_cell(ref, value, style=None):
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int) or isinstance(value, (float, Decimal)) and math.isfinite(value):
        style = f' s="{style}"' if style else ""
        return f'<c r="{ref}"{style}><v>{value}</v></c>'  # str(float) is the shortest exact form
    return _text_cell(ref, value)  # as openpyxl did: text stays text, NaN and infinity too


def _date_cell(ref, value):
    value = as_date(value)
    if not isinstance(value, date):
        return _text_cell(ref, value)
    serial = value.toordinal() - EXCEL_EPOCH
    if 0 < serial <= 60:
        serial -= 1  # before 01/03/1900 Excel counts from 31/12/1899
    return f'<c r="{ref}" s="{package.DATE_STYLE}"><v>{serial}</v></c>'  # a real date: sortable, filterable


CELL_WRITERS = {
    "text": _text_cell,
    "int": lambda ref, value: f'<c r="{ref}"><v>{int(value)}</v></c>',
    "number": _number_cell,
    "percent": lambda ref, value: _number_cell(ref, value, package.PERCENT_STYLE),
    "date": _date_cell,
}
