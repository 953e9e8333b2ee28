"""Lateness on a fixed day (issue 15): the demo stands on 31/10/2022 while the real clock runs years
ahead, so an act entered in the demo now is recorded "today" from the application's point of view.
The audit list, a case's audit page and the anomalies judge "entered N days later" against the
recorded day, but never later than the application's today."""
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from audit_support import edit_row
from pipeline.audit.anomalies import LATE_ENTRY, run_check
from pipeline.audit.log_query import LogFilters, flag_rows, log_statement
from pipeline.extensions import db
from pipeline.units.models import Unit
from pipeline.workflow.log import load_log
from pipeline.workflow.models import LogEntry
from pipeline.workdays.calendar import WorkingCalendar

SNAPSHOT = date(2022, 10, 31)
LATE_DAYS = 30


def town():
    return db.session.execute(sa.select(Unit).filter_by(code="dienban")).scalar_one()


def flagged_in_list(root):
    rows = db.session.execute(log_statement(LogFilters(root), LATE_DAYS)).all()
    return {(row.case_id, row.seq): row.lag_days for row in rows if row.late}


def flagged_in_anomalies(root):
    return {(a.case_id, a.seq) for a in run_check(LATE_ENTRY, root, WorkingCalendar.load(), LATE_DAYS)}


def flagged_on_case_page(case_id):
    return {(item.row.case_id, item.row.seq): item.lag_days
            for item in flag_rows(load_log(case_id), LATE_DAYS) if item.late}


def test_acts_entered_now_in_the_demo_are_judged_against_its_own_today(app, demo):
    app.config["TODAY"] = SNAPSHOT
    root = town()
    before = flagged_in_list(root)
    # The demo's newest acts (effective in the snapshot's last days), entered now with the real clock.
    recent = db.session.execute(sa.select(LogEntry.case_id, LogEntry.seq, LogEntry.effective_date)
                                .where(LogEntry.effective_date > SNAPSHOT - timedelta(days=10))
                                .order_by(LogEntry.id.desc()).limit(3)).all()
    assert recent
    now = datetime.utcnow()
    for case_id, seq, _effective in recent:
        edit_row(case_id, seq, recorded_at=now)
    # A genuinely late one: entered now (the app's today) for an act of 60 days before.
    late_case, late_seq = recent[0].case_id, recent[0].seq
    edit_row(late_case, late_seq, effective_date=SNAPSHOT - timedelta(days=60))

    listed = flagged_in_list(root)
    assert set(listed) - set(before) == {(late_case, late_seq)}  # not the others entered "years later"
    assert listed[late_case, late_seq] == 60
    assert max(listed.values()) < 1000  # nothing counted against the real clock
    anomalies = flagged_in_anomalies(root)
    assert (late_case, late_seq) in anomalies
    assert not {(c, s) for c, s, _e in recent[1:]} & anomalies
    for case_id, seq, _effective in recent:
        page = flagged_on_case_page(case_id)
        if (case_id, seq) == (late_case, late_seq):
            assert page[case_id, seq] == 60
        else:
            assert (case_id, seq) not in page


def test_an_act_recorded_sixty_days_after_it_took_effect_is_late_on_any_clock(app, demo):
    app.config["TODAY"] = SNAPSHOT
    row = db.session.execute(sa.select(LogEntry.case_id, LogEntry.seq, LogEntry.recorded_at)
                             .where(LogEntry.recorded_at < datetime(2022, 10, 1))
                             .order_by(LogEntry.id.desc()).limit(1)).one()
    edit_row(row.case_id, row.seq, effective_date=row.recorded_at.date() - timedelta(days=60))
    assert flagged_in_list(town())[row.case_id, row.seq] == 60
    assert (row.case_id, row.seq) in flagged_in_anomalies(town())
    assert flagged_on_case_page(row.case_id)[row.case_id, row.seq] == 60
