"""The accounts' and the audit's forms against bad input, like the other forms (tests/test_bad_input.py):
logging in and its second step, one's own password and second factor, an administrator's account
pages, a correction of an earlier act. Random unicode, other scripts, control characters,
10,000-character texts, missing and doubled fields, ids of other units. Never a 500, a refusal
says why and writes nothing, a success writes exactly its rows (see bad_input_support)."""
import pytest
from hypothesis import strategies as st

from bad_input_support import VERSION, dates, explore, ids, logged_in, pairs_of, submit, texts, valid_pairs
from conftest import PASSWORD, fresh
from pages_support import Pages

HISTORY_ROW = {"account_change": 1}


def choices(*valid):
    return st.one_of(st.sampled_from(list(valid)), texts)


def with_version(pairs, version):
    return [(name, str(version) if value is VERSION else value) for name, value in pairs]


def test_logging_in(client, world):
    pages = Pages(client)
    valid = {"username": "sec_a2", "password": PASSWORD}
    bad = {"username": texts, "password": texts}
    explore(pairs_of(valid, bad), lambda pairs: submit(pages, "POST", "/login?lang=en", pairs))


def test_the_second_step_of_logging_in_without_a_pending_password(client, world):
    pages = Pages(client)
    explore(pairs_of({"code": "123456"}, {"code": texts}),
            lambda pairs: submit(pages, "POST", "/login/two-factor?lang=en", pairs))


def test_changing_ones_own_password(client, world):
    pages = logged_in(client, "sec_a1")
    valid = {"old_password": PASSWORD, "password": "một mật khẩu mới dài", "confirm": "một mật khẩu mới dài"}
    bad = {"old_password": texts, "password": texts, "confirm": texts}
    assert submit(pages, "POST", "/account/password", valid_pairs(valid), [HISTORY_ROW]).changes == HISTORY_ROW
    explore(pairs_of(valid, bad), lambda pairs: submit(pages, "POST", "/account/password", pairs, [HISTORY_ROW]))


@pytest.mark.parametrize("path", ["/account/two-factor", "/account/two-factor/codes", "/account/two-factor/disable"])
def test_ones_own_second_factor(client, world, path):
    pages = logged_in(client, "com_a")
    valid = {"code": "123456", "password": PASSWORD}
    bad = {"code": texts, "password": texts}
    # Without the right code (from the user's app) nothing is enrolled; without a second factor
    # there are no codes to make nor anything to turn off.
    explore(pairs_of(valid, bad), lambda pairs: submit(pages, "POST", path, pairs))


def test_an_administrator_creates_an_account(client, world):
    pages = logged_in(client, "admin")
    valid = {"username": "nguoi_moi", "display_name": "Nguyễn Văn Mới", "role": "secretary",
             "unit_id": str(world.branch_a1.id), "password": "mật khẩu ban đầu", "confirm": "mật khẩu ban đầu"}
    bad = {"username": texts, "display_name": texts, "role": choices("secretary", "committee", "board", "admin"),
           "unit_id": ids(world.town.id, world.branch_a1.id, world.commune_b.id), "password": texts,
           "confirm": texts}
    created = [{"user_account": 1, "account_change": 1}]
    assert submit(pages, "POST", "/admin/users/new", valid_pairs(valid), created).changes == created[0]
    explore(pairs_of(valid, bad), lambda pairs: submit(pages, "POST", "/admin/users/new", pairs, created))


def test_an_administrator_changes_an_account(client, world):
    pages = logged_in(client, "admin")
    target = world["sec_a2"]
    details = {"display_name": "Trương Thị Mỹ Hạnh", "role": "committee", "unit_id": str(world.commune_a.id)}
    details_bad = {"display_name": texts, "role": choices("secretary", "committee", "board", "admin"),
                   "unit_id": ids(world.town.id, world.branch_a1.id, world.commune_b.id)}
    password = {"password": "mật khẩu đặt lại", "confirm": "mật khẩu đặt lại"}
    forms = {"": (details, details_bad), "/password": (password, {"password": texts, "confirm": texts}),
             "/disable": ({"reason": "Chuyển công tác"}, {"reason": texts}),
             "/enable": ({"reason": ""}, {"reason": texts}),
             "/two-factor/reset": ({"extra": "x"}, {"extra": texts})}  # a button: only stray fields

    def attempt(example):
        which, user_id, pairs = example
        return submit(pages, "POST", f"/admin/users/{user_id}{which}", pairs, [HISTORY_ROW])

    assert attempt(("", target.id, valid_pairs(details))).changes == HISTORY_ROW
    explore(st.sampled_from(sorted(forms)).flatmap(lambda which: st.tuples(
        st.just(which), ids(target.id, world["sec_b1"].id, world["admin"].id), pairs_of(*forms[which]))), attempt)


def test_correcting_an_earlier_act(client, world, make_case):
    case_id = make_case("dossier").id
    pages = logged_in(client, "sec_a1")
    valid = {"version": VERSION, "corrects_seq": "2", "what": "Số chứng nhận", "corrected_value": "CN-002",
             "effective_date": "2021-10-02", "reason": "Ghi nhầm số chứng nhận"}
    bad = {"version": texts, "corrects_seq": choices("1", "2", "99", "-1"), "what": texts,
           "corrected_value": texts, "effective_date": dates, "reason": texts}
    corrected = [{"case_event": 1}]

    def attempt(pairs):
        return submit(pages, "POST", f"/audit/cases/{case_id}/correct",
                      with_version(pairs, fresh(case_id).version), corrected)

    assert attempt(valid_pairs(valid)).changes == corrected[0]
    explore(pairs_of(valid, bad), attempt)
