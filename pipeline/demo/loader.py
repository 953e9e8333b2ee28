"""`flask --app wsgi demo [--reset]`: load the Điện Bàn 2022 demo into an empty database.

Every case is opened with `operations.open_case` and every later act goes through
`operations.perform`, which judges the guards of the rulebook in force on the act's date and
writes the hash-chained log row: the demo's log is what users entering the same acts on the
same dates would have produced. The demo's "today" is 31/10/2022 (`story.SNAPSHOT`); each act
is recorded a day or two after it took effect, as if entered at the time.

What the log then says (see `pipeline.demo.story` for the whole story): 134 ceremonies between
1/1 and 30/9/2022 (117 under the commune and ward committees, 17 directly under the town; xã
Điện Hòa 12, phường Điện Dương 11), then Phùng Tấn Thắng's at Tân Khai on 08/10/2022, which
makes 135 for the year; 136 attendees of the two 2022 training classes. The story's five classes
are rows of the town (`TrainingClass`); the enrol_training and complete_training acts write each
attendee's enrolment and certificate, as they do for users.

Accounts (password "demo"): admin, btc, dienhoa, dienduong, hatay2, tankhai, and a committee
account for every other grassroots organisation, named after its unit code (vinhdien, dienan,
..., congan, quansu, coquan, nguyenduyhieu, moitruong), which records its committee's reviews.
"""
import random
import time
from datetime import date, datetime, timedelta

from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import and_, distinct, func, select
from sqlalchemy.orm import aliased

from pipeline.accounts.chain import record_created
from pipeline.accounts.models import User, hash_password
from pipeline.cases.models import Case
from pipeline.demo import organisation as org
from pipeline.demo import story
from pipeline.dossier import operations as dossier_ops
from pipeline.extensions import db
from pipeline.schema import empty_database
from pipeline.quotas.models import Quota, QuotaChange
from pipeline.training import operations as training_ops
from pipeline.training.models import Enrolment, TrainingClass
from pipeline.units.chain import record_created_rows as record_unit_created_rows
from pipeline.units.models import Unit, add_unit
from pipeline.base.errors import ActBlocked, ActError
from pipeline.base.signing import ensure_log_key
from pipeline.transaction import one_transaction
from pipeline.workdays.calendar import WorkingCalendar
from pipeline.workflow import definition, operations
from pipeline.workflow.log import remember_key
from pipeline.workflow.models import LogEntry

BATCH = 100  # cases per commit


class DemoRefused(Exception):
    """The database is not empty and no reset was asked for."""


class DemoBroken(RuntimeError):
    """A planned act was refused by the workflow: the demo's story contradicts the rules."""


def load_demo(reset=False, progress=None, case_progress=None):
    """Load the demo; returns a one-paragraph summary. Refuses (DemoRefused) when units, users
    or candidates exist, unless `reset`, which first empties the whole database.

    progress(message): what the loader is doing, a line at each step. case_progress(done, total):
    called after every case recorded, for a progress bar (the `demo` command's); without it,
    progress also gets a line at each commit ("100/345 cases recorded")."""
    progress = progress or (lambda message: None)
    started = time.perf_counter()
    ensure_log_key(current_app)  # every row is sealed with it (a fresh instance has none yet)
    upgrade()  # a fresh database gets its schema; an up-to-date one is left as it is
    found = _existing_data()
    if found and not reset:
        raise DemoRefused(
            f"The database is not empty ({found}). The demo loads only into an empty database; "
            "run `flask --app wsgi demo --reset` to empty it first (every row in it is lost). / "
            "Cơ sở dữ liệu đã có dữ liệu; dùng `--reset` để xóa hết rồi nạp dữ liệu mẫu.")
    if reset:
        progress("Emptying the database (every table dropped, the schema built again)...")
        _empty_database()
    progress("Building the organisation of Đảng bộ thị xã Điện Bàn, its quotas for 2022 and the accounts...")
    with one_transaction():
        remember_key()
        units, users = _build_organisation()
        classes = _build_classes(units[org.TOWN_CODE])
    plans = story.build_plans()
    progress(f"Recording {len(plans)} cases through the workflow...")
    _record_cases(plans, units, users, classes, progress, case_progress)
    counts = demo_counts()
    seconds = time.perf_counter() - started
    return (
        f"Điện Bàn 2022 demo loaded in {seconds:.1f} s: {counts['units']} units, {counts['users']} users, "
        f"{counts['cases']} cases, {counts['log_rows']} log rows. Admission ceremonies 1/1–30/9/2022: "
        f"{counts['ceremonies']} ({counts['under_communes']} under the commune/ward committees, "
        f"{counts['direct']} directly under the town); xã Điện Hòa {counts['dien_hoa']}, "
        f"phường Điện Dương {counts['dien_duong']}. With Phùng Tấn Thắng's at Tân Khai on 08/10/2022, "
        f"{counts['ceremonies_2022']} in 2022. The two 2022 training classes: {counts['attendees_2022']} "
        f"attendees. Accounts (password \"{org.DEMO_PASSWORD}\"): admin, btc, dienhoa, dienduong, hatay2, "
        f"tankhai, and a committee account per commune, ward and direct unit, named by its code."
    )


def _existing_data():
    found = []
    for model, label in ((Unit, "units"), (User, "users"), (Case, "candidates")):
        count = db.session.execute(select(func.count()).select_from(model)).scalar()
        if count:
            found.append(f"{count} {label}")
    db.session.rollback()  # release the read locks before any schema change
    return ", ".join(found)


def _empty_database():
    """The act log refuses UPDATE and DELETE (triggers of the first migration), so rows cannot
    be deleted: every table is dropped and the schema built again, as the generator does (the
    migrations down to base refused a tree with provinces: the 2025 unit kinds' downgrade)."""
    empty_database()


# --- organisation --------------------------------------------------------------------------

def _add_quota(unit_id, minimum, maximum, set_by_unit_id):
    """A 2022 quota as planned at the start of the year, with its entry in the quotas' history."""
    values = dict(unit_id=unit_id, year=org.QUOTA_YEAR, minimum=minimum, maximum=maximum,
                  set_by_unit_id=set_by_unit_id)
    db.session.add(Quota(**values))
    db.session.add(QuotaChange(**values, recorded_at=datetime(org.QUOTA_YEAR, 1, 10, 1, 30)))  # 08:30 in Vietnam


def _build_organisation():
    town = add_unit(org.TOWN_CODE, org.TOWN_NAME, "town", decides_admissions=True)
    units = {town.code: town}
    for grassroots in org.GRASSROOTS:
        unit = add_unit(grassroots.code, grassroots.name, grassroots.kind, parent=town)
        units[unit.code] = unit
        if not grassroots.is_branch:
            for branch in grassroots.branches:
                units[branch.code] = add_unit(branch.code, branch.name, branch.kind, parent=unit)
    record_unit_created_rows(units.values())  # each unit's chain starts with its state, one INSERT
    _add_quota(town.id, org.TOWN_QUOTA, org.TOWN_QUOTA, set_by_unit_id=None)
    for grassroots in org.GRASSROOTS:
        low, high = grassroots.quota
        _add_quota(units[grassroots.code].id, low, high, set_by_unit_id=town.id)
    # One hash for every account: they share the published password "demo" anyway, and hashing
    # it thirty times would cost seconds.
    password_hash = hash_password(org.DEMO_PASSWORD)
    users = {}
    for username, role, unit_code, display_name in org.accounts():
        user = User(username=username, role=role, unit=units[unit_code], display_name=display_name,
                    password_hash=password_hash)
        db.session.add(user)
        users[username] = user
    db.session.flush()
    for user in users.values():
        record_created(None, user)  # each account's chain of changes starts with its state
    return units, users


# --- cases ---------------------------------------------------------------------------------

def _actor(users, by, branch_code):
    """The account that records an act: the branch's secretary where the demo has one, else its
    grassroots committee (which acts for its branches); the organisation board for decisions."""
    if by == "board":
        return users["btc"]
    if by == "branch" and branch_code in users and users[branch_code].role == "secretary":
        return users[branch_code]
    return users[org.BRANCH_TO_GRASSROOTS[branch_code].code]


def _recorded_at(rng, day, after=None):
    """Entered the same day or up to two days later, in office hours, after the case's previous
    entry and never after the snapshot."""
    moment = datetime.combine(day + timedelta(days=rng.randint(0, 2)), datetime.min.time()) + timedelta(
        hours=rng.randint(7, 16), minutes=rng.randint(0, 59), seconds=rng.randint(0, 59))
    if after is not None and moment <= after:
        moment = after + timedelta(minutes=rng.randint(5, 90))
    return min(moment, datetime.combine(story.SNAPSHOT, datetime.min.time()) + timedelta(hours=16, minutes=30))


def _build_classes(town):
    """The town's political training classes of the story, by name."""
    classes = {}
    for klass in story.CLASSES_2021 + story.CLASSES_2022:
        classes[klass.name] = TrainingClass(name=klass.name, organiser_unit=town, organiser_name=story.ORGANISER,
                                            place=story.CLASS_PLACE, starts_on=klass.start, ends_on=klass.ends_on)
        db.session.add(classes[klass.name])
    db.session.flush()
    return classes


def _record_cases(plans, units, users, classes, progress, case_progress=None):
    rng = random.Random(story.SEED + 1)
    town = units[org.TOWN_CODE]
    calendar = WorkingCalendar.load()
    for start in range(0, len(plans), BATCH):
        with one_transaction():
            for number, plan in enumerate(plans[start:start + BATCH], start=start + 1):
                _record_case(plan, units, users, classes, town, calendar, rng)
                if case_progress is not None:
                    case_progress(number, len(plans))
        if case_progress is None:
            progress(f"  {number}/{len(plans)} cases recorded")


def _record_case(plan, units, users, classes, town, calendar, rng):
    """One case of the story, act by act as its plan says, then its projection."""
    branch = units[plan.branch]
    held = operations.open_case(_actor(users, "branch", plan.branch), branch, plan.spotted_on, plan.fields,
                                recorded_at=_recorded_at(rng, plan.spotted_on), today=story.SNAPSHOT,
                                calendar=calendar)
    for planned in plan.acts:
        actor = _actor(users, planned.by, plan.branch)
        where = f"{plan.fields['full_name']} ({plan.branch}, {plan.tag}): {planned.name} on {planned.day}"
        recorded_at = _recorded_at(rng, planned.day, after=held.state.head.recorded_at)
        if planned.name == dossier_ops.ACT.name:  # a document on the dossier page
            _record_document(held, actor, planned, recorded_at, where)
            continue
        act = definition.act_named(planned.name, held.state.stage)
        if act is None:
            raise DemoBroken(f"{where}: not possible from the stage {held.state.stage}")
        if not (operations.role_may(actor, act, held.case) and operations.case_in_scope(actor, held.case)):
            raise DemoBroken(f"{where}: {actor.username} may not record it")
        data, assume = dict(planned.data), None
        if planned.name == "record_decision":
            data["issuing_unit_id"] = town.id
        elif planned.name == "enrol_training":  # the act writes the enrolment; the log keeps the name
            data = {"class_id": classes[data["class_name"]].id}
        elif planned.name == "complete_training":  # a certificate: the class recorded a pass
            assume = training_ops.passed_in_class
        try:
            operations.perform(held, act, actor, planned.day, data, reason=planned.reason, recorded_at=recorded_at,
                               today=story.SNAPSHOT, assume=assume)
        except ActBlocked as blocked:
            raise DemoBroken(f"{where}: " + "; ".join(str(reason) for reason in blocked.reasons)) from None
    operations.project(held.case, held.state, calendar)


def _record_document(held, actor, planned, recorded_at, where):
    try:
        dossier_ops.record_document_on(held, actor, dossier_ops.DocumentEntry(**planned.data), story.SNAPSHOT,
                                       recorded_at=recorded_at)
    except ActError as refused:
        raise DemoBroken(f"{where}: " + "; ".join(str(reason) for reason in refused.reasons)) from None


# --- what the log says ---------------------------------------------------------------------

def demo_counts():
    """The figures of the summary, counted from the log with aggregate queries."""
    branch, grassroots = aliased(Unit), aliased(Unit)
    window = (story.WINDOW[0], story.WINDOW[1])

    def ceremonies(*conditions, start=window[0], end=window[1]):
        query = (select(func.count(LogEntry.id))
                 .join(Case, Case.id == LogEntry.case_id)
                 .join(branch, branch.id == Case.branch_id)
                 .where(LogEntry.act == "hold_ceremony", LogEntry.effective_date.between(start, end)))
        if conditions:
            query = query.join(grassroots, branch.path.startswith(grassroots.path)).where(and_(*conditions))
        return db.session.execute(query).scalar()

    def scalar(query):
        return db.session.execute(query).scalar()

    counts = {
        "units": scalar(select(func.count(Unit.id))),
        "users": scalar(select(func.count(User.id))),
        "cases": scalar(select(func.count(Case.id))),
        "log_rows": scalar(select(func.count(LogEntry.id))),
        "ceremonies": ceremonies(),
        "under_communes": ceremonies(grassroots.kind.in_(("commune", "ward"))),
        "direct": ceremonies(grassroots.depth == 1, grassroots.kind.not_in(("commune", "ward"))),
        "dien_hoa": ceremonies(grassroots.code == "dienhoa"),
        "dien_duong": ceremonies(grassroots.code == "dienduong"),
        "ceremonies_2022": ceremonies(start=date(2022, 1, 1), end=date(2022, 12, 31)),
        "attendees_2022": scalar(
            select(func.count(distinct(LogEntry.case_id)))
            .where(LogEntry.act == "enrol_training",
                   LogEntry.data["class_name"].as_string().in_([k.name for k in story.CLASSES_2022]))),
        "enrolled_2022": scalar(
            select(func.count(distinct(Enrolment.case_id))).join(Enrolment.training_class)
            .where(TrainingClass.name.in_([k.name for k in story.CLASSES_2022]))),
    }
    return counts
