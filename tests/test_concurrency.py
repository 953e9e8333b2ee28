"""Two users acting on the same case at once: exactly one act is applied, every other one is told
the case changed under it, and exactly one log row results. The races run on PostgreSQL (row
locks across connections); the stale-form check runs on both databases."""
import threading
from datetime import date

import pytest
from sqlalchemy import select

from pipeline.accounts.models import User
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.workflow.log import verify_chain
from pipeline.base.errors import CaseChanged
from pipeline.workflow.log import load_log
from pipeline.workflow.operations import record_act
from conftest import count_events

pytestmark = [pytest.mark.usefixtures("english"), pytest.mark.real_database]

# (act name, date, data, reason)
def enrol(world):
    return ("enrol_training", date(2021, 9, 1), {"class_id": world.training_class.id}, "")


WITHDRAW = ("withdraw", date(2021, 9, 1), {}, "Quần chúng xin rút")
REFUSE = ("refuse_admission", date(2022, 1, 20), {}, "Chưa đủ tiêu chuẩn")


def decide(world):
    return ("record_decision", date(2022, 1, 20),
            {"decision_number": "123-QĐ/TU", "received_on": "2022-01-25", "issuing_unit_id": world.town.id}, "")


def race(app, case_id, acts):
    """Run each (username, (trigger, day, data, reason), expected_version) in its own thread with its own
    app context and database session, released together by a barrier. Returns what each saw."""
    db.session.rollback()  # the test's own session holds nothing while the threads act
    barrier = threading.Barrier(len(acts))
    outcomes = [None] * len(acts)

    def act(i, username, act_name, day, data, reason, expected_version):
        with app.app_context():
            try:
                actor = db.session.execute(select(User).where(User.username == username)).scalar_one()
                barrier.wait(timeout=20)
                record_act(case_id, act_name, actor, day, data, reason=reason, expected_version=expected_version)
                outcomes[i] = ("applied", act_name)
            except CaseChanged:
                outcomes[i] = ("changed", act_name)
            except Exception as error:  # reported in the assertion, not swallowed
                outcomes[i] = (f"{type(error).__name__}: {error}", act_name)

    threads = [threading.Thread(target=act, args=(i, username, *spec, version))
               for i, (username, spec, version) in enumerate(acts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck waiting for a lock"
    db.session.expire_all()
    return outcomes


@pytest.mark.postgres_only
@pytest.mark.parametrize("threads", [2, 10])
@pytest.mark.parametrize("with_version", [True, False], ids=["expected-version", "stage-recheck"])
def test_a_double_advance_applies_once(app, world, make_case, threads, with_version):
    case = make_case("spotted")
    version = case.version if with_version else None
    users = ["sec_a1", "com_a"]

    outcomes = race(app, case.id, [(users[i % 2], enrol(world), version) for i in range(threads)])

    assert sorted(o for o, _ in outcomes) == ["applied"] + ["changed"] * (threads - 1), outcomes
    case = db.session.get(Case, case.id)
    assert (case.stage, case.version) == ("training", 2)
    events = load_log(case.id)
    assert count_events(case.id) == 2
    assert [row.act for row in events] == ["spot", "enrol_training"]
    assert verify_chain(events) is None


@pytest.mark.postgres_only
@pytest.mark.parametrize("with_version", [True, False], ids=["expected-version", "stage-recheck"])
def test_a_decision_and_a_refusal_at_once_apply_only_one(app, world, make_case, with_version):
    """Neither act is possible after the other, so even without the version the later one is refused."""
    case = make_case("decision")
    version = case.version if with_version else None

    outcomes = race(app, case.id, [("board", decide(world), version), ("board", REFUSE, version)])

    assert sorted(o for o, _ in outcomes) == ["applied", "changed"], outcomes
    winner = next(act_name for outcome, act_name in outcomes if outcome == "applied")
    case = db.session.get(Case, case.id)
    assert case.stage == {"record_decision": "ceremony", "refuse_admission": "rejected"}[winner]
    events = load_log(case.id)
    assert [e.act for e in events if e.act != "record_document"][-2:] == ["record_committee_review", winner]
    assert len(events) == 13  # 7 acts and the dossier's 6 documents
    assert verify_chain(events) is None


@pytest.mark.postgres_only
def test_with_the_version_even_acts_that_could_follow_each_other_apply_once(app, world, make_case):
    """Withdrawing is possible from training too, but the user decided on the page they saw."""
    case = make_case("spotted")

    outcomes = race(app, case.id, [("sec_a1", enrol(world), case.version), ("com_a", WITHDRAW, case.version)])

    assert sorted(o for o, _ in outcomes) == ["applied", "changed"], outcomes
    winner = next(act_name for outcome, act_name in outcomes if outcome == "applied")
    assert [row.act for row in load_log(case.id)] == ["spot", winner]


def test_acting_from_a_stale_page_is_refused(world, make_case):
    """The second user submits a form loaded before the first user's act."""
    case = make_case("spotted")
    seen_version = case.version
    record_act(case.id, "enrol_training", world["sec_a1"], *enrol(world)[1:3], expected_version=seen_version)

    with pytest.raises(CaseChanged) as refused:
        record_act(case.id, "withdraw", world["com_a"], *WITHDRAW[1:3], reason=WITHDRAW[3],
                    expected_version=seen_version)

    assert "changed" in str(refused.value.reasons[0])
    db.session.expire_all()
    assert db.session.get(Case, case.id).stage == "training"
    assert count_events(case.id) == 2
