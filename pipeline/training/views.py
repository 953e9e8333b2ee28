"""The training pages: the classes a user sees, a class with its attendees, a new class,
enrolling a selection from the pool, and a class's results and certificates. Views parse a
form, call one operation, flash and redirect; the operations and the workflow decide."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from pipeline.base import clock
from pipeline.cases.models import Case
from pipeline.cases.ordering import by_name
from pipeline.exports import export_response, period_line
from pipeline.readlog.reads import recorded_export
from pipeline.extensions import db
from pipeline.training import operations
from pipeline.training.access import (may_enrol, may_manage_class, may_manage_classes, organiser_units_for,
                                      organisers_above, who_does_what)
from pipeline.training.classes import (POOL_LIMIT, attendee_total, attendees_statement, classes_with_counts,
                                       result_rows, scoped_attendees, valid_until, validity_months, visible_class)
from pipeline.training.export import ATTENDEE_COLUMNS, CLASS_COLUMNS, attendee_rows, class_rows
from pipeline.training.forms import AllPassedForm, EnrolForm, ResultsForm, TrainingClassForm, row_refusals
from pipeline.base.numbering import counted
from pipeline.units.models import Unit
from pipeline.base.errors import ActBlocked, CaseChanged
from pipeline.workflow.operations import scope_filter
from pipeline.web.scope import current_actor

bp = Blueprint("training", __name__, url_prefix="/training")


def _class_or_404(class_id):
    training_class = visible_class(current_actor(), class_id)
    if training_class is None:
        abort(404)  # not there and not yours look the same
    return training_class


@bp.get("/")
@login_required
def list_classes():
    statement = classes_with_counts(current_actor())
    if request.args.get("format"):
        return export_response(request.args["format"], _("Training classes"), CLASS_COLUMNS, class_rows(statement),
                               unit=current_actor().unit)
    rows = db.session.execute(statement).all()
    return render_template("training/list.html", rows=rows, today=clock.today(), who=who_does_what(),
                           organisers=organisers_above(current_actor().unit),
                           may_create=may_manage_classes(current_actor()) and bool(organiser_units_for(current_actor())))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_class():
    units = organiser_units_for(current_actor())
    if not units:
        abort(403)
    form = TrainingClassForm(units=units)
    problems = []
    if form.validate_on_submit():
        unit = next(u for u in units if u.id == form.organiser_unit_id.data)
        try:
            training_class = operations.create_class(
                current_actor(), unit, form.name.data, form.starts_on.data, form.ends_on.data,
                organiser_name=form.organiser_name.data or "", place=form.place.data or "")
        except ActBlocked as blocked:
            problems = blocked.reasons
        else:
            flash(_("Class created: %(name)s.", name=training_class.name), "success")
            return redirect(url_for(".show_class", class_id=training_class.id))
    status = 422 if request.method == "POST" else 200
    return render_template("training/new.html", form=form, problems=problems), status


@bp.get("/<int:class_id>")
@login_required
def show_class(class_id):
    training_class = _class_or_404(class_id)
    if request.args.get("format"):  # ?format=xlsx|csv: the attendees as a spreadsheet
        statement = attendees_statement(current_actor(), training_class)
        return recorded_export(export_response(request.args["format"], training_class.name, ATTENDEE_COLUMNS,
                                               attendee_rows(statement, validity_months()),
                                               unit=training_class.organiser_unit,
                                               about=[period_line(training_class.starts_on, training_class.ends_on)],
                                               sheet=_("Attendees")),
                               request.args["format"], statement, detail=f"class={training_class.id}")
    attendees = scoped_attendees(current_actor(), training_class)
    total = attendee_total(training_class)
    months = validity_months()
    return render_template("training/class.html", training_class=training_class, attendees=attendees,
                           total=total, valid_until=valid_until(attendees, months), validity_months=months,
                           who=who_does_what(), is_open=training_class.open_for_enrolment(clock.today()),
                           may_manage=may_manage_class(current_actor(), training_class),
                           may_enrol=may_enrol(current_actor()))


def _pool(training_class):
    """Candidates being nurtured in the user's units that the class is open to."""
    return db.session.execute(
        select(Case).join(Case.branch)
        .where(Case.stage == "spotted", scope_filter(current_actor()),
               Unit.path.startswith(training_class.organiser_unit.path, autoescape=True))
        .options(contains_eager(Case.branch))
        .order_by(Unit.name, *by_name())
        .limit(POOL_LIMIT + 1)
    ).scalars().all()


@bp.route("/<int:class_id>/enrol", methods=["GET", "POST"])
@login_required
def enrol(class_id):
    training_class = _class_or_404(class_id)
    if not may_enrol(current_actor()):
        abort(403)
    form = EnrolForm()
    if request.method == "GET":
        form.enrolled_on.data = min(clock.today(), training_class.starts_on)
    refusals, accepted = [], 0
    if form.validate_on_submit():
        try:
            rows = operations.enrol_cases(current_actor(), training_class, form.case_ids.data, form.enrolled_on.data)
        except operations.BulkRefused as refused:
            refusals, accepted = refused.refusals, refused.accepted
        except CaseChanged as changed:
            flash(str(changed.reasons[0]), "warning")
        else:
            flash(ngettext("%(num)d candidate enrolled in %(name)s.", "%(num)d candidates enrolled in %(name)s.",
                           len(rows), name=training_class.name), "success")
            return redirect(url_for(".show_class", class_id=training_class.id))
    pool = _pool(training_class)
    status = 422 if request.method == "POST" else 200
    return render_template("training/enrol.html", training_class=training_class, form=form,
                           pool=pool[:POOL_LIMIT], more=len(pool) > POOL_LIMIT, who=who_does_what(),
                           is_open=training_class.open_for_enrolment(clock.today()),
                           chosen=set(form.case_ids.data or ()), refusals=refusals, accepted=accepted), status


def _results_form(training_class, open_rows, fill=None):
    """The results form as the page first shows it: each open row with its result so far; with
    `fill` ("all passed"), every row passed, its certificate numbered from the first number in
    the rows' order and dated as `fill` says, for the user to check and correct."""
    numbers = counted(fill.first_number.data, len(open_rows)) if fill else ()
    rows = [{"enrolment_id": e.id, "result": e.result or ""} for e in open_rows.values()]
    if fill:
        rows = [dict(row, result="passed", certificate_number=number, certificate_date=fill.certificate_date.data)
                for row, number in zip(rows, numbers)]
    return ResultsForm(formdata=None, data={"results_on": min(clock.today(), training_class.ends_on), "rows": rows})


@bp.route("/<int:class_id>/results", methods=["GET", "POST"])
@login_required
def results(class_id):
    training_class = _class_or_404(class_id)
    if not may_manage_class(current_actor(), training_class):
        abort(403)
    open_rows, attendees = result_rows(current_actor(), training_class)
    by_id = {e.id: e for e in attendees}
    filling = request.method == "POST" and "all-first_number" in request.form
    fill = AllPassedForm(prefix="all", formdata=request.form if filling else None,
                         data=None if filling else {"certificate_date": training_class.ends_on})
    refusals, accepted, filled = [], 0, None
    if filling:
        # "All passed" only fills the form in: nothing is recorded until the form is submitted.
        valid = fill.validate()
        form = _results_form(training_class, open_rows, fill if valid else None)
        filled = [row.certificate_number.data for row in form.rows] if valid else None
    else:
        form = ResultsForm() if request.method == "POST" else _results_form(training_class, open_rows)
    if not filling and form.validate_on_submit():
        entries = [operations.ResultEntry(row.enrolment_id.data, row.result.data or None,
                                          row.certificate_number.data or None, row.certificate_date.data)
                   for row in form.rows]
        try:
            rows = operations.record_results(current_actor(), training_class, entries, form.results_on.data)
        except operations.BulkRefused as refused:
            refusals, accepted = refused.refusals, refused.accepted
        except CaseChanged as changed:
            flash(str(changed.reasons[0]), "warning")
        else:
            certificates = sum(1 for row in rows if row.act == "complete_training")
            flash(_("Recorded: %(results)d result(s), %(certificates)d certificate(s).",
                    results=len(rows) - certificates, certificates=certificates), "success")
            return redirect(url_for(".show_class", class_id=training_class.id))
    elif request.method == "POST" and not filling:
        refusals, accepted = row_refusals(form, by_id)  # named at the top of the page
    status = 422 if request.method == "POST" and (refusals or form.errors or fill.errors) else 200
    return render_template("training/results.html", training_class=training_class, form=form, by_id=by_id,
                           fill=fill, filled=filled, who=who_does_what(), refusals=refusals,
                           accepted=accepted), status
