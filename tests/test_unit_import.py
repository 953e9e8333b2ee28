"""Importing a unit tree from a file (`flask import-units`, /admin/units/import) and exporting it
in the same format: every problem named with its row and column before anything is written, all
rows or none, parents before children, and an export that re-imports unchanged."""
import io
import os
import stat
from datetime import date

import pytest
from sqlalchemy import func, select

from bulk_support import (UNIT_HEADER, UNIT_HEADER_EN, big_tree, csv_rows, empty_database, line_of, row_lines, write_csv,
                          write_xlsx, xlsx_rows)
from pages_support import Pages
from pipeline.extensions import db
from pipeline.transaction import one_transaction
from pipeline.units.models import Unit, UnitChange, add_unit
from pipeline.units.setup import set_up_organisation


def run(runner, path, user="admin", *extra):
    return runner.invoke(args=["import-units", str(path), "--as", user, *extra])


def unit_count():
    return db.session.scalar(select(func.count()).select_from(Unit))


def change_count():
    return db.session.scalar(select(func.count()).select_from(UnitChange))


def units_by_code():
    db.session.expire_all()
    return {u.code: u for u in db.session.execute(select(Unit)).scalars()}


# Children before their parents, kinds by code, Vietnamese label and English label.
TREE = [
    ["thon_x1", "Chi bộ thôn X1", "Chi bộ thôn", "xa_x", "", "01/07/2025"],
    ["truong_x2", "Chi bộ trường X2", "school", "xa_x", "", "01/07/2025"],
    ["xa_x", "Đảng bộ xã X", "Commune party committee", "town", "x", "01/07/2025"],
    ["cong_an_a", "Chi bộ Công an xã A", "police", "commune_a", "", ""],
]


def test_a_tree_in_any_order_is_created_parents_first_each_with_its_history(runner, world, tmp_path):
    before, changes = unit_count(), change_count()
    result = run(runner, write_csv(tmp_path / "dv.csv", UNIT_HEADER, TREE))
    assert result.exit_code == 0, result.output
    units = units_by_code()
    assert unit_count() == before + 4 and change_count() == changes + 4
    xa = units["xa_x"]
    assert (xa.name, xa.kind, xa.parent_id, xa.decides_admissions, xa.valid_from) == (
        "Đảng bộ xã X", "commune", world.town.id, True, date(2025, 7, 1))
    assert units["thon_x1"].kind == "village" and units["thon_x1"].parent_id == xa.id
    assert units["thon_x1"].path == f"{xa.path}{units['thon_x1'].id}/" and units["thon_x1"].depth == 2
    assert units["truong_x2"].decides_admissions is False and units["cong_an_a"].parent_id == world.commune_a.id
    assert "4" in result.output.splitlines()[-1]


def test_a_dry_run_writes_nothing(runner, world, tmp_path):
    before = unit_count()
    result = run(runner, write_csv(tmp_path / "dv.csv", UNIT_HEADER, TREE), "admin", "--dry-run")
    assert result.exit_code == 0, result.output
    assert unit_count() == before and "4" in result.output


def test_only_an_active_administrator_imports(runner, world, tmp_path):
    path = write_csv(tmp_path / "dv.csv", UNIT_HEADER, TREE)
    for user in ("com_a", "board", "nobody"):
        result = run(runner, path, user)
        assert result.exit_code != 0 and unit_count() == 7, result.output


def _bad_tree():
    return [
        ["xa_y", "Đảng bộ xã Y", "commune", "town", "", ""],                      # 2: fine
        ["thon_y1", "Chi bộ thôn Y1", "village", "khong_co", "", ""],             # 3: unknown parent
        ["vong_1", "Đảng bộ vòng 1", "commune", "vong_2", "", ""],                # 4: cycle
        ["vong_2", "Đảng bộ vòng 2", "commune", "vong_1", "", ""],                # 5: cycle
        ["xa_y", "Đảng bộ xã Y lần hai", "commune", "town", "", ""],              # 6: duplicate in the file
        ["branch_a1", "Chi bộ trùng mã", "village", "commune_a", "", ""],         # 7: code in the database
        ["thon_y2", "Chi bộ thôn Y2", "village", "xa_y", "", ""],                 # 8: fine
        ["to_y", "Tổ đảng dưới chi bộ", "village", "thon_y2", "", ""],            # 9: under a branch of the file
        ["to_a1", "Tổ dưới chi bộ A1", "village", "branch_a1", "", ""],           # 10: under an existing branch
        ["thon_y3", "Chi bộ thôn Y3", "hamlet", "xa_y", "", ""],                  # 11: kind not known
        ["thon_y4", "Chi bộ thôn Y4", "village", "other_town", "", ""],           # 12: parent outside
        ["thon_y5", "Chi bộ thôn Y5", "village", "xa_y", "", "31/02/2025"],       # 13: no such date
        ["thon_y6", "Chi bộ thôn Y6", "village", "xa_y", "có lẽ", ""],            # 14: not yes or no
        ["thon_y7", "", "village", "xa_y", "", ""],                               # 15: no name
        ["", "Chi bộ không mã", "village", "xa_y", "", ""],                       # 16: no code
        ["thon_y8", "Chi bộ thôn Y8", "village", "", "", ""],                     # 17: no parent
    ]


def test_every_problem_is_named_with_its_row_and_column_and_nothing_is_written(runner, world, tmp_path):
    with one_transaction():
        add_unit("other_town", "Đảng bộ huyện Xa Lạ", "town")
    before, changes = unit_count(), change_count()
    result = run(runner, write_csv(tmp_path / "dv.csv", UNIT_HEADER, _bad_tree()))
    assert result.exit_code == 1
    assert unit_count() == before and change_count() == changes
    out = result.output
    assert "khong_co" in line_of(out, 3, "Mã cấp trên")
    assert "vong_1 → vong_2 → vong_1" in line_of(out, 4, "Mã cấp trên") or "vong_2" in line_of(out, 4, "Mã cấp trên")
    line_of(out, 5, "Mã cấp trên")
    assert "2" in line_of(out, 6, "Mã")  # the same code as row 2
    assert "Chi bộ thôn A1" in line_of(out, 7, "Mã")
    assert "thon_y2" in line_of(out, 9, "Mã cấp trên")
    assert "branch_a1" in line_of(out, 10, "Mã cấp trên")
    assert "hamlet" in line_of(out, 11, "Loại")
    line_of(out, 12, "Mã cấp trên")
    assert "Xa Lạ" not in out  # a unit outside the importer's subtree is named by its code only
    line_of(out, 13, "Hiệu lực từ")
    line_of(out, 14, "Quyết định kết nạp")
    line_of(out, 15, "Tên đơn vị")
    line_of(out, 16, "Mã")
    line_of(out, 17, "Mã cấp trên")
    assert not row_lines(out, 2) and not row_lines(out, 8)


def test_a_file_without_the_columns_or_the_rows_is_refused_clearly(runner, world, tmp_path):
    result = run(runner, write_csv(tmp_path / "a.csv", ["Họ tên", "Ngày sinh"], [["A", "01/01/1990"]]))
    assert result.exit_code != 0 and "mã cấp trên" in result.output  # the columns it looked for
    result = run(runner, write_csv(tmp_path / "b.csv", UNIT_HEADER[:2] + ["Mã cấp trên"], []))
    assert result.exit_code != 0 and unit_count() == 7
    (tmp_path / "c.txt").write_text("x")
    assert run(runner, tmp_path / "c.txt").exit_code != 0


# It fills the empty world: on PostgreSQL that advances the sequences, which a rolled-back test does not
# undo (the demo's ids, hence its hashes, would differ in a later test): a database of its own.
@pytest.mark.real_database
def test_three_hundred_units_in_one_go_with_a_fixed_number_of_statements_per_row(app, runner, tmp_path,
                                                                               count_statements):
    set_up_organisation("tinh", "Đảng bộ tỉnh Thử", "town", True, "quan.tri", "Quản trị", "a long password")
    small = write_xlsx(tmp_path / "small.xlsx", UNIT_HEADER_EN, big_tree("tinh", communes=3, branches_each=9))
    with count_statements() as counter:
        assert run(runner, small, "quan.tri").exit_code == 0
    per_row = counter.count / 30
    big_rows = [[f"b{r[0]}", r[1], r[2], "tinh" if r[3] == "tinh" else f"b{r[3]}", *r[4:]]
                for r in big_tree("tinh")]
    big = write_xlsx(tmp_path / "big.xlsx", UNIT_HEADER_EN, big_rows)
    with count_statements() as counter:
        result = run(runner, big, "quan.tri")
    assert result.exit_code == 0, result.output
    assert unit_count() == 1 + 30 + 300
    # The judging's statements do not grow with the rows; the writing's, by a fixed few per row.
    assert counter.count / 300 <= per_row, (counter.count, per_row)
    units = units_by_code()
    assert units["bxa_29_cb8"].parent_id == units["bxa_29"].id and units["bxa_29_cb8"].official_members == 28
    assert units["bxa_29"].parent_id == units["tinh"].id and units["bxa_29"].decides_admissions


def _admin_pages(app, username="admin", password="demo-pass"):
    pages = Pages(app.test_client())
    assert pages.login(username, password).status_code == 200
    return pages


def _upload(pages, name, data):
    return pages.post("/admin/units/import", data={"file": (io.BytesIO(data), name)},
                      content_type="multipart/form-data")


def _token(page):
    import re  # noqa: PLC0415  only this helper reads the form
    return re.search(r'name="token"[^>]*value="([^"]+)"', page).group(1)


def test_the_page_previews_every_problem_then_imports_after_the_confirmation(app, world, tmp_path):
    pages = _admin_pages(app)
    assert pages.get("/admin/units/import").status_code == 200
    bad = write_csv(tmp_path / "bad.csv", UNIT_HEADER, _bad_tree()[:4]).read_bytes()
    response = _upload(pages, "bad.csv", bad)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "khong_co" in body and "vong_1" in body and 'name="token"' not in body
    good = write_xlsx(tmp_path / "good.xlsx", UNIT_HEADER, TREE).read_bytes()
    response = _upload(pages, "good.xlsx", good)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Chi bộ trường X2" in body and unit_count() == 7
    token = _token(body)
    kept = os.path.join(app.instance_path, "imports")
    assert [stat.S_IMODE(os.stat(os.path.join(kept, n)).st_mode) for n in os.listdir(kept)] == [0o600]
    response = pages.post("/admin/units/import/confirm", data={"token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/units/")
    assert unit_count() == 11 and os.listdir(kept) == []
    # The kept copy is gone: a second confirmation writes nothing.
    response = pages.post("/admin/units/import/confirm", data={"token": token})
    assert response.status_code == 422 and unit_count() == 11


def test_the_confirmation_judges_the_file_again(app, world, tmp_path):
    pages = _admin_pages(app)
    body = _upload(pages, "dv.csv", write_csv(tmp_path / "dv.csv", UNIT_HEADER, TREE).read_bytes()).get_data(
        as_text=True)
    with one_transaction():
        add_unit("xa_x", "Đảng bộ xã X đã có", "commune", parent=world.town)  # made meanwhile
    response = pages.post("/admin/units/import/confirm", data={"token": _token(body)})
    assert response.status_code == 422 and "xa_x" in response.get_data(as_text=True) and unit_count() == 8
    assert pages.post("/admin/units/import/confirm", data={"token": "0" * 64 + ".csv"}).status_code == 422
    assert pages.post("/admin/units/import/confirm", data={"token": "../../secret_key"}).status_code == 422


@pytest.mark.parametrize("name, data, expected", [
    ("dv.pdf", b"%PDF-1.4", "xlsx"),
    ("dv.xlsx", b"not a zip at all", "XLSX"),
    ("dv.csv", b"", "empty"),
    ("dv.csv", b"x" * (2 * 1024 * 1024 + 1), "2 MB"),
    ("dv.csv", "Mã;Tên\r\n".encode("utf-16"), "UTF-8"),
])
def test_bad_uploads_get_a_clear_message(app, world, name, data, expected):
    pages = _admin_pages(app)
    response = _upload(pages, name, data)
    assert response.status_code == 422 and expected in response.get_data(as_text=True)
    assert unit_count() == 7


def test_a_request_larger_than_any_upload_is_refused(app, world):
    pages = _admin_pages(app)
    response = _upload(pages, "dv.csv", b"x" * (app.config["DOSSIER_UPLOAD_MAX_BYTES"] + 2 * 1024 * 1024))
    assert response.status_code == 413 and unit_count() == 7


def test_the_templates_read_back_as_the_import_reads_them(app, world, runner, tmp_path):
    pages = _admin_pages(app)
    data = pages.get("/admin/units/import/template?format=xlsx").get_data()
    path = tmp_path / "template.xlsx"
    path.write_bytes(data)
    result = run(runner, path)
    assert result.exit_code == 0, result.output
    assert units_by_code()["thon_1"].parent.code == "xa_an_phu"
    assert csv_rows(pages.get("/admin/units/import/template?format=csv").get_data())[0][:4] == [
        "Code", "Unit name", "Kind", "Parent code"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_re_imports_unchanged_under_the_same_top_unit(app, world, backend, runner, tmp_path, fmt):
    with one_transaction():
        add_unit("cb_le", "Chi bộ =SUM(A1) \"lẻ\"; phẩy, chấm", "agency", parent=world.commune_b,
                 valid_from=date(2021, 3, 4))
    pages = _admin_pages(app)
    exported = pages.get(f"/admin/units/export?format={fmt}").get_data()
    read = csv_rows if fmt == "csv" else xlsx_rows
    rows = read(exported)
    assert rows[0][:4] == ["Code", "Unit name", "Kind", "Parent code"]
    assert {r[0] for r in rows[1:]} == {"commune_a", "commune_b", "branch_a1", "branch_a2", "branch_b1",
                                        "branch_direct", "cb_le"}
    town = world.town
    path = tmp_path / f"units.{fmt}"
    path.write_bytes(exported)
    with empty_database(app, backend, tmp_path):
        set_up_organisation(town.code, town.name, town.kind, town.decides_admissions, "admin", "ADMIN",
                            "a long password")
        result = run(runner, path)
        assert result.exit_code == 0, result.output
        again = _admin_pages(app, password="a long password")  # the setup's, not the tests' shared one
        re_exported = again.get(f"/admin/units/export?format={fmt}").get_data()
        assert read(re_exported) == rows
        units = units_by_code()
        assert units["cb_le"].name == "Chi bộ =SUM(A1) \"lẻ\"; phẩy, chấm"
        assert units["cb_le"].valid_from == date(2021, 3, 4) and units["branch_b1"].parent.code == "commune_b"


def test_an_administrator_below_the_top_exports_and_imports_only_in_their_subtree(app, world, runner, tmp_path):
    from pipeline.accounts.operations import create_user  # noqa: PLC0415  this test's account only
    create_user(None, "admin_a", "ADMIN A", "admin", world.commune_a, "demo-pass")
    pages = _admin_pages(app, "admin_a")
    rows = csv_rows(pages.get("/admin/units/export?format=csv").get_data())
    assert sorted((r[0], r[3]) for r in rows[1:]) == [("branch_a1", "commune_a"), ("branch_a2", "commune_a")]
    result = run(runner, write_csv(tmp_path / "dv.csv", UNIT_HEADER, [
        ["cb_moi", "Chi bộ mới", "village", "commune_b", "", ""],
        ["cb_moi2", "Chi bộ mới 2", "village", "commune_a", "", ""]]), "admin_a")
    assert result.exit_code == 1 and unit_count() == 7
    assert "commune_b" in line_of(result.output, 2, "Mã cấp trên") and "Đảng bộ phường B" not in result.output
    # Other roles: refused as by the pages beside these (403 under /admin/units, 404 under /admin/users).
    for username, status in (("com_a", 403), ("board", 403), ("sec_a1", 403)):
        other = _admin_pages(app, username)
        assert other.get("/admin/units/import").status_code == status
        assert other.get("/admin/units/export?format=csv").status_code == status
        assert other.get("/admin/users/import").status_code == 404


def test_the_vietnamese_export_reads_back_column_for_column(app, world, runner, tmp_path):
    pages = Pages(app.test_client())
    pages.post("/login", data={"username": "admin", "password": "demo-pass"})  # the site's language, Vietnamese
    data = pages.get("/admin/units/export?format=csv").get_data()
    rows = csv_rows(data)
    assert rows[0][0] == "Mã" and "Chi bộ thôn" in {r[2] for r in rows[1:]}
    path = tmp_path / "dv.csv"
    path.write_bytes(data)
    result = run(runner, path, "admin", "--dry-run")
    # Every column is read: the only problems are the codes the database has already.
    problems = [line for line in result.output.splitlines() if "“" in line]
    assert result.exit_code == 1 and len(problems) == len(rows) - 1
    assert all("“Mã”" in line for line in problems), result.output
