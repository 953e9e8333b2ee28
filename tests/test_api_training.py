"""Training classes through the API as a program uses them: the classes a user sees, a class
with its attendees from the user's units, a new class, a selection enrolled and a class's
results recorded, each what the class page shows afterwards; the rows refused with their
reasons (nothing written), a case changed meanwhile (409), a bad body (422 naming the field),
and every role's token against every write, inside and outside its scope."""
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from api_support import ROLES, WHERE, api_places, bearer, snapshot, token_for
from conftest import count_events
from pages_support import fresh_case, pages, section  # noqa: F401  (pages: a fixture)
from training_support import class_places
from pipeline.api.schemas import ID_MAX
from pipeline.base import clock
from pipeline.extensions import db
from pipeline.training import operations as training
from pipeline.training.classes import POOL_LIMIT
from pipeline.training.models import TrainingClass
from pipeline.units.models import Unit
from pipeline.workflow.models import LogEntry

START, END = date(2022, 4, 18), date(2022, 4, 29)


def new_class(world, unit=None, name="Lớp bồi dưỡng khóa 1/2022", starts_on=START, ends_on=END):
    return training.create_class(world["board"], unit or world.town, name, starts_on, ends_on,
                                 organiser_name="Trung tâm Chính trị thị xã", place="Hội trường Thị ủy").id


@pytest.fixture
def api(app):
    return app.test_client()


@pytest.fixture
def classes(world):
    """The town's class (open to every branch) and commune A's (open to its branches only)."""
    world.commune_a.decides_admissions = True
    db.session.commit()
    return {"town": new_class(world), "commune_a": new_class(world, world.commune_a, "Lớp bồi dưỡng xã A 2022")}


def enrolled(world, class_id, cases, day=START):
    training.enrol_cases(world["board"], db.session.get(TrainingClass, class_id), [c.id for c in cases], day)
    return {c.id: training.latest_enrolment(c.id).id for c in cases}


# --- reads ------------------------------------------------------------------------------------

def test_the_classes_a_user_sees_come_newest_first_in_pages(api, world, classes, make_case):
    older = new_class(world, name="Lớp khóa cũ", starts_on=date(2020, 3, 2), ends_on=date(2020, 3, 9))
    twin = new_class(world, name="Lớp cùng ngày")  # starts on START too: after the town's by id
    enrolled(world, classes["town"], [make_case(full_name="Vũ Văn Một"), make_case(full_name="Vũ Văn Hai")])
    secret = token_for(world["board"])
    seen, after = [], None
    while True:
        page = api.get("/api/v1/classes", headers=bearer(secret),
                       query_string={"limit": 2} | ({"after": after} if after else {})).json
        seen += page["items"]
        after = page["next_after"]
        if after is None:
            break
    ids = [item["id"] for item in seen]
    assert ids == [twin, classes["commune_a"], classes["town"], world.training_class.id, older]
    town = next(item for item in seen if item["id"] == classes["town"])
    assert (town["attendees"], town["organiser_unit_name"], town["place"]) == (2, "Đảng bộ thị xã Thử",
                                                                                "Hội trường Thị ủy")
    assert town["starts_on"] == "2022-04-18" and town["ends_on"] == "2022-04-29"
    assert town["open_for_enrolment"] is db.session.get(TrainingClass, town["id"]).open_for_enrolment(clock.today())
    # The list page shows the same classes in the same order.
    from pipeline.training.classes import classes_with_counts
    assert [c.id for c, _count in db.session.execute(classes_with_counts(world["board"]))] == ids
    # Commune B's secretary does not see commune A's class, nor page after it.
    other = bearer(token_for(world["sec_b1"]))
    listed = api.get("/api/v1/classes", headers=other).json["items"]
    assert classes["commune_a"] not in [item["id"] for item in listed] and classes["town"] in [
        item["id"] for item in listed]
    assert api.get("/api/v1/classes", headers=other, query_string={"after": classes["commune_a"]}).status_code == 404
    assert api.get("/api/v1/classes", headers=other, query_string={"limit": 1000}).status_code == 422


def test_a_class_shows_the_attendees_of_the_users_units_as_its_page(api, world, classes, make_case, pages):
    cases = [make_case(branch=branch, full_name=name) for branch, name in (
        (world.branch_a1, "Đỗ Thị Lan"), (world.branch_a2, "Đỗ Văn Hùng"), (world.branch_b1, "Đỗ Minh Tâm"))]
    ids = enrolled(world, classes["town"], cases)
    board = api.get(f"/api/v1/classes/{classes['town']}", headers=bearer(token_for(world["board"]))).json
    # By given name, as the page lists them.
    assert [e["full_name"] for e in board["enrolments"]] == ["Đỗ Văn Hùng", "Đỗ Thị Lan", "Đỗ Minh Tâm"]
    assert board["attendees"] == 3 and board["may_record_results"] and board["may_enrol"]
    lan = board["enrolments"][1]
    assert lan == {"enrolment_id": ids[cases[0].id], "case_id": cases[0].id, "full_name": "Đỗ Thị Lan",
                   "branch_id": world.branch_a1.id, "branch_name": "Chi bộ thôn A1", "stage": "training",
                   "enrolled_on": "2022-04-18", "result": None, "certificate_number": None,
                   "certificate_date": None, "valid_until": None, "result_open": True}
    # A secretary sees the attendees of their own branch only, of 3 in the class, as on the page.
    response = api.get(f"/api/v1/classes/{classes['town']}", headers=bearer(token_for(world["sec_a1"])))
    mine = response.json
    assert "Set-Cookie" not in response.headers
    assert [e["full_name"] for e in mine["enrolments"]] == ["Đỗ Thị Lan"] and mine["attendees"] == 3
    assert not mine["may_record_results"] and mine["may_enrol"]
    pages.login("sec_a1")
    page = section(pages.get(f"/training/{classes['town']}"), "attendees")
    assert "Đỗ Thị Lan" in page and "Đỗ Văn Hùng" not in page and "Đỗ Minh Tâm" not in page
    # Commune A's class is not commune B's secretary's to see.
    assert api.get(f"/api/v1/classes/{classes['commune_a']}",
                   headers=bearer(token_for(world["sec_b1"]))).status_code == 404
    assert api.get("/api/v1/classes/999999", headers=bearer(token_for(world["board"]))).status_code == 404


def test_the_class_reads_cost_the_same_statements_whatever_their_length(api, world, make_case, count_statements):
    secret = token_for(world["board"])
    api.get("/api/v1/me", headers=bearer(secret))  # the token's last use is written once a minute at most
    class_id = new_class(world)

    def statements(path):
        with count_statements() as counter:
            assert api.get(path, headers=bearer(secret)).status_code == 200
        return counter.count
    paths = ("/api/v1/classes", f"/api/v1/classes?after={world.training_class.id}", f"/api/v1/classes/{class_id}")
    enrolled(world, class_id, [make_case()])
    one = [statements(path) for path in paths]
    for number in range(4):
        new_class(world, name=f"Lớp {number}", starts_on=date(2020, 1, 1 + number), ends_on=date(2020, 2, 1))
    enrolled(world, class_id, [make_case(full_name=f"Lê Văn {letter}") for letter in "BCDE"])
    assert [statements(path) for path in paths] == one
    assert one[0] <= 3  # the token with its user, the page


# --- a new class ------------------------------------------------------------------------------

def test_a_class_created_through_the_api_is_the_pages_class(api, world, pages):
    secret = token_for(world["board"])
    body = {"name": "Lớp bồi dưỡng khóa 2/2022", "organiser_unit_id": world.town.id,
            "organiser_name": "Trung tâm Chính trị thị xã", "place": "Hội trường", "starts_on": "2022-06-06",
            "ends_on": "2022-06-10"}
    made = api.post("/api/v1/classes", headers=bearer(secret), json=body)
    assert made.status_code == 201, made.json
    row = db.session.get(TrainingClass, made.json["id"])
    assert (row.name, row.organiser_unit_id, row.organiser_name, row.place, row.starts_on, row.ends_on) == (
        body["name"], world.town.id, body["organiser_name"], "Hội trường", date(2022, 6, 6), date(2022, 6, 10))
    assert made.json == api.get(f"/api/v1/classes/{row.id}", headers=bearer(secret)).json
    assert made.json["enrolments"] == [] and made.json["attendees"] == 0
    pages.login("sec_b1")
    assert "Lớp bồi dưỡng khóa 2/2022" in section(pages.get("/training/"), "classes")


def test_a_committee_whose_commune_decides_admissions_organises_its_classes_only(api, world):
    world.commune_a.decides_admissions = True
    db.session.commit()
    secret = token_for(world["com_a"])
    body = {"name": "Lớp xã A", "starts_on": "2022-06-06", "ends_on": "2022-06-10"}
    made = api.post("/api/v1/classes", headers=bearer(secret), json=body | {"organiser_unit_id": world.commune_a.id})
    assert made.status_code == 201 and made.json["organiser_unit_id"] == world.commune_a.id
    assert made.json["may_record_results"] and made.json["may_enrol"]
    before = snapshot()
    # The town is above the committee's unit: not theirs (404); another committee organises none (403).
    assert api.post("/api/v1/classes", headers=bearer(secret),
                    json=body | {"organiser_unit_id": world.town.id}).status_code == 404
    assert api.post("/api/v1/classes", headers=bearer(token_for(world["com_b"])),
                    json=body | {"organiser_unit_id": world.commune_b.id}).status_code == 403
    assert snapshot() == before


def test_a_bad_class_is_refused_naming_its_field(api, world):
    secret = token_for(world["board"])
    good = {"name": "Lớp X", "organiser_unit_id": world.town.id, "starts_on": "2022-06-06", "ends_on": "2022-06-10"}
    before = snapshot()
    backwards = good | {"ends_on": "2022-06-01"}
    vietnamese = api.post("/api/v1/classes", headers=bearer(secret), json=backwards)
    english = api.post("/api/v1/classes", headers=bearer(secret, **{"Accept-Language": "en"}), json=backwards)
    assert vietnamese.status_code == english.status_code == 422
    assert english.json["errors"]["json"] == {"ends_on": ["The last day cannot be before the first day."]}
    assert vietnamese.json["errors"]["json"]["ends_on"] != english.json["errors"]["json"]["ends_on"]
    assert english.json["message"] == "Nothing was recorded: correct the fields named."
    # The commune does not decide admissions: no class of its own (the form's choice).
    commune = api.post("/api/v1/classes", headers=bearer(secret), json=good | {"organiser_unit_id": world.commune_a.id})
    assert commune.status_code == 422 and list(commune.json["errors"]["json"]) == ["organiser_unit_id"]
    for wrong, field in (({"name": "x" * 201}, "name"), ({"name": "a\x07b"}, "name"), ({"colour": "red"}, "colour"),
                         ({"starts_on": "June"}, "starts_on"), ({"place": "p" * 301}, "place")):
        refused = api.post("/api/v1/classes", headers=bearer(secret), json=good | wrong)
        assert refused.status_code == 422 and field in refused.json["errors"]["json"], (wrong, refused.json)
    missing = api.post("/api/v1/classes", headers=bearer(secret), json={"organiser_unit_id": world.town.id})
    assert missing.status_code == 422 and {"name", "starts_on", "ends_on"} <= set(missing.json["errors"]["json"])
    assert snapshot() == before


# --- enrolling a selection --------------------------------------------------------------------

def test_a_selection_enrolled_through_the_api_is_the_pages_act(api, world, classes, make_case, pages):
    cases = [make_case(branch=branch, full_name=name) for branch, name in (
        (world.branch_a1, "Đỗ Thị Lan"), (world.branch_a2, "Đỗ Văn Hùng"))]
    before = {c.id: count_events(c.id) for c in cases}
    response = api.post(f"/api/v1/classes/{classes['town']}/enrolments", headers=bearer(token_for(world["com_a"])),
                        json={"case_ids": [c.id for c in cases], "enrolled_on": "2022-04-18"})
    assert response.status_code == 201, response.json
    assert response.json["recorded"] == 2
    shown = response.json["class"]
    assert [(e["full_name"], e["enrolled_on"], e["stage"]) for e in shown["enrolments"]] == [
        ("Đỗ Văn Hùng", "2022-04-18", "training"), ("Đỗ Thị Lan", "2022-04-18", "training")]
    for case in cases:
        assert count_events(case.id) == before[case.id] + 1 and fresh_case(case.id).stage == "training"
        entry = db.session.execute(sa.select(LogEntry).where(LogEntry.case_id == case.id)
                                   .order_by(LogEntry.seq.desc())).scalars().first()
        assert (entry.act, entry.effective_date, entry.actor_id, entry.data["class_id"]) == (
            "enrol_training", START, world["com_a"].id, classes["town"])
        assert training.latest_enrolment(case.id).class_id == classes["town"]
    pages.login("com_a")
    page = section(pages.get(f"/training/{classes['town']}"), "attendees")
    assert "Đỗ Thị Lan" in page and "Đỗ Văn Hùng" in page


def test_a_selection_with_a_refused_row_writes_nothing_and_names_it(api, world, classes, make_case):
    good, gone = make_case(full_name="Hồ Văn Được"), make_case(full_name="Hồ Văn Đã Rút")
    theirs = make_case(branch=world.branch_b1, full_name="Ngô Thị Ngoài")
    from pipeline.workflow.operations import record_act
    record_act(gone.id, "withdraw", world["sec_a1"], date(2022, 4, 1), {}, reason="Chuyển đi nơi khác")
    url = f"/api/v1/classes/{classes['town']}/enrolments"
    secret = token_for(world["com_a"])
    before = snapshot()
    refused = api.post(url, headers=bearer(secret, **{"Accept-Language": "en"}),
                       json={"case_ids": [good.id, gone.id, theirs.id], "enrolled_on": "2022-04-18"})
    assert refused.status_code == 422 and refused.json["accepted"] == 1
    assert "every row must be accepted" in refused.json["message"]
    by_case = {row["case_id"]: row for row in refused.json["refusals"]}
    assert set(by_case) == {gone.id, theirs.id}
    assert by_case[gone.id]["name"] == "Hồ Văn Đã Rút" and by_case[gone.id]["branch"] == "Chi bộ thôn A1"
    assert "Withdrawn by the candidate" in " ".join(by_case[gone.id]["reasons"])
    # A case outside the committee's units: named by the id sent, nothing of it shown.
    assert by_case[theirs.id] == {"case_id": theirs.id, "name": "", "branch": "",
                                  "reasons": ["No such case in your units."]}
    assert "Ngô Thị Ngoài" not in refused.get_data(as_text=True) and "B1" not in refused.get_data(as_text=True)
    assert snapshot() == before and fresh_case(good.id).stage == "spotted"
    vietnamese = api.post(url, headers=bearer(secret), json={"case_ids": [gone.id], "enrolled_on": "2022-04-18"})
    assert vietnamese.status_code == 422 and "Chưa ghi nhận được" in vietnamese.json["message"]
    assert snapshot() == before


@pytest.mark.parametrize("body, field", [
    ({"case_ids": []}, "case_ids"),  # the form: choose at least one
    ({"case_ids": ["1"]}, "case_ids"),
    ({"case_ids": list(range(1, POOL_LIMIT + 2))}, "case_ids"),
    ({"case_ids": [ID_MAX + 1]}, "case_ids"),
    ({"enrolled_on": "2099-01-01"}, "enrolled_on"),  # the form: not in the future
    ({"enrolled_on": None}, "enrolled_on"),
    ({"reason": "x"}, "reason"),
])
def test_a_bad_selection_is_refused_naming_its_field(api, world, classes, make_case, body, field):
    case = make_case()
    before = snapshot()
    refused = api.post(f"/api/v1/classes/{classes['town']}/enrolments", headers=bearer(token_for(world["com_a"])),
                       json={"case_ids": [case.id], "enrolled_on": "2022-04-18"} | body)
    assert refused.status_code == 422 and field in refused.json["errors"]["json"], refused.json
    assert snapshot() == before


def test_a_case_changed_meanwhile_writes_nothing_and_says_so(api, world, classes, make_case, monkeypatch):
    """A concurrent write that wins (the case's version checked as the rows are written): 409."""
    import pipeline.training.operations
    import pipeline.workflow.bulk

    def lost(*_args, **_kwargs):
        raise StaleDataError("version")
    case = make_case()
    secret = token_for(world["board"])
    before = snapshot()
    monkeypatch.setattr(pipeline.workflow.bulk, "project", lost)
    response = api.post(f"/api/v1/classes/{classes['town']}/enrolments", headers=bearer(secret),
                        json={"case_ids": [case.id], "enrolled_on": "2022-04-18"})
    assert response.status_code == 409 and "thay đổi" in response.json["message"]
    assert snapshot() == before
    monkeypatch.undo()
    enrolment = enrolled(world, classes["town"], [case])[case.id]
    before = snapshot()
    monkeypatch.setattr(pipeline.training.operations, "project", lost)
    response = api.post(f"/api/v1/classes/{classes['town']}/results", headers=bearer(secret), json={
        "results_on": "2022-04-29", "rows": [{"enrolment_id": enrolment, "result": "failed"}]})
    assert response.status_code == 409 and snapshot() == before


# --- results and certificates -----------------------------------------------------------------

def test_results_and_certificates_recorded_through_the_api_are_the_pages(api, world, classes, make_case, pages):
    passed, failed, absent = (make_case(full_name=name) for name in ("Phan Văn Đạt", "Phan Văn Trượt", "Phan Văn Vắng"))
    ids = enrolled(world, classes["town"], [passed, failed, absent])
    secret = token_for(world["board"])
    response = api.post(f"/api/v1/classes/{classes['town']}/results", headers=bearer(secret), json={
        "results_on": "2022-04-29", "rows": [
            {"enrolment_id": ids[passed.id], "result": "passed", "certificate_number": "01/CN-K1",
             "certificate_date": "2022-04-29"},
            {"enrolment_id": ids[failed.id], "result": "failed"},
            {"enrolment_id": ids[absent.id], "result": None}]})  # left as it is
    assert response.status_code == 201, response.json
    assert (response.json["recorded"], response.json["certificates"]) == (2, 1)
    assert fresh_case(passed.id).stage == "dossier" and fresh_case(failed.id).stage == "training"
    shown = {e["case_id"]: e for e in response.json["class"]["enrolments"]}
    assert (shown[passed.id]["result"], shown[passed.id]["certificate_number"], shown[passed.id]["certificate_date"],
        shown[passed.id]["valid_until"], shown[passed.id]["stage"], shown[passed.id]["result_open"]) == (
        "passed", "01/CN-K1", "2022-04-29", "2027-04-29", "dossier", False)  # valid 60 months
    assert (shown[failed.id]["result"], shown[failed.id]["result_open"]) == ("failed", True)
    assert (shown[absent.id]["result"], shown[absent.id]["result_open"]) == (None, True)
    certificate = db.session.execute(sa.select(LogEntry).where(LogEntry.case_id == passed.id)
                                     .order_by(LogEntry.seq.desc())).scalars().first()
    assert (certificate.act, certificate.effective_date, certificate.data["certificate_number"]) == (
        "complete_training", date(2022, 4, 29), "01/CN-K1")
    result = db.session.execute(sa.select(LogEntry).where(LogEntry.case_id == failed.id)
                                .order_by(LogEntry.seq.desc())).scalars().first()
    assert (result.act, result.effective_date, result.data["result"]) == (
        "record_training_result", date(2022, 4, 29), "failed")
    assert count_events(absent.id) == 2  # opened, enrolled
    pages.login("board")
    attendees = section(pages.get(f"/training/{classes['town']}"), "attendees")
    assert "01/CN-K1 · 29/04/2022" in attendees and "29/04/2027" in attendees and "Failed" in attendees
    assert response.json["class"] == api.get(f"/api/v1/classes/{classes['town']}", headers=bearer(secret)).json


def test_results_with_a_refused_row_write_nothing_and_name_it(api, world, classes, make_case):
    good, early, wrong = (make_case(full_name=name) for name in ("Lý Văn Tốt", "Lý Văn Sớm", "Lý Văn Sai"))
    ids = enrolled(world, classes["town"], [good, early, wrong])
    elsewhere = make_case(full_name="Lý Văn Khác")
    other = enrolled(world, classes["commune_a"], [elsewhere])[elsewhere.id]
    url = f"/api/v1/classes/{classes['town']}/results"
    secret = token_for(world["board"])
    before = snapshot()
    rows = [{"enrolment_id": ids[good.id], "result": "passed", "certificate_number": "01/CN-K1",
             "certificate_date": "2022-04-29"},
            # dated before the class started: the rules refuse it
            {"enrolment_id": ids[early.id], "result": "passed", "certificate_number": "02/CN-K1",
             "certificate_date": "2022-04-01"},
            # another class's attendee: nothing of them is shown
            {"enrolment_id": other, "result": "failed"}]
    refused = api.post(url, headers=bearer(secret, **{"Accept-Language": "en"}),
                       json={"results_on": "2022-04-29", "rows": rows})
    assert refused.status_code == 422 and refused.json["accepted"] == 1
    by_name = {row["name"]: row for row in refused.json["refusals"]}
    assert set(by_name) == {"Lý Văn Sớm", ""} and by_name[""]["case_id"] is None
    assert by_name[""]["reasons"] == ["Not an attendee of this class in your units."]
    assert "Lý Văn Khác" not in refused.get_data(as_text=True)
    # The form refuses a certificate without a pass, beside its row, as the page names it.
    english = bearer(secret, **{"Accept-Language": "en"})
    form = api.post(url, headers=english, json={"results_on": "2022-04-29", "rows": [
        {"enrolment_id": ids[wrong.id], "result": "failed", "certificate_number": "03/CN-K1",
         "certificate_date": "2022-04-29"}, rows[0]]})
    assert form.status_code == 422 and form.json["accepted"] == 1
    assert form.json["refusals"] == [{"case_id": wrong.id, "name": "Lý Văn Sai", "branch": "Chi bộ thôn A1",
                                      "reasons": ["A certificate is issued only to those who passed."]}]
    future = api.post(url, headers=bearer(secret), json={"results_on": "2099-01-01", "rows": rows[:1]})
    assert future.status_code == 422 and list(future.json["errors"]["json"]) == ["results_on"]
    assert snapshot() == before and fresh_case(good.id).stage == "training"


@pytest.mark.parametrize("row, field", [
    ({"result": "won"}, "result"),
    ({"enrolment_id": "1"}, "enrolment_id"),
    ({"certificate_number": "n" * 61}, "certificate_number"),
    ({"certificate_number": "a\nb"}, "certificate_number"),
    ({"certificate_date": "yesterday"}, "certificate_date"),
    ({"grade": 10}, "grade"),
])
def test_a_bad_row_of_results_is_refused_naming_its_field(api, world, classes, make_case, row, field):
    case = make_case()
    enrolment = enrolled(world, classes["town"], [case])[case.id]
    before = snapshot()
    refused = api.post(f"/api/v1/classes/{classes['town']}/results", headers=bearer(token_for(world["board"])),
                       json={"results_on": "2022-04-29", "rows": [{"enrolment_id": enrolment} | row]})
    assert refused.status_code == 422 and field in refused.json["errors"]["json"]["rows"]["0"], refused.json
    too_many = api.post(f"/api/v1/classes/{classes['town']}/results", headers=bearer(token_for(world["board"])),
                        json={"results_on": "2022-04-29", "rows": [{"enrolment_id": enrolment}] * 501})
    assert too_many.status_code == 422 and "rows" in too_many.json["errors"]["json"]
    assert snapshot() == before


# --- who may ----------------------------------------------------------------------------------

def test_every_role_and_token_against_the_training_writes(app, api, world):
    """Each role's token, read-only and read-write, on a class (and its unit, its case) inside and
    outside the role's scope: outside is a 404 that shows nothing, a read-only token a 403, a role
    that may not a 403; a role that may is refused by its body (422), and nothing is written."""
    places = class_places(world, api_places(world))
    units = {place: db.session.get(Unit, ids["unit"]) for place, ids in places.items()}
    tokens = {(who, write): token_for(world[username], may_write=write, name=f"{who}-{write}")
              for who, username in ROLES.items() for write in (False, True)}
    before = snapshot()
    problems, calls = [], 0

    def writes(place, ids):
        """(name, url, a body its role's checks refuse, the status of each role's read-write token)."""
        who_sees = WHERE[place]
        outside = {who: 404 for who in ROLES if who not in who_sees}
        yield ("create", "/api/v1/classes",
               {"name": "Lớp", "organiser_unit_id": units[place].id, "starts_on": "2022-06-06",
                "ends_on": "2022-06-10"},  # a branch decides no admissions: the form refuses it
               {"sec": 403, "com": 403, "admin": 403, "board": 422 if "board" in who_sees else 404})
        yield ("enrol", f"/api/v1/classes/{ids['class']}/enrolments",
               {"case_ids": [ids["case"], ID_MAX], "enrolled_on": "2021-09-01"},  # no case ID_MAX
               {"sec": 422, "com": 422, "board": 422, "admin": 403} | outside)
        yield ("results", f"/api/v1/classes/{ids['class']}/results",
               {"results_on": "2021-09-10", "rows": [{"enrolment_id": ID_MAX, "result": "passed"}]},
               {"sec": 403, "com": 403, "board": 422, "admin": 403} | outside)  # the town's organiser: the board

    for place, ids in places.items():
        for name, url, body, expected in writes(place, ids):
            for who in ROLES:
                read_only = api.post(url, headers=bearer(tokens[who, False]), json=body)
                response = api.post(url, headers=bearer(tokens[who, True]), json=body)
                calls += 2
                if read_only.status_code != 403:
                    problems.append(f"{name} {who} {place} read-only: {read_only.status_code}")
                if response.status_code != expected[who]:
                    problems.append(f"{name} {who} {place}: {response.status_code} != {expected[who]} "
                                    f"{response.get_data(as_text=True)[:200]}")
                if who not in WHERE[place] and f"Người {place}" in response.get_data(as_text=True):
                    problems.append(f"{name} {who} {place}: shows the outside case or class")
    assert snapshot() == before
    assert not problems, "\n".join([f"{len(problems)} problems:"] + problems)
    assert calls == 3 * 3 * len(ROLES) * 2
