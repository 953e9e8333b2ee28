"""The API's shapes: marshmallow schemas that validate what comes in and describe what goes out.
The OpenAPI document (/api/v1/openapi.json) is generated from these same classes, so the
document cannot say one thing while the code checks another."""
from datetime import timezone

import marshmallow as ma
from marshmallow import fields, validate

from pipeline.workflow.stages import STAGE_NAMES

# Bounds of every input, as the pages' forms bound theirs.
SEARCH_LENGTH = 100
PAGE_LIMIT_MAX = 100
PAGE_LIMIT_DEFAULT = 50
ID_MAX = 2**31 - 1  # the databases' integer ids (pipeline.web.params bounds the pages' the same)
Id = lambda **kw: fields.Integer(strict=False, validate=validate.Range(1, ID_MAX), **kw)  # noqa: E731


class UtcDateTime(fields.DateTime):
    """A moment as the tables keep it (naive UTC), written with its offset (RFC 3339: "…Z" is
    not optional in a date-time)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


class Strict(ma.Schema):
    """Unknown fields are refused with a message naming them, not ignored."""
    class Meta:
        unknown = ma.RAISE
        ordered = True


class WholeMatch(validate.Regexp):
    """A pattern the whole value matches: Python's `$` also matches before a final line break,
    which the document's pattern (ECMAScript's) does not."""

    def __call__(self, value):
        if self.regex.fullmatch(value) is None:
            raise ma.ValidationError(self._format_error(value))
        return value


# Text without control characters: the app refuses them in an address (400) and in a field.
PRINTABLE = WholeMatch(r"^[^\x00-\x1f\x7f-\x9f]*$", error="Control characters are not allowed.")


# --- what comes in ----------------------------------------------------------------------------

class PageQuery(Strict):
    after = Id(load_default=None, metadata={"description": "The `next_after` of the page before: the list goes on "
                                                           "after this id."})
    limit = fields.Integer(load_default=PAGE_LIMIT_DEFAULT, validate=validate.Range(1, PAGE_LIMIT_MAX))


class CaseListQuery(PageQuery):
    stage = fields.String(load_default=None, validate=validate.OneOf(STAGE_NAMES))
    unit = Id(load_default=None, metadata={"description": "Only the cases of this unit's subtree (a unit in "
                                                          "your scope; another is a 404)."})
    stuck = fields.Boolean(load_default=False, metadata={
        "description": "Only the stuck cases: a deadline passed, or longer in their stage than the rules expect "
                       "(as the dashboard counts them)."})
    q = fields.String(load_default=None, validate=[validate.Length(max=SEARCH_LENGTH), PRINTABLE],
                      metadata={"description": "Part of the name, with or without diacritics."})


class UnitListQuery(PageQuery):
    on = fields.Date(load_default=None, metadata={"description": "The tree as it stood on this day "
                                                                 "(default: today)."})
    parent = Id(load_default=None, metadata={"description": "Only the units directly under this one."})


# --- what goes out ----------------------------------------------------------------------------

class Out(ma.Schema):
    class Meta:
        ordered = True


class UserOut(Out):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    unit_id = fields.Integer()
    unit_name = fields.String(attribute="unit.name")
    token_name = fields.String()
    token_may_write = fields.Boolean()
    token_expires_at = UtcDateTime()


class UnitOut(Out):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    parent_id = fields.Integer(allow_none=True)
    path = fields.String()
    depth = fields.Integer()
    decides_admissions = fields.Boolean()
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)


class UnitPage(Out):
    items = fields.List(fields.Nested(UnitOut))
    next_after = fields.Integer(allow_none=True)


class CaseSummaryOut(Out):
    id = fields.Integer()
    full_name = fields.String()
    branch_id = fields.Integer()
    branch_name = fields.String(attribute="branch.name")
    stage = fields.String()
    stage_entered_on = fields.Date()
    version = fields.Integer()


class CasePage(Out):
    items = fields.List(fields.Nested(CaseSummaryOut))
    next_after = fields.Integer(allow_none=True)


class DeadlineOut(Out):
    key = fields.String()
    label = fields.String()
    starts_on = fields.Date(attribute="start")
    due_on = fields.Date(attribute="due")
    remaining = fields.Integer()
    unit = fields.String()
    overdue = fields.Boolean()
    state = fields.String()
    citation = fields.String()


class ActionOut(Out):
    act = fields.String()
    label = fields.String()
    allowed = fields.Boolean()
    reasons = fields.List(fields.String())


class CaseOut(CaseSummaryOut):
    date_of_birth = fields.Date()
    sex = fields.String()
    ethnicity = fields.String()
    education = fields.String()
    occupation = fields.String()
    residence = fields.String()
    youth_union_member = fields.Boolean()
    source_organisation = fields.String()
    helper_member = fields.String()
    exit_reason = fields.String(allow_none=True)
    failed_branch_votes = fields.Integer()
    created_at = UtcDateTime()
    last_recorded_at = UtcDateTime(allow_none=True)
    deadlines = fields.List(fields.Nested(DeadlineOut))
    actions = fields.List(fields.Nested(ActionOut))


class LogEntryOut(Out):
    seq = fields.Integer()
    act = fields.String()
    from_stage = fields.String(allow_none=True)
    to_stage = fields.String()
    actor_id = fields.Integer(allow_none=True)
    recorded_at = UtcDateTime()
    effective_date = fields.Date()
    reason = fields.String()
    data = fields.Dict()
    voided = fields.Boolean()
    prev_hash = fields.String()
    hash = fields.String()


def entry_out(entry, voided=False):
    """A log entry as LogEntryOut reads it."""
    return {"seq": entry.seq, "act": entry.act, "from_stage": entry.from_stage, "to_stage": entry.to_stage,
            "actor_id": entry.actor_id, "recorded_at": entry.recorded_at, "effective_date": entry.effective_date,
            "reason": entry.reason, "data": entry.data or {}, "voided": voided, "prev_hash": entry.prev_hash,
            "hash": entry.hash}


class ScanOut(Out):
    name = fields.String()
    type = fields.String()
    size = fields.Integer()


class ChecklistLineOut(Out):
    key = fields.String()
    code = fields.String()
    name = fields.String()
    phase = fields.String()
    kind = fields.String()
    required = fields.Boolean()
    optional = fields.Boolean()
    received = fields.Boolean()
    received_on = fields.Date(allow_none=True)
    number = fields.String(allow_none=True)
    note = fields.String()
    due_by = fields.String()
    stale = fields.Boolean()
    problems = fields.List(fields.String())
    scan = fields.Nested(ScanOut, allow_none=True, metadata={
        "description": "The scan attached, if any (GET /cases/{id}/dossier/{key}/scan)."})


class ErrorOut(Out):
    code = fields.Integer()
    status = fields.String()
    message = fields.String()
    reasons = fields.List(fields.String())
    errors = fields.Dict()
