"""The API's figures: the stuck-where matrix and the quotas, computed by the pages' own functions
(pipeline.dashboard.matrix, pipeline.quotas.rollup) for a unit of the token user's subtree (their
own by default; another is a 404); and a unit's quota for a year, set as the quota page sets it."""
from flask import abort
from flask.views import MethodView
from marshmallow import fields, validate

from pipeline.api.acts import refused_fields
from pipeline.api.blueprint import ApiBlueprint
from pipeline.api.errors import error_response
from pipeline.api.form_schemas import page_form
from pipeline.api.schemas import ErrorOut, Id, Out, Strict
from pipeline.base import clock
from pipeline.base.i18n import lazy_gettext as _l
from pipeline.dashboard.filters import Filters
from pipeline.dashboard.matrix import build_matrix
from pipeline.quotas.forms import FIRST_YEAR, LAST_YEAR, MAX_QUOTA, QuotaForm  # the quota pages' bounds
from pipeline.quotas.operations import may_set_quota, set_quota
from pipeline.quotas.rollup import POOL_BUCKETS, rollup
from pipeline.reports.queries import year_report
from pipeline.web.scope import current_actor, unit_or_404

bp = ApiBlueprint("api_figures", __name__, url_prefix="/api/v1",
                  description="The dashboard's and the quotas' figures.")


def unit_or_own(unit_id):
    return current_actor().unit if unit_id is None else unit_or_404(unit_id)


class UnitQuery(Strict):
    unit = Id(load_default=None, metadata={"description": "A unit of your subtree (default: your own)."})


class QuotaQuery(UnitQuery):
    year = fields.Integer(load_default=None, validate=validate.Range(FIRST_YEAR, LAST_YEAR),
                          metadata={"description": "Default: this year."})
    until = fields.Date(load_default=None, metadata={"description": "The admissions counted up to this day "
                                                                    "(default: 31 December, or today)."})


class CellOut(Out):
    stage = fields.String()
    count = fields.Integer()
    stuck = fields.Integer()
    overdue = fields.Integer()
    median_days = fields.Float(allow_none=True, attribute="median")
    longest_days = fields.Integer(allow_none=True, attribute="longest")


class MatrixRowOut(Out):
    unit_id = fields.Integer(allow_none=True)
    unit_name = fields.String()
    cells = fields.List(fields.Nested(CellOut))


class MatrixOut(Out):
    unit_id = fields.Integer()
    day = fields.Date()
    rows = fields.List(fields.Nested(MatrixRowOut))
    totals = fields.Nested(MatrixRowOut)


class TargetOut(Out):
    minimum = fields.Integer()
    maximum = fields.Integer()


class QuotaLineOut(Out):
    unit_id = fields.Integer()
    unit_name = fields.String()
    kind = fields.String()
    target = fields.Nested(TargetOut, allow_none=True)
    admitted = fields.Integer()
    pool = fields.Dict(keys=fields.String(), values=fields.Integer())


class QuotasOut(Out):
    year = fields.Integer()
    start = fields.Date()
    until = fields.Date()
    basis = fields.String()
    unit = fields.Nested(QuotaLineOut)
    children = fields.List(fields.Nested(QuotaLineOut))


class StageCountOut(Out):
    stage = fields.String()
    cases = fields.Integer()


class StageTimeOut(StageCountOut):
    median_days = fields.Float()
    max_days = fields.Integer()


class ClassOut(Out):
    id = fields.Integer()
    name = fields.String()
    organiser = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    attendees = fields.Integer(metadata={"description": "The unit's cases enrolled by the report's day."})


class ReportOut(QuotasOut):
    as_of = fields.Date(metadata={"description": "The day every figure is of: `until`, or today if sooner."})
    admitted_by_branch_kind = fields.Dict(keys=fields.String(), values=fields.Integer())
    funnel = fields.List(fields.Nested(StageCountOut))
    time_in_stage = fields.List(fields.Nested(StageTimeOut))
    classes = fields.List(fields.Nested(ClassOut))
    stuck = fields.Integer(metadata={"description": "Cases stuck on the report's day (the page lists them)."})


def _row(row):
    return {"unit_id": getattr(row.unit, "id", None), "unit_name": row.unit.name,
            "cells": [dict(vars(cell), stage=stage) for stage, cell in row.cells.items()]}


def _line(line):
    return {"unit_id": line.unit.id, "unit_name": line.unit.name, "kind": line.unit.kind,
            "target": line.target and {"minimum": line.target.minimum, "maximum": line.target.maximum},
            "admitted": line.admitted, "pool": {bucket: line.pool.get(bucket, 0) for bucket in POOL_BUCKETS}}


@bp.route("/matrix")
class StuckMatrix(MethodView):
    @bp.arguments(UnitQuery, location="query", as_kwargs=True)
    @bp.response(200, MatrixOut)
    def get(self, unit):
        """Where the open cases are stuck today: per unit directly under the one asked (or the
        branch alone), per open stage, the cases, the stuck and the overdue, and the days in the
        stage (median, longest), as the dashboard shows them."""
        root, today = unit_or_own(unit), clock.today()
        matrix = build_matrix(root, Filters(), today)
        return {"unit_id": root.id, "day": today, "rows": [_row(row) for row in matrix.rows],
                "totals": _row(matrix.totals)}


@bp.route("/quotas")
class Quotas(MethodView):
    @bp.arguments(QuotaQuery, location="query", as_kwargs=True)
    @bp.response(200, QuotasOut)
    def get(self, unit, year, until):
        """A unit's quota and admissions for a year, each unit directly under it against its own,
        and the pool waiting behind (cases per bucket of stages), as the quota page counts them."""
        year = year or clock.today().year
        if until is not None and until.year != year:
            return _until_outside()
        return _quotas(rollup(unit_or_own(unit), year, until))


def _until_outside():
    return error_response(422, _l("The day “until” must be in the year asked for."))


def _quotas(figures):
    return {"year": figures.year, "start": figures.start, "until": figures.until, "basis": figures.basis,
            "unit": _line(figures.root), "children": [_line(line) for line in figures.children]}


@bp.route("/report")
class Report(MethodView):
    @bp.arguments(QuotaQuery, location="query", as_kwargs=True)
    @bp.response(200, ReportOut)
    def get(self, unit, year, until):
        """The year report's figures for a unit (its quotas and admissions, the funnel, the time in
        each stage, the training classes, how many cases are stuck), as its page computes them; the
        stuck cases themselves are listed by GET /cases?stuck=true."""
        today = clock.today()
        year = year or today.year
        if until is not None and until.year != year:
            return _until_outside()
        report = year_report(unit_or_own(unit), year, until, today)
        return _quotas(report.rollup) | {
            "as_of": report.as_of, "admitted_by_branch_kind": report.rollup.by_branch_kind,
            "funnel": [{"stage": stage, "cases": count} for stage, _label, count in report.funnel],
            "time_in_stage": [vars(line) | {"cases": line.cases} for line in report.time_in_stage],
            "classes": [vars(line) for line in report.classes], "stuck": report.stuck_total}



class QuotaBody(Strict):
    minimum = fields.Integer(required=True, strict=True, validate=validate.Range(0, MAX_QUOTA),
                             metadata={"description": "The quota, or the lower end of a range such as 6–8."})
    maximum = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(0, MAX_QUOTA),
                             metadata={"description": "The upper end of a range (default: the quota itself)."})


class QuotaOut(Out):
    unit_id = fields.Integer()
    year = fields.Integer()
    minimum = fields.Integer()
    maximum = fields.Integer()
    label = fields.String()


QUOTA_REFUSED = _l("The quota was not set: correct the fields named.")
YEAR_PARAMETER = {"in": "path", "name": "year", "required": True,
                  "schema": {"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR}}


@bp.route("/units/<int:unit_id>/quotas/<int:year>", methods=["PUT"], parameters=[YEAR_PARAMETER])
@bp.arguments(QuotaBody)
@bp.response(200, QuotaOut)
@bp.alt_response(403, schema=ErrorOut, description="Your role does not set this unit's quota.")
@bp.alt_response(422, schema=ErrorOut, description="Refused: the numbers, named.")
def set_unit_quota(body, unit_id, year):
    """Set a unit's quota for a year, as the quota page does: a board or committee sets those of
    the units below its own, an administrator those of its subtree. Each change is kept, with
    the quota it replaced (the quota page's history)."""
    unit = unit_or_404(unit_id)
    if not may_set_quota(current_actor(), unit):
        abort(403)
    form = page_form(QuotaForm, body | {"unit_id": unit.id, "year": year}, units=[unit])
    if not form.validate():
        return refused_fields(form.errors, message=QUOTA_REFUSED)
    quota = set_quota(current_actor(), unit, year, form.minimum.data, form.maximum.data)
    return {"unit_id": unit.id, "year": quota.year, "minimum": quota.minimum, "maximum": quota.maximum,
            "label": quota.label}
