"""Streamed exports of a page's rows to CSV and XLSX.

A view builds the statement its page shows, then returns
`export_response(fmt, basename, columns, rows)` with `rows` a generator of tuples, usually
`(... for item in stream_scalars(statement))`. Nothing is read before the response body is:
rows are fetched from the database chunk by chunk while the file is written, so memory stays
flat whatever the number of rows. A long download's page is told when it has begun
(`track_download`, pipeline.exports.progress)."""
from pipeline.exports.columns import COLUMN_KINDS, Column
from pipeline.exports.progress import track_download
from pipeline.exports.response import EXPORT_FORMATS, export_response
from pipeline.exports.rows import stream_rows, stream_scalars

__all__ = ["COLUMN_KINDS", "Column", "EXPORT_FORMATS", "export_response", "stream_rows", "stream_scalars",
           "track_download"]
