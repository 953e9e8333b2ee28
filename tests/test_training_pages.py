"""The training pages: the classes each user sees, creating a class, enrolling one case from
its page or a selection from the class page, recording results and certificates, and the
class page's attendees. Bulk submissions with one bad row write nothing and say which row and why."""
import html
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from pages_support import field_errors, fresh_case, log_rows, pages, section, text  # noqa: F401
from pipeline.extensions import db
from pipeline.training import operations as training
from pipeline.training.operations import latest_enrolment
from pipeline.training.models import Enrolment, TrainingClass

START, END = date(2022, 4, 18), date(2022, 4, 29)


def new_class(world, unit=None, name="Lớp bồi dưỡng khóa 1/2022"):
    return training.create_class(world["board"], unit or world.town, name, START, END,
                                 organiser_name="Trung tâm Chính trị thị xã", place="Hội trường Thị ủy").id


def enrolments():
    return db.session.execute(select(func.count()).select_from(Enrolment)).scalar_one()


@pytest.fixture
def classes(world):
    """The town's class (open to every branch) and commune A's (open to its branches only)."""
    world.commune_a.decides_admissions = True
    db.session.commit()
    return {"town": new_class(world), "commune_a": new_class(world, world.commune_a, "Lớp bồi dưỡng xã A 2022")}


# --- who sees which class ----------------------------------------------------------------------

@pytest.mark.parametrize("username, visible", [
    ("board", {"town", "commune_a"}), ("com_a", {"town", "commune_a"}), ("sec_a1", {"town", "commune_a"}),
    ("sec_b1", {"town"}), ("com_b", {"town"}),
])
def test_each_user_sees_the_classes_open_to_their_units_and_organised_below(pages, world, classes, username,
                                                                           visible):
    pages.login(username)
    listing = section(pages.get("/training/"), "classes")
    assert ("Lớp bồi dưỡng khóa 1/2022" in listing) == ("town" in visible)
    assert ("Lớp bồi dưỡng xã A 2022" in listing) == ("commune_a" in visible)
    for key, class_id in classes.items():
        expected = 200 if key in visible else 404
        assert pages.get(f"/training/{class_id}").status_code == expected, key
        if key not in visible:
            for page in ("enrol", "results"):
                assert pages.get(f"/training/{class_id}/{page}").status_code == 404, page
                assert pages.post(f"/training/{class_id}/{page}", data={}).status_code == 404, page


def test_a_class_that_does_not_exist_is_not_found(pages, world):
    pages.login("board")
    assert pages.get("/training/999").status_code == 404


# --- creating a class --------------------------------------------------------------------------

def classes_count():
    return db.session.execute(select(func.count()).select_from(TrainingClass)).scalar_one()


@pytest.mark.parametrize("username, deciding, allowed", [
    ("board", False, True), ("com_a", True, True), ("com_a", False, False), ("sec_a1", False, False),
    ("admin", False, False),
])
def test_class_creation_by_role(pages, world, username, deciding, allowed):
    world.commune_a.decides_admissions = deciding
    db.session.commit()
    before = classes_count()
    pages.login(username)
    assert pages.get("/training/new").status_code == (200 if allowed else 403)
    unit = world.commune_a if username == "com_a" else world.town
    response = pages.post("/training/new", data={
        "name": "Lớp bồi dưỡng khóa 3/2022", "organiser_unit_id": str(unit.id),
        "organiser_name": "Trung tâm Chính trị", "place": "Hội trường", "starts_on": "2022-10-17",
        "ends_on": "2022-10-28"})
    assert response.status_code == (302 if allowed else 403)
    assert classes_count() == before + allowed
    if allowed:
        created = db.session.execute(select(TrainingClass).order_by(TrainingClass.id.desc()).limit(1)).scalar_one()
        assert response.headers["Location"] == f"/training/{created.id}"
        assert (created.organiser_unit_id, created.starts_on, created.ends_on) == (
            unit.id, date(2022, 10, 17), date(2022, 10, 28))
        assert "New class" in text(pages.get("/training/"))


def test_a_class_form_with_bad_dates_or_another_unit_is_refused(pages, world):
    pages.login("board")
    before = classes_count()
    good = {"name": "Lớp 3/2022", "organiser_unit_id": str(world.town.id), "starts_on": "2022-10-17",
            "ends_on": "2022-10-28"}
    for change, error in (({"ends_on": "2022-10-01"}, "The last day cannot be before the first day."),
                          ({"organiser_unit_id": str(world.commune_a.id)}, "Not a valid choice"),
                          ({"name": ""}, "This field is required.")):
        response = pages.post("/training/new", data=dict(good, **change))
        assert response.status_code == 422 and error in text(response), change
    assert classes_count() == before


# --- enrolling one case from its page -------------------------------------------------------------

def class_cards(response):
    """The classes offered on the enrolment form: value -> (text of its card, checked)."""
    page = html.unescape(response.get_data(as_text=True))
    cards = re.findall(r'<label class="[^"]*class-option[^"]*"[^>]*>\s*<input ([^>]*)>(.*?)</label>', page, re.S)
    return {re.search(r'value="(\d+)"', attrs).group(1): (" ".join(re.sub(r"<[^>]+>", " ", body).split()),
                                                          " checked" in attrs)
            for attrs, body in cards}


def enrol_form(pages, case_id, **data):
    return pages.post(f"/candidates/{case_id}/act/enrol_training",
                      data=dict({"version": str(fresh_case(case_id).version)}, **data))


def test_the_case_page_offers_only_the_classes_open_today_none_chosen(app, pages, world, make_case):
    world.commune_b.decides_admissions = True
    db.session.commit()
    town = new_class(world)  # 18-29/04/2022
    ended = training.create_class(world["board"], world.town, "Lớp bồi dưỡng khóa tháng 3/2022", date(2022, 3, 1),
                                  date(2022, 3, 12)).id
    elsewhere = new_class(world, world.commune_b, "Lớp bồi dưỡng phường B 2022")
    case_id = make_case().id
    app.config["TODAY"] = date(2022, 4, 20)
    pages.login("sec_a1")
    form = pages.get(f"/candidates/{case_id}/act/enrol_training")
    cards = class_cards(form)
    # The whole name with its dates and organiser; an ended class, another commune's and the
    # world's 2021 class are not offered; nothing is chosen for the secretary.
    assert cards == {str(town): ("Lớp bồi dưỡng khóa 1/2022 18/04/2022–29/04/2022 · Trung tâm Chính trị thị xã "
                                 "Hội trường Thị ủy", False)}
    who = section(form, "class-who")
    assert "Opens a class: Grassroots committee of a unit that decides admissions or Organisation board." in who
    assert "Enrols candidates: Branch secretary, Grassroots committee or Organisation board." in who
    before = log_rows()
    left = enrol_form(pages, case_id, effective_date="2022-04-20")
    assert left.status_code == 422 and field_errors(left, "class_id") == "Choose a class."
    not_open = enrol_form(pages, case_id, class_id=str(elsewhere), effective_date="2022-04-20")
    assert not_open.status_code == 422 and "Not a valid choice" in field_errors(not_open, "class_id")
    # A class that ended is judged by the guard: an enrolment dated after its last day is refused.
    late = enrol_form(pages, case_id, class_id=str(ended), effective_date="2022-04-20")
    assert late.status_code == 422
    assert "the class Lớp bồi dưỡng khóa tháng 3/2022 ended on 12/03/2022" in section(late, "refused")
    assert log_rows() == before and fresh_case(case_id).stage == "spotted"
    response = enrol_form(pages, case_id, class_id=str(town), effective_date="2022-04-20")
    assert response.status_code == 302
    assert fresh_case(case_id).stage == "training" and latest_enrolment(case_id).class_id == town
    timeline = section(pages.get(f"/candidates/{case_id}"), "timeline")
    assert "Send to the training class" in timeline and "Lớp bồi dưỡng khóa 1/2022" in timeline


def test_without_an_open_class_the_enrol_form_says_so_and_who_opens_one(app, pages, world, make_case):
    new_class(world)
    case_id = make_case().id
    app.config["TODAY"] = date(2022, 5, 3)  # the class ended on 29/04
    pages.login("sec_a1")
    form = pages.get(f"/candidates/{case_id}/act/enrol_training")
    assert class_cards(form) == {}
    assert "No class is open for enrolment today" in section(form, "no-open-class")
    assert "Opens a class: Grassroots committee of a unit that decides admissions or Organisation board." in \
        section(form, "class-who")


def test_who_opens_a_class_is_read_from_the_role_sets(pages, world, monkeypatch):
    """The pages name the roles the code checks: narrow the set and the words follow."""
    from pipeline.training import access
    world.commune_a.decides_admissions = True
    db.session.commit()
    pages.login("sec_a1")
    who = section(pages.get("/training/"), "who-does-what")
    assert "Opens a class: Grassroots committee of a unit that decides admissions or Organisation board " \
           "(Đảng bộ thị xã Thử, Đảng bộ xã A)." in who
    assert "Records results and certificates: Grassroots committee of a unit that decides admissions or " \
           "Organisation board, of the unit organising the class or above it." in who
    monkeypatch.setattr(access, "ORGANISER_ROLES", frozenset({"board"}))
    who = section(pages.get("/training/"), "who-does-what")
    assert "Opens a class: Organisation board (Đảng bộ thị xã Thử, Đảng bộ xã A)." in who
    assert "Records results and certificates: Organisation board," in who
    pages.login("com_a")  # the page and the permission change together
    assert pages.get("/training/new").status_code == 403


def test_the_list_and_the_class_page_say_until_when_a_class_takes_attendees(app, pages, world):
    open_id = new_class(world)
    app.config["TODAY"] = date(2022, 4, 20)
    pages.login("sec_a1")
    listing = pages.get("/training/")
    rows = section(listing, "classes")
    assert "Open until 29/04/2022" in rows and "Ended" in rows  # the world's class of 2021 ended
    page = pages.get(f"/training/{open_id}")
    assert "Open until 29/04/2022" in section(page, "enrolment-status")
    assert "Enrol candidates" in section(page, "class-actions")
    assert "ended" not in text(pages.get(f"/training/{open_id}/enrol")).lower()
    app.config["TODAY"] = date(2022, 5, 3)
    page = pages.get(f"/training/{open_id}")
    assert "Ended on 29/04/2022" in section(page, "enrolment-status")
    assert "Record an earlier enrolment" in section(page, "class-actions")
    assert "This class ended on 29/04/2022" in section(pages.get(f"/training/{open_id}/enrol"), "class-ended")


# --- enrolling a selection from the class page ----------------------------------------------------

def test_the_pool_offers_spotted_cases_of_the_users_units(pages, world, classes, make_case):
    make_case(branch=world.branch_a1, full_name="Ngô Văn Một")
    make_case(branch=world.branch_b1, full_name="Ngô Văn Hai")
    make_case("training", branch=world.branch_a1, full_name="Ngô Văn Ba")
    pages.login("board")
    pool = section(pages.get(f"/training/{classes['town']}/enrol"), "pool")
    assert "Ngô Văn Một" in pool and "Ngô Văn Hai" in pool and "Ngô Văn Ba" not in pool
    pool = section(pages.get(f"/training/{classes['commune_a']}/enrol"), "pool")  # open to commune A only
    assert "Ngô Văn Một" in pool and "Ngô Văn Hai" not in pool
    pages.login("sec_a1")
    pool = section(pages.get(f"/training/{classes['town']}/enrol"), "pool")
    assert "Ngô Văn Một" in pool and "Ngô Văn Hai" not in pool
    pages.login("admin")
    assert pages.get(f"/training/{classes['town']}/enrol").status_code == 403


def test_a_selection_is_enrolled_and_listed_on_the_class_page(pages, world, classes, make_case):
    cases = [make_case(branch=branch, full_name=name) for branch, name in (
        (world.branch_a1, "Đỗ Thị Lan"), (world.branch_a2, "Đỗ Văn Hùng"), (world.branch_b1, "Đỗ Minh Tâm"))]
    pages.login("board")
    response = pages.post(f"/training/{classes['town']}/enrol",
                          data={"enrolled_on": "2022-04-18", "case_ids": [str(c.id) for c in cases]})
    assert response.status_code == 302 and response.headers["Location"] == f"/training/{classes['town']}"
    assert "3 candidates enrolled in Lớp bồi dưỡng khóa 1/2022." in text(pages.get(response.headers["Location"]))
    assert {fresh_case(c.id).stage for c in cases} == {"training"}
    page = pages.get(f"/training/{classes['town']}")
    attendees = section(page, "attendees")
    for name, branch in (("Đỗ Thị Lan", "Chi bộ thôn A1"), ("Đỗ Văn Hùng", "Chi bộ trường A2"),
                         ("Đỗ Minh Tâm", "Chi bộ khối phố B1")):
        assert name in attendees and branch in attendees
    assert attendees.count("Political training class") == 3
    assert "3 attendees" in section(page, "attendee-count")
    # a secretary sees the attendees of their own branch only
    pages.login("sec_a1")
    page = pages.get(f"/training/{classes['town']}")
    assert "Đỗ Thị Lan" in section(page, "attendees") and "Đỗ Văn Hùng" not in section(page, "attendees")
    assert "1 attendee from your units, of 3 in the class" in section(page, "attendee-count")


def test_a_selection_with_a_case_no_longer_in_the_pool_writes_nothing(pages, world, classes, make_case):
    good = make_case(full_name="Hồ Văn Được")
    gone = make_case(full_name="Hồ Văn Đã Rút")
    pages.login("board")
    pages.get(f"/training/{classes['town']}/enrol")  # both offered
    # meanwhile the branch records that one of them withdrew
    from pipeline.workflow.operations import record_act
    record_act(gone.id, "withdraw", world["sec_a1"], date(2022, 4, 1), {}, reason="Chuyển đi nơi khác")
    before = (log_rows(), enrolments())
    response = pages.post(f"/training/{classes['town']}/enrol",
                          data={"enrolled_on": "2022-04-18", "case_ids": [str(good.id), str(gone.id)]})
    assert response.status_code == 422
    report = section(response, "refused")
    assert "Nothing was recorded" in report and "1 row was refused, 1 other row was fine" in report
    assert "Hồ Văn Đã Rút" in report and "Withdrawn by the candidate" in report and "Hồ Văn Được" not in report
    assert (log_rows(), enrolments()) == before
    assert fresh_case(good.id).stage == "spotted"
    assert 'value="%d" id="case-%d" checked' % (good.id, good.id) in response.get_data(as_text=True)


def test_a_selection_with_a_case_outside_the_users_units_writes_nothing(pages, world, classes, make_case):
    mine = make_case(branch=world.branch_a1)
    theirs = make_case(branch=world.branch_b1)
    pages.login("com_a")
    before = (log_rows(), enrolments())
    response = pages.post(f"/training/{classes['town']}/enrol",
                          data={"enrolled_on": "2022-04-18", "case_ids": [str(mine.id), str(theirs.id)]})
    assert response.status_code == 422
    report = section(response, "refused")
    assert f"Case #{theirs.id}" in report and "No such case in your units." in report
    assert "Phùng Tấn Thắng" not in report  # nothing about a case outside the user's units
    assert (log_rows(), enrolments()) == before


def test_an_empty_selection_is_refused(pages, world, classes, make_case):
    make_case()
    pages.login("board")
    response = pages.post(f"/training/{classes['town']}/enrol", data={"enrolled_on": "2022-04-18"})
    assert response.status_code == 422 and "Choose at least one candidate." in text(response)


# --- results and certificates -------------------------------------------------------------------

def _enrol(world, class_id, cases):
    training.enrol_cases(world["board"], db.session.get(TrainingClass, class_id), [c.id for c in cases], START)


def _rows(response):
    """enrolment id -> the form's row index, read from the results page."""
    import re
    page = response.get_data(as_text=True)
    return {int(value): int(index) for index, value in
            re.findall(r'name="rows-(\d+)-enrolment_id" type="hidden" value="(\d+)"', page)}


def test_results_and_certificates_are_recorded_for_the_class(pages, world, classes, make_case):
    passed, failed = make_case(full_name="Phan Văn Đạt"), make_case(full_name="Phan Văn Trượt")
    _enrol(world, classes["town"], [passed, failed])
    pages.login("board")
    form = pages.get(f"/training/{classes['town']}/results")
    rows = _rows(form)
    assert set(rows) == {latest_enrolment(passed.id).id, latest_enrolment(failed.id).id}
    p, f = rows[latest_enrolment(passed.id).id], rows[latest_enrolment(failed.id).id]
    data = {"results_on": "2022-04-29",
            f"rows-{p}-enrolment_id": str(latest_enrolment(passed.id).id), f"rows-{p}-result": "passed",
            f"rows-{p}-certificate_number": "01/CN-K1", f"rows-{p}-certificate_date": "2022-04-29",
            f"rows-{f}-enrolment_id": str(latest_enrolment(failed.id).id), f"rows-{f}-result": "failed"}
    response = pages.post(f"/training/{classes['town']}/results", data=data)
    assert response.status_code == 302, text(response)[:3000]
    assert "Recorded: 1 result(s), 1 certificate(s)." in text(pages.get(response.headers["Location"]))
    assert fresh_case(passed.id).stage == "dossier" and fresh_case(failed.id).stage == "training"
    page = pages.get(f"/training/{classes['town']}")
    attendees = section(page, "attendees")
    assert "01/CN-K1 · 29/04/2022" in attendees and "29/04/2027" in attendees  # valid 60 months
    assert "Failed" in attendees and "Preparing the dossier" in attendees
    timeline = section(pages.get(f"/candidates/{passed.id}"), "timeline")
    assert "Record the training certificate" in timeline and "01/CN-K1" in timeline
    timeline = section(pages.get(f"/candidates/{failed.id}"), "timeline")
    assert "Record the training class result" in timeline and "Failed" in timeline
    # the certified attendee is no longer on the results form
    assert set(_rows(pages.get(f"/training/{classes['town']}/results"))) == {latest_enrolment(failed.id).id}


def test_results_with_one_bad_row_write_nothing_and_name_it(pages, world, classes, make_case):
    good, early = make_case(full_name="Lý Văn Tốt"), make_case(full_name="Lý Văn Sớm")
    _enrol(world, classes["town"], [good, early])
    pages.login("board")
    rows = _rows(pages.get(f"/training/{classes['town']}/results"))
    g, e = rows[latest_enrolment(good.id).id], rows[latest_enrolment(early.id).id]
    data = {"results_on": "2022-04-29",
            f"rows-{g}-enrolment_id": str(latest_enrolment(good.id).id), f"rows-{g}-result": "passed",
            f"rows-{g}-certificate_number": "01/CN-K1", f"rows-{g}-certificate_date": "2022-04-29",
            f"rows-{e}-enrolment_id": str(latest_enrolment(early.id).id), f"rows-{e}-result": "passed",
            f"rows-{e}-certificate_number": "02/CN-K1", f"rows-{e}-certificate_date": "2022-04-10"}
    before = (log_rows(), enrolments())
    response = pages.post(f"/training/{classes['town']}/results", data=data)
    assert response.status_code == 422
    report = section(response, "refused")
    assert "Lý Văn Sớm" in report and "Lý Văn Tốt" not in report
    assert "the certificate is dated 10/04/2022, before the class ended on 29/04/2022" in report
    assert (log_rows(), enrolments()) == before
    assert fresh_case(good.id).stage == "training" and latest_enrolment(good.id).result is None
    # the same number twice
    data[f"rows-{e}-certificate_date"] = "2022-04-29"
    data[f"rows-{e}-certificate_number"] = "01/CN-K1"
    response = pages.post(f"/training/{classes['town']}/results", data=data)
    assert response.status_code == 422 and "was already issued" in section(response, "refused")
    assert (log_rows(), enrolments()) == before


def test_a_certificate_without_a_pass_or_without_its_date_is_refused_beside_the_row(pages, world, classes,
                                                                                   make_case):
    case = make_case()
    _enrol(world, classes["town"], [case])
    enrolment_id = latest_enrolment(case.id).id
    pages.login("board")
    before = log_rows()
    for change, error in (({"rows-0-result": "failed", "rows-0-certificate_number": "01"},
                           "A certificate is issued only to those who passed."),
                          ({"rows-0-result": "passed", "rows-0-certificate_number": "01"},
                           "The certificate needs its date."),
                          ({"rows-0-result": "passed", "rows-0-certificate_date": "2022-04-29"},
                           "The certificate needs its number."),
                          ({"rows-0-result": "excellent"}, "Not a valid choice")):
        response = pages.post(f"/training/{classes['town']}/results",
                              data=dict({"results_on": "2022-04-29", "rows-0-enrolment_id": str(enrolment_id)},
                                        **change))
        assert response.status_code == 422 and error in text(response), change
    assert log_rows() == before


def _shown(response):
    """What the results form shows: enrolment id -> (result chosen, certificate number, date)."""
    page = response.get_data(as_text=True)
    rows = {}
    for index, enrolment_id in re.findall(r'name="rows-(\d+)-enrolment_id" type="hidden" value="(\d+)"', page):
        chosen = re.search(r'<select[^>]*name="rows-%s-result"[^>]*>(.*?)</select>' % index, page, re.S).group(1)
        result = re.search(r'<option selected value="(\w*)"', chosen)
        number = re.search(r'name="rows-%s-certificate_number"[^>]*value="([^"]*)"' % index, page)
        day = re.search(r'name="rows-%s-certificate_date"[^>]*value="([^"]*)"' % index, page)
        rows[int(enrolment_id)] = (result.group(1) if result else "", html.unescape(number.group(1)) if number else "",
                                   day.group(1) if day else "")
    return rows


def _submitted(response):
    """The results form as shown, posted back as is: the form's field -> value."""
    page = response.get_data(as_text=True)
    data = {"results_on": re.search(r'name="results_on"[^>]*value="([^"]*)"', page).group(1)}
    for index, enrolment_id in re.findall(r'name="rows-(\d+)-enrolment_id" type="hidden" value="(\d+)"', page):
        data[f"rows-{index}-enrolment_id"] = enrolment_id
    for enrolment_id, (result, number, day) in _shown(response).items():
        index = _rows(response)[enrolment_id]
        data.update({f"rows-{index}-result": result, f"rows-{index}-certificate_number": number,
                     f"rows-{index}-certificate_date": day})
    return data


def test_all_passed_fills_every_row_with_numbers_counted_from_the_first(pages, world, classes, make_case):
    cases = [make_case(full_name=name) for name in ("Lê Văn An", "Lê Thị Bình", "Lê Văn Cường")]
    _enrol(world, classes["town"], cases)
    pages.login("board")
    url = f"/training/{classes['town']}/results"
    page = pages.get(url)
    # The class's last day is the default date; the page says how a number with a suffix counts.
    assert re.search(r'name="all-certificate_date"[^>]*value="2022-04-29"', page.get_data(as_text=True))
    assert "12/CN-TTCT, 13/CN-TTCT, 14/CN-TTCT" in section(page, "all-passed")
    before = (log_rows(), enrolments())
    filled = pages.post(url, data={"all-first_number": "12/CN-TTCT", "all-certificate_date": "2022-04-29"})
    assert filled.status_code == 200
    assert "Filled in as passed: 3 row(s), certificates 12/CN-TTCT to 14/CN-TTCT. Nothing is recorded yet" in \
        section(filled, "filled")
    ids = [latest_enrolment(c.id).id for c in cases]  # the list's order: by given name, An, Bình, Cường
    assert _shown(filled) == {ids[0]: ("passed", "12/CN-TTCT", "2022-04-29"),
                              ids[1]: ("passed", "13/CN-TTCT", "2022-04-29"),
                              ids[2]: ("passed", "14/CN-TTCT", "2022-04-29")}
    assert (log_rows(), enrolments()) == before  # filling in records nothing
    # The exception is changed on its row; the rest is recorded as filled in.
    data = _submitted(filled)
    index = _rows(filled)[ids[1]]
    data.update({f"rows-{index}-result": "absent", f"rows-{index}-certificate_number": "",
                 f"rows-{index}-certificate_date": ""})
    response = pages.post(url, data=data)
    assert response.status_code == 302, text(response)[:2000]
    assert "Recorded: 1 result(s), 2 certificate(s)." in text(pages.get(response.headers["Location"]))
    assert [fresh_case(c.id).stage for c in cases] == ["dossier", "training", "dossier"]
    assert [latest_enrolment(c.id).certificate_number for c in cases] == ["12/CN-TTCT", None, "14/CN-TTCT"]
    assert latest_enrolment(cases[1].id).result == "absent"


def test_all_passed_keeps_the_width_of_a_number_with_leading_zeros(pages, world, classes, make_case):
    cases = [make_case(full_name=name) for name in ("Tô Văn An", "Tô Văn Bảo")]
    _enrol(world, classes["town"], cases)
    pages.login("board")
    filled = pages.post(f"/training/{classes['town']}/results",
                        data={"all-first_number": "009/CN-K1-2022", "all-certificate_date": "2022-04-29"})
    assert [number for _result, number, _day in _shown(filled).values()] == ["009/CN-K1-2022", "010/CN-K1-2022"]


@pytest.mark.parametrize("change, error", [
    ({"all-first_number": "CN-TTCT"}, "The number needs digits to count from, e.g. 12/CN-TTCT."),
    ({"all-first_number": ""}, "This field is required."),
    ({"all-certificate_date": "2099-01-01"}, "in the future"),
])
def test_all_passed_with_a_bad_first_number_or_date_fills_nothing(pages, world, classes, make_case, change, error):
    case = make_case()
    _enrol(world, classes["town"], [case])
    pages.login("board")
    response = pages.post(f"/training/{classes['town']}/results",
                          data=dict({"all-first_number": "12/CN", "all-certificate_date": "2022-04-29"}, **change))
    assert response.status_code == 422 and error in text(response)
    assert "The rows were not filled in" in section(response, "fill-errors")
    assert _shown(response) == {latest_enrolment(case.id).id: ("", "", "")}


def test_a_row_refused_by_the_form_is_named_at_the_top_and_nothing_is_written(pages, world, classes, make_case):
    good, wrong = make_case(full_name="Vũ Văn Đúng"), make_case(full_name="Vũ Văn Sai")
    _enrol(world, classes["town"], [good, wrong])
    pages.login("board")
    url = f"/training/{classes['town']}/results"
    filled = pages.post(url, data={"all-first_number": "1/CN", "all-certificate_date": "2022-04-29"})
    data = _submitted(filled)
    data[f"rows-{_rows(filled)[latest_enrolment(wrong.id).id]}-result"] = "failed"  # the number left in
    before = (log_rows(), enrolments())
    response = pages.post(url, data=data)
    assert response.status_code == 422
    report = section(response, "refused")
    assert "Vũ Văn Sai" in report and "A certificate is issued only to those who passed." in report
    assert "Vũ Văn Đúng" not in report and "1 row was refused, 1 other row was fine" in report
    assert (log_rows(), enrolments()) == before and fresh_case(good.id).stage == "training"


@pytest.mark.parametrize("username", ["sec_a1", "com_b"])
def test_results_are_recorded_by_the_organiser_only(pages, world, classes, make_case, username):
    case = make_case()
    _enrol(world, classes["town"], [case])
    pages.login(username)
    assert pages.get(f"/training/{classes['town']}/results").status_code == 403
    response = pages.post(f"/training/{classes['town']}/results", data={
        "results_on": "2022-04-29", "rows-0-enrolment_id": str(latest_enrolment(case.id).id),
        "rows-0-result": "failed"})
    assert response.status_code == 403
    assert fresh_case(case.id).stage == "training" and latest_enrolment(case.id).result is None


def test_a_committee_does_not_manage_the_town_s_class(pages, world, classes):
    pages.login("com_a")  # decides admissions in this fixture, but the town's class is the level above
    page = pages.get(f"/training/{classes['town']}")
    assert "Record results and certificates" not in text(page)
    assert "Record an earlier enrolment" in section(page, "class-actions")  # the class ended in 2022
    assert "Record results and certificates" in text(pages.get(f"/training/{classes['commune_a']}"))


# --- the class page's cost -----------------------------------------------------------------------

def test_the_class_page_runs_the_same_queries_for_3_and_30_attendees(pages, world, make_case, count_statements):
    few, many = new_class(world, name="Lớp ít"), new_class(world, name="Lớp đông")
    branches = [world.branch_a1, world.branch_a2, world.branch_b1, world.branch_direct]
    _enrol(world, few, [make_case(branch=branches[n % 4]) for n in range(3)])
    crowd = [make_case(branch=branches[n % 4], full_name=f"Học Viên {n}") for n in range(30)]
    _enrol(world, many, crowd)
    training.record_results(world["board"], db.session.get(TrainingClass, many),
                            [training.ResultEntry(latest_enrolment(c.id).id, "passed", f"{n:02d}/CN", END)
                             for n, c in enumerate(crowd[:10])], END)
    pages.login("board")
    pages.get(f"/training/{few}")
    with count_statements() as small:
        assert pages.get(f"/training/{few}").status_code == 200
    with count_statements() as large:
        response = pages.get(f"/training/{many}")
        assert response.status_code == 200
    assert "30 attendees" in section(response, "attendee-count")
    assert small.count == large.count <= 6
