"""The download: a streamed response named `<basename>-<YYYYMMDD>.<ext>`."""
import re
import unicodedata
from urllib.parse import quote

from flask import Response, abort, stream_with_context

from pipeline.base import clock
from pipeline.exports.csv_file import csv_chunks
from pipeline.exports.progress import track_download
from pipeline.exports.xlsx_file import xlsx_chunks

EXPORT_FORMATS = ("csv", "xlsx")
MIMETYPES = {
    "csv": "text/csv",  # werkzeug adds "; charset=utf-8"
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_response(fmt, basename, columns, rows):
    """`rows` (tuples in the order of `columns`) as a CSV or XLSX download. `rows` is read only
    while the body is sent, inside the request (stream_with_context), never as a whole list.

    An unknown format is a 404, not a 400: the format names the file asked for, like an
    extension in a URL, and there is no such file; the page itself is still there.

    A page waiting for the download (pipeline.exports.progress) learns of the answer, a refusal too."""
    track_download()
    if fmt not in EXPORT_FORMATS:
        abort(404)
    columns = tuple(columns)
    # Rendered now, in the request's language, so the writers only see plain text.
    labels = [str(column.label) for column in columns]
    basename = str(basename)
    if fmt == "csv":
        body = csv_chunks(labels, columns, rows)
    else:
        body = xlsx_chunks(labels, columns, rows, basename)
    response = Response(stream_with_context(body), mimetype=MIMETYPES[fmt])
    suffix = f"-{clock.today():%Y%m%d}.{fmt}"  # the day in Vietnam, as the pages count it
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
