"""`flask import-candidates`: a branch's list from Excel opens cases as the "New candidate" page does."""
import re
from datetime import date

import pytest
from dateutil.relativedelta import relativedelta

from imports_support import HEADER, ROWS, as_dates, cases, log_count, write_csv, write_xlsx
from pipeline.base import clock


def run(runner, path, unit="branch_a1", user="sec_a1", *extra):
    return runner.invoke(args=["import-candidates", str(path), "--unit", unit, "--as", user, *extra])


def row_lines(result, row):
    """The problem lines of a sheet row: the first number of the line is its row ("Dòng 3, …")."""
    return [line for line in result.output.splitlines() if re.match(rf"\D*{row}\b", line)]


def line_of(result, row, column):
    found = [line for line in row_lines(result, row) if f"“{column}”" in line]
    assert len(found) == 1, (row, column, result.output)
    return found[0]


def test_a_semicolon_csv_with_bom_opens_a_case_per_row_with_its_log_row(runner, world, tmp_path):
    result = run(runner, write_csv(tmp_path / "ds.csv", ROWS))
    assert result.exit_code == 0, result.output
    opened = cases()
    assert [c.full_name for c in opened] == ["Phùng Tấn Thắng", "Trần Thị Mai", "Nguyễn Văn Bình"]
    first, second, third = opened
    assert {c.branch_id for c in opened} == {world.branch_a1.id} and {c.stage for c in opened} == {"spotted"}
    assert (first.date_of_birth, first.sex, first.education, first.youth_union_member,
            first.source_organisation, first.stage_entered_on) == (
        date(1998, 5, 20), "male", "upper_secondary", True, "youth_union", date(2022, 3, 1))
    assert (second.sex, second.ethnicity, second.education, second.source_organisation, second.youth_union_member) \
        == ("female", "Kinh", "university", "womens_union", False)  # an empty ethnicity: the form's default
    assert third.stage_entered_on == clock.today() and third.education == "lower_secondary"
    assert log_count() == 3
    assert "Chi bộ thôn A1" in result.output and "3" in result.output.splitlines()[-1]


def test_an_xlsx_with_a_title_row_and_real_dates_opens_the_cases(runner, world, tmp_path):
    result = run(runner, write_xlsx(tmp_path / "ds.xlsx", [as_dates(r) for r in ROWS]), "branch_a2", "com_a")
    assert result.exit_code == 0, result.output
    opened = cases()
    assert len(opened) == 3 and {c.branch_id for c in opened} == {world.branch_a2.id}
    assert opened[0].date_of_birth == date(1998, 5, 20) and opened[1].stage_entered_on == date(2022, 4, 15)
    assert log_count() == 3


def test_english_headers_and_commas_without_bom_are_read_too(runner, world, tmp_path):
    header = ["full name", "DATE OF BIRTH", "Sex", "Education", "Introduced by", "Date spotted"]
    rows = [["Lê Thị Hoa", "02/02/1999", "Female", "University", "Women's Union (Hội LHPN)", "01/06/2022"]]
    result = run(runner, write_csv(tmp_path / "list.csv", rows, header=header, delimiter=",", bom=False))
    assert result.exit_code == 0, result.output
    assert [(c.full_name, c.sex, c.source_organisation) for c in cases()] == [("Lê Thị Hoa", "female", "womens_union")]


def _bad_rows():
    too_young = (clock.today() - relativedelta(years=10)).strftime("%d/%m/%Y")
    tomorrow = (clock.today() + relativedelta(days=1)).strftime("%d/%m/%Y")
    rows = [list(r) for r in ROWS]
    rows[0][11] = tomorrow  # row 2 of the sheet: spotted in the future
    rows[1][2] = too_young  # row 3
    rows[2][1] = ""  # row 4: no name
    rows.append(["4", "Võ Văn Tư", "01/01/1990", "Nam", "Kinh", "Lớp 5", "", "", "", "Đoàn TN", "", ""])  # row 5
    return rows


def test_one_bad_row_writes_nothing_and_every_problem_names_its_row_and_column(runner, world, tmp_path):
    result = run(runner, write_csv(tmp_path / "ds.csv", _bad_rows()))
    assert result.exit_code == 1
    assert cases() == [] and log_count() == 0
    line_of(result, 2, "Ngày phát hiện")
    assert re.search(r"\b16\b.*\b100\b", line_of(result, 3, "Ngày sinh"))  # the form's age bounds
    line_of(result, 4, "Họ và tên")
    line_of(result, 5, "Trình độ văn hóa")  # "Lớp 5" is no education level


def test_rows_of_an_xlsx_are_numbered_as_excel_shows_them(runner, world, tmp_path):
    rows = [as_dates(r) for r in _bad_rows()]
    result = run(runner, write_xlsx(tmp_path / "ds.xlsx", rows))  # title, blank row, header: data from row 4
    assert result.exit_code == 1 and cases() == []
    line_of(result, 4, "Ngày phát hiện")
    line_of(result, 7, "Trình độ văn hóa")


def test_problems_are_in_vietnamese_by_default(runner, world, tmp_path):
    """Needs the compiled catalogue, like tests/test_translations.py."""
    result = run(runner, write_csv(tmp_path / "ds.csv", _bad_rows()))
    assert "Ngày này là ngày trong tương lai." in result.output  # the form's own message
    assert "Không được để trống mục này." in result.output
    assert "Lựa chọn không hợp lệ." in result.output
    assert "Trung học cơ sở" in line_of(result, 5, "Trình độ văn hóa")  # the levels it expected instead


def test_a_dry_run_checks_and_writes_nothing(runner, world, tmp_path):
    result = run(runner, write_csv(tmp_path / "ds.csv", ROWS), "branch_a1", "sec_a1", "--dry-run")
    assert result.exit_code == 0, result.output
    assert cases() == [] and log_count() == 0
    bad = run(runner, write_csv(tmp_path / "bad.csv", _bad_rows()), "branch_a1", "sec_a1", "--dry-run")
    assert bad.exit_code == 1 and "Ngày phát hiện" in bad.output and cases() == []


def test_a_person_with_an_open_case_or_twice_in_the_file_is_refused(runner, world, tmp_path, make_case):
    make_case(full_name="Phùng Tấn Thắng", date_of_birth=date(1998, 5, 20))  # in branch_a1, still open
    twice = [list(r) for r in ROWS] + [["4", "NGUYỄN VĂN BÌNH", "07/07/1995", "Nam", "Kinh", "THCS", "", "", "",
                                        "Đoàn TN", "", ""]]
    result = run(runner, write_csv(tmp_path / "ds.csv", twice))
    assert result.exit_code == 1
    assert len(cases()) == 1  # the one made above
    existing = cases()[0]
    assert [line for line in row_lines(result, 2) if re.search(rf"\b{existing.id}\b", line)], result.output
    assert [line for line in row_lines(result, 5) if re.search(r"\b4\b", line)], result.output  # same as row 4
    assert row_lines(result, 3) == [] and row_lines(result, 4) == []


def test_the_same_person_in_another_branch_or_with_a_closed_case_is_no_duplicate(runner, world, tmp_path, make_case):
    make_case(full_name="Phùng Tấn Thắng", date_of_birth=date(1998, 5, 20), branch=world.branch_b1)
    result = run(runner, write_csv(tmp_path / "ds.csv", ROWS))
    assert result.exit_code == 0, result.output
    assert len(cases()) == 4


def test_a_user_outside_the_unit_is_refused(runner, world, tmp_path):
    path = write_csv(tmp_path / "ds.csv", ROWS)
    for unit, user in [("branch_a1", "sec_a2"), ("branch_b1", "com_a"), ("branch_a1", "board"),
                       ("commune_a", "com_a"), ("branch_a1", "nobody"), ("nowhere", "sec_a1")]:
        result = run(runner, path, unit, user)
        assert result.exit_code != 0, (unit, user)
    assert cases() == [] and log_count() == 0


def test_progress_lines_appear_when_not_on_a_terminal(runner, world, tmp_path):
    rows = [["", f"Người Thứ {chr(ord('A') + i)}", "01/01/1990", "Nam", "Kinh", "THPT", "", "", "", "Đoàn TN", "", ""]
            for i in range(12)]
    result = run(runner, write_csv(tmp_path / "ds.csv", rows))
    assert result.exit_code == 0, result.output
    progress = [line for line in result.output.splitlines() if re.fullmatch(r"\D*\d+/12\D*", line)]
    assert len(progress) >= 2 and "12/12" in progress[-1], result.output
    assert len(cases()) == 12


def test_a_sheet_for_another_branch_or_without_a_needed_column_is_refused(runner, world, tmp_path):
    exported = [h for h in HEADER] + ["Chi bộ"]
    rows = [r + ["Chi bộ trường A2"] for r in ROWS]
    result = run(runner, write_csv(tmp_path / "other.csv", rows, header=exported))
    assert result.exit_code == 1 and "Chi bộ trường A2" in result.output
    no_sex = [h if h != "Giới tính" else "Ghi chú" for h in HEADER]
    result = run(runner, write_csv(tmp_path / "nosex.csv", ROWS, header=no_sex))
    assert result.exit_code == 1 and "Ghi chú" in result.output  # the column not read is named
    assert cases() == []


def test_a_file_of_another_kind_is_refused(runner, world, tmp_path):
    path = tmp_path / "ds.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    result = run(runner, path)
    assert result.exit_code != 0 and cases() == []


@pytest.mark.parametrize("key", [None, "not the key of this log"])
def test_an_import_without_the_logs_key_writes_nothing(world, runner, app, tmp_path, key):
    path = tmp_path / "list.csv"
    path.write_text("Họ và tên,Ngày sinh,Giới tính,Trình độ,Ngày phát hiện\\n", encoding="utf-8")
    app.config["LOG_KEY"] = key
    result = runner.invoke(args=["import-candidates", str(path), "--unit", "branch_a1", "--as", "sec_a1"])
    assert result.exit_code != 0 and "KETNAP_LOG_KEY" in result.output
