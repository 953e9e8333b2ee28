"""Your own organisation as the README's section tells it, from an empty database to its first
case: set up, a tree of three hundred units from a file, accounts from a file, the secretary's
first login with a one-time password, a case opened; and the log verifies."""
import pytest
import sqlalchemy as sa

from bulk_support import ACCOUNT_HEADER, UNIT_HEADER_EN, big_tree, printed_passwords, write_csv, write_xlsx
from pages_support import Pages, text
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.units.models import Unit

ADMIN_PASSWORD = "mat-khau-quan-tri"
NEW_PASSWORD = "mat-khau-bi-thu-moi"
NEW_CASE = {"full_name": "Phùng Tấn Thắng", "date_of_birth": "1998-05-20", "sex": "male", "ethnicity": "Kinh",
            "education": "upper_secondary", "occupation": "Phó Bí thư chi đoàn thôn", "residence": "Thôn 0",
            "source_organisation": "youth_union", "helper_member": "Lê Văn Giúp", "effective_date": "2025-09-01"}


@pytest.mark.real_database  # it fills an empty database, sequences included
def test_an_organisation_set_up_from_nothing_opens_its_first_case(app, runner, tmp_path):
    result = runner.invoke(args=["setup", "--unit-code", "tinh", "--unit-name", "Đảng bộ tỉnh Thử", "--unit-kind",
                                 "town", "--admin-username", "quan.tri", "--admin-name", "Quản trị viên",
                                 "--admin-password", ADMIN_PASSWORD])
    assert result.exit_code == 0, result.output

    tree = write_xlsx(tmp_path / "don-vi.xlsx", UNIT_HEADER_EN, big_tree("tinh"))
    result = runner.invoke(args=["import-units", str(tree), "--as", "quan.tri"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit)) == 1 + 30 * 10

    people = write_csv(tmp_path / "tai-khoan.csv", ACCOUNT_HEADER, [
        ["bi.thu.cb0", "Nguyễn Văn Bí Thư", "secretary", "xa_00_cb0", "bithu@example.vn"],
        ["dang.uy.xa00", "Lê Thị Đảng Ủy", "committee", "xa_00", ""]])
    result = runner.invoke(args=["import-accounts", str(people), "--as", "quan.tri"])
    assert result.exit_code == 0, result.output
    one_time = printed_passwords(result.output)["bi.thu.cb0"]

    pages = Pages(app.test_client())
    assert pages.post("/login?lang=en", data={"username": "bi.thu.cb0", "password": one_time}).status_code == 302
    assert pages.get("/").headers["Location"].endswith("/account/password")  # first, a password of one's own
    changed = pages.post("/account/password", data={"old_password": one_time, "password": NEW_PASSWORD,
                                                    "confirm": NEW_PASSWORD})
    assert changed.status_code == 302
    opened = pages.post("/candidates/new", data=NEW_CASE)
    assert opened.status_code == 302, text(opened)
    case = db.session.execute(sa.select(Case)).scalar_one()
    branch = db.session.execute(sa.select(Unit).where(Unit.code == "xa_00_cb0")).scalar_one()
    assert (case.branch_id, case.stage) == (branch.id, "spotted")
    assert "Phùng Tấn Thắng" in text(pages.get(opened.headers["Location"]))

    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "Differences between the cases' tables and their logs: 0" in verified.output
