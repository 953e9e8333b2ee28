"""Your own organisation as the README's section tells it, from an empty database to its first
case and on to the branch vote: set up, a tree of three hundred units from a file, accounts from
a file, the secretary's and the commune committee's first logins with one-time passwords, a case
opened, a training class opened by the committee (its commune decides admissions), the
certificate, the dossier, the branch vote; and the log verifies. Every step through the pages."""
import re

import pytest
import sqlalchemy as sa

from bulk_support import ACCOUNT_HEADER, UNIT_HEADER_EN, big_tree, printed_passwords, write_csv, write_xlsx
from pages_support import Pages, fresh_case, section, text
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.units.models import Unit

ADMIN_PASSWORD = "mat-khau-quan-tri"
NEW_PASSWORD = "mat-khau-bi-thu-moi"
COMMITTEE_PASSWORD = "mat-khau-dang-uy-moi"
NEW_CASE = {"full_name": "Phùng Tấn Thắng", "date_of_birth": "1998-05-20", "sex": "male", "ethnicity": "Kinh",
            "education": "upper_secondary", "occupation": "Phó Bí thư chi đoàn thôn", "residence": "Thôn 0",
            "source_organisation": "youth_union", "helper_member": "Lê Văn Giúp", "effective_date": "2025-09-01"}


@pytest.mark.real_database  # it fills an empty database, sequences included
def test_an_organisation_set_up_from_nothing_takes_its_first_case_to_the_branch_vote(app, runner, tmp_path):
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
    one_time = printed_passwords(result.output)

    pages = first_login(app, "bi.thu.cb0", one_time["bi.thu.cb0"], NEW_PASSWORD)
    opened = pages.post("/candidates/new", data=NEW_CASE)
    assert opened.status_code == 302, text(opened)
    case = db.session.execute(sa.select(Case)).scalar_one()
    branch = db.session.execute(sa.select(Unit).where(Unit.code == "xa_00_cb0")).scalar_one()
    assert (case.branch_id, case.stage) == (branch.id, "spotted")
    assert "Phùng Tấn Thắng" in text(pages.get(opened.headers["Location"]))

    # The commune decides admissions (its row in the file), so its committee runs the class.
    committee = first_login(app, "dang.uy.xa00", one_time["dang.uy.xa00"], COMMITTEE_PASSWORD)
    commune = db.session.execute(sa.select(Unit).where(Unit.code == "xa_00")).scalar_one()
    created = committee.post("/training/new", data={
        "name": "Lớp bồi dưỡng nhận thức về Đảng khóa 1/2025", "organiser_unit_id": str(commune.id),
        "organiser_name": "Trung tâm Chính trị", "place": "Hội trường Đảng ủy xã", "starts_on": "2025-09-08",
        "ends_on": "2025-09-12"})
    assert created.status_code == 302, text(created)
    class_id = int(created.headers["Location"].rsplit("/", 1)[1])
    # The secretary sends the candidate to it from the case page; the committee records the pass.
    act(pages, case.id, "enrol_training", {"class_id": str(class_id), "effective_date": "2025-09-08"}, "training")
    results = committee.get(f"/training/{class_id}/results")
    (index, enrolment_id), = re.findall(r'name="rows-(\d+)-enrolment_id" type="hidden" value="(\d+)"',
                                        results.get_data(as_text=True))
    recorded = committee.post(f"/training/{class_id}/results", data={
        "results_on": "2025-09-12", f"rows-{index}-enrolment_id": enrolment_id, f"rows-{index}-result": "passed",
        f"rows-{index}-certificate_number": "01/CN-2025", f"rows-{index}-certificate_date": "2025-09-12"})
    assert recorded.status_code == 302, text(recorded)
    assert fresh_case(case.id).stage == "dossier"
    # The dossier, document by document on its page, then complete.
    dossier = pages.get(f"/candidates/{case.id}/dossier").get_data(as_text=True)
    for key, (day, details) in ADMISSION_DOCUMENTS.items():
        assert f'checklist-missing" data-key="{key}"' in dossier  # a line still to record
        saved = pages.post(f"/candidates/{case.id}/dossier/{key}", data={
            "version": str(fresh_case(case.id).version), "received": "y", "received_on": day, **details})
        assert saved.status_code == 302, (key, text(saved))
    act(pages, case.id, "complete_dossier", {"effective_date": "2025-10-13", "note": "Hồ sơ đủ"}, "branch_vote")
    # The vote's form starts from the branch's official members, as the tree's file gave them.
    vote = pages.get(f"/candidates/{case.id}/act/record_branch_vote")
    assert re.search(r'name="members_total"[^>]*value="20"', vote.get_data(as_text=True))
    act(pages, case.id, "record_branch_vote", {
        "effective_date": "2025-10-20", "members_total": "20", "members_present": "18", "votes_for": "16",
        "votes_against": "2", "resolution_number": "01-NQ/CB"}, "committee_review")
    voted = section(pages.get(f"/candidates/{case.id}"), "timeline").split("Record the branch vote")[1]
    assert "Official members of the branch in total 20" in voted and "Votes needed 14 Passed Yes" in voted

    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "Differences between the cases' tables and their logs: 0" in verified.output


# What the branch gathers before the dossier is complete: the application, the résumé, two
# official members' introductions, the commitment and the verification of the résumé.
ADMISSION_DOCUMENTS = {
    "1-KNĐ": ("2025-09-15", {}),
    "2-KNĐ": ("2025-09-17", {}),
    "3-KNĐ:1": ("2025-09-22", {"introducer_name": "Nguyễn Văn Một", "official": "y", "known_since": "2023-01-01"}),
    "3-KNĐ:2": ("2025-09-22", {"introducer_name": "Trần Thị Hai", "official": "y", "known_since": "2023-06-01"}),
    "5-KNĐ": ("2025-09-24", {}),
    "TTLL": ("2025-10-08", {"verification_result": "clear"}),
}


def first_login(app, username, one_time, password):
    """A client of its own, logged in with the one-time password and past the change it asks for."""
    pages = Pages(app.test_client())
    assert pages.post("/login?lang=en", data={"username": username, "password": one_time}).status_code == 302
    assert pages.get("/").headers["Location"].endswith("/account/password")  # first, a password of one's own
    changed = pages.post("/account/password", data={"old_password": one_time, "password": password,
                                                    "confirm": password})
    assert changed.status_code == 302
    return pages


def act(pages, case_id, act_name, data, stage):
    """Record an act with its form, as the case page offers it; the case is then in `stage`."""
    assert f'data-act="{act_name}"' in pages.get(f"/candidates/{case_id}").get_data(as_text=True)
    response = pages.post(f"/candidates/{case_id}/act/{act_name}",
                          data=dict(data, version=str(fresh_case(case_id).version)))
    assert response.status_code == 302, (act_name, text(response))
    assert fresh_case(case_id).stage == stage
