"""The candidate pages: the list, opening a case, the case page and the act forms.
Views parse a form, call one operation, flash and redirect; the workflow decides."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from pipeline.base import clock
from pipeline.cases.export import CASE_COLUMNS, case_rows
from pipeline.cases.forms import CaseFilterForm, NewCaseForm, act_form_class
from pipeline.cases.models import Case
from pipeline.cases.ordering import by_name
from pipeline.base.text import fold
from pipeline.cases.timeline import timeline
from pipeline.dashboard.figures import ListText
from pipeline.cases.transfer import transfer_case, transfer_destinations
from pipeline.exports import export_response, form_filters
from pipeline.notes.forms import NoteForm
from pipeline.notes.operations import notes_of, placed_among
from pipeline.extensions import db
from pipeline.readlog.models import ACT_FORM, CASE_PAGE
from pipeline.readlog.reads import read_of, recorded_export
from pipeline.training.access import classes_open_to
from pipeline.units.models import BRANCH_KINDS, Unit, subtree_filter
from pipeline.units.reorganise_forms import TRANSFER_SELECT_LIMIT, TransferForm, TransferSearchForm
from pipeline.base.errors import ActBlocked, CaseChanged, CaseNotFound, CASE_CHANGED, NotPermitted
from pipeline.transaction import one_transaction
from pipeline.workdays.calendar import WorkingCalendar
from pipeline.workflow import definition, operations
from pipeline.workflow.checklist import checklist_for
from pipeline.workflow.deadlines import stored_deadline
from pipeline.workflow.guards import age_in_months, shortfall_of
from pipeline.workflow.log import load_log, not_voided
from pipeline.workflow.models import LogEntry
from pipeline.workflow.replay import replay
from pipeline.workflow.voiding import offered, voided_seqs
from pipeline.workflow.stages import MAIN_STAGES, STAGE_BY_NAME, STAGE_NAMES
from pipeline.web.params import page_arg
from pipeline.web.scope import case_or_404, current_actor, scoped_cases

bp = Blueprint("cases", __name__, url_prefix="/candidates")  # the address keeps its first name
TRANSFER = definition.ACT_BY_NAME["transfer_branch"]

MAX_PER_PAGE = 100


# The votes on recognition whose failures refer a case to the higher committee (the rulebook's
# failed_votes_before_referral; the entry that reached it says so).
REFERRING_ACTS = tuple(act.name for act in definition.ACTS if act.refers_after_failed_votes)


def referred_case_ids(case_ids):
    """The cases among `case_ids`, still in probation, that a failed vote on recognition referred
    to the higher committee: one statement for a page of cases."""
    if not case_ids:
        return set()
    rows = db.session.execute(
        select(LogEntry.case_id, LogEntry.data).join(Case, Case.id == LogEntry.case_id)
        .where(LogEntry.case_id.in_(list(case_ids)), LogEntry.act.in_(REFERRING_ACTS), Case.stage == "probation",
               not_voided()))
    return {case_id for case_id, data in rows if (data or {}).get("referred_to_higher_committee")}


def referred_in_log(case, log):
    """referred_case_ids for one case, read from its log in hand."""
    voided = voided_seqs(log)
    if case.stage == "probation" and any(entry.act in REFERRING_ACTS and entry.seq not in voided and (
            entry.data or {}).get("referred_to_higher_committee") for entry in log):
        return {case.id}
    return set()


def _filtered_cases():
    """The list's filter form, the statement of every case it selects (in the user's scope, in
    list order) and whether any filter applies. The page shows a page of it, an export all of it."""
    form = CaseFilterForm(request.args)
    form.validate()
    stage, query = form.clean(STAGE_NAMES)
    picked = form.pick(current_actor().unit)
    unit = picked.unit
    stmt = scoped_cases()
    if stage:
        stmt = stmt.where(Case.stage == stage)
    if unit is not None:
        stmt = stmt.where(subtree_filter(unit))
    folded = fold(query)
    if folded:
        stmt = stmt.where(Case.name_folded.contains(folded, autoescape=True))
    stmt = stmt.order_by(*by_name())
    return form, picked, stmt, bool(stage or unit or folded or picked.text)


@bp.get("/")
@login_required
def list_cases():
    form, picked, stmt, filtered = _filtered_cases()
    if request.args.get("format"):  # ?format=xlsx|csv: every matching case, not one page
        # The unit by its name (the id says nothing), and a text that named no unit not at all.
        applied = form_filters(form, skip=form.applied_skip(picked))
        return recorded_export(export_response(request.args["format"], _("Candidates"), CASE_COLUMNS, case_rows(stmt),
                                               unit=current_actor().unit, about=[applied]),
                               request.args["format"], stmt)
    per_page = request.args.get("per_page", current_app.config["CANDIDATES_PER_PAGE"], type=int)
    page = db.paginate(stmt, page=page_arg(), per_page=per_page, max_per_page=MAX_PER_PAGE)
    return render_template(
        "cases/list.html", page=page, form=form, picked=picked, filtered=filtered,
        may_create=current_actor().role in definition.BRANCH,
        referred=referred_case_ids([case.id for case in page.items]), text=ListText())


def branches_for_new_case(user):
    """None: the user's own branch. A list: the branches a committee may choose from. Another
    role (or a secretary not at a branch) opens no case: 403. (The page and the API's POST /cases.)"""
    if user.role not in definition.BRANCH:
        abort(403)
    if user.role == "secretary":
        if not user.unit.is_branch:
            abort(403)
        return None
    today = clock.today()
    return db.session.execute(
        select(Unit).where(subtree_filter(user.unit), Unit.kind.in_(BRANCH_KINDS),
                           (Unit.valid_to.is_(None)) | (Unit.valid_to >= today))
        .order_by(Unit.name)
    ).scalars().all()


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_case():
    branches = branches_for_new_case(current_actor())
    form = NewCaseForm(branches=branches)
    if request.method == "GET":
        form.effective_date.data = clock.today()
    problems = []
    if form.validate_on_submit():
        try:
            case = open_from_form(current_actor(), form)
        except ActBlocked as blocked:
            problems = blocked.reasons
        else:
            flash(_("Case opened for %(name)s.", name=case.full_name), "success")
            return redirect(url_for(".show_case", case_id=case.id))
    status = 422 if request.method == "POST" else 200
    return render_template("cases/new.html", form=form, problems=problems), status


def open_from_form(user, form):
    """Open the case a validated NewCaseForm describes, in its branch (the user's own without a
    choice), and commit; raises ActBlocked. (The page and the API's POST /cases.)"""
    with one_transaction():
        return operations.open_case(user, form.chosen_branch or user.unit, form.effective_date.data,
                                    form.particulars()).case


def _progress(case, log):
    """(step reached, total steps, the exit if the case left the main road)."""
    stage = STAGE_BY_NAME[case.stage]
    if not stage.exit:
        return stage.step, len(MAIN_STAGES), None
    # The act that left the road: an act after it (a correction) keeps the exit stage.
    left_from = next((e.from_stage for e in reversed(log) if e.from_stage != e.to_stage), None)
    step = STAGE_BY_NAME[left_from].step if left_from in STAGE_BY_NAME else None
    return step or 0, len(MAIN_STAGES), stage


@bp.get("/<int:case_id>")
@login_required
@read_of(CASE_PAGE)
def show_case(case_id):
    return case_page(case_or_404(case_id))


def case_page(case, note_form=None, status=200):
    """The case page; a refused note (pipeline.notes.views) comes back on it with what was typed."""
    today = clock.today()
    log = load_log(case.id)
    state = replay(log)
    actions = operations.action_states(current_actor(), case, state, today)
    step, steps, exit_stage = _progress(case, log)
    age_months = age_in_months(case.date_of_birth, today)
    # A vote's shortfall reads in the viewer's language; the stored reason is the office's text.
    exit_reason = case.exit_reason and ((shortfall_of(log[-1].data) if log else None) or case.exit_reason)
    checklist = checklist_for(case, state, today)
    # The running deadlines are the case's projection rows, with what is left of them today.
    calendar = WorkingCalendar.load()
    deadlines = [stored_deadline(row, today, calendar) for row in case.deadlines]
    entries = timeline(log)
    return render_template(
        "cases/case.html", case=case, entries=entries, actions=actions,
        step=step, steps=steps, exit_stage=exit_stage, exit_reason=exit_reason, main_stages=MAIN_STAGES,
        age_years=age_months // 12, referred=referred_in_log(case, log), deadlines=deadlines,
        checklist=checklist, may_transfer=_may_transfer(case), void_offered=offered(case, log, current_actor(), today),
        notes_at=placed_among(entries, notes_of(case.id)), note_form=note_form or NoteForm()), status


def _may_transfer(case):
    """A committee or the board over the case's branch (its scope holds the case), while it is open."""
    return operations.role_may(current_actor(), TRANSFER, case) and case.stage in TRANSFER.sources


def make_act_form(act, case, formdata=None):
    """The act's form for `case`, as the act page makes it; `formdata`: the fields sent another
    way than a page's form (the API's JSON, pipeline.api.acts), checked without a CSRF token."""
    kwargs = {} if formdata is None else {"formdata": formdata, "meta": {"csrf": False}}
    form = act_form_class(act)
    if hasattr(form, "issuing_unit_id"):
        # Only the deciding units the user acts for: a board issues its own decisions.
        user_path = current_actor().unit.path
        kwargs["deciding_units"] = [u for u in operations.deciding_units_for(case) if u.path.startswith(user_path)]
    if hasattr(form, "class_id"):
        kwargs["classes"] = classes_open_to(case.branch)
    if request.method == "GET" and formdata is None:
        kwargs.update(version=case.version, effective_date=clock.today())
        if hasattr(form, "members_total") and case.branch.official_members is not None:
            # The branch's number of official members as its unit page records it: still editable.
            kwargs["members_total"] = case.branch.official_members
    return form(**kwargs)


def _preview_reasons(act, case):
    """Why the act would be refused if dated today (the form can still carry another date)."""
    states = operations.action_states(current_actor(), case, replay(load_log(case.id)))
    return next((reasons for shown, reasons in states if shown is act), [])


@bp.route("/<int:case_id>/act/<name>", methods=["GET", "POST"])
@login_required
@read_of(ACT_FORM)
def act(case_id, name):
    # A POST records the act: the case is read locked, and the act does not read it again.
    case = case_or_404(case_id, for_update=request.method == "POST")
    act = definition.act_named(name)
    if act is None or not act.moves or not act.sources:
        abort(404)
    if not operations.role_may(current_actor(), act, case):
        abort(403)
    if case.stage not in act.sources:
        flash(str(CASE_CHANGED), "warning")
        return redirect(url_for(".show_case", case_id=case.id))
    form = make_act_form(act, case)
    refused, vote = [], None
    if form.validate_on_submit():
        vote = operations.vote_result(case, act, form.effective_date.data, form.act_data())
        if vote is not None and not vote.passed and not form.failure_confirmed.data:
            # A failed vote sends the case back: recorded only once the secretary has seen the result.
            return _act_page(case, act, form, refused, vote)
        expected_version = form.expected_version()
        reason = form.reason.data if "reason" in form else ""
        try:
            entry = operations.record_act(case.id, name, current_actor(), form.effective_date.data, form.act_data(),
                                          reason=reason, expected_version=expected_version)
        except CaseChanged as changed:
            flash(str(changed.reasons[0]), "warning")
            return redirect(url_for(".show_case", case_id=case_id))
        except ActBlocked as blocked:
            refused = blocked.reasons
        else:
            _flash_outcome(act, entry)
            return redirect(url_for(".show_case", case_id=case_id))
    return _act_page(case, act, form, refused, vote)


def _act_page(case, act, form, refused, vote):
    """The act form again (nothing recorded on a POST), with a vote's computed result if any."""
    status = 422 if request.method == "POST" else 200
    return render_template("cases/act.html", case=case, act=act, form=form, refused=refused, vote=vote,
                           preview=[] if refused else _preview_reasons(act, case)), status


def _flash_outcome(act, entry):
    stage = STAGE_BY_NAME[entry.to_stage].label
    if act.fail_dest and entry.to_stage == act.fail_dest:
        flash(_("Recorded. The vote did not pass (%(reason)s): the case is now “%(stage)s”.",
                reason=shortfall_of(entry.data), stage=stage), "warning")
    else:
        flash(_("Recorded: %(act)s. The case is now “%(stage)s”.", act=act.label, stage=stage), "success")


@bp.route("/<int:case_id>/transfer", methods=["GET", "POST"])
@login_required
@read_of(ACT_FORM)
def transfer(case_id):
    """One candidate to another branch of the user's subtree (they moved house or job): an act of
    the case's log naming both branches; the dossier, the history and the deadlines go with it."""
    case = case_or_404(case_id)
    if not operations.role_may(current_actor(), TRANSFER, case):
        abort(403)
    if case.stage not in TRANSFER.sources:
        flash(_("Only an open case can be transferred to another branch."), "warning")
        return redirect(url_for(".show_case", case_id=case.id))
    destinations = transfer_destinations(current_actor(), case, limit=TRANSFER_SELECT_LIMIT)
    data = {"version": case.version, "effective_date": clock.today()} if request.method == "GET" else None
    if destinations is None:  # too many to list: the destination is searched for
        form = TransferSearchForm(data=data, root=current_actor().unit, current_branch_id=case.branch_id,
                                  chosen=request.form.get(TransferSearchForm.CHOICE))
    else:
        form = TransferForm(data=data, destinations=destinations, root_depth=current_actor().unit.depth)
    refused = []
    if form.validate_on_submit():
        try:
            transfer_case(case.id, current_actor(), form.to_branch_id.data, form.effective_date.data,
                          form.reason.data, form.expected_version())
        except CaseChanged as changed:
            flash(str(changed.reasons[0]), "warning")
            return redirect(url_for(".show_case", case_id=case.id))
        except CaseNotFound:
            abort(404)
        except NotPermitted:
            abort(403)
        except ActBlocked as blocked:
            refused = blocked.reasons
        else:
            flash(_("Transferred: %(name)s is now in %(branch)s.", name=case.full_name,
                    branch=form.destinations[form.to_branch_id.data].name), "success")
            return redirect(url_for(".show_case", case_id=case.id))
    status = 422 if request.method == "POST" else 200
    return render_template("cases/transfer.html", case=case, form=form, refused=refused,
                           destinations=destinations, searched=destinations is None), status
