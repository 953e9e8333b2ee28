"""The bulk acts and the import of cases in flight through the API, as a program uses them: what
the pages would show afterwards, each refused row named with why and nothing written, a stale
version, bad bodies, the import's preview and commit (another user's token refused), and the
access matrix of every endpoint (each role's token, read-only and read-write, a unit inside
and outside the scope: nothing written by a refused call)."""
import io
import os

import pytest
import sqlalchemy as sa

from api_support import ROLES, WHERE, api_places, bearer, snapshot, token_for
from conftest import count_events, fresh
from test_import_history import cases_named, full_row, history_csv
from pipeline.bulkacts.forms import MAX_ROWS
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.workflow.log import load_log

EN = {"Accept-Language": "en"}
REVIEW = {"effective_date": "2021-12-20", "committee_size": 15, "votes_for": 13, "votes_against": 0}
DECISION = {"effective_date": "2022-01-20", "received_on": "2022-01-25", "first_number": "123-QĐ/TU"}
CEREMONY = {"effective_date": "2022-02-10", "place": "Hội trường thôn", "confirmed": True}


def rows_of(*cases, **own):
    """One row per case with the version it has; `own`: "N_field" -> value on row N."""
    rows = [{"case_id": case.id, "version": case.version} for case in cases]
    for key, value in own.items():
        index, name = key.split("_", 1)
        rows[int(index)][name] = value
    return rows


def post(api, secret, unit, tail, body, **headers):
    return api.post(f"/api/v1/units/{unit.id}/{tail}", headers=bearer(secret, **headers), json=body)


def events(cases):
    return sum(count_events(case.id) for case in cases)


# --- all pass: what the pages show afterwards ------------------------------------------------------

def test_the_committee_reviews_several_cases_of_its_commune_as_the_page_does(app, world, make_case):
    cases = [make_case("committee_review", full_name="Lê Văn An"),
             make_case("committee_review", branch=world.branch_a2, full_name="Trần Thị Bình")]
    api, secret = app.test_client(), token_for(world["com_a"])
    rows = rows_of(*cases, **{"1_votes_for": 12, "1_resolution_number": "12-NQ/ĐU"})
    done = post(api, secret, world.commune_a, "committee-reviews", REVIEW | {"rows": rows})
    assert done.status_code == 201, done.json
    for row, sent, case, votes_for in zip(done.json["rows"], rows, cases, (13, 12)):
        after, entry = fresh(case.id), load_log(case.id)[-1]
        assert (row["case_id"], row["stage"], row["version"]) == (case.id, "decision", after.version)
        assert after.stage == "decision" and row["version"] > sent["version"]
        assert (entry.act, entry.data["passed"], entry.data["votes_for"], entry.data["committee_size"]) == (
            "record_committee_review", True, votes_for, 15)
        assert (row["seq"], row["hash"]) == (entry.seq, entry.hash) and entry.prev_hash == load_log(case.id)[-2].hash
    assert load_log(cases[1].id)[-1].data["resolution_number"] == "12-NQ/ĐU"
    # The candidate list the page links to afterwards shows them waiting for their decision.
    listed = api.get("/api/v1/cases", headers=bearer(secret),
                     query_string={"unit": world.commune_a.id, "stage": "decision"}).json["items"]
    assert sorted(case["id"] for case in listed) == sorted(case.id for case in cases)


def test_the_board_decides_several_cases_numbered_on_from_a_first_number(app, world, make_case):
    cases = [make_case("decision", full_name="Lê Văn An"), make_case("decision", full_name="Ngô Văn Cường"),
             make_case("decision", branch=world.branch_b1, full_name="Trần Thị Bình")]
    api = app.test_client()
    body = DECISION | {"issuing_unit_id": world.town.id, "rows": rows_of(*cases, **{"2_decision_number": "7-QĐ/TU"})}
    done = post(api, token_for(world["board"]), world.town, "decisions", body)
    assert done.status_code == 201, done.json
    assert [row["stage"] for row in done.json["rows"]] == ["ceremony"] * 3
    numbers = [load_log(case.id)[-1].data["decision_number"] for case in cases]
    assert numbers == ["123-QĐ/TU", "124-QĐ/TU", "7-QĐ/TU"]
    assert {load_log(case.id)[-1].data["issuing_unit_id"] for case in cases} == {world.town.id}
    # A committee whose commune does not decide admissions may not (403), even inside its scope.
    assert post(api, token_for(world["com_a"]), world.commune_a, "decisions", body).status_code == 403


def test_a_branch_holds_one_ceremony_for_several_candidates(app, world, make_case):
    from datetime import date
    cases = [make_case("ceremony", full_name=name) for name in ("Lê Văn An", "Trần Thị Bình")]
    api, secret = app.test_client(), token_for(world["sec_a1"])
    done = post(api, secret, world.branch_a1, "ceremony-day", CEREMONY | {"rows": rows_of(*cases)})
    assert done.status_code == 201, done.json
    for case in cases:
        after = fresh(case.id)
        assert (after.stage, after.stage_entered_on) == ("probation", date(2022, 2, 10))
        assert load_log(case.id)[-1].data["place"] == "Hội trường thôn"
    one = api.get(f"/api/v1/cases/{cases[0].id}", headers=bearer(secret)).json
    assert one["stage"] == "probation" and one["version"] == done.json["rows"][0]["version"]
    # Without the page's box ticked: refused by name, nothing written.
    other = make_case("ceremony", full_name="Ngô Văn Cường")
    unconfirmed = post(api, secret, world.branch_a1, "ceremony-day",
                       CEREMONY | {"confirmed": False, "rows": rows_of(other)}, **EN)
    assert unconfirmed.status_code == 422 and "confirmed" in unconfirmed.json["errors"]["json"]
    assert fresh(other.id).stage == "ceremony"


# --- refused rows: nothing written, each named with why -------------------------------------------

def test_one_refused_row_writes_nothing_and_is_named_with_its_reasons(app, world, make_case):
    ready = make_case("committee_review", full_name="Lê Văn An")
    not_yet = make_case("branch_vote", full_name="Trần Thị Bình")
    before = events([ready, not_yet])
    api, secret = app.test_client(), token_for(world["com_a"])
    refused = post(api, secret, world.commune_a, "committee-reviews", REVIEW | {"rows": rows_of(ready, not_yet)},
                   **EN)
    assert refused.status_code == 422 and refused.json["accepted"] == 1
    (row,) = refused.json["refusals"]
    assert (row["case_id"], row["name"], row["branch"], row["vote_fails"]) == (
        not_yet.id, "Trần Thị Bình", "Chi bộ thôn A1", False)
    assert row["reasons"] == ["The case is at the stage “Awaiting the branch vote”."]
    assert events([ready, not_yet]) == before and fresh(ready.id).stage == "committee_review"
    # The guards' own words, in Vietnamese by default: before the branch meeting of 01/12/2021.
    early = post(api, secret, world.commune_a, "committee-reviews",
                 REVIEW | {"effective_date": "2021-11-30", "rows": rows_of(ready)})
    assert early.status_code == 422 and "01/12/2021" in " ".join(early.json["refusals"][0]["reasons"])
    vietnamese = post(api, secret, world.commune_a, "committee-reviews", REVIEW | {"rows": rows_of(ready, not_yet)})
    assert vietnamese.json["refusals"][0]["reasons"] != row["reasons"]
    assert events([ready, not_yet]) == before


def test_a_failing_vote_is_recorded_only_when_its_row_confirms_it(app, world, make_case):
    case = make_case("committee_review", full_name="Lê Văn An")
    api, secret = app.test_client(), token_for(world["com_a"])
    before = count_events(case.id)
    failing = REVIEW | {"votes_for": 5, "votes_against": 10}
    refused = post(api, secret, world.commune_a, "committee-reviews", failing | {"rows": rows_of(case)}, **EN)
    assert refused.status_code == 422 and refused.json["refusals"][0]["vote_fails"] is True
    assert "failure_confirmed" in refused.json["message"] and count_events(case.id) == before
    confirmed = post(api, secret, world.commune_a, "committee-reviews",
                     failing | {"rows": rows_of(case, **{"0_failure_confirmed": True})})
    assert confirmed.status_code == 201
    assert confirmed.json["rows"][0]["stage"] == fresh(case.id).stage != "decision"
    assert load_log(case.id)[-1].data["passed"] is False


def test_a_case_outside_the_unit_or_the_scope_is_refused_without_its_name(app, world, make_case):
    mine = make_case("committee_review", full_name="Lê Văn An")
    other_branch = make_case("committee_review", branch=world.branch_a2, full_name="Đỗ Thị Bên")
    theirs = make_case("committee_review", branch=world.branch_b1, full_name="Phạm Thị Ngoài")
    cases = [mine, other_branch, theirs]
    before = events(cases)
    api = app.test_client()
    refused = post(api, token_for(world["com_a"]), world.branch_a1, "committee-reviews",
                   REVIEW | {"rows": rows_of(*cases)}, **EN)
    assert refused.status_code == 422 and refused.json["accepted"] == 1
    text = refused.get_data(as_text=True)
    assert "Đỗ Thị Bên" not in text and "Phạm Thị Ngoài" not in text and "Chi bộ khối phố B1" not in text
    by_case = {row["case_id"]: row for row in refused.json["refusals"]}
    assert by_case[other_branch.id]["reasons"] == ["The candidate belongs to another branch."]
    assert by_case[theirs.id]["reasons"] == ["No such case in your units."]
    assert all(row["name"] == row["branch"] == "" for row in by_case.values())
    assert events(cases) == before


def test_a_stale_version_is_a_409_and_writes_nothing(app, world, make_case):
    cases = [make_case("ceremony", full_name="Lê Văn An"), make_case("ceremony", full_name="Trần Thị Bình")]
    api, secret = app.test_client(), token_for(world["sec_a1"])
    before = events(cases)
    rows = rows_of(*cases, **{"1_version": cases[1].version - 1})
    stale = post(api, secret, world.branch_a1, "ceremony-day", CEREMONY | {"rows": rows})
    assert stale.status_code == 409 and "thay đổi" in stale.json["message"]
    assert events(cases) == before and fresh(cases[0].id).stage == "ceremony"


def test_bad_bodies_are_refused_naming_the_fields(app, world, make_case):
    case = make_case("committee_review")
    api, secret = app.test_client(), token_for(world["com_a"])
    before = count_events(case.id)

    def refused(body, unit=world.commune_a, tail="committee-reviews", who=secret, **headers):
        response = post(api, who, unit, tail, body, **headers)
        assert response.status_code == 422, response.json
        return response.json["errors"]["json"]
    assert {"colour", "committee_size"} <= set(refused({k: v for k, v in REVIEW.items() if k != "committee_size"}
                                                       | {"colour": "red", "rows": rows_of(case)}))
    assert "rows" in refused(REVIEW | {"rows": []})
    assert "rows" in refused(REVIEW | {"rows": [{"case_id": n, "version": 1} for n in range(1, MAX_ROWS + 2)]})
    assert "rows" in refused(REVIEW | {"rows": rows_of(case) * 2})  # the same case twice
    assert "0" in refused(REVIEW | {"rows": [{"case_id": case.id}]})["rows"]  # no version
    assert "effective_date" in refused(REVIEW | {"effective_date": "2099-01-01", "rows": rows_of(case)})
    # A row's own vote over the committee's size: the page's own check, by row, in the language asked.
    english = refused(REVIEW | {"rows": rows_of(case, **{"0_votes_for": 16})}, **EN)
    vietnamese = refused(REVIEW | {"rows": rows_of(case, **{"0_votes_for": 16})})
    assert list(english) == list(vietnamese) == ["rows.0.votes_for"] and english != vietnamese
    assert english["rows.0.votes_for"] == ["16 votes cast but only 15 could vote."]
    # The board may issue its own decisions only: another unit is not one of the choices.
    decision = make_case("decision")
    assert "issuing_unit_id" in refused(DECISION | {"issuing_unit_id": world.commune_a.id,
                                                    "rows": rows_of(decision)}, unit=world.town, tail="decisions",
                                        who=token_for(world["board"]))
    assert count_events(case.id) == before


# --- the import of cases in flight ----------------------------------------------------------------

def upload(api, secret, path, name=None, **headers):
    with open(path, "rb") as fh:
        return api.post("/api/v1/imports/cases", headers=bearer(secret, **headers),
                        data={"file": (fh, name or os.path.basename(path))}, content_type="multipart/form-data")


def commit(api, secret, token, **headers):
    return api.post("/api/v1/imports/cases/commit", headers=bearer(secret, **headers), json={"token": token})


def case_count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Case))


def test_an_import_is_previewed_then_committed_by_its_uploader_only(app, world, tmp_path):
    api = app.test_client()
    mine, admins = token_for(world["com_a"]), token_for(world["admin"])
    before = case_count()
    bad = history_csv(tmp_path / "cases.csv", [full_row(), full_row(full_name="Lê Thị Hoa", sex="Female",
                                                                    certificate_number="CN-102",
                                                                    dossier_complete_on="2021-09-01")])
    preview = upload(api, mine, bad, **EN)
    assert preview.status_code == 200, preview.json
    assert preview.json["token"] is None and preview.json["filename"] == "cases.csv" and preview.json["rows"] == 2
    (problem,) = preview.json["problems"]
    assert problem["row"] == 3 and "Dossier complete on 01/09/2021 cannot be recorded" in problem["message"]
    good = history_csv(tmp_path / "good.csv", [full_row()])
    preview = upload(api, mine, good, **EN)
    assert preview.status_code == 200 and preview.json["problems"] == []
    assert preview.json["stages"] == [{"stage": "probation", "label": "Probationary member", "count": 1}]
    token = preview.json["token"]
    assert case_count() == before and cases_named("Phùng Tấn Thắng") == []
    # Kept for its uploader only: another user's commit finds no such file (422, as the page).
    theirs = commit(api, admins, token, **EN)
    assert theirs.status_code == 422 and "upload it again" in theirs.json["message"]
    assert case_count() == before
    done = commit(api, mine, token)
    assert done.status_code == 201 and done.json["written"] == 1
    (case,) = cases_named("Phùng Tấn Thắng")
    assert done.json["case_ids"] == [case.id] and case.stage == "probation"
    listed = api.get("/api/v1/cases", headers=bearer(mine), query_string={"stage": "probation"}).json["items"]
    assert case.id in [item["id"] for item in listed]
    assert commit(api, mine, token).status_code == 422  # used: the copy is gone


def test_an_upload_the_page_refuses_is_refused_and_the_commit_needs_the_logs_key(app, world, tmp_path):
    api, secret = app.test_client(), token_for(world["com_a"])
    text = tmp_path / "cases.txt"
    text.write_text("Họ và tên\n", encoding="utf-8")
    refused = upload(api, secret, text, **EN)
    assert refused.status_code == 422 and refused.json["errors"]["files"]["file"] == [
        "Save the list as .xlsx or as CSV (UTF-8) to import it."]
    no_file = api.post("/api/v1/imports/cases", headers=bearer(secret), data={}, content_type="multipart/form-data")
    assert no_file.status_code == 422 and "file" in no_file.json["errors"]["files"]
    good = history_csv(tmp_path / "good.csv", [full_row()])
    for extra in ({"note": "x"}, {"other": (io.BytesIO(b"x"), "x.csv")}):
        with open(good, "rb") as fh:
            response = api.post("/api/v1/imports/cases", headers=bearer(secret), content_type="multipart/form-data",
                                data={"file": (fh, "good.csv")} | extra)
        assert response.status_code == 422 and set(response.json["errors"]["files"]) == set(extra)
    assert commit(api, secret, "not a token").status_code == 422
    token = upload(api, secret, good).json["token"]
    before = case_count()
    app.config["LOG_KEY"] = None
    missing = commit(api, secret, token, **EN)
    assert missing.status_code == 503 and "log key" in missing.json["message"] and case_count() == before


# --- the access matrix ------------------------------------------------------------------------------

BULK = {  # endpoint -> (address tail, the roles that may, a body for `place`)
    "api_bulk.committee_reviews": ("committee-reviews", ("com",), lambda ids, world: REVIEW),
    "api_bulk.decisions": ("decisions", ("board",), lambda ids, world: DECISION | {"issuing_unit_id": world.town.id}),
    "api_bulk.ceremony_day": ("ceremony-day", ("sec", "com"), lambda ids, world: CEREMONY),
}


def test_every_role_and_token_against_the_bulk_and_import_endpoints(app, world, tmp_path):
    places = api_places(world)
    api = app.test_client()
    tokens = {(who, write): token_for(world[username], may_write=write, name=f"{who}-{write}")
              for who, username in ROLES.items() for write in (False, True)}
    codes = {"a1": "branch_a1", "b1": "branch_b1", "other": "other_branch"}
    words = dict(zip(list(ROLES) + list(codes), ("An", "Bình", "Chi", "Dung", "Một", "Hai", "Ba")))  # names: letters only
    # A file of each user's own: the same content would be the same token (the file's hash).
    files = {(who, place): history_csv(tmp_path / f"{who}-{place}.csv", [
        full_row(full_name=f"Người nhập {words[who]} {words[place]}", branch_code=code)])
        for who in ROLES for place, code in codes.items()}
    before = snapshot()
    problems = []
    for endpoint, (tail, may, body_for) in BULK.items():
        for who in ROLES:
            for place, ids in places.items():
                # A body the schema accepts, with a version the case does not have: refused after the gates.
                body = body_for(ids, world) | {"rows": [{"case_id": ids["case"], "version": 2**31 - 1}]}
                url = f"/api/v1/units/{ids['unit']}/{tail}"
                if (status := api.post(url, headers=bearer(tokens[who, False]), json=body).status_code) != 403:
                    problems.append(f"{endpoint} {who} {place} read-only: {status}")
                response = api.post(url, headers=bearer(tokens[who, True]), json=body)
                expected = (404,) if who not in WHERE[place] else (409, 422) if who in may else (403,)
                if response.status_code not in expected:
                    problems.append(f"{endpoint} {who} {place}: {response.status_code} not in {expected}")
                if who not in WHERE[place] and f"Người {place}" in response.get_data(as_text=True):
                    problems.append(f"{endpoint} {who} {place}: shows the outside case")
    # The import: committees and administrators; a branch outside the scope is a problem of its row.
    kept = {}
    for who in ROLES:
        for place in codes:
            path = files[who, place]
            if (status := upload(api, tokens[who, False], path).status_code) != 403:
                problems.append(f"preview {who} {place} read-only: {status}")
            response = upload(api, tokens[who, True], path)
            if who not in ("com", "admin"):
                if response.status_code != 403:
                    problems.append(f"preview {who} {place}: {response.status_code}")
                continue
            inside = who in WHERE[place]
            if response.status_code != 200 or (response.json["token"] is not None) != inside:
                problems.append(f"preview {who} {place}: {response.status_code} {response.json}")
            if inside:
                kept[who] = response.json["token"]
    for who in ROLES:
        # Another user's token: the committee's for everyone but the committee, whose is the administrator's.
        token = kept["admin" if who == "com" else "com"]
        if (status := commit(api, tokens[who, False], token).status_code) != 403:
            problems.append(f"commit {who} read-only: {status}")
        expected = 422 if who in ("com", "admin") else 403
        if (status := commit(api, tokens[who, True], token).status_code) != expected:
            problems.append(f"commit {who}: {status} != {expected}")
    assert snapshot() == before
    assert not problems, "\n".join([f"{len(problems)} problems:"] + problems)


@pytest.mark.parametrize("endpoint", ["api_bulk.committee_reviews", "api_bulk.decisions", "api_bulk.ceremony_day",
                                      "api_imports.preview_cases", "api_imports.commit_cases"])
def test_each_endpoint_is_in_the_matrix_table(endpoint):
    from test_api_access import TESTED_ELSEWHERE
    assert TESTED_ELSEWHERE[endpoint].endswith("test_every_role_and_token_against_the_bulk_and_import_endpoints")
