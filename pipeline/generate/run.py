"""The generation as a whole: refuse a database with data (unless reset), the organisation in
one transaction, then the cases in batches, one transaction each."""
import random
import time
from collections import Counter

from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import func, select

from pipeline.accounts.models import User
from pipeline.base.signing import ensure_log_key
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.schema import empty_database
from pipeline.generate import tree, writer
from pipeline.generate.acting import CaseMaker
from pipeline.generate.plans import Planner
from pipeline.transaction import one_transaction
from pipeline.units.models import Unit
from pipeline.workdays.calendar import WorkingCalendar
from pipeline.workflow.log import remember_key

BATCH = 2000  # cases per transaction


class GenerateRefused(Exception):
    """The database holds data and no reset was asked for."""


def existing_data():
    found = [f"{count} {label}" for model, label in ((Unit, "units"), (User, "users"), (Case, "candidates"))
             if (count := db.session.scalar(select(func.count()).select_from(model)))]
    db.session.rollback()  # release the read locks before any schema change
    return ", ".join(found)


def generate(units, cases, seed, today, reset=False, password="demo", progress=None, case_progress=None):
    """Fill an empty database; returns the summary's counts. progress(message): a line per step;
    case_progress(done, total): after each batch."""
    progress = progress or (lambda message: None)
    started = time.perf_counter()
    ensure_log_key(current_app)
    upgrade()
    found = existing_data()
    if found and not reset:
        raise GenerateRefused(
            f"The database is not empty ({found}). The generator fills only an empty database; add --reset "
            "to empty it first (every row in it is lost). / Cơ sở dữ liệu đã có dữ liệu; dùng --reset để xóa "
            "hết rồi sinh dữ liệu.")
    if reset and found:
        progress("Emptying the database (every table dropped, the schema built again)...")
        empty_database()
    rng = random.Random(seed)
    org = tree.build_tree(units, rng)
    tree.build_accounts(org, rng, password)
    tree.build_classes(org, today)
    with one_transaction():
        remember_key()
        tree.write_organisation(org, today, cases)
        writer.reset_sequences(("unit", "user_account", "training_class"))
    progress(f"Organisation written: {len(org.units)} units, {len(org.users)} accounts, "
             f"{sum(map(len, org.classes.values()))} training classes ({time.perf_counter() - started:.1f} s)")
    counts = _cases(org, cases, seed, today, case_progress)
    # Planner statistics for what was just written: SQLite has none until ANALYZE (it would read
    # every open case for a secretary's list), PostgreSQL's autovacuum takes its time.
    progress("Analysing the tables for the query planner...")
    with db.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    counts["seconds"] = time.perf_counter() - started
    counts["units"], counts["accounts"] = len(org.units), len(org.users)
    counts["unit_kinds"] = Counter(u.kind for u in org.units)
    return counts


def _cases(org, total, seed, today, case_progress):
    planner, maker = Planner(org, today), CaseMaker(org, today, WorkingCalendar.load())
    stages, overdue, log_rows = Counter(), 0, 0
    for start in range(1, total + 1, BATCH):
        batch = {kind: [] for kind in writer.TABLES}
        for case_id in range(start, min(start + BATCH, total + 1)):
            rng = random.Random(seed * 1_000_003 + case_id)
            branch = org.branches[rng.randrange(len(org.branches))]
            made = maker.make(case_id, planner.plan(rng, branch), rng)
            batch["case"].append(made.case)
            for kind in ("log", "documents", "enrolments", "deadlines", "snapshots"):
                batch[kind] += getattr(made, kind)
            stages[made.stage] += 1
            overdue += made.overdue
        with one_transaction():
            for kind, rows in batch.items():
                writer.write(kind, rows)
            if start + BATCH > total:
                writer.reset_sequences(("candidate",))
        log_rows += len(batch["log"])
        if case_progress:
            case_progress(min(start + BATCH - 1, total), total)
    return {"cases": total, "stages": stages, "overdue": overdue, "log_rows": log_rows}
