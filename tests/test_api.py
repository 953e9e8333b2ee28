"""The JSON API as a program uses it: a token made on the account page, the reads of a case, an
act recorded with the version read, and each way a call is refused (a revoked, expired,
read-only or disabled user's token, a stale version, a bad body, too many calls)."""
import re
from datetime import timedelta

import sqlalchemy as sa

from api_support import bearer, body_of, token_for
from figures_support import admitted_2022, direct_actors  # noqa: F401  (fixtures)
from pages_support import pages  # noqa: F401  (a fixture)
from conftest import count_events
from pipeline.accounts.models import AccountChange
from pipeline.api.models import ApiToken
from pipeline.base.clock import utc_now
from pipeline.extensions import db
from pipeline.readlog.models import ReadLog
from pipeline.transaction import one_transaction
from pipeline.workflow.log import load_log

TOKEN = re.compile(r'id="new-token-value">(knp_[A-Za-z0-9_-]+)<')


def test_a_token_made_on_the_account_page_is_shown_once_and_acts_as_its_user(app, client, login, world, make_case):
    mine, theirs = make_case(), make_case(branch=world.branch_b1, full_name="Ngô Thị Khác")
    login("sec_a1")
    page = client.post("/account/tokens", data={"name": "Bảng tin tỉnh", "expires_on": "2099-01-01",
                                                "access": "read"}).get_data(as_text=True)
    assert "tối đa một năm" in page  # 2099 is refused beside its field
    made = client.post("/account/tokens", data={"name": "Bảng tin tỉnh", "expires_on": _in_days(30),
                                                "access": "read"}, follow_redirects=True)
    secret = TOKEN.search(made.get_data(as_text=True)).group(1)
    listed = client.get("/account/tokens").get_data(as_text=True)  # shown once
    assert secret not in listed and secret[:12] in listed and "Bảng tin tỉnh" in listed
    assert db.session.execute(sa.select(ApiToken.digest)).scalar_one() != secret  # only its hash is kept
    assert db.session.execute(sa.select(AccountChange.action).order_by(AccountChange.id.desc())).first()[0] == \
        "token_created"

    api = app.test_client()  # a program: no session
    me = api.get("/api/v1/me", headers=bearer(secret)).json
    assert (me["username"], me["role"], me["token_may_write"]) == ("sec_a1", "secretary", False)
    listed = api.get("/api/v1/cases", headers=bearer(secret)).json
    assert [case["id"] for case in listed["items"]] == [mine.id]
    assert api.get(f"/api/v1/cases/{theirs.id}", headers=bearer(secret)).status_code == 404
    one = api.get(f"/api/v1/cases/{mine.id}", headers=bearer(secret))
    assert one.status_code == 200 and one.json["full_name"] == "Phùng Tấn Thắng" and "Set-Cookie" not in one.headers
    read = db.session.execute(sa.select(ReadLog).order_by(ReadLog.id.desc())).scalars().first()
    assert (read.case_id, read.detail, read.user_id) == (mine.id, "API", world["sec_a1"].id)
    # A secretary reads the case's timeline on its page, not the audit log: as the audit page.
    assert api.get(f"/api/v1/cases/{mine.id}/log", headers=bearer(secret)).status_code == 403
    dossier = api.get(f"/api/v1/cases/{mine.id}/dossier", headers=bearer(secret)).json
    assert {"1-KNĐ", "2-KNĐ"} <= {line["key"] for line in dossier}


def _in_days(days):
    from pipeline.base import clock
    return (clock.today() + timedelta(days=days)).isoformat()


def test_revoked_expired_unknown_and_disabled_users_tokens_are_refused(app, client, login, world):
    api = app.test_client()
    secret = token_for(world["com_a"])
    assert api.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    for headers in ({}, bearer("knp_" + "x" * 43), {"Authorization": "Basic abc"}, bearer(secret + "x")):
        refused = api.get("/api/v1/me", headers=headers)
        assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
        assert "Authorization: Bearer" in refused.json["message"]
    # Expired: its day is over.
    with one_transaction():
        db.session.execute(sa.update(ApiToken).values(expires_at=utc_now() - timedelta(seconds=1)))
    assert api.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    # Revoked on the account page.
    other = token_for(world["com_a"], name="Second")
    login("com_a")
    token_id = db.session.execute(sa.select(ApiToken.id).where(ApiToken.name == "Second")).scalar_one()
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 302
    assert api.get("/api/v1/me", headers=bearer(other)).status_code == 401
    # Nobody revokes another's token.
    third = token_for(world["sec_a1"], name="Third")
    theirs = db.session.execute(sa.select(ApiToken.id).where(ApiToken.name == "Third")).scalar_one()
    assert client.post(f"/account/tokens/{theirs}/revoke").status_code == 404
    assert api.get("/api/v1/me", headers=bearer(third)).status_code == 200
    # A disabled account's tokens stop with it.
    from pipeline.accounts.operations import set_active
    set_active(world["admin"], world["sec_a1"], False, "Chuyển công tác")
    assert api.get("/api/v1/me", headers=bearer(third)).status_code == 401


def test_an_act_recorded_through_the_api_is_the_pages_act(app, world, make_case):
    case = make_case("branch_vote")
    api = app.test_client()
    secret = token_for(world["sec_a1"])
    read = api.get(f"/api/v1/cases/{case.id}", headers=bearer(secret)).json
    assert read["stage"] == "branch_vote" and "record_branch_vote" in [a["act"] for a in read["actions"]]
    before = count_events(case.id)
    recorded = api.post(f"/api/v1/cases/{case.id}/acts/record_branch_vote", headers=bearer(secret),
                        json=body_of("record_branch_vote", read["version"]))
    assert recorded.status_code == 201, recorded.json
    assert recorded.json["stage"] == "committee_review" and recorded.json["version"] > read["version"]
    assert recorded.json["entry"]["act"] == "record_branch_vote" and len(recorded.json["entry"]["hash"]) == 64
    assert count_events(case.id) == before + 1
    # The log the committee reads holds it, chained to the entry before.
    log = api.get(f"/api/v1/cases/{case.id}/log", headers=bearer(token_for(world["com_a"]))).json
    assert log[-1]["hash"] == recorded.json["entry"]["hash"] and log[-1]["prev_hash"] == log[-2]["hash"]
    # The same act again: the case moved on (409), nothing written.
    again = api.post(f"/api/v1/cases/{case.id}/acts/record_branch_vote", headers=bearer(secret),
                     json=body_of("record_branch_vote", read["version"]))
    assert again.status_code == 409 and count_events(case.id) == before + 1


def test_a_stale_version_a_bad_body_and_the_guards_are_refused_with_reasons(app, world, make_case):
    case = make_case("branch_vote")
    api = app.test_client()
    secret = token_for(world["sec_a1"])
    url = f"/api/v1/cases/{case.id}/acts/record_branch_vote"
    before = count_events(case.id)
    stale = api.post(url, headers=bearer(secret), json=body_of("record_branch_vote", case.version - 1))
    assert stale.status_code == 409 and "thay đổi" in stale.json["message"]
    wrong = api.post(url, headers=bearer(secret), json=body_of("record_branch_vote", case.version, votes_for="many",
                                                                  colour="red"))
    assert wrong.status_code == 422 and {"votes_for", "colour"} <= set(wrong.json["errors"]["json"])
    future = api.post(url, headers=bearer(secret), json=body_of("record_branch_vote", case.version,
                                                                   effective_date="2099-01-01"))
    assert future.status_code == 422 and "effective_date" in future.json["errors"]["json"]
    # More present than members: the form's own rule, in the language asked for.
    english = api.post(url, headers=bearer(secret, **{"Accept-Language": "en"}),
                       json=body_of("record_branch_vote", case.version, members_present=40))
    vietnamese = api.post(url, headers=bearer(secret, **{"Accept-Language": "vi"}),
                          json=body_of("record_branch_vote", case.version, members_present=40))
    assert english.status_code == vietnamese.status_code == 422
    assert english.json["message"] != vietnamese.json["message"]
    # A vote that fails is recorded only when confirmed.
    failing = body_of("record_branch_vote", case.version, votes_for=5, votes_against=22)
    unconfirmed = api.post(url, headers=bearer(secret, **{"Accept-Language": "en"}), json=failing)
    assert unconfirmed.status_code == 422 and "failure_confirmed" in unconfirmed.json["message"]
    assert count_events(case.id) == before
    confirmed = api.post(url, headers=bearer(secret), json=failing | {"failure_confirmed": True})
    assert confirmed.status_code == 201 and confirmed.json["stage"] != "committee_review"


def test_a_read_only_token_cannot_write_and_a_role_records_only_its_acts(app, world, make_case):
    case = make_case("branch_vote")
    api = app.test_client()
    url = f"/api/v1/cases/{case.id}/acts/record_branch_vote"
    read_only = api.post(url, headers=bearer(token_for(world["sec_a1"], may_write=False)),
                         json=body_of("record_branch_vote", case.version))
    assert read_only.status_code == 403 and "chỉ được đọc" in read_only.json["message"]  # Vietnamese by default
    board = api.post(url, headers=bearer(token_for(world["board"])), json=body_of("record_branch_vote", case.version))
    assert board.status_code == 403
    outside = api.post(url, headers=bearer(token_for(world["sec_b1"])), json=body_of("record_branch_vote", case.version))
    assert outside.status_code == 404
    assert count_events(case.id) == len(db.session.execute(sa.text(
        "SELECT 1 FROM case_event WHERE candidate_id = :id"), {"id": case.id}).all())
    assert db.session.get(type(case), case.id).stage == "branch_vote"


def test_cases_come_in_pages_that_neither_repeat_nor_skip(app, world, make_case):
    made = sorted(make_case(full_name=f"Nguyễn Văn {letter}").id for letter in "ABCDE")
    api = app.test_client()
    secret = token_for(world["com_a"])
    seen, after = [], None
    while True:
        page = api.get("/api/v1/cases", headers=bearer(secret), query_string={"limit": 2, "after": after} if after
                       else {"limit": 2}).json
        seen += [case["id"] for case in page["items"]]
        after = page["next_after"]
        if after is None:
            break
        make_case(full_name="Trần Văn Mới")  # added meanwhile: after the pages read, never before
    assert seen[:5] == made and len(seen) == len(set(seen))
    found = api.get("/api/v1/cases", headers=bearer(secret), query_string={"q": "nguyen van c"}).json["items"]
    assert [case["full_name"] for case in found] == ["Nguyễn Văn C"]
    assert api.get("/api/v1/cases", headers=bearer(secret), query_string={"unit": world.branch_b1.id}).status_code \
        == 404
    assert api.get("/api/v1/cases", headers=bearer(secret), query_string={"limit": 1000}).status_code == 422


def test_too_many_calls_with_one_token_wait_their_turn(app, world):
    app.config["API_RATE_LIMITS"] = "3 per minute"
    api = app.test_client()
    secret, other = token_for(world["sec_a1"]), token_for(world["sec_a1"], name="Other")
    statuses = [api.get("/api/v1/me", headers=bearer(secret)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = api.get("/api/v1/me", headers=bearer(secret))
    assert int(refused.headers["Retry-After"]) > 0
    assert api.get("/api/v1/me", headers=bearer(other)).status_code == 200  # per token


def test_a_logged_in_browser_is_no_api_client_and_the_document_is_public(app, client, login):
    login("sec_a1")
    assert client.get("/api/v1/me").status_code == 401
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"] == "3.1.0"
    assert {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule) for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/api/v1/") and rule.endpoint.startswith("api_")
            and rule.endpoint != "api_docs.docs"} == set(document["paths"])
    docs = client.get("/api/v1/docs").get_data(as_text=True)
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', docs):
        assert client.get(asset).status_code == 200, asset
    assert app.test_client().get("/api/v1/nowhere", headers=bearer("knp_x")).content_type == "application/json"


def test_a_branch_lists_its_stuck_cases_and_records_a_document(app, world, make_case):
    """What the README's example does."""
    from pipeline.base import clock
    stuck = make_case("dossier")  # entered its stage in 2021: longer than the rules expect
    api = app.test_client()
    secret = token_for(world["sec_a1"])
    listed = api.get("/api/v1/cases", headers=bearer(secret), query_string={"stuck": "true"}).json["items"]
    assert stuck.id in [case["id"] for case in listed]
    # A filter mistyped is refused by name, not dropped (which would list every case): found by
    # Schemathesis with a parameter named "Ⱥ".
    for mistyped in ({"stuk": "true"}, {"Ⱥ": "true", "stuck": "true"}):
        refused = api.get("/api/v1/cases", headers=bearer(secret), query_string=mistyped)
        assert refused.status_code == 422 and set(refused.json["errors"]["query"]) == set(mistyped) - {"stuck"}
    fresh_case = make_case()
    with one_transaction():
        db.session.execute(sa.update(type(fresh_case)).where(type(fresh_case).id == fresh_case.id)
                           .values(stage_entered_on=clock.today()))
    listed = api.get("/api/v1/cases", headers=bearer(secret), query_string={"stuck": "true"}).json["items"]
    assert fresh_case.id not in [case["id"] for case in listed]
    case = api.get(f"/api/v1/cases/{fresh_case.id}", headers=bearer(secret)).json
    before = count_events(fresh_case.id)
    recorded = api.post(f"/api/v1/cases/{fresh_case.id}/dossier/1-KNĐ", headers=bearer(secret),
                        json={"version": case["version"], "received": True, "received_on": "2021-09-20",
                              "note": "Bản gốc"})
    assert recorded.status_code == 201, recorded.json
    assert recorded.json["entry"]["act"] == "record_document" and count_events(fresh_case.id) == before + 1
    line = next(line for line in api.get(f"/api/v1/cases/{fresh_case.id}/dossier", headers=bearer(secret)).json
                if line["key"] == "1-KNĐ")
    assert line["received"] and line["received_on"] == "2021-09-20" and line["note"] == "Bản gốc"
    # A field of another kind of item (an introducer's) is refused by name; nothing written.
    foreign = api.post(f"/api/v1/cases/{fresh_case.id}/dossier/1-KNĐ", headers=bearer(secret),
                       json={"version": recorded.json["version"], "received": True, "introducer_name": "Lê Văn A"})
    assert foreign.status_code == 422 and "introducer_name" in foreign.json["errors"]["json"]
    assert api.post(f"/api/v1/cases/{fresh_case.id}/dossier/NO-SUCH", headers=bearer(secret),
                    json={"version": 1}).status_code == 404
    assert count_events(fresh_case.id) == before + 1


def test_the_quotas_and_the_matrix_are_the_pages_figures(app, admitted_2022, pages):
    from dashboard_support import matrix_cells
    world = admitted_2022
    api = app.test_client()
    secret = token_for(world["board"])
    quotas = api.get("/api/v1/quotas", headers=bearer(secret), query_string={"year": 2022}).json
    lines = {line["unit_name"]: line for line in quotas["children"]}
    assert quotas["unit"]["admitted"] == 5 and quotas["unit"]["target"] == {"minimum": 4, "maximum": 4}
    assert lines["Đảng bộ xã A"]["admitted"] == 3 and lines["Đảng bộ xã A"]["target"] == {"minimum": 1, "maximum": 2}
    assert api.get("/api/v1/quotas", headers=bearer(secret), query_string={"year": 2022, "until": "2023-01-01"}
                   ).status_code == 422
    report = api.get("/api/v1/report", headers=bearer(secret), query_string={"year": 2022}).json
    assert report["unit"] == quotas["unit"] and report["children"] == quotas["children"]
    assert report["classes"] == [] and report["as_of"] == "2022-12-31"  # the class was in 2021
    classes = api.get("/api/v1/report", headers=bearer(secret), query_string={"year": 2021}).json["classes"]
    assert [(line["name"], line["attendees"]) for line in classes] == [(world.CLASS_NAME, 8)]
    assert sum(report["admitted_by_branch_kind"].values()) == 5
    matrix = api.get("/api/v1/matrix", headers=bearer(secret), query_string={"unit": world.commune_a.id}).json
    pages.login("board")
    cells = matrix_cells(pages.get(f"/dashboard/?unit={world.commune_a.id}"))
    for row in matrix["rows"]:
        for cell in row["cells"]:
            assert cells[row["unit_id"], cell["stage"]] == (cell["count"], cell["stuck"], cell["overdue"])
    # Open in commune A: three in probation, one in training, one with its dossier.
    assert sum(cell["count"] for cell in matrix["totals"]["cells"]) == 5
    assert api.get("/api/v1/matrix", headers=bearer(token_for(world["com_b"])),
                   query_string={"unit": world.commune_a.id}).status_code == 404


def test_a_page_of_cases_costs_the_same_statements_whatever_its_length(app, world, make_case, count_statements):
    api = app.test_client()
    secret = token_for(world["com_a"])
    api.get("/api/v1/me", headers=bearer(secret))  # the token's last use is written once a minute at most

    def statements(path):
        with count_statements() as counter:
            assert api.get(path, headers=bearer(secret)).status_code == 200
        return counter.count
    make_case()
    one = statements("/api/v1/cases"), statements("/api/v1/units")
    for _ in range(4):
        make_case()
    assert (statements("/api/v1/cases"), statements("/api/v1/units")) == one
    assert one[0] <= 3  # the token with its user, the page
    # A case's log: the same statements for one entry and for ten (its read's commit once expired
    # every entry before they were written out).
    short, long = make_case("spotted"), make_case("probation")
    assert len(load_log(short.id)) == 1 and len(load_log(long.id)) >= 8
    assert statements(f"/api/v1/cases/{short.id}/log") == statements(f"/api/v1/cases/{long.id}/log")


def test_a_year_before_the_first_rulebook_has_its_report(app, world, pages):
    """Found by Schemathesis: the report of 2000 failed (no rulebook then, so no stage had an
    expected time); the page and the API show it, empty."""
    pages.login("board")
    assert pages.get("/reports/year?year=2000").status_code == 200
    report = app.test_client().get("/api/v1/report", headers=bearer(token_for(world["board"])),
                                   query_string={"year": 2000})
    assert report.status_code == 200 and report.json["unit"]["admitted"] == 0
