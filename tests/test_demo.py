"""The demo reproduces the Điện Bàn 2022 article (DOMAIN.md §5), counted from the act log.

Loading takes a second or two per database, so each test loads it once and checks much."""
from collections import Counter, defaultdict
from datetime import date

import pytest
import sqlalchemy as sa

from pipeline.accounts.models import User
from pipeline.cases.models import Case
from pipeline.demo.loader import DemoRefused, load_demo
from pipeline.demo.reorganisation import apply_reorganisation
from pipeline.extensions import db
from pipeline.training.models import Enrolment, TrainingClass
from pipeline.workflow.models import LogEntry
from pipeline.workflow.log import replay_stage, verify_chain

CLASSES_2022 = ["Lớp bồi dưỡng nhận thức về Đảng khóa 1/2022", "Lớp bồi dưỡng nhận thức về Đảng khóa 2/2022"]

# Ceremonies of 1/1–30/9/2022, by grassroots organisation (the unit at depth 1 above the branch)
# and by branch.
CEREMONIES_BY_UNIT = sa.text("""
    SELECT g.code, g.kind, b.code, b.kind, COUNT(*)
    FROM case_event e
    JOIN candidate c ON c.id = e.candidate_id
    JOIN unit b ON b.id = c.branch_id
    JOIN unit g ON g.depth = 1 AND b.path LIKE g.path || '%'
    WHERE e.event = 'hold_ceremony' AND e.effective_date BETWEEN '2022-01-01' AND '2022-09-30'
    GROUP BY g.code, g.kind, b.code, b.kind
""")


def rows(sql, **params):
    return db.session.execute(sa.text(sql) if isinstance(sql, str) else sql, params).all()


def table_counts():
    return {table: db.session.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar()
            for table in ("unit", "user_account", "candidate", "case_event", "quota")}


def test_the_log_reproduces_the_article(app, demo):
    summary = demo
    assert "134" in summary and "117" in summary and "136" in summary

    by_unit = rows(CEREMONIES_BY_UNIT)
    total = sum(n for *_, n in by_unit)
    local = sum(n for _, g_kind, _, _, n in by_unit if g_kind in ("commune", "ward"))
    direct = sum(n for _, g_kind, _, _, n in by_unit if g_kind not in ("commune", "ward"))
    assert (total, local, direct) == (134, 117, 17)
    assert total == rows("SELECT COUNT(*) FROM case_event WHERE event = 'hold_ceremony' "
                         "AND effective_date BETWEEN '2022-01-01' AND '2022-09-30'")[0][0]
    split = defaultdict(Counter)
    for g_code, _, b_code, b_kind, n in by_unit:
        split[g_code][b_kind] += n
        split[b_code]["all"] += n
    assert split["dienhoa"] == {"military": 1, "school": 2, "village": 9}
    assert split["hatay2"]["all"] == 2
    assert split["dienduong"]["quarter"] == 5
    assert split["dienduong"]["school"] + split["dienduong"]["military"] == 6
    assert sum(split["dienduong"].values()) == 11

    # Phùng Tấn Thắng: the ceremony at Tân Khai on 8 October, after the nine months.
    (thang,) = rows("""SELECT e.effective_date, b.code, c.youth_union_member, c.source_organisation
                       FROM case_event e JOIN candidate c ON c.id = e.candidate_id JOIN unit b ON b.id = c.branch_id
                       WHERE e.event = 'hold_ceremony' AND c.name_folded = 'phung tan thang'""")
    assert (str(thang[0]), thang[1], bool(thang[2]), thang[3]) == ("2022-10-08", "tankhai", True, "youth_union")
    assert rows("SELECT COUNT(*) FROM case_event WHERE event = 'hold_ceremony' "
                "AND effective_date BETWEEN '2022-01-01' AND '2022-12-31'")[0][0] == 135

    # The two 2022 classes: 136 attendees, none of them admitted in 2022.
    attendees = (sa.select(LogEntry.case_id)
                 .where(LogEntry.act == "enrol_training",
                        LogEntry.data["class_name"].as_string().in_(CLASSES_2022)))
    assert db.session.execute(sa.select(sa.func.count(sa.distinct(LogEntry.case_id)))
                              .where(LogEntry.case_id.in_(attendees))).scalar() == 136
    assert db.session.execute(sa.select(sa.func.count()).select_from(LogEntry)
                              .where(LogEntry.act == "hold_ceremony", LogEntry.case_id.in_(attendees))
                              ).scalar() == 0
    # The class records say the same: 136 enrolments in the two classes, one per attendee, each
    # class's certificates numbered apart, and every certificate in the log on its enrolment.
    enrolled = rows("""SELECT k.name, COUNT(*), COUNT(DISTINCT e.candidate_id), COUNT(e.certificate_number),
                              COUNT(DISTINCT e.certificate_number)
                       FROM enrolment e JOIN training_class k ON k.id = e.class_id GROUP BY k.name""")
    by_class = {name: counts for name, *counts in enrolled}
    assert sum(by_class[name][0] for name in CLASSES_2022) == 136
    assert all(n == distinct and certificates == distinct_numbers
               for n, distinct, certificates, distinct_numbers in by_class.values())
    assert by_class[CLASSES_2022[1]][2] == 0  # the second class's certificates come in November
    assert set(db.session.execute(sa.select(Enrolment.case_id).join(TrainingClass)
                                  .where(TrainingClass.name.in_(CLASSES_2022))).scalars()) == set(
        db.session.execute(attendees).scalars())
    certified = rows("""SELECT COUNT(*) FROM case_event ev JOIN enrolment e ON e.candidate_id = ev.candidate_id
                        WHERE ev.event = 'complete_training' AND e.certificate_date = ev.effective_date""")[0][0]
    assert certified == rows("SELECT COUNT(*) FROM case_event WHERE event = 'complete_training'")[0][0] > 136

    # Every case: its log replays to its stage and its hash chain holds.
    events = defaultdict(list)
    for row in db.session.execute(sa.select(LogEntry).order_by(LogEntry.case_id, LogEntry.seq)).scalars():
        events[row.case_id].append(row)
    cases = db.session.execute(sa.select(Case)).scalars().all()
    assert len(cases) == len(events) > 300
    for case in cases:
        assert replay_stage(events[case.id]) == case.stage, case.full_name
        assert verify_chain(events[case.id]) is None, case.full_name

    # A pool at every stage, side exits with reasons, and stuck cases.
    stages = Counter(case.stage for case in cases)
    for stage in ("spotted", "training", "dossier", "branch_vote", "committee_review", "decision", "ceremony",
                  "probation", "official", "rejected", "withdrawn", "removed", "expired", "struck_off"):
        assert stages[stage] > 0, stage
    assert any(c.failed_branch_votes == 3 and c.stage == "spotted" for c in cases)
    assert any(c.stage == "spotted" and c.failed_branch_votes == 1 for c in cases)
    assert any(c.stage == "spotted" and len(events[c.id]) == 1 and c.stage_entered_on < date(2021, 10, 1)
               for c in cases)  # spotted over a year before 31/10/2022, never sent to a class
    assert any(c.stage == "dossier" and c.stage_entered_on < date(2021, 10, 31) for c in cases)
    for code in ("hatay2", "tankhai"):
        pool = [c for c in cases if c.branch.code == code and c.stage not in ("probation", "official")]
        assert len(pool) >= 4, code

    # Quotas for 2022.
    quotas = dict(((code, (low, high)) for code, low, high in rows(
        "SELECT u.code, q.minimum, q.maximum FROM quota q JOIN unit u ON u.id = q.unit_id WHERE q.year = 2022")))
    assert quotas["dienban"] == (100, 100) and quotas["dienhoa"] == (6, 8) and quotas["dienduong"] == (8, 8)

    # The six accounts of issue 2.
    expected = {"admin": ("admin", "dienban"), "btc": ("board", "dienban"), "dienhoa": ("committee", "dienhoa"),
                "dienduong": ("committee", "dienduong"), "hatay2": ("secretary", "hatay2"),
                "tankhai": ("secretary", "tankhai")}
    for username, (role, unit_code) in expected.items():
        user = db.session.execute(sa.select(User).filter_by(username=username)).scalar_one()
        assert (user.role, user.unit.code) == (role, unit_code)
        assert user.check_password("demo") and not user.check_password("wrong")


@pytest.mark.real_database
def test_a_second_load_is_refused_and_reset_reloads_the_same_demo(app, runner):
    load_demo()
    before = table_counts()
    hashes = db.session.execute(sa.select(LogEntry.hash).order_by(LogEntry.id)).scalars().all()

    with pytest.raises(DemoRefused, match="--reset"):
        load_demo()
    assert table_counts() == before
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0 and "--reset" in result.output
    assert table_counts() == before
    # Its second scenario merges units: the reset takes those rows down with the schema too.
    apply_reorganisation()
    assert table_counts() != before

    # Reloaded by the command, which says how far it has got: not on a terminal here, so plain
    # lines (CI, logs) rather than a bar.
    result = runner.invoke(args=["demo", "--reset"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("Emptying the database") for line in lines)  # amid the migrations' own log
    counted = [line for line in lines if line.endswith(" cases recorded")]
    assert counted[0] == "50/345 cases recorded" and counted[-1] == "345/345 cases recorded"
    assert len(counted) == 7
    assert "\r" not in result.output and "[#" not in result.output
    assert "demo loaded" in lines[-1]
    assert table_counts() == before
    # Deterministic: the same ids, acts and dates, hence the same hash chains.
    assert db.session.execute(sa.select(LogEntry.hash).order_by(LogEntry.id)).scalars().all() == hashes
