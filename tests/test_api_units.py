"""The unit pages through the API (pipeline/api/units.py), as an administrator's program uses
them: creating a unit, its details, moving and closing it, merging and splitting with a preview
first; what the unit pages show afterwards; each refusal (the field named, the plan's problems,
the administrator's own unit, a unit outside the subtree) with nothing written, in Vietnamese by
default and in English when asked; and the access matrix of every endpoint."""
import re
from datetime import date

import pytest
import sqlalchemy as sa

from api_support import ROLES, WHERE, api_places, bearer, snapshot, token_for
from pages_support import pages, section  # noqa: F401 (the pages fixture)
from pipeline.accounts.models import User
from pipeline.audit.replayed import unit_differences
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.units import operations
from pipeline.units.models import Unit, UnitSuccession
from reorganise_support import assert_all_as_logged, counts, fresh

EN = {"Accept-Language": "en"}
JULY = "2025-07-01"


@pytest.fixture
def admin_api(app, world):
    api, secret = app.test_client(), token_for(world["admin"])

    def call(method, path, body, **headers):
        return api.open(f"/api/v1{path}", method=method, headers=bearer(secret, **headers), json=body)
    return call


def tree(pages):
    """The unit list page's tree as the administrator reads it: (code, depth) per row, in order."""
    page = pages.get("/admin/units/").get_data(as_text=True)
    return [(code, int(depth)) for code, depth in
            re.findall(r'data-code="([^"]+)".*?tree-depth-(\d+)', page, re.S)]


def below(shown, code):
    """The codes of the tree's rows below the unit `code` (deeper, until the next row that is not)."""
    index = next(i for i, (row_code, _depth) in enumerate(shown) if row_code == code)
    depth, found = shown[index][1], []
    for row_code, row_depth in shown[index + 1:]:
        if row_depth <= depth:
            break
        found.append(row_code)
    return found


def history_actions(pages, unit_id):
    """The actions of the unit page's history, newest first, and the page itself."""
    page = pages.get(f"/admin/units/{unit_id}")
    return re.findall(r'data-action="([a-z_]+)"', page.get_data(as_text=True)), page


# --- creating, details, moving, closing: what the unit pages show afterwards -----------------------

def test_an_administrator_creates_a_branch_and_the_tree_shows_it(admin_api, world, pages):
    body = {"code": "branch_a3", "name": "Chi bộ thôn A3", "kind": "village", "parent_id": world.commune_a.id,
            "official_members": 25, "valid_from": "2025-01-01"}
    done = admin_api("POST", "/units", body)
    assert done.status_code == 201, done.json
    unit = fresh(Unit, done.json["id"])
    assert done.json == {"id": unit.id, "code": "branch_a3", "name": "Chi bộ thôn A3", "kind": "village",
                         "parent_id": world.commune_a.id, "path": world.commune_a.path + f"{unit.id}/",
                         "depth": 2, "decides_admissions": False, "valid_from": "2025-01-01", "valid_to": None,
                         "official_members": 25}
    pages.login("admin")
    shown = tree(pages)
    assert ("branch_a3", 2) in shown and "branch_a3" in below(shown, "commune_a")
    actions, page = history_actions(pages, unit.id)
    assert actions == ["created"] and "25" in section(page, "official-members")
    assert unit_differences()[1] == []


def test_creating_a_unit_is_refused_naming_the_field(admin_api, world):
    places = api_places(world)
    other_town = fresh(Unit, places["other"]["unit"]).parent_id
    body = {"code": "branch_a3", "name": "Chi bộ thôn A3", "kind": "village", "parent_id": world.commune_a.id,
            "valid_from": "2025-01-01"}
    before = counts()

    def refused(change, **headers):
        response = admin_api("POST", "/units", body | change, **headers)
        assert response.status_code == 422, response.json
        return response.json["errors"]["json"]
    # The form's own rules, in English when asked, in Vietnamese by default.
    assert refused({"name": ""}, **EN) == {"name": ["This field is required."]}
    assert refused({"name": ""}) == {"name": ["Không được để trống mục này."]}
    assert refused({"code": "mã có dấu"}, **EN)["code"][0].startswith("Use 1 to 64 characters")
    # The unit above: a branch, or a committee outside the subtree, is no choice (the other town's
    # name is not shown).
    assert refused({"parent_id": world.branch_a1.id}, **EN) == {"parent_id": ["Not a valid choice."]}
    outside = admin_api("POST", "/units", body | {"parent_id": other_town}, **EN)
    assert outside.json["errors"]["json"] == {"parent_id": ["Not a valid choice."]}
    assert "Xa Lạ" not in outside.get_data(as_text=True)
    # The operation's rules, beside the field they belong to.
    assert refused({"code": "branch_a1"}, **EN) == {"code": ["This code is taken by another unit: choose another."]}
    assert refused({"kind": "commune", "official_members": 10}, **EN) == {
        "official_members": ["Only a branch has its own number of official members."]}
    assert refused({"valid_from": "1999-01-01"}, **EN) == {
        "valid_from": ["A unit cannot start before the unit above it."]}
    # What JSON gets wrong: the schema's refusals.
    assert set(refused({"colour": "red", "kind": "district"})) == {"colour", "kind"}
    assert "code" in refused({"code": "x" * 65})
    assert counts() == before


def test_renaming_and_new_details_are_rows_of_the_units_history(admin_api, world, pages):
    url = f"/units/{world.branch_a1.id}"
    body = {"name": "Chi bộ thôn A1 mới", "decides_admissions": False, "official_members": 31,
            "reason": "Đổi tên theo nghị quyết"}
    done = admin_api("PUT", url, body)
    assert done.status_code == 200, done.json
    assert done.json["changed"] is True and done.json["changes"] == {
        "name": ["Chi bộ thôn A1", "Chi bộ thôn A1 mới"], "official_members": [None, 31]}
    assert (done.json["unit"]["name"], done.json["unit"]["official_members"]) == ("Chi bộ thôn A1 mới", 31)
    pages.login("admin")
    actions, page = history_actions(pages, world.branch_a1.id)
    assert actions == ["details_changed", "renamed", "created"]
    history = section(page, "history")
    assert "Chi bộ thôn A1 → Chi bộ thôn A1 mới" in history and "Đổi tên theo nghị quyết" in history
    # The same again: nothing changed, no row added.
    again = admin_api("PUT", url, body)
    assert again.status_code == 200 and again.json == done.json | {"changed": False, "changes": {}}
    assert history_actions(pages, world.branch_a1.id)[0] == actions
    # A committee has no number of official members: the operation's rule, on its field.
    before = counts()
    refused = admin_api("PUT", f"/units/{world.commune_a.id}", {"name": "Đảng bộ xã A", "official_members": 40},
                        **EN)
    assert refused.status_code == 422
    assert refused.json["errors"]["json"] == {"official_members": ["Only a branch has its own number of official "
                                                                   "members."]}
    assert admin_api("PUT", url, {"name": "  "}).json["errors"]["json"] == {"name": ["Không được để trống mục này."]}
    assert counts() == before
    assert unit_differences()[1] == []


def test_moving_a_branch_and_the_tree_after_it(admin_api, world, pages, make_case):
    case = make_case("dossier", branch=world.branch_a1)
    url = f"/units/{world.branch_a1.id}/move"
    before = counts()
    missing = admin_api("POST", url, {"parent_id": world.commune_b.id, "effective_date": JULY}, **EN)
    assert missing.status_code == 422 and list(missing.json["errors"]["json"]) == ["reason"]  # the schema's
    empty = admin_api("POST", url, {"parent_id": world.commune_b.id, "effective_date": JULY, "reason": ""})
    assert empty.json["errors"]["json"] == {"reason": ["Không được để trống mục này."]}  # the form's
    # Where it is already, a branch, a unit outside the subtree: not among the choices.
    for parent in (world.commune_a.id, world.branch_b1.id, 999999):
        refused = admin_api("POST", url, {"parent_id": parent, "effective_date": JULY, "reason": "Sắp xếp"}, **EN)
        assert refused.json["errors"]["json"] == {"parent_id": ["Not a valid choice."]}
    assert counts() == before
    done = admin_api("POST", url, {"parent_id": world.commune_b.id, "effective_date": JULY,
                                   "reason": "Sắp xếp lại"})
    assert done.status_code == 200, done.json
    assert done.json["parent_id"] == world.commune_b.id and done.json["path"].startswith(world.commune_b.path)
    pages.login("admin")
    shown = tree(pages)
    assert set(below(shown, "commune_b")) == {"branch_b1", "branch_a1"} and below(shown, "commune_a") == ["branch_a2"]
    actions, page = history_actions(pages, world.branch_a1.id)
    assert actions[0] == "moved" and "Đảng bộ xã A → Đảng bộ phường B" in section(page, "history")
    # Its case went with it: the committee of its new commune sees it.
    assert fresh(Case, case.id).branch_id == world.branch_a1.id
    listed = app_get(admin_api, f"/cases?unit={world.commune_b.id}")
    assert case.id in [row["id"] for row in listed["items"]]
    assert unit_differences()[1] == []


def app_get(admin_api, path):
    response = admin_api("GET", path, None)
    assert response.status_code == 200
    return response.json


def test_closing_a_unit_is_refused_while_anything_in_it_is_open(admin_api, world, pages, make_case):
    make_case("dossier", branch=world.branch_a2)
    url = f"/units/{world.branch_a2.id}/close"
    body = {"effective_date": "2026-01-01", "reason": "Giải thể", "confirmed": True}
    before = counts()
    unconfirmed = admin_api("POST", url, body | {"confirmed": False}, **EN)
    assert unconfirmed.status_code == 422
    assert unconfirmed.json["errors"]["json"] == {"confirmed": ["Tick the box to confirm."]}
    blocked = admin_api("POST", url, body, **EN)
    assert blocked.status_code == 422 and blocked.json["message"] == "Nothing was written: the reasons say why."
    assert blocked.json["reasons"] == ["1 case(s) are still open in it: finish or move them first.",
                                       "1 account(s) of it are still active: disable or move them first."]
    vietnamese = admin_api("POST", url, body)
    assert vietnamese.status_code == 422 and vietnamese.json["reasons"] != blocked.json["reasons"]
    assert counts() == before
    # An empty unit closes on its last day.
    empty = operations.create_unit(world["admin"], "branch_a3", "Chi bộ thôn A3", "village", world.commune_a,
                                   valid_from=date(2025, 1, 1))
    done = admin_api("POST", f"/units/{empty.id}/close", body)
    assert done.status_code == 200 and done.json["valid_to"] == "2026-01-01"
    again = admin_api("POST", f"/units/{empty.id}/close", body, **EN)
    assert again.json["errors"]["json"] == {"effective_date": ["This unit is closed already."]}
    # A closed unit is kept as it was: its details and its place are refused.
    details = admin_api("PUT", f"/units/{empty.id}", {"name": "Chi bộ khác"}, **EN)
    assert details.json["errors"]["json"] == {"name": ["This unit is closed: it cannot be changed."]}
    moved = admin_api("POST", f"/units/{empty.id}/move", {"parent_id": world.commune_b.id, "effective_date": JULY,
                                                           "reason": "Sắp xếp"}, **EN)
    assert moved.status_code == 422 and moved.json["reasons"] == ["This unit is closed: it cannot be changed."]
    pages.login("admin")
    actions, page = history_actions(pages, empty.id)
    assert actions == ["closed", "created"] and "Closed on 01/01/2026" in section(page, "status")
    assert unit_differences()[1] == []


# --- merging ------------------------------------------------------------------------------------

def test_a_merge_is_previewed_then_carried_out_and_the_pages_show_it(admin_api, world, pages, make_case):
    case = make_case("dossier", branch=world.branch_a2)
    url = f"/units/{world.branch_a2.id}/merge"
    body = {"into": world.branch_a1.id, "effective_date": JULY, "accounts": "move", "reason": "Nghị quyết 12"}
    before = counts()
    preview = admin_api("POST", url, body)
    assert preview.status_code == 200, preview.json
    plan = preview.json
    a1 = {"id": world.branch_a1.id, "code": "branch_a1", "name": "Chi bộ thôn A1"}
    a2 = {"id": world.branch_a2.id, "code": "branch_a2", "name": "Chi bộ trường A2"}
    assert (plan["kind"], plan["carried_out"], plan["effective_date"], plan["last_day"]) == (
        "merge", False, JULY, "2025-06-30")
    assert (plan["ending"], plan["successors"], plan["units"], plan["problems"]) == ([a2], [a1], [], [])
    assert plan["cases"] == [{"id": case.id, "full_name": "Phùng Tấn Thắng", "stage": "dossier", "now_in": a2,
                              "goes_to": a1}]
    assert plan["accounts"] == [{"id": world["sec_a2"].id, "username": "sec_a2", "display_name": "SEC_A2",
                                 "now_in": a2, "goes_to": a1}]
    assert counts() == before  # a preview writes nothing

    done = admin_api("POST", url, body | {"confirmed": True})
    assert done.status_code == 201, done.json
    assert done.json == plan | {"carried_out": True}
    assert fresh(Case, case.id).branch_id == world.branch_a1.id
    assert fresh(User, world["sec_a2"].id).unit_id == world.branch_a1.id
    pages.login("admin")
    actions, page = history_actions(pages, world.branch_a2.id)
    assert actions[0] == "merged" and "Closed on 30/06/2025" in section(page, "status")
    history = section(page, "history")
    assert "successor_ids : Chi bộ thôn A1" in history and "Nghị quyết 12" in history
    timeline = section(pages.get(f"/candidates/{case.id}"), "timeline")
    assert "Moved with a reorganisation of units" in timeline and "Nghị quyết 12" in timeline
    assert_all_as_logged()


def test_communes_merged_into_a_new_one(admin_api, world, pages, make_case):
    make_case("branch_vote", branch=world.branch_b1)
    url = f"/units/{world.commune_a.id}/merge"
    body = {"also": [world.commune_b.id], "new_code": "commune_ab", "new_name": "Đảng bộ xã AB",
            "new_kind": "commune", "new_parent_id": world.town.id, "new_decides_admissions": True,
            "effective_date": JULY, "accounts": "disable"}
    preview = admin_api("POST", url, body)
    assert preview.status_code == 200, preview.json
    assert preview.json["successors"] == [{"id": None, "code": "commune_ab", "name": "Đảng bộ xã AB"}]
    assert {row["name"] for row in preview.json["units"]} == {"Chi bộ thôn A1", "Chi bộ trường A2",
                                                              "Chi bộ khối phố B1"}
    assert preview.json["cases"] == []  # they move with their branch
    assert {row["username"]: row["goes_to"] for row in preview.json["accounts"]} == {"com_a": None, "com_b": None}
    done = admin_api("POST", url, body | {"accounts": "move", "confirmed": True})
    assert done.status_code == 201, done.json
    successor = db.session.execute(sa.select(Unit).where(Unit.code == "commune_ab")).scalar_one()
    named = {"id": successor.id, "code": "commune_ab", "name": "Đảng bộ xã AB"}
    assert done.json["successors"] == [named] and {row["goes_to"]["id"] for row in done.json["units"]} == {
        successor.id}
    assert successor.valid_from == date(2025, 7, 1) and successor.decides_admissions
    assert fresh(User, world["com_a"].id).unit_id == successor.id
    pages.login("admin")
    shown = tree(pages)
    assert set(below(shown, "commune_ab")) == {"branch_a1", "branch_a2", "branch_b1"}
    assert below(shown, "commune_a") == below(shown, "commune_b") == []  # closed, their branches moved
    assert_all_as_logged()


def test_a_merge_the_plan_refuses_writes_nothing_and_says_why(admin_api, world, make_case):
    make_case("dossier", branch=world.branch_a2)
    gone = operations.create_unit(world["admin"], "gone", "Chi bộ đã giải thể", "village", world.commune_a,
                                  valid_from=date(2020, 1, 1))
    operations.close_unit(world["admin"], gone, date(2024, 1, 1), "giải thể")
    url = f"/units/{world.branch_a2.id}/merge"
    body = {"into": gone.id, "effective_date": JULY}
    before = counts()
    for confirmed in (False, True):
        refused = admin_api("POST", url, body | {"confirmed": confirmed})
        assert refused.status_code == 422
        assert refused.json["reasons"] == ["Chi bộ đã giải thể đã kết thúc hoạt động (đã giải thể hoặc sáp nhập): "
                                           "hãy chọn một đơn vị đang hoạt động để sáp nhập vào."]
        assert refused.json["plan"]["problems"] == refused.json["reasons"]
        assert refused.json["plan"]["carried_out"] is False
    english = admin_api("POST", url, body, **EN)
    assert english.json["reasons"] == ["Chi bộ đã giải thể is closed (dissolved or merged): choose an open unit to "
                                       "merge into."]
    assert counts() == before and fresh(Unit, world.branch_a2.id).valid_to is None


def test_a_refusal_while_carrying_out_rolls_everything_back(admin_api, world, make_case):
    case = make_case("dossier", branch=world.branch_a2)
    later = operations.create_unit(world["admin"], "commune_c", "Đảng bộ xã C", "commune", world.town,
                                   valid_from=date(2025, 8, 1))
    body = {"new_code": "branch_c1", "new_name": "Chi bộ thôn C1", "new_kind": "village",
            "new_parent_id": later.id, "effective_date": JULY}
    url = f"/units/{world.branch_a2.id}/merge"
    assert admin_api("POST", url, body).status_code == 200  # the plan sees nothing wrong
    before = counts()
    refused = admin_api("POST", url, body | {"confirmed": True}, **EN)
    assert refused.status_code == 422 and refused.json["reasons"] == ["A unit cannot start before the unit above it."]
    assert counts() == before and fresh(Case, case.id).branch_id == world.branch_a2.id


def test_the_merge_form_names_what_is_missing(admin_api, world):
    url = f"/units/{world.branch_a2.id}/merge"
    before = counts()

    def refused(body, **headers):
        response = admin_api("POST", url, {"effective_date": JULY} | body, **headers)
        assert response.status_code == 422, response.json
        return response.json["errors"]["json"]
    assert refused({}, **EN) == {"into": ["Choose the unit they merge into, or a new unit."]}
    assert refused({"new_code": "branch_a1", "new_kind": "commune"}, **EN) == {
        "new_code": ["This code is taken by another unit: choose another."], "new_name": ["This field is required."],
        "new_kind": ["Not a valid choice."], "new_parent_id": ["This field is required."]}
    # Another town's unit, a unit not beside it: no choice; the new unit's fields count only for a new unit.
    assert refused({"into": 999999}, **EN) == {"into": ["Not a valid choice."]}
    assert refused({"into": world.branch_a1.id, "also": [world.branch_b1.id]}, **EN) == {
        "also": ["Not a valid choice."]}
    assert set(refused({"into": world.branch_a1.id, "accounts": "keep"})) == {"accounts"}
    assert set(refused({"also": list(range(1, 1003)), "colour": "red"})) == {"also", "colour"}
    assert refused({}) == {"into": ["Hãy chọn đơn vị được sáp nhập vào, hoặc một đơn vị mới."]}
    assert counts() == before


# --- splitting ------------------------------------------------------------------------------------

def test_a_split_sends_each_row_where_the_body_says(admin_api, world, pages, make_case):
    first = make_case("dossier", branch=world.branch_a1)
    second = make_case("training", branch=world.branch_a1, full_name="Trần Văn Hai")
    admin = world["admin"]
    east = operations.create_unit(admin, "a1_east", "Chi bộ thôn A1 Đông", "village", world.commune_a,
                                  valid_from=date(2025, 1, 1))
    west = operations.create_unit(admin, "a1_west", "Chi bộ thôn A1 Tây", "village", world.commune_a,
                                  valid_from=date(2025, 1, 1))
    url = f"/units/{world.branch_a1.id}/split"
    body = {"effective_date": JULY, "reason": "Quyết định 7",
            "cases": [{"id": first.id, "to": east.id}, {"id": second.id, "to": west.id}],
            "accounts": [{"id": world["sec_a1"].id, "to": west.id}]}
    before = counts()
    missing = admin_api("POST", url, body | {"cases": body["cases"][:1]}, **EN)
    assert missing.status_code == 422
    assert missing.json["errors"]["json"] == {f"cases.id={second.id}": ["Choose where it goes."]}
    stranger = admin_api("POST", url, body | {"units": [{"id": world.branch_b1.id, "to": east.id}]}, **EN)
    assert stranger.json["errors"]["json"] == {f"units.id={world.branch_b1.id}": [
        "Not one of this unit's rows: its open units below, open cases and active accounts."]}
    nowhere = admin_api("POST", url, body | {"cases": [{"id": first.id, "to": world.branch_b1.id + 999999}]})
    assert nowhere.status_code == 422 and set(nowhere.json["errors"]["json"]) == {
        f"cases.id={first.id}", f"cases.id={second.id}"}
    twice = admin_api("POST", url, body | {"cases": body["cases"] + body["cases"][:1]})
    assert twice.status_code == 422 and "cases" in twice.json["errors"]["json"]
    preview = admin_api("POST", url, body)
    assert preview.status_code == 200, preview.json
    moved = {row["id"]: row["goes_to"]["name"] for row in preview.json["cases"]}
    assert moved == {first.id: "Chi bộ thôn A1 Đông", second.id: "Chi bộ thôn A1 Tây"}
    assert counts() == before
    done = admin_api("POST", url, body | {"confirmed": True})
    assert done.status_code == 201 and done.json == preview.json | {"carried_out": True}
    assert fresh(Case, first.id).branch_id == east.id and fresh(Case, second.id).branch_id == west.id
    assert fresh(User, world["sec_a1"].id).unit_id == west.id
    successors = db.session.execute(sa.select(UnitSuccession.successor_id).where(
        UnitSuccession.predecessor_id == world.branch_a1.id)).scalars().all()
    assert sorted(successors) == sorted([east.id, west.id])
    pages.login("admin")
    actions, page = history_actions(pages, world.branch_a1.id)
    assert actions[0] == "split" and "Quyết định 7" in section(page, "history")
    assert ("branch_a1", 2) in tree(pages) and 'data-closed="2025-06-30"' in pages.get(
        "/admin/units/").get_data(as_text=True)
    assert_all_as_logged()


def test_a_split_with_no_successor_is_refused_with_the_plans_problem(admin_api, world):
    body = {"effective_date": JULY, "accounts": [{"id": world["sec_a2"].id, "to": None}]}
    before = counts()
    refused = admin_api("POST", f"/units/{world.branch_a2.id}/split", body | {"confirmed": True}, **EN)
    assert refused.status_code == 422 and refused.json["reasons"] == ["Choose a successor for each row."]
    assert refused.json["plan"]["accounts"][0]["goes_to"] is None
    assert counts() == before


def test_a_previews_statements_do_not_grow_with_its_rows(admin_api, world, make_case, count_statements):
    url = f"/units/{world.branch_a2.id}/merge"
    body = {"into": world.branch_a1.id, "effective_date": JULY}
    admin_api("POST", url, body)  # the token's last use is written once a minute at most

    def statements():
        with count_statements() as counter:
            assert admin_api("POST", url, body).status_code == 200
        return counter.count
    make_case("dossier", branch=world.branch_a2)
    one = statements()
    for _ in range(3):
        make_case("dossier", branch=world.branch_a2)
    assert statements() == one


# --- who may ---------------------------------------------------------------------------------------

def test_the_administrators_own_unit_is_403_and_a_unit_outside_404(app, world):
    places = api_places(world)
    api, secret = app.test_client(), token_for(world["admin"])
    before, counted = snapshot(), counts()
    for unit, status in ((world.town, 403), (fresh(Unit, places["other"]["unit"]), 404),
                         (fresh(Unit, fresh(Unit, places["other"]["unit"]).parent_id), 404)):
        for method, tail, body in matrix_writes(world):
            response = api.open(f"/api/v1/units/{unit.id}{tail}", method=method, headers=bearer(secret, **EN),
                                json=body)
            assert response.status_code == status, (tail, response.json)
            assert "Xa Lạ" not in response.get_data(as_text=True)
    assert snapshot() == before and counts() == counted


def matrix_writes(world):
    """Each endpoint on a unit with a body its schema accepts: refused after the gates, or a preview."""
    return [("PUT", "", {"name": ""}),
            ("POST", "/move", {"parent_id": 2**31 - 1, "effective_date": JULY, "reason": "Sắp xếp"}),
            ("POST", "/close", {"effective_date": JULY, "reason": "Giải thể", "confirmed": False}),
            ("POST", "/merge", {"into": world.branch_a2.id, "effective_date": JULY}),
            ("POST", "/split", {"effective_date": JULY})]


ENDPOINTS = {"PUT ": "api_units.update_unit", "POST /move": "api_units.move_unit",
             "POST /close": "api_units.close_unit", "POST /merge": "api_units.merge_unit",
             "POST /split": "api_units.split_unit"}
# An administrator's answer on a unit inside: the body refused after the gates, or the merge's preview.
ADMIN_INSIDE = {"": 422, "/move": 422, "/close": 422, "/merge": 200, "/split": 422}


def test_every_role_and_token_against_the_unit_endpoints(app, world):
    places = api_places(world)
    api = app.test_client()
    tokens = {(who, write): token_for(world[username], may_write=write, name=f"{who}-{write}")
              for who, username in ROLES.items() for write in (False, True)}
    before, counted = snapshot(), counts()
    problems = []

    def check(label, who, place, method, url, body, expected):
        if (status := api.open(url, method=method, headers=bearer(tokens[who, False]), json=body).status_code) != 403:
            problems.append(f"{label} {who} {place} read-only: {status}")
        response = api.open(url, method=method, headers=bearer(tokens[who, True]), json=body)
        if response.status_code != expected:
            problems.append(f"{label} {who} {place}: {response.status_code} != {expected} {response.json}")
        if who not in WHERE[place] and ("Xa Lạ" in response.get_data(as_text=True)
                                        or f"Người {place}" in response.get_data(as_text=True)):
            problems.append(f"{label} {who} {place}: shows the outside unit")

    for place, ids in places.items():
        branch = fresh(Unit, ids["unit"])
        # A new unit under the place's committee, with a code taken: refused after the gates.
        create = {"code": "branch_a1", "name": "Chi bộ mới", "kind": "village", "parent_id": branch.parent_id,
                  "valid_from": "2025-01-01"}
        for who in ROLES:
            check("POST /units", who, place, "POST", "/api/v1/units", create, 422 if who == "admin" else 403)
        for method, tail, body in matrix_writes(world):
            for who in ROLES:
                expected = 404 if who not in WHERE[place] else ADMIN_INSIDE[tail] if who == "admin" else 403
                check(f"{method} {tail}", who, place, method, f"/api/v1/units/{branch.id}{tail}", body, expected)
    assert snapshot() == before and counts() == counted
    assert not problems, "\n".join([f"{len(problems)} problems:"] + problems)


@pytest.mark.parametrize("endpoint", ["api_units.create_unit", *ENDPOINTS.values()])
def test_each_endpoint_is_in_the_matrix_table(endpoint):
    from test_api_access import TESTED_ELSEWHERE
    assert TESTED_ELSEWHERE[endpoint] == "test_api_units.py::test_every_role_and_token_against_the_unit_endpoints"
