"""Helpers of the unit and account import tests (tests/test_unit_import.py, test_account_import.py)."""
import contextlib
import csv
import io
import re
import shutil

import sqlalchemy as sa
from openpyxl import Workbook

from databases import PG_DB_NAME, drop_pg_database, fresh_pg_database, swap_engine
from pipeline.extensions import db
from xlsx_support import sheet_table

UNIT_HEADER = ["Mã", "Tên đơn vị", "Loại", "Mã cấp trên", "Quyết định kết nạp", "Hiệu lực từ"]
UNIT_HEADER_EN = ["Code", "Unit name", "Kind", "Parent code", "Decides admissions", "Valid from", "Official members"]
ACCOUNT_HEADER = ["Tên đăng nhập", "Họ tên", "Vai trò", "Mã đơn vị", "Email"]
ACCOUNT_HEADER_EN = ["Username", "Name", "Role", "Unit code", "E-mail"]


def write_csv(path, header, rows, delimiter=";"):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text("\ufeff" + buffer.getvalue(), encoding="utf-8")
    return path


def write_xlsx(path, header, rows, title="DANH SÁCH"):
    """With a title and a blank row above the table, as offices make them."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([title])
    sheet.append([])
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def row_lines(output, row):
    """The problem lines of a sheet row: the first number of the line is its row ("Dòng 3, …")."""
    return [line for line in output.splitlines() if re.match(rf"\D*{row}\b", line)]


def line_of(output, row, column):
    found = [line for line in row_lines(output, row) if f"“{column}”" in line]
    assert len(found) >= 1, (row, column, output)
    return found[0]


def csv_rows(data):
    """The rows of a downloaded CSV (BOM and all)."""
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_rows(data):
    """The exported sheet's table, from its header row (the title rows above it are for people)."""
    return sheet_table(data)


@contextlib.contextmanager
def empty_database(app, backend, tmp_path):
    """The application on a second, empty database (the schema only) for the duration: the
    target of a round trip. Its commits are real; it is dropped afterwards."""
    db.session.remove()
    if backend.kind == "sqlite":
        copy = tmp_path / "second.sqlite"
        shutil.copyfile(backend._file("empty"), copy)
        url, name = f"sqlite:///{copy}", None
    else:
        name = f"{PG_DB_NAME}_second"
        backend._engine("empty").dispose()  # a template may have no other connection
        url = fresh_pg_database(name, backend._name("empty"))
    engine = sa.create_engine(url, **app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    previous = swap_engine(app, engine)
    try:
        yield
    finally:
        db.session.remove()
        swap_engine(app, previous)
        engine.dispose()
        if name:
            drop_pg_database(name)


def printed_passwords(output):
    """username -> the one-time password of the table the command prints."""
    found = {}
    for line in output.splitlines():
        match = re.fullmatch(r"([a-z0-9._-]+)\s+(\S{16})", line.strip())
        if match:
            found[match.group(1)] = match.group(2)
    return found


def big_tree(top_code, communes=30, branches_each=9):
    """A tree of `communes` communes under `top_code`, each with `branches_each` village branches."""
    rows = []
    for c in range(communes):
        commune = f"xa_{c:02d}"
        rows.append([commune, f"Đảng bộ xã số {c:02d}", "commune", top_code, "x", "01/07/2025", None])
        rows += [[f"{commune}_cb{b}", f"Chi bộ thôn {b} xã {c:02d}", "village", commune, "", "01/07/2025", 20 + b]
                 for b in range(branches_each)]
    return rows
