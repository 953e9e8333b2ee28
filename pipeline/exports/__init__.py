"""Streamed exports of a page's rows to CSV and XLSX.

A view builds the statement its page shows, then returns
`export_response(fmt, basename, columns, rows)` with `rows` a generator of tuples, usually
`(... for item in stream_scalars(statement))`. Nothing is read before the response body is:
rows are fetched from the database chunk by chunk while the file is written, so memory stays
flat whatever the number of rows. A long download's page is told when it has begun
(`track_download`, pipeline.exports.progress). An XLSX sheet is a printable document: title rows
(the unit, the period or filters, the day made), A4 landscape fitted to the width, the header
repeated on every page (pipeline.exports.heading, pipeline.exports.xlsx_file). Above
EXPORT_JOB_ROWS rows the file is made by a worker instead, and the answer is its job's page
(pipeline.jobs): the views need not know."""
from pipeline.exports.columns import COLUMN_KINDS, Column
from pipeline.exports.progress import track_download
from pipeline.exports.heading import as_of_line, form_filters, period_line
from pipeline.exports.response import EXPORT_FORMATS, Table, export_response, export_tables
from pipeline.exports.rows import stream_rows, stream_scalars

__all__ = ["COLUMN_KINDS", "Column", "EXPORT_FORMATS", "Table", "as_of_line", "export_response", "export_tables",
           "form_filters", "period_line", "stream_rows", "stream_scalars", "track_download"]
