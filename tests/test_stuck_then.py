"""The stuck cases of a past day (pipeline.reports.stuck_then): read in SQL as the replay of each
case's log cut at the day would find them. `stuck_cases_replayed`, the replay itself, is the
oracle: the same cases, in the same order, with the same reasons (labels, last days, citations),
for cases judged by their projection (nothing recorded since the day), by the facts of their log
cut at the day (changed since), and in the pool by their time in the stage."""
from datetime import date

from conftest import FORWARD_ACTS, actor_for, record_documents, with_ids
from pipeline.dossier.operations import DocumentEntry, record_document
from pipeline.extensions import db
from pipeline.reports.stuck_then import (BRANCH_VOTE, CERTIFICATE, CEREMONY, DECISION, DOCUMENT, EXTENSIONS,
                                         RECOGNITION_VOTE, stuck_cases_on, stuck_cases_replayed)
from pipeline.workflow.definition import ACT_BY_NAME, ACTS
from pipeline.workflow.models import LogEntry
from pipeline.workflow.operations import record_act
from pipeline.workflow.stuck import OVERDUE, TOO_LONG, deadline_label
from pipeline.workflow.voiding import void_act

REPORTED = date(2022, 10, 31)  # the day the reports are made
DAYS = (date(2021, 12, 31), date(2022, 4, 1), date(2022, 10, 15))


def seen(found):
    """What the report shows of each stuck case, in its order."""
    total, cases = found
    return total, [(c.case_id, c.full_name, c.branch_id, c.branch_name, c.stage, c.stage_entered_on,
                    tuple((r.kind, str(r.label), r.since, r.due, r.citation) for r in c.reasons)) for c in cases]


def reasons_of(found, case):
    """case -> (kind, rule label) of its reasons, when listed."""
    listed = {c.case_id: c for c in found[1]}
    if case.id not in listed:
        return None
    return [(r.kind, str(r.label)) for r in listed[case.id].reasons]


def act(world, case, name, day, data=None):
    who = {"record_decision": "board", "record_committee_review": "com"}.get(name, "sec")
    return record_act(case.id, name, actor_for(world, who, case.branch), day, with_ids(world, name, data or {}))


def last_seq(case, name):
    return db.session.execute(db.select(db.func.max(LogEntry.seq)).where(LogEntry.case_id == case.id,
                                                                         LogEntry.act == name)).scalar_one()


def test_the_facts_read_are_those_the_act_table_records():
    """The acts the SQL reads each deadline's start from still record those fields."""
    def recording(field, passed=False):
        return {a.name for a in ACTS if field in (a.records_if_passed if passed else a.records)}
    assert recording("branch_resolution_date", passed=True) == {BRANCH_VOTE}
    assert recording("decision_received_on") == {DECISION}
    assert recording("ceremony_date") == {CEREMONY}
    assert recording("recognition_vote_date") == recording("recognition_vote_passed") == {RECOGNITION_VOTE}
    assert recording("certificate_date") == {CERTIFICATE}
    assert {a.name for a in ACTS if a.effect is not None and "extends" in a.effect.__qualname__} == set(EXTENSIONS)
    assert ACT_BY_NAME[DOCUMENT].effect.__name__ == "record_document"


def test_stuck_on_past_days_as_the_replay_finds_them(app, world, make_case, count_statements):
    app.config["TODAY"] = REPORTED
    # Decided on 20/01 (received 25/01), the ceremony only on 10/05: overdue on 01/04.
    late_ceremony = make_case("ceremony", full_name="Lễ Muộn")
    act(world, late_ceremony, "hold_ceremony", date(2022, 5, 10), FORWARD_ACTS["ceremony"][3])
    # In the dossier from 15/09/2021, complete only on 15/04/2022; its documents of September 2021
    # go stale in September 2022, and a document recorded on 31/10 changes it after 15/10.
    long_dossier = make_case("dossier", full_name="Hồ Sơ Lâu")
    record_documents(world, long_dossier.id, "complete_dossier")
    act(world, long_dossier, "complete_dossier", date(2022, 4, 15))
    record_document(long_dossier.id, actor_for(world, "sec", long_dossier.branch),
                    DocumentEntry("TTLL", received=True, received_on=date(2022, 10, 20),
                                  details={"verification_result": "clear"}))
    # Voted by the branch on 01/12/2021, the vote voided on 05/01/2022 (back in the branch vote
    # since the dossier's completion on 01/11/2021), voted again on 20/04/2022.
    revoted = make_case("committee_review", full_name="Bầu Lại")
    app.config["TODAY"] = date(2022, 1, 5)
    void_act(revoted.id, actor_for(world, "sec", revoted.branch), last_seq(revoted, "record_branch_vote"),
             "nhập nhầm biểu quyết")
    app.config["TODAY"] = REPORTED
    act(world, revoted, "record_branch_vote", date(2022, 4, 20), FORWARD_ACTS["branch_vote"][3])
    # Awaiting the decision since 20/12/2021, nothing recorded since: its projection says it.
    waiting = make_case("decision", full_name="Chờ Quyết Định")
    pool = make_case("spotted", full_name="Chưa Học Lớp")
    app.config["TODAY"] = REPORTED
    town = world.town
    assert town.path  # loaded before the statements are counted

    found = {}
    for day in DAYS:
        with count_statements() as statements:
            found[day] = stuck_cases_on(town, day)
        assert statements.count == 2, day  # the cases, the calendar
        assert seen(found[day]) == seen(stuck_cases_replayed(town, day)), day
        assert seen(stuck_cases_on(town, day, limit=2)) == (found[day][0], seen(found[day])[1][:2])

    # 31/12/2021: every stage entered too recently for a limit to have passed.
    assert found[DAYS[0]] == (0, [])

    april = found[date(2022, 4, 1)]
    ceremony = [(OVERDUE, str(deadline_label("ceremony", 30)))]
    assert reasons_of(april, late_ceremony) == ceremony
    assert [c.stage for c in april[1] if c.case_id == late_ceremony.id] == ["ceremony"]
    assert [kind for kind, _label in reasons_of(april, long_dossier)] == [TOO_LONG]
    assert [(c.stage, c.stage_entered_on) for c in april[1] if c.case_id == revoted.id] == [
        ("branch_vote", date(2021, 11, 1))]
    assert reasons_of(april, revoted)[0][0] == TOO_LONG
    decision = [(OVERDUE, str(deadline_label("decision", 60)))]
    assert reasons_of(april, waiting) == decision
    assert reasons_of(april, pool) is None
    assert april[0] == 4

    october = found[date(2022, 10, 15)]
    assert reasons_of(october, late_ceremony) is None  # in probation since 10/05
    assert [kind for kind, _label in reasons_of(october, long_dossier)] == [OVERDUE, TOO_LONG]
    assert reasons_of(october, long_dossier)[0][1] == str(deadline_label("dossier", 12))
    assert reasons_of(october, revoted) == decision  # the new resolution of 20/04
    assert reasons_of(october, waiting) == decision
    assert [kind for kind, _label in reasons_of(october, pool)] == [TOO_LONG]


def test_the_demo_on_past_days_as_the_replay_finds_it(app, demo):
    from test_report_as_of import SNAPSHOT, unit
    app.config["TODAY"] = SNAPSHOT
    for code in ("dienban", "dienhoa"):
        for day in (date(2021, 12, 31), date(2022, 6, 30), date(2022, 9, 30), date(2022, 10, 20)):
            fast = seen(stuck_cases_on(unit(code), day))
            assert fast == seen(stuck_cases_replayed(unit(code), day)), (code, day)
            if code == "dienban" and day == date(2022, 9, 30):
                assert fast[0] > 0
