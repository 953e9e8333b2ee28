"""The reorganisation pages (pipeline/units/views.py: merge, split) and the transfer of one
candidate (pipeline/cases/views.py), used as their users would: a preview first that writes
nothing, then the confirmation that writes all of it; refusals that say why and write nothing;
who may open them; hostile input. On SQLite and PostgreSQL."""
import re
from datetime import date

import pytest
import sqlalchemy as sa
from hypothesis import strategies as st

from bad_input_support import VERSION, dates, explore, flags, ids, logged_in, pairs_of, submit, texts, valid_pairs
from pages_support import Pages, field_errors, pages, section, text  # noqa: F401 (the pages fixture)
from pipeline.accounts.models import User
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.units import operations
from pipeline.units.models import Unit, UnitSuccession
from pipeline.units.reorganise_forms import fingerprint
from reorganise_support import assert_all_as_logged, counts, fresh

JULY = "2025-07-01"


def previewed(response):
    """The fingerprint the preview hands back, to confirm exactly what was previewed."""
    return re.search(r'name="previewed" type="hidden" value="([0-9a-f]+)"', response.get_data(as_text=True)).group(1)


def options(response, select_id):
    """The values of a select's options, as numbers."""
    page = response.get_data(as_text=True)
    select = re.search(r'<select[^>]*id="%s".*?</select>' % re.escape(select_id), page, re.S).group(0)
    return [int(value) for value in re.findall(r'value="(-?\d+)"', select)]


# --- merging ----------------------------------------------------------------------------------

def test_a_merge_of_two_branches_is_previewed_then_carried_out(world, pages, make_case):
    case = make_case("dossier", branch=world.branch_a2)
    pages.login("admin")
    url = f"/admin/units/{world.branch_a2.id}/merge"
    form = pages.get(url)
    assert form.status_code == 200
    offered = section(form, "into")
    assert "Chi bộ thôn A1" in offered and "Chi bộ khối phố B1" in offered
    assert "Đảng bộ xã A" not in offered and "Chi bộ trường A2" not in offered  # not its level, not itself
    assert "Chi bộ thôn A1" in section(form, "merge-form")  # also offered as a unit that ends with it
    before = counts()

    values = {"into": str(world.branch_a1.id), "effective_date": JULY, "accounts": "move", "reason": "Nghị quyết 12"}
    preview = pages.post(url, data=values)
    assert preview.status_code == 200
    assert "Chi bộ trường A2: its last day is 30/06/2025" in section(preview, "plan-ending")
    moved = section(preview, "plan-cases")
    assert "Phùng Tấn Thắng Preparing the dossier Chi bộ trường A2 Chi bộ thôn A1" in moved
    assert "SEC_A2 (sec_a2)" in section(preview, "plan-accounts")
    assert "Moves to Chi bộ thôn A1" in section(preview, "plan-accounts")
    assert counts() == before  # a preview writes nothing

    done = pages.post(url, data=values | {"previewed": previewed(preview), "confirmed": "y"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/admin/units/{world.branch_a1.id}")
    page = pages.get(done.headers["Location"])
    assert "Merged into Chi bộ thôn A1 from 01/07/2025" in text(page)
    assert fresh(Case, case.id).branch_id == world.branch_a1.id
    assert fresh(User, world["sec_a2"].id).unit_id == world.branch_a1.id
    assert fresh(Unit, world.branch_a2.id).valid_to == date(2025, 6, 30)
    ended = pages.get(f"/admin/units/{world.branch_a2.id}")
    assert "Closed on 30/06/2025" in section(ended, "status")
    history = section(ended, "history")
    assert "Merged into another unit" in history and "successor_ids : Chi bộ thôn A1" in history
    assert "Nghị quyết 12" in history
    timeline = section(pages.get(f"/candidates/{case.id}"), "timeline")
    assert "Moved with a reorganisation of units" in timeline and "Nghị quyết 12" in timeline
    assert_all_as_logged()


def test_a_merge_into_a_new_unit_and_a_value_changed_after_the_preview(world, pages, make_case):
    make_case("branch_vote", branch=world.branch_b1)
    pages.login("admin")
    url = f"/admin/units/{world.commune_a.id}/merge"
    values = {"also": str(world.commune_b.id), "into": "-1", "new_code": "commune_ab", "new_name": "Đảng bộ xã AB",
              "new_kind": "commune", "new_parent_id": str(world.town.id), "new_decides_admissions": "y",
              "effective_date": JULY, "accounts": "disable"}
    preview = pages.post(url, data=values)
    assert preview.status_code == 200
    assert "Đảng bộ xã AB new unit, code commune_ab" in section(preview, "plan-successors")
    units = section(preview, "plan-units")
    assert all(name in units for name in ("Chi bộ thôn A1", "Chi bộ trường A2", "Chi bộ khối phố B1"))
    assert "None: the cases of the units below move with their branch." in section(preview, "plan-no-cases")
    assert "Disabled" in section(preview, "plan-accounts")
    before = counts()
    # Confirmed, but after changing a value: a new preview, nothing written.
    again = pages.post(url, data=values | {"accounts": "move", "previewed": previewed(preview), "confirmed": "y"})
    assert again.status_code == 200 and "Something changed since the preview" in section(again, "changed")
    assert "Moves to" in section(again, "plan-accounts")
    assert counts() == before
    done = pages.post(url, data=values | {"accounts": "move", "previewed": previewed(again), "confirmed": "y"})
    successor = db.session.execute(sa.select(Unit).where(Unit.code == "commune_ab")).scalar_one()
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/admin/units/{successor.id}")
    assert successor.valid_from == date(2025, 7, 1) and successor.decides_admissions
    assert fresh(Unit, world.branch_b1.id).parent_id == successor.id
    assert fresh(User, world["com_a"].id).unit_id == successor.id
    assert_all_as_logged()


def test_a_merge_into_a_closed_unit_says_why_in_vietnamese_and_writes_nothing(world, client, make_case):
    make_case("dossier", branch=world.branch_a2)
    gone = operations.create_unit(world["admin"], "gone", "Chi bộ đã giải thể", "village", world.commune_a,
                                  valid_from=date(2020, 1, 1))
    operations.close_unit(world["admin"], gone, date(2024, 1, 1), "giải thể")
    pages = Pages(client)
    pages.post("/login", data={"username": "admin", "password": "demo-pass"})  # Vietnamese, the default
    url = f"/admin/units/{world.branch_a2.id}/merge"
    assert "Chi bộ đã giải thể" not in section(pages.get(url), "into")  # not offered...
    before = counts()
    values = {"into": str(gone.id), "effective_date": JULY, "accounts": "move"}
    response = pages.post(url, data=values)  # ...and named by the plan when it closed meanwhile
    assert response.status_code == 422
    assert ("Chi bộ đã giải thể đã kết thúc hoạt động (đã giải thể hoặc sáp nhập): hãy chọn một đơn vị đang "
            "hoạt động để sáp nhập vào.") in section(response, "problems")
    assert 'id="confirm"' not in response.get_data(as_text=True)  # nothing to confirm
    # Even confirmed with the very values previewed.
    confirmed = values | {"previewed": fingerprint(world.branch_a2.id, values.items()), "confirmed": "y"}
    response = pages.post(url, data=confirmed)
    assert response.status_code == 422 and "đã kết thúc hoạt động" in section(response, "problems")
    assert counts() == before
    assert fresh(Unit, world.branch_a2.id).valid_to is None


def test_a_refusal_when_carrying_out_rolls_everything_back(world, pages, make_case):
    case = make_case("dossier", branch=world.branch_a2)
    later = operations.create_unit(world["admin"], "commune_c", "Đảng bộ xã C", "commune", world.town,
                                   valid_from=date(2025, 8, 1))
    pages.login("admin")
    url = f"/admin/units/{world.branch_a2.id}/merge"
    # The plan sees nothing wrong; making the new unit under a committee that starts later does.
    values = {"into": "-1", "new_code": "branch_c1", "new_name": "Chi bộ thôn C1", "new_kind": "village",
              "new_parent_id": str(later.id), "effective_date": JULY, "accounts": "move"}
    preview = pages.post(url, data=values)
    assert preview.status_code == 200
    before = counts()
    response = pages.post(url, data=values | {"previewed": previewed(preview), "confirmed": "y"})
    assert response.status_code == 422
    assert "A unit cannot start before the unit above it." in section(response, "refused")
    assert counts() == before and fresh(Case, case.id).branch_id == world.branch_a2.id


def test_the_form_names_what_is_missing_beside_its_field(world, pages):
    pages.login("admin")
    url = f"/admin/units/{world.branch_a2.id}/merge"
    response = pages.post(url, data={"into": "-1", "new_code": "branch_a1", "new_kind": "commune",
                                     "new_parent_id": "0", "effective_date": JULY, "accounts": "move"})
    assert response.status_code == 422
    assert field_errors(response, "new_name") == "This field is required."
    assert field_errors(response, "new_code") == "This code is taken by another unit: choose another."
    assert field_errors(response, "new_kind") == "Not a valid choice."  # a branch merges into a branch
    assert field_errors(response, "new_parent_id") == "Choose the unit above."
    response = pages.post(url, data={"into": "0", "effective_date": JULY, "accounts": "move"})
    assert field_errors(response, "into") == "Choose the unit they merge into, or a new unit."
    # Another town's unit is no choice at all; the new unit's fields count only for a new unit.
    response = pages.post(url, data={"into": "999999", "new_code": "mã có dấu", "effective_date": JULY,
                                     "accounts": "move"})
    assert field_errors(response, "into") == "Not a valid choice." and field_errors(response, "new_code") == ""


# --- splitting --------------------------------------------------------------------------------

def test_a_split_sends_each_row_where_it_was_chosen(world, pages, make_case):
    first = make_case("dossier", branch=world.branch_a1)
    second = make_case("training", branch=world.branch_a1, full_name="Trần Văn Hai")
    admin = world["admin"]
    east = operations.create_unit(admin, "a1_east", "Chi bộ thôn A1 Đông", "village", world.commune_a,
                                  valid_from=date(2025, 1, 1))
    west = operations.create_unit(admin, "a1_west", "Chi bộ thôn A1 Tây", "village", world.commune_a,
                                  valid_from=date(2025, 1, 1))
    pages.login("admin")
    url = f"/admin/units/{world.branch_a1.id}/split"
    form = pages.get(url)
    assert form.status_code == 200
    cases = section(form, "rows-case")
    assert "Phùng Tấn Thắng" in cases and "Trần Văn Hai Political training class" in cases
    assert "SEC_A1 (sec_a1)" in section(form, "rows-account")
    assert "None." in section(form, "no-rows-unit")
    offered = options(form, f"case_{first.id}")
    assert {east.id, west.id, world.branch_a2.id} <= set(offered) and world.branch_a1.id not in offered
    before = counts()

    rows = {f"case_{first.id}": str(east.id), f"case_{second.id}": str(west.id),
            f"account_{world['sec_a1'].id}": str(west.id), "effective_date": JULY, "reason": "Quyết định 7"}
    missing = pages.post(url, data=rows | {f"case_{second.id}": "0"})
    assert missing.status_code == 422 and field_errors(missing, f"case_{second.id}") == "Choose where it goes."
    preview = pages.post(url, data=rows)
    assert preview.status_code == 200
    moved = section(preview, "plan-cases")
    assert "Phùng Tấn Thắng Preparing the dossier Chi bộ thôn A1 Chi bộ thôn A1 Đông" in moved
    assert "Trần Văn Hai Political training class Chi bộ thôn A1 Chi bộ thôn A1 Tây" in moved
    assert "Chi bộ thôn A1 Đông" in section(preview, "plan-successors")
    assert counts() == before
    done = pages.post(url, data=rows | {"previewed": previewed(preview), "confirmed": "y"})
    assert done.status_code == 302
    assert "Split from 01/07/2025" in text(pages.get(done.headers["Location"]))
    assert fresh(Case, first.id).branch_id == east.id and fresh(Case, second.id).branch_id == west.id
    assert fresh(User, world["sec_a1"].id).unit_id == west.id
    assert fresh(Unit, world.branch_a1.id).valid_to == date(2025, 6, 30)
    successors = db.session.execute(sa.select(UnitSuccession.successor_id).where(
        UnitSuccession.predecessor_id == world.branch_a1.id)).scalars().all()
    assert sorted(successors) == sorted([east.id, west.id])
    assert_all_as_logged()


def test_an_account_may_be_disabled_in_a_split(world, pages):
    pages.login("admin")
    url = f"/admin/units/{world.branch_a2.id}/split"
    rows = {f"account_{world['sec_a2'].id}": "-1", "effective_date": JULY}
    preview = pages.post(url, data=rows)
    # Nothing goes anywhere: no successor, nothing to carry out (close the unit instead).
    assert preview.status_code == 422 and "Choose a successor for each row." in section(preview, "problems")
    assert "Disabled" in section(preview, "plan-accounts")


# --- who may ----------------------------------------------------------------------------------

@pytest.mark.parametrize("who, path, status", [
    ("admin", "/admin/units/{town}/merge", 403),  # the administrator's own unit: changed from above
    ("admin", "/admin/units/{town}/split", 403),
    ("com_a", "/admin/units/{branch_a1}/merge", 403),
    ("com_a", "/admin/units/{branch_b1}/split", 404),
    ("board", "/admin/units/{branch_a1}/split", 403),
    ("admin", "/admin/units/{branch_a1}/merge", 200),
    ("admin", "/admin/units/999999/split", 404),
])
def test_who_reaches_the_reorganisation_pages(world, pages, who, path, status):
    pages.login(who)
    url = path.format(**{name: getattr(world, name).id for name in world.UNITS})
    assert pages.get(url).status_code == status
    before = counts()
    assert pages.post(url, data={"into": str(world.branch_a2.id), "effective_date": JULY, "accounts": "move"}
                      ).status_code in ((200, 422) if status == 200 else (status,))
    assert counts() == before


def test_the_unit_page_links_to_merging_and_splitting(world, pages):
    pages.login("admin")
    page = pages.get(f"/admin/units/{world.branch_a1.id}")
    assert f'href="/admin/units/{world.branch_a1.id}/merge"' in page.get_data(as_text=True)
    assert "Merge into another unit…" in text(page) and "Split…" in text(page)


# --- transferring one candidate ----------------------------------------------------------------

def test_a_committee_transfers_a_candidate_and_the_case_page_shows_it(world, pages, make_case):
    case = make_case("dossier", branch=world.branch_a1)
    pages.login("com_a")
    page = pages.get(f"/candidates/{case.id}")
    assert f'href="/candidates/{case.id}/transfer"' in page.get_data(as_text=True)
    url = f"/candidates/{case.id}/transfer"
    form = pages.get(url)
    assert form.status_code == 200
    offered = section(form, "to_branch_id")
    assert "Chi bộ trường A2" in offered and "Chi bộ thôn A1" not in offered and "B1" not in offered
    before = counts()
    values = {"to_branch_id": str(world.branch_a2.id), "effective_date": "2025-03-01",
              "version": str(case.version)}
    response = pages.post(url, data=values)
    assert response.status_code == 422 and field_errors(response, "reason") == "This field is required."
    # Before the case's last act: the act's own rule, beside the form.
    response = pages.post(url, data=values | {"effective_date": "2021-01-01", "reason": "Chuyển nơi cư trú"})
    assert response.status_code == 422 and section(response, "refused")
    assert counts() == before

    done = pages.post(url, data=values | {"reason": "Chuyển nơi cư trú về thôn A2"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/candidates/{case.id}")
    page = pages.get(done.headers["Location"])
    assert "Transferred: Phùng Tấn Thắng is now in Chi bộ trường A2." in text(page)
    entry = page.get_data(as_text=True).split('data-event="transfer_branch"')[1].split("</li>")[0]
    shown = " ".join(re.sub(r"<[^>]+>", " ", entry).split())
    assert "Transferred to another branch" in shown and "01/03/2025" in shown
    assert "Chi bộ thôn A1" in shown and "Chi bộ trường A2" in shown and "Chuyển nơi cư trú về thôn A2" in shown
    assert fresh(Case, case.id).branch_id == world.branch_a2.id
    assert_all_as_logged()


@pytest.mark.parametrize("who, status", [("sec_a1", 403), ("admin", 403), ("sec_b1", 404), ("com_b", 404)])
def test_who_may_not_transfer(world, pages, make_case, who, status):
    case = make_case("dossier", branch=world.branch_a1)
    pages.login(who)
    url = f"/candidates/{case.id}/transfer"
    assert pages.get(url).status_code == status
    before = counts()
    response = pages.post(url, data={"to_branch_id": str(world.branch_a2.id), "effective_date": "2025-03-01",
                                     "reason": "Chuyển nơi cư trú", "version": str(case.version)})
    assert response.status_code == status and counts() == before
    if status == 403:
        assert 'id="transfer"' not in pages.get(f"/candidates/{case.id}").get_data(as_text=True)


def test_a_finished_case_is_not_transferred(world, pages, make_case):
    case = make_case("official", branch=world.branch_a1)
    pages.login("board")
    assert 'id="transfer"' not in pages.get(f"/candidates/{case.id}").get_data(as_text=True)
    response = pages.get(f"/candidates/{case.id}/transfer", follow_redirects=True)
    assert "Only an open case can be transferred" in text(response)


# --- bad input --------------------------------------------------------------------------------

# What a reorganisation carried out may write: rows added to these tables, nothing removed.
REORGANISING = {"unit", "unit_change", "unit_version", "unit_succession", "case_event", "account_change"}


def reorganised(changes):
    return set(changes) <= REORGANISING and all(count > 0 for count in changes.values())


def test_bad_input_on_the_reorganisation_forms(world, client, make_case):
    case = make_case("dossier", branch=world.branch_a2)
    pages = logged_in(client, "admin")
    unit_ids = ids(world.town.id, world.commune_a.id, world.branch_a1.id, world.branch_b1.id, world.branch_a2.id, -1)
    merge_url = f"/admin/units/{world.branch_a2.id}/merge"
    valid_merge = {"into": str(world.branch_a1.id), "effective_date": JULY, "accounts": "move", "reason": "Sáp nhập"}
    bad_merge = {"also": unit_ids, "into": unit_ids, "new_code": texts, "new_name": texts, "new_kind": texts,
                 "new_parent_id": unit_ids, "new_decides_admissions": flags, "new_official_members": texts,
                 "effective_date": dates, "accounts": st.one_of(st.sampled_from(["move", "disable"]), texts),
                 "reason": texts, "previewed": texts, "confirmed": flags}
    # The valid form previews (writes nothing); hostile forms never carry anything out unseen.
    assert submit(pages, "POST", merge_url, valid_pairs(valid_merge)).status == 200
    explore(pairs_of(valid_merge, bad_merge), lambda pairs: submit(pages, "POST", merge_url, pairs, reorganised))

    split_url = f"/admin/units/{world.branch_a2.id}/split"
    valid_split = {f"case_{case.id}": str(world.branch_a1.id), f"account_{world['sec_a2'].id}": "-1",
                   "effective_date": JULY, "reason": "Chia tách"}
    bad_split = {f"case_{case.id}": unit_ids, f"account_{world['sec_a2'].id}": unit_ids, "effective_date": dates,
                 "reason": texts, "previewed": texts, "confirmed": flags}
    assert submit(pages, "POST", split_url, valid_split.items()).status == 200
    explore(pairs_of(valid_split, bad_split), lambda pairs: submit(pages, "POST", split_url, pairs, reorganised))
    # And carried out, once: then the unit is closed and every form for it says so.
    seen = fingerprint(world.branch_a2.id, valid_split.items())
    done = submit(pages, "POST", split_url, valid_pairs(valid_split | {"previewed": seen, "confirmed": "y"}),
                  reorganised)
    assert done.status == 302 and done.changes["case_event"] == 1
    assert submit(pages, "POST", merge_url, valid_pairs(valid_merge)).status == 422
    assert_all_as_logged()


def test_bad_input_on_the_transfer_form(world, client, make_case):
    pages = logged_in(client, "com_a")
    current = {"case": make_case("dossier", branch=world.branch_a1)}
    valid = {"to_branch_id": str(world.branch_a2.id), "effective_date": "2025-03-01", "reason": "Chuyển nơi ở",
             "version": VERSION}
    bad = {"to_branch_id": ids(world.branch_a1.id, world.branch_b1.id, world.commune_a.id, world.town.id),
           "effective_date": dates, "reason": texts, "version": st.one_of(st.just(VERSION), texts)}
    other = make_case("dossier", branch=world.branch_b1, full_name="Trần Văn Khác")

    def attempt(example):
        which, pairs = example
        case = current["case"]
        pairs = [(name, str(case.version) if value is VERSION else value) for name, value in pairs]
        case_id = case.id if which == "own" else which
        outcome = submit(pages, "POST", f"/candidates/{case_id}/transfer", pairs, [{"case_event": 1}])
        if outcome.changes:  # transferred: the next example starts from a case in branch_a1 again
            current["case"] = make_case("dossier", branch=world.branch_a1)
        return outcome

    assert attempt(("own", valid_pairs(valid))).changes == {"case_event": 1}
    explore(st.tuples(st.sampled_from(["own", "own", "own", str(other.id), "999999"]), pairs_of(valid, bad)),
            attempt)
