"""The unit picker of the filter forms (pipeline/units/search.py, templates/units/_picker.html):
no page lists every unit of the scope, the search finds a unit by its name without accents or by
its code, never outside the user's scope, and the list still filters, with or without the script."""
import html
import re

import pytest

from pages_support import pages, section, text  # noqa: F401  (pages is a fixture)
from xlsx_support import table, title_lines, workbook_of
from pipeline.extensions import db
from pipeline.transaction import one_transaction
from pipeline.units.models import add_unit

NAMES = {"branch_a1": "Phùng Tấn Thắng", "branch_a2": "Lê Thị Hoa", "branch_b1": "Trần Văn Bình",
         "branch_direct": "Đỗ Minh Quân"}
# The units each user may find (world of tests/conftest.py), and those they may not.
ALL_UNITS = ("town", "commune_a", "commune_b", "branch_a1", "branch_a2", "branch_b1", "branch_direct")
SCOPE = {
    "sec_a1": {"branch_a1"},
    "sec_b1": {"branch_b1"},
    "com_a": {"commune_a", "branch_a1", "branch_a2"},
    "com_b": {"commune_b", "branch_b1"},
    "board": set(ALL_UNITS),
    "admin": set(ALL_UNITS),
}


@pytest.fixture
def one_case_per_branch(world, make_case):
    return {code: make_case(branch=getattr(world, code), full_name=name).id for code, name in NAMES.items()}


def found_codes(response):
    """The codes of the units a search answered with, in order."""
    assert response.status_code == 200
    return [html.unescape(code) for code in
            re.findall(r'<small class="d-block text-body-secondary">\s*([^<]+?)\s*</small>', response.get_data(as_text=True))]


def listed_names(response):
    return section(response, "candidates") if 'id="candidates"' in response.get_data(as_text=True) else ""


def test_the_search_finds_a_unit_by_its_name_without_accents_or_by_its_code(pages, world):
    with one_transaction():
        add_unit("dien_hoa", "Đảng bộ xã Điện Hòa", "commune", parent=world.town)
    pages.login("board")
    assert found_codes(pages.get("/units/search?q=dien+hoa")) == ["dien_hoa"]
    assert found_codes(pages.get("/units/search?q=ĐIỆN HÒA")) == ["dien_hoa"]
    assert found_codes(pages.get("/units/search?q=DIEN_H")) == ["dien_hoa"]  # the code, any case
    # Its place in the tree is shown with it, the committees above it inside the scope.
    assert "Chi bộ thôn A1 — Đảng bộ xã A — Đảng bộ thị xã Thử" in text(pages.get("/units/search?q=thon+a1"))


def test_the_search_answers_only_with_units_of_the_users_scope(pages, world):
    for who, scope in SCOPE.items():
        pages.login(who)
        for code in ALL_UNITS:
            unit = getattr(world, code)
            found = found_codes(pages.get("/units/search", query_string={"q": unit.name}))
            assert set(found) <= scope, (who, code, found)
            assert (code in found) == (code in scope), (who, code, found)
        # Words every unit's name holds: the whole scope at most, never a unit outside it.
        assert set(found_codes(pages.get("/units/search?q=bo"))) == scope, who
        # Nor are the committees above the user's unit named beside the units found.
        above = {getattr(world, code).name for code in ALL_UNITS if code not in scope}
        shown = text(pages.get("/units/search?q=chi+bo"))
        assert not any(f"— {name}" in shown for name in above), who


def test_the_search_is_bounded_and_escaped(pages, world, count_statements):
    with one_transaction():
        for number in range(25):
            add_unit(f"many_{number}", f"Chi bộ thôn Nhiều {number}", "village", parent=world.commune_a)
        add_unit("markup", "Chi bộ <b>in đậm</b> & \"ngoặc\"", "village", parent=world.commune_a)
    pages.login("board")
    response = pages.get("/units/search?q=nhieu")
    assert len(found_codes(response)) == 20
    assert "Only the first 20 are shown" in text(response)
    body = pages.get("/units/search?q=in+dam").get_data(as_text=True)
    assert "<b>" not in body and "&lt;b&gt;in đậm&lt;/b&gt;" in body
    # A typed <b> is text too, in the "nothing found" line.
    assert "<b>x" not in pages.get("/units/search?q=<b>x").get_data(as_text=True)
    # Too long, control characters, wildcards, nothing: an answer, no unit, no failure.
    for query in ("a" * 10_000, "%", "m_ny", "", "   "):  # a wildcard is a letter like any other
        response = pages.get("/units/search", query_string={"q": query})
        assert response.status_code == 200 and found_codes(response) == [], repr(query[:10])
    assert pages.get("/units/search", query_string={"q": "thon\x00"}).status_code == 400  # refused app-wide
    assert pages.get("/units/search?q=nhieu&for=<x>").status_code == 200
    # The same statements for a unit found and for twenty.
    with count_statements() as one:
        pages.get("/units/search?q=dam")
    with count_statements() as twenty:
        pages.get("/units/search?q=nhieu")
    assert one.count == twenty.count


def add_two_thousand_units(world):
    """40 communes of 49 branches each under the town, none with a case."""
    with one_transaction():
        for number in range(40):
            commune = add_unit(f"extra_c{number}", f"Đảng bộ xã Thêm {number}", "commune", parent=world.town)
            for branch in range(49):
                add_unit(f"extra_c{number}_b{branch}", f"Chi bộ thôn {branch} xã Thêm {number}", "village",
                         parent=commune)


@pytest.mark.parametrize("address, who", [("/candidates/", "board"), ("/audit/", "board"), ("/audit/reads", "board"),
                                          ("/admin/users/", "admin")])
def test_the_filtered_pages_do_not_grow_with_the_number_of_units(pages, world, one_case_per_branch,
                                                                 count_statements, address, who):
    pages.login(who)
    pages.get(address)
    with count_statements() as few:
        small = pages.get(address).get_data()
    add_two_thousand_units(world)
    with count_statements() as many:
        large = pages.get(address).get_data()
    assert many.count == few.count
    assert abs(len(large) - len(small)) < 100, (len(small), len(large))
    assert "Thêm 39".encode() not in large  # no unit of the 2,000 is written into the page
    # The picker is there, labelled, and finds the new units.
    assert b'role="combobox"' in large and b'for="unit_name"' in large
    assert found_codes(pages.get("/units/search?q=them+39"))[0] == "extra_c39"


@pytest.mark.parametrize("address", ["/audit/", "/audit/reads"])
def test_the_audit_pages_take_the_unit_from_the_picker(pages, world, one_case_per_branch, address):
    pages.login("board")
    # As the script sends it, and as typed without it: the page is the commune's.
    for query in ({"unit": world.commune_a.id, "unit_name": world.commune_a.name}, {"unit_name": "xa a"}):
        response = pages.get(address, query_string=query)
        assert response.status_code == 200
        assert f'value="{world.commune_a.id}"' in response.get_data(as_text=True)
        title = re.search(r"<title>(.*?)</title>", response.get_data(as_text=True), re.S).group(1)
        assert "Đảng bộ xã A" in html.unescape(title), query
    # Several units named so: offered as links, not chosen.
    response = pages.get(address, query_string={"unit_name": "chi bo"})
    assert "Several units match" in section(response, "unit-help")


def test_the_chosen_unit_filters_the_list_and_stays_chosen(pages, world, one_case_per_branch):
    pages.login("board")
    # As the script sends it: the chosen unit's id and its name.
    response = pages.get("/candidates/", query_string={"unit": world.commune_a.id, "unit_name": world.commune_a.name})
    shown = listed_names(response)
    assert NAMES["branch_a1"] in shown and NAMES["branch_a2"] in shown
    assert NAMES["branch_b1"] not in shown and NAMES["branch_direct"] not in shown
    page = response.get_data(as_text=True)
    assert f'value="{world.commune_a.id}"' in page and f'value="{world.commune_a.name}"' in page
    # Emptying the field is choosing no unit: every candidate again.
    shown = listed_names(pages.get("/candidates/", query_string={"unit": world.commune_a.id, "unit_name": ""}))
    assert all(name in shown for name in NAMES.values())


def test_a_unit_outside_the_scope_is_neither_chosen_nor_found_by_name(pages, world, one_case_per_branch):
    pages.login("com_a")
    for query in ({"unit": world.commune_b.id}, {"unit_name": world.commune_b.name},
                  {"unit": world.commune_b.id, "unit_name": world.commune_b.name}):
        response = pages.get("/candidates/", query_string=query)
        shown = listed_names(response)
        assert NAMES["branch_b1"] not in shown and NAMES["branch_a1"] in shown, query
        assert f'value="{world.commune_b.id}"' not in response.get_data(as_text=True), query
        if "unit_name" in query:  # the text typed stays in its field, and no unit of theirs has it
            assert "None of your units has this name or code" in section(response, "unit-help")


def test_without_the_script_the_typed_name_filters_or_offers_the_units_it_matches(pages, world, one_case_per_branch):
    pages.login("board")
    # One unit named like this: it is the filter, accents optional.
    response = pages.get("/candidates/?unit_name=xa+a")
    shown = listed_names(response)
    assert NAMES["branch_a1"] in shown and NAMES["branch_a2"] in shown and NAMES["branch_b1"] not in shown
    assert f'value="{world.commune_a.id}"' in response.get_data(as_text=True)
    # Several: the list is not filtered and offers them as links, which keep the other filters.
    response = pages.get("/candidates/?unit_name=chi+bo&stage=spotted")
    help_text = section(response, "unit-help")
    assert "Several units match" in help_text and "Chi bộ thôn A1 — Đảng bộ xã A" in help_text
    link = re.search(r'href="([^"]+)">Chi bộ khối phố B1', response.get_data(as_text=True)).group(1)
    assert "stage=spotted" in html.unescape(link)
    shown = listed_names(pages.get(html.unescape(link)))
    assert NAMES["branch_b1"] in shown and NAMES["branch_a1"] not in shown
    # None: said so, the text kept, every candidate still listed.
    response = pages.get("/candidates/?unit_name=Không+có")
    assert "None of your units has this name or code" in section(response, "unit-help")
    assert 'value="Không có"' in response.get_data(as_text=True)
    assert all(name in listed_names(response) for name in NAMES.values())


def test_the_export_names_the_chosen_unit(pages, world, one_case_per_branch):
    pages.login("board")
    response = pages.get("/candidates/", query_string={"unit": world.commune_a.id, "format": "xlsx"})
    sheet = workbook_of(response.data).active
    assert "Filters: Unit: “Đảng bộ xã A”" in title_lines(sheet)
    names = {row[0] for row in table(sheet)[1:]}
    assert NAMES["branch_a1"] in names and NAMES["branch_b1"] not in names
    # A typed text that named no unit filtered nothing: the file does not say it did.
    response = pages.get("/candidates/", query_string={"unit_name": "Không có", "format": "xlsx"})
    assert not any(line.startswith("Filters") for line in title_lines(workbook_of(response.data).active))


def test_a_large_scope_searches_for_the_transfer_destination(world, pages, make_case, monkeypatch):
    """Past TRANSFER_SELECT_LIMIT open branches the destination is searched for, not listed."""
    import pipeline.cases.views as case_views
    from pipeline.cases.models import Case
    monkeypatch.setattr(case_views, "TRANSFER_SELECT_LIMIT", 1)
    case = make_case("dossier", branch=world.branch_a1)
    pages.login("board")
    url = f"/candidates/{case.id}/transfer"
    form = pages.get(url).get_data(as_text=True)
    assert 'role="combobox"' in form and "<option" not in form and "Chi bộ khối phố B1" not in form
    assert "kind=branch" in form  # the search offers open branches only
    values = {"effective_date": "2025-03-01", "reason": "Chuyển nơi cư trú", "version": str(case.version)}
    # Without the script: a name that several branches share comes back as a choice, nothing written.
    response = pages.post(url, data=values | {"to_branch_name": "chi bo"})
    assert response.status_code == 422
    matches = section(response, "to_branch_id-matches")
    assert "Chi bộ khối phố B1 — Đảng bộ phường B" in matches
    radios = re.findall(r'name="to_branch_choice" value="(\d+)"', response.get_data(as_text=True))
    assert sorted(map(int, radios)) == sorted(getattr(world, code).id for code in NAMES)  # the branches only
    assert db.session.get(Case, case.id).branch_id == world.branch_a1.id
    # Nothing named so, the case's own branch, a committee: refused beside the field.
    for wrong in ({"to_branch_name": "không có"}, {"to_branch_id": str(world.branch_a1.id)},
                  {"to_branch_id": str(world.commune_b.id)}):
        response = pages.post(url, data=values | wrong)
        assert response.status_code == 422, wrong
    # One of the choices, then as the script sends it (the id and the name).
    done = pages.post(url, data=values | {"to_branch_name": "chi bo", "to_branch_choice": str(world.branch_b1.id)})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).branch_id == world.branch_b1.id
    case = db.session.get(Case, case.id)
    done = pages.post(url, data=values | {"to_branch_id": str(world.branch_a2.id), "to_branch_name": "Chi bộ trường A2",
                                          "version": str(case.version), "effective_date": "2025-03-02"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).branch_id == world.branch_a2.id
    # The search itself, for the picker: open branches, never a committee.
    assert set(found_codes(pages.get("/units/search?q=bo&kind=branch"))) == set(NAMES)


def test_a_small_scope_keeps_its_select_of_destinations(world, pages, make_case):
    case = make_case("dossier", branch=world.branch_a1)
    pages.login("com_a")
    form = pages.get(f"/candidates/{case.id}/transfer").get_data(as_text=True)
    assert "<option" in form and 'role="combobox"' not in form


def test_the_accounts_list_filters_by_the_picked_unit(pages, world):
    pages.login("admin")
    for query in ({"unit": world.commune_b.id}, {"unit": world.commune_b.id, "unit_name": world.commune_b.name},
                  {"unit_name": "phuong b"}):
        shown = section(pages.get("/admin/users/", query_string=query), "users")
        assert "sec_b1" in shown and "com_b" in shown and "sec_a1" not in shown, query


def test_a_large_scope_searches_for_an_accounts_unit(world, pages, monkeypatch):
    """Past UNIT_SELECT_LIMIT units the administrator's account forms search for the unit."""
    import pipeline.accounts.admin as admin_views
    from pipeline.accounts.models import User
    from sqlalchemy import select
    monkeypatch.setattr(admin_views, "UNIT_SELECT_LIMIT", 2)
    pages.login("admin")
    form = pages.get("/admin/users/new").get_data(as_text=True)
    assert 'role="combobox"' in form and "Chi bộ thôn A1</option>" not in form and "Đảng bộ xã A</option>" not in form
    password = "Mật khẩu mới 2025!"
    account = {"username": "ly.thi.moi", "display_name": "Lý Thị Mới", "role": "committee", "password": password,
               "confirm": password}
    # Several units named so: offered as choices, nothing created; one of them chosen: created there.
    response = pages.post("/admin/users/new", data=account | {"unit_name": "dang bo"})
    assert response.status_code == 422 and "Several units match" in section(response, "unit_id-help")
    assert db.session.execute(select(User).where(User.username == "ly.thi.moi")).scalar_one_or_none() is None
    response = pages.post("/admin/users/new", data=account | {"unit_name": "dang bo",
                                                               "unit_choice": str(world.commune_b.id)})
    assert response.status_code == 302
    created = db.session.execute(select(User).where(User.username == "ly.thi.moi")).scalar_one()
    assert created.unit_id == world.commune_b.id
    # The account's page shows its unit in the picker; moving it as the script sends it.
    page = pages.get(f"/admin/users/{created.id}").get_data(as_text=True)
    assert f'value="{world.commune_b.id}"' in page and 'value="Đảng bộ phường B"' in page
    response = pages.post(f"/admin/users/{created.id}", data={
        "display_name": "Lý Thị Mới", "role": "committee", "unit_id": str(world.commune_a.id),
        "unit_name": "Đảng bộ xã A"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, created.id).unit_id == world.commune_a.id
