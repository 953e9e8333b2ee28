"""The API's reads of the tree and the cases: the same scope helpers as the pages (a unit or case
outside the token user's subtree is a 404, as not there), the same replay and checklist, the
same read log. Lists are pages in id order, continued with `after` (keyset pagination: a case
added or closed meanwhile neither repeats nor skips a row)."""
from flask import abort
from flask.views import MethodView
from sqlalchemy import select

from pipeline.api.auth import current_token
from pipeline.api.blueprint import ApiBlueprint
from pipeline.api.schemas import (CaseListQuery, CaseOut, CasePage, ChecklistLineOut, LogEntryOut, UnitListQuery,
                                  UnitPage, UserOut, entry_out)
from pipeline.audit.access import may_audit
from pipeline.base import clock
from pipeline.base.text import fold
from pipeline.cases.models import Case
from pipeline.dossier.views import lines_today
from pipeline.extensions import db
from pipeline.readlog.models import AUDIT_CASE, CASE_PAGE, DOSSIER_PAGE
from pipeline.readlog.reads import record_read
from pipeline.units.history import as_of
from pipeline.units.models import Unit, UnitVersion, subtree_filter
from pipeline.web.scope import case_or_404, current_actor, scoped_cases, unit_or_404
from pipeline.workdays.calendar import WorkingCalendar
from pipeline.workflow import operations
from pipeline.workflow.deadlines import stored_deadline
from pipeline.workflow.log import load_log
from pipeline.workflow.operations import current_state
from pipeline.workflow.stuck import stuck_condition
from pipeline.workflow.voiding import voided_seqs

bp = ApiBlueprint("api_reads", __name__, url_prefix="/api/v1", description="The tree and the cases.")
API_DETAIL = "API"  # the read log's detail of a read made through the API
# What CaseOut reads off the case row itself.
CASE_ATTRIBUTES = tuple(name for name, field in CaseOut().fields.items()
                        if field.attribute is None and name not in ("deadlines", "actions"))


def page_of(rows, limit, id_of):
    """(items, next_after): `rows` holds at most limit + 1 rows; the extra one says there is more."""
    items = rows[:limit]
    return {"items": items, "next_after": id_of(items[-1]) if len(rows) > limit else None}


@bp.route("/me")
class Me(MethodView):
    @bp.response(200, UserOut)
    def get(self):
        """The token's user: role, unit and what the token may do."""
        user, token = current_actor(), current_token()
        return {"id": user.id, "username": user.username, "display_name": user.display_name, "role": user.role,
                "unit_id": user.unit_id, "unit": user.unit, "token_name": token.name,
                "token_may_write": token.may_write, "token_expires_at": token.expires_at}


@bp.route("/units")
class Units(MethodView):
    @bp.arguments(UnitListQuery, location="query", as_kwargs=True)
    @bp.response(200, UnitPage)
    def get(self, on, parent, after, limit):
        """The units of your subtree as they stood on a day (their names and places then), in id
        order; a unit made later is not listed."""
        day = on or clock.today()
        if parent is not None:
            unit_or_404(parent)
        statement = (select(UnitVersion, Unit.code, Unit.valid_from, Unit.valid_to)
                     .join(Unit, Unit.id == UnitVersion.unit_id)
                     .where(subtree_filter(current_actor().unit), as_of(UnitVersion, day))
                     .order_by(UnitVersion.unit_id).limit(limit + 1))
        if parent is not None:
            statement = statement.where(UnitVersion.parent_id == parent)
        if after is not None:
            statement = statement.where(UnitVersion.unit_id > after)
        rows = [{"id": version.unit_id, "code": code, "name": version.name, "kind": version.kind,
                 "parent_id": version.parent_id, "path": version.path, "depth": version.depth,
                 "decides_admissions": version.decides_admissions, "valid_from": valid_from, "valid_to": valid_to}
                for version, code, valid_from, valid_to in db.session.execute(statement)]
        return page_of(rows, limit, lambda row: row["id"])


@bp.route("/cases")
class Cases(MethodView):
    @bp.arguments(CaseListQuery, location="query", as_kwargs=True)
    @bp.response(200, CasePage)
    def get(self, stage, unit, q, stuck, after, limit):
        """The cases of your subtree with the candidate list's filters (stage, unit, part of the
        name) and the dashboard's stuck cases, in id order."""
        statement = scoped_cases()
        if stuck:
            statement = statement.where(stuck_condition(clock.today()))
        if stage:
            statement = statement.where(Case.stage == stage)
        if unit is not None:
            statement = statement.where(subtree_filter(unit_or_404(unit)))
        folded = fold(q or "")
        if folded:
            statement = statement.where(Case.name_folded.contains(folded, autoescape=True))
        if after is not None:
            statement = statement.where(Case.id > after)
        rows = db.session.execute(statement.order_by(Case.id).limit(limit + 1)).scalars().all()
        return page_of(rows, limit, lambda case: case.id)


@bp.route("/cases/<int:case_id>")
class OneCase(MethodView):
    @bp.response(200, CaseOut)
    def get(self, case_id):
        """A case: the candidate's particulars, its stage and version (send it back with an act),
        its running deadlines, and the acts your role could record with why each is blocked."""
        case = case_or_404(case_id, with_state=True)
        out = case_out(case)
        record_read(CASE_PAGE, case=case, detail=API_DETAIL)
        return out


def case_out(case):
    """A case (read `with_state`) as CaseOut shows it: its row, deadlines and the acts the user
    could record (GET /cases/{id}, and the case a POST /cases opened)."""
    today = clock.today()
    calendar = WorkingCalendar.load()
    actions = [{"act": act.name, "label": str(act.label), "allowed": not reasons,
                "reasons": [str(reason) for reason in reasons]}
               for act, reasons in operations.action_states(current_actor(), case, current_state(case), today)]
    return {name: getattr(case, name) for name in CASE_ATTRIBUTES} | {
        "branch": case.branch, "deadlines": [stored_deadline(row, today, calendar) for row in case.deadlines],
        "actions": actions}


@bp.route("/cases/<int:case_id>/log")
class CaseLog(MethodView):
    @bp.response(200, LogEntryOut(many=True))
    def get(self, case_id):
        """The case's log, oldest first, each entry with the hash that chains it to the one before
        (`audit verify` recomputes them); a voided act is marked. As the audit pages: committees,
        boards and administrators (a secretary: 403)."""
        if not may_audit(current_actor()):  # as the audit page: a secretary reads the case's timeline only
            abort(403)
        case = case_or_404(case_id)
        log = load_log(case.id)
        voided = voided_seqs(log)
        entries = [entry_out(entry, entry.seq in voided) for entry in log]
        # After the entries are read: the read's commit expires them (one statement each again).
        record_read(AUDIT_CASE, case=case, detail=API_DETAIL)
        return entries


@bp.route("/cases/<int:case_id>/dossier")
class CaseDossier(MethodView):
    @bp.response(200, ChecklistLineOut(many=True))
    def get(self, case_id):
        """The dossier checklist under the rules in force today: each document, whether this case
        needs it, whether it was received, and what is wrong with it."""
        case = case_or_404(case_id, with_state=True)
        lines = lines_today(case)
        record_read(DOSSIER_PAGE, case=case, detail=API_DETAIL)
        return [{"key": line.key, "code": line.code, "name": line.name, "phase": line.phase, "kind": line.kind,
                 "required": line.required, "optional": line.optional, "received": line.received,
                 "received_on": line.received_on, "number": line.number, "note": line.note or "",
                 "due_by": str(line.due_by or ""), "stale": line.stale,
                 "problems": [str(problem) for problem in line.problems],
                 "scan": line.file and {"name": line.file.name, "type": line.file.type, "size": line.file.size}}
                for line in lines]
