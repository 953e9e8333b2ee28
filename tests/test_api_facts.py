"""The facts recorded on one case through the API (pipeline.api.case_facts): opening a case, a
note, a transfer, voiding an act, a correction. Each records what its page records, refuses what
its page refuses (a stale version 409, the rules 422 with reasons, a bad body 422 naming the
fields) and writes nothing then; and each role's token, read-only and read-write, inside and
outside the scope, is answered as the page answers that user."""
from datetime import date

import pytest
import sqlalchemy as sa

from api_support import ROLES, WHERE, api_places, bearer, snapshot, token_for
from conftest import count_events, fresh
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.notes.models import CaseNote
from pipeline.workflow import operations
from pipeline.workflow.log import load_log, verify_chain
from pipeline.workflow.models import LogEntry

PARTICULARS = {"full_name": "Phùng Tấn Thắng", "date_of_birth": "1998-05-20", "sex": "male", "ethnicity": "Kinh",
               "education": "upper_secondary", "occupation": "Phó Bí thư chi đoàn thôn",
               "residence": "Khối phố Tân Khai", "youth_union_member": True, "source_organisation": "youth_union",
               "helper_member": "Lê Văn Giúp", "effective_date": "2022-03-01"}
MISTYPED = {"members_total": 51, "members_present": 14, "votes_for": 13, "votes_against": 1}
HUGE = 2**31 - 1  # a version no case has


def case_total():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Case))


def entry_total():
    return db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry))


def notes_of(case_id):
    db.session.expire_all()
    return db.session.execute(sa.select(CaseNote).where(CaseNote.case_id == case_id)
                              .order_by(CaseNote.seq)).scalars().all()


@pytest.fixture
def api(app):
    return app.test_client()


# --- opening a case ---------------------------------------------------------------------------

def test_a_secretary_opens_a_case_in_her_branch_as_the_page_does(api, world):
    secret = token_for(world["sec_a1"])
    opened = api.post("/api/v1/cases", headers=bearer(secret), json=PARTICULARS)
    assert opened.status_code == 201, opened.json
    case = fresh(opened.json["id"])
    assert (case.branch_id, case.stage, case.stage_entered_on) == (world.branch_a1.id, "spotted", date(2022, 3, 1))
    assert case.youth_union_member is True and case.helper_member == "Lê Văn Giúp"
    log = load_log(case.id)
    assert [(entry.act, entry.actor_id) for entry in log] == [("spot", world["sec_a1"].id)]
    assert log[0].data["branch_id"] == world.branch_a1.id and verify_chain(log) is None
    # Answered as the case reads: its version to send with the next act, and those acts.
    assert opened.json == api.get(f"/api/v1/cases/{case.id}", headers=bearer(secret)).json
    assert "enrol_training" in [action["act"] for action in opened.json["actions"]]
    # Naming her own branch is the same; another branch is refused, not ignored.
    again = api.post("/api/v1/cases", headers=bearer(secret), json=PARTICULARS | {"branch_id": world.branch_a1.id})
    assert again.status_code == 201 and fresh(again.json["id"]).branch_id == world.branch_a1.id
    before = case_total()
    for branch in (world.branch_a2, world.branch_b1):
        other = api.post("/api/v1/cases", headers=bearer(secret), json=PARTICULARS | {"branch_id": branch.id})
        assert other.status_code == 422 and list(other.json["errors"]["json"]) == ["branch_id"]
    assert case_total() == before


def test_a_committee_opens_a_case_in_one_of_its_branches(api, world):
    secret = token_for(world["com_a"])
    opened = api.post("/api/v1/cases", headers=bearer(secret), json=PARTICULARS | {"branch_id": world.branch_a2.id})
    assert opened.status_code == 201 and opened.json["branch_id"] == world.branch_a2.id
    before = case_total()
    # Outside its subtree, not a branch, or none named: the page's choice refuses them alike.
    for branch_id in (world.branch_b1.id, world.commune_a.id, world.town.id, None):
        body = PARTICULARS | ({"branch_id": branch_id} if branch_id else {})
        refused = api.post("/api/v1/cases", headers=bearer(secret, **{"Accept-Language": "en"}), json=body)
        assert refused.status_code == 422 and list(refused.json["errors"]["json"]) == ["branch_id"], branch_id
        assert refused.json["message"] == "The case was not opened: correct the fields named."
        assert "Chi bộ khối phố B1" not in refused.get_data(as_text=True)
    assert case_total() == before


def test_a_bad_new_case_is_refused_naming_its_fields(api, world):
    secret = token_for(world["sec_a1"])
    before = case_total(), entry_total()
    unknown = api.post("/api/v1/cases", headers=bearer(secret),
                       json={key: value for key, value in PARTICULARS.items() if key != "full_name"} | {"colour": 1})
    assert unknown.status_code == 422 and {"full_name", "colour"} <= set(unknown.json["errors"]["json"])
    # What the form decides: born after the day spotted, a future day, a blank choice.
    body = PARTICULARS | {"date_of_birth": "2023-01-01", "sex": ""}
    vietnamese = api.post("/api/v1/cases", headers=bearer(secret), json=body)
    english = api.post("/api/v1/cases", headers=bearer(secret, **{"Accept-Language": "en"}), json=body)
    assert vietnamese.status_code == english.status_code == 422
    assert set(english.json["errors"]["json"]) == {"date_of_birth", "sex"}
    assert english.json["errors"]["json"]["date_of_birth"] == ["The date of birth must be before the date spotted."]
    assert vietnamese.json["errors"]["json"]["date_of_birth"] != english.json["errors"]["json"]["date_of_birth"]
    future = api.post("/api/v1/cases", headers=bearer(secret), json=PARTICULARS | {"effective_date": "2099-01-01"})
    assert future.status_code == 422 and "effective_date" in future.json["errors"]["json"]
    assert (case_total(), entry_total()) == before


@pytest.mark.parametrize("username", ["board", "admin"])
def test_boards_and_administrators_open_no_case(api, world, username):
    refused = api.post("/api/v1/cases", headers=bearer(token_for(world[username])),
                       json=PARTICULARS | {"branch_id": world.branch_a1.id})
    assert refused.status_code == 403 and case_total() == 0


# --- notes ------------------------------------------------------------------------------------

def test_a_note_is_added_and_read_as_the_case_page_lists_it(api, world, make_case):
    case = make_case("dossier")
    events, version = count_events(case.id), case.version
    added = api.post(f"/api/v1/cases/{case.id}/notes", headers=bearer(token_for(world["sec_a1"])),
                     json={"note": "  Đã gặp gia đình;\r\nđồng ý cho tham gia.  "})
    assert added.status_code == 201, added.json
    assert (added.json["case_id"], added.json["version"]) == (case.id, version)
    note = added.json["note"]
    assert note["text"] == "Đã gặp gia đình;\nđồng ý cho tham gia." and note["seq"] == 1
    assert note["author_id"] == world["sec_a1"].id and note["author_name"] == world["sec_a1"].display_name
    stored = notes_of(case.id)
    assert [(row.seq, row.text, row.hash) for row in stored] == [(1, note["text"], note["hash"])]
    # No act: the log and the version stay.
    assert count_events(case.id) == events and fresh(case.id).version == version
    api.post(f"/api/v1/cases/{case.id}/notes", headers=bearer(token_for(world["com_a"])),
             json={"note": "Cấp ủy đã xem."})
    listed = api.get(f"/api/v1/cases/{case.id}/notes", headers=bearer(token_for(world["board"], may_write=False)))
    assert listed.status_code == 200
    assert [(row["seq"], row["text"]) for row in listed.json] == [(1, note["text"]), (2, "Cấp ủy đã xem.")]
    assert listed.json[1]["prev_hash"] == listed.json[0]["hash"]


def test_an_empty_too_long_or_unknown_note_is_refused(api, world, make_case):
    case = make_case()
    url = f"/api/v1/cases/{case.id}/notes"
    secret = token_for(world["sec_a1"])
    for body, field in (({"note": "   "}, "note"), ({"note": "x" * 2001}, "note"), ({}, "note"),
                        ({"note": "a\x00b"}, "note"), ({"note": "Ghi chú", "version": case.version}, "version")):
        refused = api.post(url, headers=bearer(secret), json=body)
        assert refused.status_code == 422 and field in refused.json["errors"]["json"], body
    empty = api.post(url, headers=bearer(secret, **{"Accept-Language": "en"}), json={"note": " "})
    assert empty.json["errors"]["json"]["note"] == ["Write the note before adding it."]
    assert empty.json["message"] == "The note was not added: correct the fields named."
    assert notes_of(case.id) == []


def test_a_case_s_notes_cost_the_same_statements_whatever_their_number(api, world, make_case, count_statements):
    from pipeline.notes.operations import add_note
    case = make_case()
    secret = token_for(world["com_a"])
    api.get("/api/v1/me", headers=bearer(secret))  # the token's last use is written once a minute at most

    def statements():
        with count_statements() as counter:
            assert api.get(f"/api/v1/cases/{case.id}/notes", headers=bearer(secret)).status_code == 200
        return counter.count
    add_note(case.id, world["sec_a1"], "Một")
    one = statements()
    for text in ("Hai", "Ba", "Bốn"):
        add_note(case.id, world["com_a"], text)
    assert statements() == one


# --- a transfer -------------------------------------------------------------------------------

def transfer_body(case, world, **changes):
    return {"to_branch_id": world.branch_a2.id, "effective_date": "2025-03-01", "reason": "Chuyển nơi cư trú",
            "version": case.version} | changes


def test_a_committee_transfers_a_candidate_as_the_page_does(api, world, make_case):
    case = make_case("dossier")
    secret = token_for(world["com_a"])
    events, body = count_events(case.id), transfer_body(case, world)
    url = f"/api/v1/cases/{case.id}/transfer"
    moved = api.post(url, headers=bearer(secret), json=body)
    assert moved.status_code == 201, moved.json
    assert moved.json["stage"] == "dossier" and moved.json["version"] > body["version"]
    entry = moved.json["entry"]
    assert entry["act"] == "transfer_branch" and entry["reason"] == "Chuyển nơi cư trú"
    assert (entry["data"]["from_branch_id"], entry["data"]["to_branch_id"]) == (world.branch_a1.id, world.branch_a2.id)
    assert fresh(case.id).branch_id == world.branch_a2.id and count_events(case.id) == events + 1
    log = load_log(case.id)
    assert log[-1].hash == entry["hash"] and verify_chain(log) is None
    # Back to its first branch with the version read before: stale.
    stale = api.post(url, headers=bearer(secret), json=body | {"to_branch_id": world.branch_a1.id})
    assert stale.status_code == 409 and "thay đổi" in stale.json["message"]
    assert count_events(case.id) == events + 1


def test_a_destination_the_page_would_not_offer_is_refused(api, world, make_case):
    case = make_case("dossier")
    secret = token_for(world["com_a"])
    url = f"/api/v1/cases/{case.id}/transfer"
    events = count_events(case.id)
    # Another commune's branch, the case's own branch, a commune, no branch at all.
    for branch_id in (world.branch_b1.id, world.branch_a1.id, world.commune_a.id, HUGE):
        refused = api.post(url, headers=bearer(secret), json=transfer_body(case, world, to_branch_id=branch_id))
        assert refused.status_code == 422 and list(refused.json["errors"]["json"]) == ["to_branch_id"], branch_id
        assert "Chi bộ khối phố B1" not in refused.get_data(as_text=True)
    # The fields, and the act's own rule (before the case's last act) with its reasons.
    for field, value in (("effective_date", "x"), ("reason", ""), ("reason", "x" * 1001), ("colour", "red")):
        bad = api.post(url, headers=bearer(secret), json=transfer_body(case, world, **{field: value}))
        assert bad.status_code == 422 and list(bad.json["errors"]["json"]) == [field], field
    early = api.post(url, headers=bearer(secret), json=transfer_body(case, world, effective_date="2021-01-01"))
    assert early.status_code == 422 and early.json["reasons"]
    assert count_events(case.id) == events and fresh(case.id).branch_id == world.branch_a1.id


def test_a_finished_case_is_not_transferred(api, world, make_case):
    case = make_case("official")
    refused = api.post(f"/api/v1/cases/{case.id}/transfer", headers=bearer(token_for(world["board"]),
                                                                             **{"Accept-Language": "en"}),
                       json=transfer_body(case, world))
    assert refused.status_code == 409 and refused.json["message"].startswith("Only an open case can be transferred")


# --- voiding an act ---------------------------------------------------------------------------

def mistyped_vote(world, make_case):
    """A case waiting for its branch vote, then a vote with 51 official members typed for 15: it
    fails and sends the case back to nurturing (as tests/test_voiding.py)."""
    case = make_case("branch_vote")
    operations.record_act(case.id, "record_branch_vote", world["sec_a1"], date(2021, 12, 1), MISTYPED)
    return fresh(case.id), load_log(case.id)[-1].seq


def test_voiding_a_mistyped_vote_puts_the_case_back_as_the_page_does(api, world, make_case):
    case, seq = mistyped_vote(world, make_case)
    assert case.stage == "spotted"
    secret = token_for(world["sec_a1"])
    url = f"/api/v1/cases/{case.id}/log/{seq}/void"
    events = count_events(case.id)
    body = {"reason": "Gõ nhầm 51 thay vì 15 đảng viên chính thức", "confirmed": True, "version": case.version}
    unconfirmed = api.post(url, headers=bearer(secret), json=body | {"confirmed": False})
    assert unconfirmed.status_code == 422 and list(unconfirmed.json["errors"]["json"]) == ["confirmed"]
    stale = api.post(url, headers=bearer(secret), json=body | {"version": case.version - 1})
    assert stale.status_code == 409 and count_events(case.id) == events
    voided = api.post(url, headers=bearer(secret), json=body)
    assert voided.status_code == 201, voided.json
    assert voided.json["stage"] == "branch_vote" and voided.json["version"] > body["version"]
    entry = voided.json["entry"]
    assert (entry["act"], entry["data"]["voids_seq"], entry["from_stage"], entry["to_stage"]) == (
        "void_act", seq, "spotted", "branch_vote")
    assert fresh(case.id).stage == "branch_vote" and count_events(case.id) == events + 1
    log = api.get(f"/api/v1/cases/{case.id}/log", headers=bearer(token_for(world["com_a"]))).json
    assert [row["voided"] for row in log if row["seq"] == seq] == [True] and log[-1]["hash"] == entry["hash"]
    # Once more: voided already, with the reason why.
    again = api.post(url, headers=bearer(secret, **{"Accept-Language": "en"}),
                     json=body | {"version": voided.json["version"]})
    assert again.status_code == 422 and again.json["message"] == "This act cannot be voided:"
    assert again.json["reasons"] == [f"Act no. {seq} has been voided already."]
    assert count_events(case.id) == events + 1


def test_what_cannot_be_voided_says_why_and_a_seq_not_in_the_log_is_not_found(api, world, make_case):
    case = make_case("decision")
    review = next(row for row in load_log(case.id) if row.act == "record_committee_review")
    secret = token_for(world["sec_a1"])
    body = {"reason": "nhầm", "confirmed": True, "version": case.version}
    events = count_events(case.id)
    theirs = api.post(f"/api/v1/cases/{case.id}/log/{review.seq}/void",
                      headers=bearer(secret, **{"Accept-Language": "en"}), json=body)
    assert theirs.status_code == 422 and theirs.json["reasons"] == [
        "Only the person who recorded the act, or a committee above the branch, may void it."]
    spotting = api.post(f"/api/v1/cases/{case.id}/log/1/void", headers=bearer(secret), json=body)
    assert spotting.status_code == 422 and len(spotting.json["reasons"]) == 1
    for seq in (events + 1, 10**6 + 1, 10**12):
        assert api.post(f"/api/v1/cases/{case.id}/log/{seq}/void", headers=bearer(secret),
                        json=body).status_code == 404
    assert api.post(f"/api/v1/cases/{case.id}/log/1/void", headers=bearer(secret),
                    json=body | {"colour": "red"}).status_code == 422
    assert count_events(case.id) == events


# --- a correction -----------------------------------------------------------------------------

def correction_body(seq, version, **changes):
    return {"corrects_seq": seq, "what": "Votes for", "corrected_value": "24", "effective_date": "2022-01-05",
            "reason": "Biên bản ghi 24 phiếu tán thành, không phải 25", "version": version} | changes


def test_a_secretary_corrects_the_branch_vote_as_the_page_does(api, world, make_case):
    case = make_case("committee_review")
    before = load_log(case.id)
    vote = next(row.seq for row in before if row.act == "record_branch_vote")
    secret = token_for(world["sec_a1"])
    url = f"/api/v1/cases/{case.id}/corrections"
    version = case.version
    stale = api.post(url, headers=bearer(secret), json=correction_body(vote, version - 1))
    assert stale.status_code == 409
    done = api.post(url, headers=bearer(secret), json=correction_body(vote, version))
    assert done.status_code == 201, done.json
    assert done.json["stage"] == "committee_review" and done.json["version"] > version
    after = load_log(case.id)
    # The corrected entry is as it was; the correction is one more, chained.
    assert [(row.hash, row.data) for row in after[:-1]] == [(row.hash, row.data) for row in before]
    correction = after[-1]
    assert correction.hash == done.json["entry"]["hash"] and verify_chain(after) is None
    assert (correction.act, correction.seq, correction.data["corrects_seq"], correction.data["corrects_event"]) == (
        "record_correction", len(before) + 1, vote, "record_branch_vote")
    assert (correction.data["what"], correction.data["corrected_value"], correction.effective_date) == (
        "Votes for", "24", date(2022, 1, 5))
    # A correction is not corrected; a seq not in the log is no choice either.
    for seq in (correction.seq, 999):
        refused = api.post(url, headers=bearer(secret), json=correction_body(seq, done.json["version"]))
        assert refused.status_code == 422 and list(refused.json["errors"]["json"]) == ["corrects_seq"], seq
    for field, value in (("reason", "abc"), ("what", ""), ("what", "x" * 201), ("effective_date", "2099-01-01")):
        body = correction_body(vote, done.json["version"], **{field: value})
        refused = api.post(url, headers=bearer(secret), json=body)
        assert refused.status_code == 422 and list(refused.json["errors"]["json"]) == [field], field
    assert count_events(case.id) == len(after)


def test_a_correction_after_the_case_closed_keeps_its_stage(api, world, make_case):
    case = make_case("official")
    done = api.post(f"/api/v1/cases/{case.id}/corrections", headers=bearer(token_for(world["board"])),
                    json=correction_body(2, case.version))
    assert done.status_code == 201 and done.json["stage"] == "official" == fresh(case.id).stage


# --- who may: every role's token, read-only and read-write, inside and outside ---------------------

ENDPOINTS = ("open_case", "add_case_note", "transfer", "void", "correct")


def matrix_calls(world, places):
    """(endpoint, url, body, expected status per role for a read-write token inside, outside) for
    each place. The bodies pass the schema but are refused after the gates (a form's field, a
    stale version, a plan's reasons), so that no call of the matrix writes."""
    for place, ids in places.items():
        case = f"/api/v1/cases/{ids['case']}"
        new_case = PARTICULARS | {"branch_id": ids["unit"], "date_of_birth": "2023-01-01"}  # born after spotted
        yield place, "open_case", "/api/v1/cases", new_case, {
            "sec": 422, "com": 422, "board": 403, "admin": 403}, {"sec": 422, "com": 422, "board": 403, "admin": 403}
        yield place, "add_case_note", f"{case}/notes", {"note": " "}, dict.fromkeys(ROLES, 422), \
            dict.fromkeys(ROLES, 404)
        transfer = {"to_branch_id": world.branch_a2.id, "effective_date": "2025-03-01", "reason": "Chuyển nơi cư trú",
                    "version": HUGE}
        yield place, "transfer", f"{case}/transfer", transfer, {
            "sec": 403, "com": 409, "board": 409, "admin": 403}, dict.fromkeys(ROLES, 404)
        # The spotting is never voided (422 with the reason); an administrator voids nothing
        # anywhere, refused before the case is looked for, as on the page.
        yield place, "void", f"{case}/log/1/void", {"reason": "nhầm", "confirmed": True, "version": HUGE}, {
            "sec": 422, "com": 422, "board": 422, "admin": 403}, {"sec": 404, "com": 404, "board": 404, "admin": 403}
        yield place, "correct", f"{case}/corrections", correction_body(1, HUGE), {
            "sec": 409, "com": 409, "board": 409, "admin": 403}, {"sec": 404, "com": 404, "board": 404, "admin": 403}


def test_every_role_and_token_against_the_facts(app, world):
    places = api_places(world)
    api = app.test_client()
    tokens = {(who, write): token_for(world[username], may_write=write, name=f"{who}-{write}")
              for who, username in ROLES.items() for write in (False, True)}
    before = snapshot()
    problems, seen = [], set()
    for place, endpoint, url, body, inside, outside in matrix_calls(world, places):
        seen.add(endpoint)
        for who in ROLES:
            read_only = api.post(url, headers=bearer(tokens[who, False]), json=body)
            if read_only.status_code != 403:
                problems.append(f"{endpoint} {who} {place} read-only: {read_only.status_code}")
            response = api.post(url, headers=bearer(tokens[who, True]), json=body)
            expected = (inside if who in WHERE[place] else outside)[who]
            if response.status_code != expected:
                problems.append(f"{endpoint} {who} {place}: {response.status_code} != {expected} {response.json}")
            if who not in WHERE[place] and f"Người {place}" in response.get_data(as_text=True):
                problems.append(f"{endpoint} {who} {place}: shows the outside case")
            if endpoint == "open_case" and expected == 422:
                # Inside: only the form's own rule; outside: the branch is refused as no choice.
                named = set(response.json["errors"]["json"])
                wanted = {"date_of_birth"} | (set() if who in WHERE[place] else {"branch_id"})
                if named != wanted:
                    problems.append(f"{endpoint} {who} {place}: names {named} != {wanted}")
    assert snapshot() == before
    assert not problems, "\n".join([f"{len(problems)} problems:"] + problems)
    assert seen == set(ENDPOINTS)
