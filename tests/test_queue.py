"""What waits for each role (issue 15, "Each role sees what waits for it"): the queue page, its
rows on the home page and the count in the menu, derived from the workflow's table."""
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
