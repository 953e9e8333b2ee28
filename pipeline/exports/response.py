"""The download: a streamed response named `<basename>-<YYYYMMDD>.<ext>`."""
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

from flask import Response, abort, stream_with_context
from flask_babel import gettext as _

from pipeline.base import clock
from pipeline.exports.csv_file import csv_chunks, csv_tables_chunks
from pipeline.exports.heading import heading_lines
from pipeline.exports.progress import track_download
from pipeline.exports.xlsx_file import SheetSpec, xlsx_sheets_chunks
from pipeline.jobs.operations import large_export_as_job
from pipeline.jobs.run import current_run

EXPORT_FORMATS = ("csv", "xlsx")
MIMETYPES = {
    "csv": "text/csv",  # werkzeug adds "; charset=utf-8"
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass
class Table:
    """One table of an export of several (`export_tables`): a sheet of the XLSX file.

    title: the sheet's first row (and, cut to 31 characters at a word, its name unless `sheet`
    is given); about: lines under the unit (the period, the filters, "as of …")."""
    title: object
    columns: tuple
    rows: object
    about: tuple = ()
    sheet: object = None


def export_response(fmt, basename, columns, rows, unit=None, about=(), sheet=None):
    """`rows` (tuples in the order of `columns`) as a CSV or XLSX download. `rows` is read only
    while the body is sent, inside the request (stream_with_context), never as a whole list.

    The XLSX sheet opens with title rows: `basename`, `unit` (what the list covers), the lines
    of `about` (the period, the filters) and the day it was made; `sheet` names the sheet
    (`basename` by default; keep it short, the title rows say the rest).

    An unknown format is a 404, not a 400: the format names the file asked for, like an
    extension in a URL, and there is no such file; the page itself is still there.

    A page waiting for the download (pipeline.exports.progress) learns of the answer, a refusal too."""
    return export_tables(fmt, basename, [Table(basename, columns, rows, about, sheet)], unit=unit)


def export_tables(fmt, basename, tables, unit=None):
    """Several tables in one download: a sheet each in XLSX; in CSV, one after the other, each
    under its title and separated by an empty line (one table: just its header and rows)."""
    track_download()
    if fmt not in EXPORT_FORMATS:
        abort(404)
    basename = str(basename)
    tables = [Table(table.title, tuple(table.columns), table.rows, tuple(table.about), table.sheet) for table in tables]
    # Above EXPORT_JOB_ROWS rows the file is made by the worker (pipeline.jobs): the answer is the
    # job's page. In the worker, `run` counts the rows and the file is written to disk instead.
    run = current_run()
    if run is None:
        job_page = large_export_as_job(fmt, basename, tables)
        if job_page is not None:
            return job_page
    else:
        for table in tables:
            table.rows = run.counted(table.rows)
    # Rendered now, in the request's language, so the writers only see plain text.
    labelled = [([str(column.label) for column in table.columns], table) for table in tables]
    if fmt == "csv":
        parts = [(str(table.title), labels, table.columns, table.rows) for labels, table in labelled]
        body = csv_chunks(*parts[0][1:]) if len(parts) == 1 else csv_tables_chunks(parts)
    else:
        footer = _("Page %(page)s of %(pages)s", page="&P", pages="&N")
        body = xlsx_sheets_chunks([SheetSpec(str(table.sheet or table.title), heading_lines(table.title, unit,
                                                                                            table.about),
                                             labels, table.columns, table.rows, footer)
                                   for labels, table in labelled])
    suffix = f"-{clock.today():%Y%m%d}.{fmt}"  # the day in Vietnam, as the pages count it
    if run is not None:
        run.write(body, utf8_name(basename) + suffix)  # raises ExportWritten: the view goes no further
    response = Response(stream_with_context(body), mimetype=MIMETYPES[fmt])
    response.headers.set("Content-Disposition", "attachment", filename=ascii_name(basename) + suffix,
                         **{"filename*": "UTF-8''" + quote(utf8_name(basename) + suffix, safe="")})
    # Personal data: not kept by browsers or proxies, not sniffed into another type.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def ascii_name(text):
    """'Lớp bồi dưỡng 1/2021' -> 'Lop-boi-duong-1-2021', for clients that ignore filename*."""
    text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    text = text.encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9_.]+", "-", text).strip("-.") or "export"


def utf8_name(text):
    """The name as written, without what file systems refuse: 'Lớp-bồi-dưỡng-1-2021'."""
    text = unicodedata.normalize("NFC", text)
    return re.sub(r"[\s\\/:*?\"<>|\x00-\x1f\x7f]+", "-", text).strip("-.") or "export"
