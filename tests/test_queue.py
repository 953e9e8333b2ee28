"""What waits for each role (issue 15, "Each role sees what waits for it"): the queue page, its
rows on the home page and the count in the menu, derived from the workflow's table."""
import re
from datetime import date

import pytest

from conftest import ACTS_WITHIN, record_documents
from pages_support import Pages
from queue_support import tree
from pipeline.transaction import one_transaction
from pipeline.workflow import operations


@pytest.fixture
def client(app):
    """The test client, each request fresh as a real one (pages_support.Pages)."""
    return Pages(app.test_client())


@pytest.fixture
def login(client):
    """Sign in, in English."""
    return client.login


def page(client, url="/queue/"):
    response = client.get(url)
    assert response.status_code == 200
    return tree(response.data)


def rows(soup):
    """case id -> act name of the rows waiting for the user (the first list of the page)."""
    found = soup.find(cls="queue-rows")
    if found is None or found.inside("queue-others"):
        return {}
    return {int(li["data-case"]): li["data-act"] for li in found.find_all(cls="queue-row")}


def others(soup):
    section = soup.by_id("queue-others")
    return {} if section is None else {int(li["data-case"]): li["data-act"] for li in section.find_all(cls="queue-row")}


def menu_count(soup):
    return int(soup.by_id("queue-count").get_text(strip=True))


def test_the_committee_sees_the_two_cases_waiting_for_its_review_and_not_another_committees(
        client, login, world, make_case):
    first = make_case("committee_review", branch=world.branch_a1).id
    second = make_case("committee_review", branch=world.branch_a2, full_name="Lê Thị Hoa").id
    elsewhere = make_case("committee_review", branch=world.branch_b1, full_name="Trần Văn Xa").id
    make_case("branch_vote", branch=world.branch_a1, full_name="Ngô Văn Chờ")  # the branch's act
    login("com_a")
    soup = page(client)
    assert rows(soup) == {first: "record_committee_review", second: "record_committee_review"}
    assert menu_count(soup) == 2 and soup.select_one("#queue-total").get_text(strip=True) == "2"
    links = [a["href"] for a in soup.select(".queue-act")]
    assert f"/candidates/{first}/act/record_committee_review" in links
    assert "Trần Văn Xa" not in soup.get_text()
    # The home page lists them too, above the deadlines, with the same count.
    home = page(client, "/")
    assert set(int(li["data-case"]) for li in home.select("#home-queue .queue-row")) == {first, second}
    assert home.select_one("#home-queue-count").get_text(strip=True) == "2" and menu_count(home) == 2

    client.post("/logout")
    login("com_b")
    soup = page(client)
    assert rows(soup) == {elsewhere: "record_committee_review"} and menu_count(soup) == 1
    assert "Lê Thị Hoa" not in soup.get_text()


def test_several_cases_waiting_for_the_review_link_to_the_bulk_page(client, login, world, make_case):
    make_case("committee_review", branch=world.branch_a1)
    make_case("committee_review", branch=world.branch_a2, full_name="Lê Thị Hoa")
    login("com_a")
    link = page(client).select_one('#queue-bulk .bulk-link[data-act="record_committee_review"]')
    assert link["href"] == f"/bulk/{world.commune_a.id}/committee-review"


def test_a_secretary_sees_the_next_act_of_each_case_of_the_branch(client, login, world, make_case):
    spotted = make_case("spotted").id
    dossier = make_case("dossier", full_name="Lê Thị Hồ Sơ").id
    review = make_case("committee_review", full_name="Trần Văn Xét").id
    decision = make_case("decision", full_name="Đỗ Văn Quyết").id
    make_case("dossier", branch=world.branch_a2, full_name="Ở Trường Khác")
    login("sec_a1")
    soup = page(client)
    assert rows(soup) == {spotted: "enrol_training", dossier: "complete_dossier"}
    assert menu_count(soup) == 2
    assert others(soup) == {review: "record_committee_review", decision: "record_decision"}
    text = soup.select_one("#queue-others").get_text(" ", strip=True)
    assert "Recorded by: Grassroots committee" in text and "Recorded by the unit that decides admissions" in text
    assert "Ở Trường Khác" not in soup.get_text()
    # The dossier without its documents is blocked, with what it lacks.
    row = soup.select_one(f'.queue-row[data-case="{dossier}"]')
    assert row.select_one(".badge-blocked") and "1-KNĐ" in row.select_one(".queue-reasons").get_text()
    assert soup.select_one(f'.queue-row[data-case="{spotted}"] .badge-blocked') is None


def test_decisions_wait_for_the_nearest_unit_with_the_power_to_decide(client, login, world, make_case):
    in_a = make_case("decision", branch=world.branch_a1).id
    in_b = make_case("decision", branch=world.branch_b1, full_name="Trần Văn Xa").id
    login("board")
    assert rows(page(client)) == {in_a: "record_decision", in_b: "record_decision"}
    client.post("/logout")
    login("com_a")
    assert rows(page(client)) == {}
    # Once commune A decides admissions itself, its decisions wait for it, not for the board.
    with one_transaction():
        world.commune_a.decides_admissions = True
    soup = page(client)
    assert rows(soup) == {in_a: "record_decision"} and menu_count(soup) == 1
    client.post("/logout")
    login("board")
    assert rows(page(client)) == {in_b: "record_decision"}


def test_recognition_acts_follow_one_another_within_probation(app, client, login, world, make_case):
    case = make_case("probation")
    login("sec_a1")
    assert rows(page(client)) == {case.id: "record_recognition_vote"}
    record_documents(world, case.id, "record_recognition_vote")
    name, _who, day, data = ACTS_WITHIN["probation"][0]
    operations.record_act(case.id, name, world["sec_a1"], day, data)
    soup = page(client)
    assert rows(soup) == {} and others(soup) == {case.id: "record_recognition_review"}
    client.post("/logout")
    login("com_a")
    assert rows(page(client)) == {case.id: "record_recognition_review"}
    name, _who, day, data = ACTS_WITHIN["probation"][1]
    operations.record_act(case.id, name, world["com_a"], day, data)
    assert rows(page(client)) == {}
    client.post("/logout")
    login("board")
    assert rows(page(client)) == {case.id: "recognise_official"}


def test_a_failed_recognition_vote_is_due_again(client, login, world, make_case):
    case = make_case("probation")
    record_documents(world, case.id, "record_recognition_vote")
    name, _who, day, data = ACTS_WITHIN["probation"][0]
    operations.record_act(case.id, name, world["sec_a1"], day, dict(data, votes_for=10))
    login("sec_a1")
    assert rows(page(client)) == {case.id: "record_recognition_vote"}


def test_a_voided_recognition_vote_is_due_again(client, login, world, make_case):
    from pipeline.workflow.voiding import void_act
    case = make_case("probation")
    record_documents(world, case.id, "record_recognition_vote")
    name, _who, day, data = ACTS_WITHIN["probation"][0]
    entry = operations.record_act(case.id, name, world["sec_a1"], day, data)
    void_act(case.id, world["sec_a1"], entry.seq, "nhập nhầm số đảng viên")
    login("sec_a1")
    assert rows(page(client)) == {case.id: "record_recognition_vote"}
    client.post("/logout")
    login("com_a")
    assert rows(page(client)) == {}


def test_probation_not_over_waits_for_nobody_yet(app, client, login, world, make_case):
    case = make_case("probation")  # the ceremony on 10/02/2022
    app.config["TODAY"] = date(2022, 6, 1)
    login("sec_a1")
    soup = page(client)
    assert rows(soup) == {} and menu_count(soup) == 0
    assert others(soup) == {case.id: "record_recognition_vote"}
    assert "10/02/2023" in soup.select_one(f'.queue-row[data-case="{case.id}"] .badge-not-yet').get_text()


def test_overdue_rows_say_so(app, client, login, world, make_case):
    case = make_case("decision")  # the branch resolution of 01/12/2021: 60 working days
    login("board")
    row = page(client).select_one(f'.queue-row[data-case="{case.id}"]')
    assert row.select_one(".badge-overdue") is not None and "queue-overdue" in row["class"]


def test_oldest_in_its_stage_first(client, login, world, make_case):
    dossier = make_case("dossier", full_name="Vào Hồ Sơ 15/09/2021").id
    spotted = make_case("spotted", full_name="Phát Hiện 01/06/2021").id
    login("sec_a1")
    order = [int(li["data-case"]) for li in page(client).select(".queue-rows")[0].select(".queue-row")]
    assert order == [spotted, dossier]


def test_the_admin_has_no_queue_in_the_menu(client, login, world):
    login("admin")
    soup = page(client, "/")
    assert soup.by_id("queue-count") is None and soup.select_one("#home-queue") is None
    assert "Nothing is waiting for you." in page(client).get_text()


@pytest.mark.parametrize("who", ["com_a", "sec_a1", "board"])
def test_statements_stay_the_same_when_the_cases_double(client, login, world, make_case, count_statements, who):
    def make_batch(n):
        for i in range(n):
            make_case("committee_review", branch=world.branch_a1, full_name=f"Người Xét {n}{i}")
            make_case("dossier", branch=world.branch_a1, full_name=f"Người Hồ Sơ {n}{i}")
            make_case("decision", branch=world.branch_a2, full_name=f"Người Quyết {n}{i}")
            make_case("probation", branch=world.branch_a1, full_name=f"Người Dự Bị {n}{i}")
            make_case("training", branch=world.branch_a1, full_name=f"Người Học {n}{i}")

    login(who)
    make_batch(2)
    counts = []
    for _round in range(2):
        client.get("/queue/")  # warm: the session's first reads
        with count_statements() as queue_page:
            soup = page(client)
        with count_statements() as home_page:
            page(client, "/")
        counts.append((queue_page.count, home_page.count, menu_count(soup), len(soup.select(".queue-row"))))
        make_batch(2)
    (first_queue, first_home, first_count, first_rows), (queue, home, count, shown) = counts
    assert (queue, home) == (first_queue, first_home)
    assert count == 2 * first_count and shown == 2 * first_rows and first_count > 0


def test_other_pages_ask_for_the_count_once_loaded(client, login, world, make_case, count_statements):
    for i in range(3):
        make_case("committee_review", branch=world.branch_a1, full_name=f"Người {i}")
    login("com_a")
    badge = page(client, "/candidates/").by_id("queue-count")
    assert badge.get_text(strip=True) == "" and badge["hx-get"] == "/queue/count"
    client.get("/queue/count")
    with count_statements() as counter:
        answer = tree(client.get("/queue/count").data)
    assert answer.by_id("queue-count").get_text(strip=True) == "3"
    assert counter.count <= 2  # the user, the count


def test_the_count_matches_the_rows_over_pages(client, login, world, make_case):
    for i in range(3):
        make_case("committee_review", branch=world.branch_a1, full_name=f"Người {i}")
    login("com_a")
    soup = page(client, "/queue/?per_page=2")
    assert menu_count(soup) == 3 and len(soup.select(".queue-row")) == 2
    assert len(page(client, "/queue/?per_page=2&page=2").select(".queue-row")) == 1


def test_names_are_escaped(client, login, world, make_case):
    make_case("committee_review", full_name="<b>Lê</b> Văn")
    login("com_a")
    response = client.get("/queue/")
    assert b"<b>L" not in response.data and b"&lt;b&gt;L" in response.data


def test_the_vietnamese_page(client, login, world, make_case):
    make_case("committee_review")
    login("com_a")
    soup = page(client, "/queue/?lang=vi")
    assert "Việc chờ tôi" in soup.select_one("#queue-link").get_text()
    assert "Ghi nhận kết quả đảng ủy cơ sở xét" in soup.select_one(".queue-act").get_text(), soup.select_one(".queue-act")


def test_the_home_page_shows_the_first_rows_and_links_to_all(client, login, world, make_case):
    from pipeline.dashboard.views import HOME_WAITING
    for i in range(HOME_WAITING + 2):
        make_case("committee_review", branch=world.branch_a1, full_name=f"Người Xét {i}")
    login("com_a")
    home = page(client, "/")
    assert len(home.select("#home-queue .queue-row")) == HOME_WAITING
    assert home.select_one("#home-queue-count").get_text(strip=True) == str(HOME_WAITING + 2)
    assert menu_count(home) == HOME_WAITING + 2
    link = home.select_one("#home-queue-all")
    assert link["href"] == "/queue/" and str(HOME_WAITING + 2) in link.get_text()
    everything = page(client, link["href"])
    assert len(rows(everything)) == HOME_WAITING + 2
    # The home page's rows are the first of the queue, in its order.
    first = [li["data-case"] for li in everything.select(".queue-rows")[0].select(".queue-row")][:HOME_WAITING]
    assert [li["data-case"] for li in home.select("#home-queue .queue-row")] == first


def test_a_page_past_the_end_of_the_queue_is_not_found(client, login, world, make_case):
    for i in range(3):
        make_case("committee_review", branch=world.branch_a1, full_name=f"Người {i}")
    login("com_a")
    assert client.get("/queue/?per_page=2&page=3").status_code == 404
    client.post("/logout")
    login("sec_b1")  # nothing waits: the first page, empty, says so
    soup = page(client)
    assert soup.by_id("queue-empty") is not None and soup.select_one("#queue-total").get_text(strip=True) == "0"


def _probation_at_each_step(world, make_case, label):
    """Six cases in probation past their year (the clock is after it): two waiting for the
    recognition vote (the secretary), two for the review (the committee), two for the recognition
    (the board: commune A does not decide admissions)."""
    who = {"sec": world["sec_a1"], "com": world["com_a"]}
    for i in range(6):
        case = make_case("probation", branch=world.branch_a1, full_name=f"Người Dự Bị {label}{i}")
        for name, role, day, data in ACTS_WITHIN["probation"][:i // 2]:
            record_documents(world, case.id, name)
            operations.record_act(case.id, name, who[role], day, data)


@pytest.mark.parametrize("who", ["sec_a1", "com_a", "board"])
def test_the_count_is_one_statement_whatever_the_cases_in_probation(client, login, world, make_case,
                                                                     count_statements, who):
    """The menu's count, the home page and the queue page: the same statements with twice the cases
    in probation, at each step of its chain; the count follows the cases."""
    act = {"sec_a1": "record_recognition_vote", "com_a": "record_recognition_review", "board": "recognise_official"}[who]
    login(who)
    before = menu_count(page(client))
    counts, shown = [], []
    for round_ in (1, 2):
        _probation_at_each_step(world, make_case, round_)
        client.get("/queue/count")  # warm: the session's first reads
        with count_statements() as badge:
            answer = tree(client.get("/queue/count").data)
        with count_statements() as home:
            page(client, "/")
        with count_statements() as queue:
            soup = page(client)
        counts.append((badge.count, home.count, queue.count))
        assert int(answer.by_id("queue-count").get_text(strip=True)) == before + 2 * round_
        assert menu_count(soup) == before + 2 * round_
        shown.append(list(rows(soup).values()).count(act))
    assert shown[1] == shown[0] + 2  # the two new cases at the role's step of the chain
    # The user, the units below that decide admissions (for the board, who records decisions), the count.
    assert counts[0] == counts[1] and counts[0][0] == (3 if who == "board" else 2)


def test_the_chain_index_names_every_act_of_a_chain(app):
    """Migration 0019's partial index holds the entries the queue's join reads: a workflow whose
    chains change needs a migration that changes its condition."""
    import sqlalchemy as sa
    from pipeline.extensions import db
    from pipeline.queue.waiting import CHAIN_ACTS
    if db.engine.dialect.name == "postgresql":
        query = "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_case_event_chain'"
    else:
        query = "SELECT sql FROM sqlite_master WHERE name = 'ix_case_event_chain'"
    definition = db.session.scalar(sa.text(query))
    assert definition and CHAIN_ACTS
    named = set(re.findall(r"'([a-z_]+)'", definition))
    assert named == set(CHAIN_ACTS)
