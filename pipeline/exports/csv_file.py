"""CSV as Excel opens it: UTF-8 with a byte order mark (without it Excel reads Vietnamese as
mojibake), commas, CRLF line ends. Dates are ISO, yyyy-mm-dd: a CSV cell is text, and 03/04/2022
is the 3rd of April in Vietnam and the 4th of March in an Excel set up for the United States;
ISO is read the same way everywhere (XLSX keeps real date cells, shown dd/mm/yyyy)."""
import csv
import io
from datetime import date

from pipeline.exports.columns import as_date, display_text, safe_text

BOM = "\ufeff"
CHUNK_CHARS = 64 * 1024  # one write per ~64 KB, not one per row


def csv_chunks(labels, columns, rows):
    """The file as byte chunks; `labels` are the columns' headers, already in the reader's language."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([safe_text(label) for label in labels])
    # A function per column, chosen once: a file of a million rows of a hundred columns has a
    # hundred million cells, most of them empty.
    texts = [CELL_TEXTS[column.kind] for column in columns]
    for row in rows:
        writer.writerow(["" if value is None else text(value) for text, value in zip(texts, row, strict=True)])
        # The first chunk goes out only once rows have been read: a failing query still gets an
        # error status instead of a 200 with a cut file.
        if buffer.tell() >= CHUNK_CHARS:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def csv_text(value, kind):
    """A cell as display_text writes it, but a date in ISO."""
    if kind == "date" and isinstance(as_date(value), date):
        return as_date(value).isoformat()
    return display_text(value, kind)


def _date_text(value):
    day = as_date(value)
    return day.isoformat() if isinstance(day, date) else safe_text(value)


def _percent_text(value):
    return display_text(value, "percent")


# csv_text of a value that is not None, by the column's kind.
CELL_TEXTS = {"text": safe_text, "int": str, "number": str, "percent": _percent_text, "date": _date_text}


def csv_tables_chunks(tables):
    """Several tables, (title, labels, columns, rows) each, one under the other: the title on a
    line of its own above the header, an empty line between tables."""
    for index, (title, labels, columns, rows) in enumerate(tables):
        prefix = ("\r\n" if index else BOM) + _line([title])
        for number, chunk in enumerate(csv_chunks(labels, columns, rows)):
            if number == 0:
                chunk = (prefix + chunk.decode("utf-8").removeprefix(BOM)).encode("utf-8")
            yield chunk


def _line(cells):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([safe_text(cell) for cell in cells])
    return buffer.getvalue()
