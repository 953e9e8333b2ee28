"""Importing accounts from a file (`flask import-accounts`, /admin/users/import): every problem
named with its row and column before anything is written, all rows or none, a one-time password
per account shown once and to be changed at the first login, and an export (without secrets) that
re-imports unchanged."""
import io
import re

import pytest
from sqlalchemy import func, select

from bulk_support import (ACCOUNT_HEADER, ACCOUNT_HEADER_EN, csv_rows, empty_database, line_of, printed_passwords,
                          row_lines, write_csv, write_xlsx, xlsx_rows)
from pages_support import Pages
from pipeline.accounts.models import AccountChange, User
from pipeline.extensions import db
from pipeline.transaction import one_transaction
from pipeline.units.models import add_unit
from pipeline.units.setup import set_up_organisation

ACCOUNTS = [
    ["nguyen.van.a", "Nguyễn Văn A", "Bí thư chi bộ", "branch_a1", "a@example.org"],
    ["tran.thi.b", "Trần Thị B", "committee", "commune_a", ""],
    ["le.van.c", "Lê Văn C", "Organisation board", "town", ""],
]


def run(runner, path, user="admin", *extra):
    return runner.invoke(args=["import-accounts", str(path), "--as", user, *extra])


def user_count():
    return db.session.scalar(select(func.count()).select_from(User))


def change_count():
    return db.session.scalar(select(func.count()).select_from(AccountChange))


def users_by_name():
    db.session.expire_all()
    return {u.username: u for u in db.session.execute(select(User)).scalars()}


def test_accounts_are_created_with_one_time_passwords_printed_once(app, runner, world, tmp_path):
    before, changes = user_count(), change_count()
    result = run(runner, write_csv(tmp_path / "tk.csv", ACCOUNT_HEADER, ACCOUNTS))
    assert result.exit_code == 0, result.output
    users = users_by_name()
    assert user_count() == before + 3 and change_count() == changes + 3
    a = users["nguyen.van.a"]
    assert (a.display_name, a.role, a.unit_id, a.active) == ("Nguyễn Văn A", "secretary", world.branch_a1.id, True)
    assert (users["tran.thi.b"].role, users["le.van.c"].role) == ("committee", "board")
    assert all(users[name].must_change_password for name in ("nguyen.van.a", "tran.thi.b", "le.van.c"))
    passwords = printed_passwords(result.output)
    assert set(passwords) == {"nguyen.van.a", "tran.thi.b", "le.van.c"}
    assert all(result.output.count(p) == 1 for p in passwords.values())
    assert (a.email, users["tran.thi.b"].email) == ("a@example.org", None)  # where its digests would go
    for name, password in passwords.items():
        assert users[name].check_password(password) and password not in users[name].password_hash
    # The owner logs in with it and is sent to change it first.
    pages = Pages(app.test_client())
    response = pages.post("/login", data={"username": "nguyen.van.a", "password": passwords["nguyen.van.a"]})
    assert response.status_code == 302
    assert pages.get("/").headers["Location"].endswith("/account/password")


# It fills the empty world: on PostgreSQL that advances the sequences, which a rolled-back test does not
# undo (the demo's ids, hence its hashes, would differ in a later test): a database of its own.
@pytest.mark.real_database
def test_the_accounts_of_the_command_line_must_change_their_password_too(app, runner, tmp_path):
    set_up_organisation("tinh", "Đảng bộ tỉnh", "town", True, "quan.tri", "Quản trị", "a long password")
    with one_transaction():
        add_unit("cb1", "Chi bộ 1", "village", parent=db.session.scalar(select(User)).unit)
    result = run(runner, write_csv(tmp_path / "tk.csv", ACCOUNT_HEADER_EN, [["bi.thu", "Bí thư", "secretary", "cb1",
                                                                           ""]]), "quan.tri")
    assert result.exit_code == 0, result.output
    assert users_by_name()["bi.thu"].must_change_password and not users_by_name()["quan.tri"].must_change_password


def _bad_accounts():
    return [
        ["dung.roi", "Đúng Rồi", "secretary", "branch_a1", ""],        # 2: fine
        ["dung.roi", "Trùng Tên", "secretary", "branch_a2", ""],       # 3: the same username as row 2
        ["sec_a1", "Đã Có", "secretary", "branch_a1", ""],             # 4: taken
        ["vai.tro", "Vai Trò", "chủ tịch", "branch_a1", ""],           # 5: role not known
        ["bi.thu.xa", "Bí Thư Xã", "secretary", "commune_a", ""],      # 6: a secretary not on a branch
        ["khong.co", "Không Có", "committee", "khong_co", ""],         # 7: unknown unit
        ["xa.la", "Xa Lạ", "secretary", "other_branch", ""],           # 8: a unit outside the subtree
        ["Có Dấu", "Có Dấu", "secretary", "branch_a1", ""],            # 9: not a username
        ["thieu.ten", "", "secretary", "branch_a1", ""],               # 10: no name
    ]


def test_every_problem_is_named_with_its_row_and_column_and_nothing_is_written(runner, world, tmp_path):
    with one_transaction():
        other = add_unit("other_town", "Đảng bộ huyện Xa Lạ", "town")
        add_unit("other_branch", "Chi bộ thôn Xa Lạ", "village", parent=other)
    before, changes = user_count(), change_count()
    result = run(runner, write_csv(tmp_path / "tk.csv", ACCOUNT_HEADER, _bad_accounts()))
    assert result.exit_code == 1
    assert user_count() == before and change_count() == changes
    out = result.output
    assert not row_lines(out, 2)
    assert "2" in line_of(out, 3, "Tên đăng nhập")
    line_of(out, 4, "Tên đăng nhập")
    assert "chủ tịch" in line_of(out, 5, "Vai trò")
    assert "commune_a" in line_of(out, 6, "Vai trò")
    assert "khong_co" in line_of(out, 7, "Mã đơn vị")
    assert "other_branch" in line_of(out, 8, "Mã đơn vị") and "Xa Lạ" not in out.replace("xa.la", "")
    line_of(out, 9, "Tên đăng nhập")
    line_of(out, 10, "Họ tên")


def _admin_pages(app, password="demo-pass"):
    pages = Pages(app.test_client())
    assert pages.login("admin", password).status_code == 200
    return pages


def _upload(pages, name, data):
    return pages.post("/admin/users/import", data={"file": (io.BytesIO(data), name)},
                      content_type="multipart/form-data")


def test_the_page_shows_the_passwords_once_after_the_confirmation(app, world, tmp_path):
    pages = _admin_pages(app)
    assert pages.get("/admin/users/import").status_code == 200
    response = _upload(pages, "tk.csv", write_csv(tmp_path / "bad.csv", ACCOUNT_HEADER, _bad_accounts()[:5])
                       .read_bytes())
    assert response.status_code == 422 and "chủ tịch" in response.get_data(as_text=True)
    response = _upload(pages, "tk.xlsx", write_xlsx(tmp_path / "tk.xlsx", ACCOUNT_HEADER, ACCOUNTS).read_bytes())
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Trần Thị B" in body and "e-mail" in body.lower()
    token = re.search(r'name="token"[^>]*value="([^"]+)"', body).group(1)
    before = user_count()
    response = pages.post("/admin/users/import/confirm", data={"token": token})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and user_count() == before + 3
    assert "no-store" in response.headers["Cache-Control"]
    passwords = re.findall(r"<code>([A-Za-z0-9_-]{16})</code>", body)
    users = users_by_name()
    assert len(passwords) == 3 and users["nguyen.van.a"].check_password(passwords[0])
    # Nowhere else: not in the session cookie, not in the accounts' history, not on the next page.
    cookie = pages.client.get_cookie("session")
    assert cookie is None or not any(p in cookie.value for p in passwords)
    history = " ".join(str(row.changes) + (row.reason or "") for row in db.session.execute(select(AccountChange))
                       .scalars())
    assert not any(p in history for p in passwords)
    assert not any(p in pages.get("/admin/users/").get_data(as_text=True) for p in passwords)
    assert pages.post("/admin/users/import/confirm", data={"token": token}).status_code == 422
    assert user_count() == before + 3


@pytest.mark.parametrize("name, data, expected", [
    ("tk.docx", b"PK\x03\x04", "xlsx"),
    ("tk.xlsx", b"PK\x03\x04 damaged", "XLSX"),
    ("tk.csv", b"", "empty"),
    ("tk.csv", b"x" * (2 * 1024 * 1024 + 1), "2 MB"),
])
def test_bad_uploads_get_a_clear_message(app, world, name, data, expected):
    before = user_count()
    response = _upload(_admin_pages(app), name, data)
    assert response.status_code == 422 and expected in response.get_data(as_text=True)
    assert user_count() == before


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_re_imports_unchanged_with_the_same_units(app, world, backend, runner, tmp_path, fmt):
    pages = _admin_pages(app)
    read = csv_rows if fmt == "csv" else xlsx_rows
    exported = pages.get(f"/admin/users/export?format={fmt}").get_data()
    rows = read(exported)
    assert rows[0][:4] == ["Username", "Full name and title", "Role", "Unit code"]
    assert {r[0] for r in rows[1:]} == {"sec_a1", "sec_a2", "sec_b1", "com_a", "com_b", "board"}
    assert "password" not in exported.decode("latin-1").lower() or fmt == "xlsx"
    assert not any("pbkdf2" in str(cell) or "scrypt" in str(cell) for row in rows for cell in row)
    units_file, accounts_file = tmp_path / f"units.{fmt}", tmp_path / f"accounts.{fmt}"
    units_file.write_bytes(pages.get(f"/admin/units/export?format={fmt}").get_data())
    accounts_file.write_bytes(exported)
    town = world.town
    expected = {(u.username, u.display_name, u.role, u.unit.code) for u in world.users.values()
                if u.username != "admin"}
    with empty_database(app, backend, tmp_path):
        set_up_organisation(town.code, town.name, town.kind, town.decides_admissions, "admin", "ADMIN",
                            "a long password")
        assert runner.invoke(args=["import-units", str(units_file), "--as", "admin"]).exit_code == 0
        result = run(runner, accounts_file)
        assert result.exit_code == 0, result.output
        users = users_by_name()
        assert {(u.username, u.display_name, u.role, u.unit.code) for u in users.values()
                if u.username != "admin"} == expected
        again = Pages(app.test_client())
        again.login("admin", "a long password")
        assert read(again.get(f"/admin/users/export?format={fmt}").get_data()) == rows


def test_an_address_that_is_not_one_is_refused_with_its_row(runner, world, tmp_path):
    before = user_count()
    rows = [ACCOUNTS[0][:4] + ["a@example"], ACCOUNTS[1][:4] + ["<b>x</b>@example.org"]]
    result = run(runner, write_csv(tmp_path / "tk.csv", ACCOUNT_HEADER, rows))
    assert result.exit_code == 1 and user_count() == before
    assert result.output.count("ten@example.vn") == 2  # both rows, each with its message
