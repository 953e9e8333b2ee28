"""The forms of the reorganisation pages (merging units, splitting a unit: pipeline/units/views.py)
and of transferring one candidate (pipeline/cases/views.py), with the choices they offer.

A reorganisation is shown before it is done: the first submission previews the plan
(pipeline.units.reorganise), and only a submission that says "carry it out" with the very values
that were previewed writes anything. `fingerprint` is how the page knows: the preview hands it
back in a hidden field, and any value changed since makes a new preview instead. The operations
check every rule again; the forms only say it early, beside the field."""
import hashlib
import json

from pipeline.base.i18n import lazy_gettext as _l
from sqlalchemy import select
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, SelectMultipleField, \
    StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional, StopValidation, ValidationError

from pipeline.accounts.admin_forms import indented
from pipeline.base.forms import BaseForm, VersionedForm, choices, date_required, required
from pipeline.base.validators import nfc, plain_text
from pipeline.extensions import db
from pipeline.units.admin_forms import reasonable_date
from pipeline.units.forms import unit_code_rule
from pipeline.units.models import BRANCH_KINDS, UNIT_KINDS, Unit, subtree_filter
from pipeline.units.operations import MAX_NAME, MAX_OFFICIAL_MEMBERS, code_taken
# The very rows plan_split asks a successor for: the page offers a select for each of them.
from pipeline.units.reorganise import ACCOUNT_CHOICES, NewUnit, active_accounts, open_cases, open_children
from pipeline.units.search import MAX_QUERY, Picked, pick_unit
from pipeline.units.tree import units_in_tree_order

NEW = -1  # "a new unit", in the select of the unit merged into
DISABLE = -1  # "disable the account", in a split's account rows
# Not part of what is previewed: the token, the fingerprint itself and the confirmation.
NOT_PREVIEWED = ("csrf_token", "previewed", "confirmed")


def fingerprint(unit_id, pairs):
    """What was submitted for the unit `unit_id` (form items as (name, value) pairs), as a short
    digest: the same values give the same digest, whatever their order."""
    kept = sorted((str(name), str(value)) for name, value in pairs if name not in NOT_PREVIEWED)
    text = json.dumps([unit_id, kept], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _reason():
    return TextAreaField(_l("Reason"), filters=[nfc], validators=[Optional(), Length(max=500), plain_text],
                         render_kw={"maxlength": 500})


# --- what the pages offer -------------------------------------------------------------------------

def same_level(unit, other):
    """Branches merge into a branch, committees into a committee."""
    return unit.is_branch == other.is_branch


def successors_offered(actor, unit):
    """The open units of the administrator's subtree that `unit`'s rows may go to: of its level,
    outside it, not the administrator's own unit (changed from above), in tree order."""
    return [u for u in units_in_tree_order(actor.unit)
            if u.valid_to is None and same_level(unit, u) and not u.path.startswith(unit.path)
            and u.id != actor.unit_id]


def siblings_offered(unit):
    """The open units beside `unit` (same unit above, same level) that may end with it."""
    rows = db.session.execute(select(Unit).where(Unit.parent_id == unit.parent_id, Unit.id != unit.id,
                                                 Unit.valid_to.is_(None)).order_by(Unit.name, Unit.id)).scalars()
    return [u for u in rows if same_level(unit, u)]


def subtree_units(actor):
    """id -> unit, every unit of the administrator's subtree, closed ones included: a unit that
    closed since the page was shown is named by the plan's own words, not "not a valid choice"."""
    return {u.id: u for u in db.session.execute(select(Unit).where(subtree_filter(actor.unit))).scalars()}


def committees_offered(actor):
    """The open committees of the administrator's subtree: where a new unit may go."""
    return [u for u in units_in_tree_order(actor.unit) if u.valid_to is None and not u.is_branch]


# --- merging --------------------------------------------------------------------------------------

def if_new(form, field):
    """The new unit's fields count only when "a new unit" is chosen: otherwise whatever they hold
    is ignored, errors included; when it is, they are required."""
    if form.into.data != NEW:
        field.errors[:] = []
        raise StopValidation()
    if field.data in (None, "") and not field.errors and field.type != "IntegerField":
        raise StopValidation(_l("This field is required."))


class MergeForm(BaseForm):
    also = SelectMultipleField(_l("Other units that merge with it"), coerce=int, validate_choice=False)
    into = SelectField(_l("Merge into"), coerce=int, validate_choice=False)
    new_code = StringField(_l("Code"), filters=[_strip], validators=[if_new, unit_code_rule],
                           render_kw={"maxlength": 64, "autocapitalize": "none", "spellcheck": "false"})
    new_name = StringField(_l("Unit name"), filters=[nfc, _strip], validators=[if_new, Length(max=MAX_NAME), plain_text],
                           render_kw={"maxlength": MAX_NAME})
    new_kind = SelectField(_l("Kind"), validators=[if_new])
    new_parent_id = SelectField(_l("Unit above"), coerce=int, validate_choice=False, validators=[if_new])
    new_decides_admissions = BooleanField(_l("Decides admissions"))
    new_official_members = IntegerField(_l("Official members (branches only)"), validators=[
        if_new, Optional(), NumberRange(min=0, max=MAX_OFFICIAL_MEMBERS,
                                        message=_l("Give a whole number from 0 to 100000."))])
    effective_date = DateField(_l("Effective from"), validators=[date_required(), reasonable_date])
    accounts = SelectField(_l("The accounts of the units that end"),
                           choices=choices(list(ACCOUNT_CHOICES.items())), default="move")
    reason = _reason()
    previewed = HiddenField()
    confirmed = BooleanField(_l("I have checked the preview: carry out the merge."))

    def __init__(self, *args, unit, siblings, targets, known, parents, root_depth, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit, self.known = unit, known
        self.siblings = {u.id: u for u in siblings}
        self.parents = {u.id: u for u in parents}
        self.also.choices = choices([(u.id, u.name) for u in siblings])
        self.into.choices = choices([(0, _l("Choose…")), (NEW, _l("A new unit (described below)"))]
                                    + indented(targets, root_depth))
        kinds = [kind for kind in UNIT_KINDS if (kind in BRANCH_KINDS) == unit.is_branch]
        self.new_kind.choices = choices([("", _l("Choose…"))] + [(kind, UNIT_KINDS[kind]) for kind in kinds])
        self.new_parent_id.choices = choices([(0, _l("Choose…"))] + indented(parents, root_depth))

    def validate_also(self, field):
        if any(unit_id not in self.siblings for unit_id in field.data or ()):
            raise ValidationError(_l("Not a valid choice."))

    def validate_into(self, field):
        if field.errors:
            return
        if field.data == 0:
            raise ValidationError(_l("Choose the unit they merge into, or a new unit."))
        if field.data != NEW and field.data not in self.known:
            raise ValidationError(_l("Not a valid choice."))

    def validate_new_parent_id(self, field):
        if self.into.data == NEW and field.data not in self.parents:
            raise ValidationError(_l("Choose the unit above."))

    def validate_new_code(self, field):
        if self.into.data == NEW and not field.errors and code_taken(field.data):
            raise ValidationError(_l("This code is taken by another unit: choose another."))

    def validate_new_official_members(self, field):
        if self.into.data == NEW and field.data is not None and self.new_kind.data not in BRANCH_KINDS:
            raise ValidationError(_l("Only a branch has its own number of official members."))

    @property
    def ending(self):
        return [self.unit] + [self.siblings[unit_id] for unit_id in self.also.data or ()]

    @property
    def successor(self):
        """The unit chosen, or the NewUnit described (made when the merge is carried out)."""
        if self.into.data != NEW:
            return self.known[self.into.data]
        return NewUnit(self.new_code.data, self.new_name.data, self.new_kind.data,
                       self.parents[self.new_parent_id.data], bool(self.new_decides_admissions.data),
                       self.new_official_members.data)


# A refusal of the operation names the field of its own form (pipeline.units.operations): here.
MERGE_FIELDS = {"code": "new_code", "name": "new_name", "kind": "new_kind", "parent_id": "new_parent_id",
                "official_members": "new_official_members", "valid_from": "effective_date",
                "effective_date": "effective_date"}


# --- splitting ------------------------------------------------------------------------------------

class SplitForm(BaseForm):
    effective_date = DateField(_l("Effective from"), validators=[date_required(), reasonable_date])
    reason = _reason()
    previewed = HiddenField()
    confirmed = BooleanField(_l("I have checked the preview: carry out the split."))

    def successor_of(self):
        """What plan_split takes: ("unit", id) and ("case", id) -> the successor chosen (the
        accounts' are `account_choices`)."""
        found = {}
        for kind, rows in self.rows.items():
            if kind == "account":
                continue
            for row, field in rows:
                if field.data in self.successors:
                    found[(kind, row.id)] = self.successors[field.data]
        return found

    def account_choices(self):
        """account id -> its successor, None to disable it (plan_split's `accounts`)."""
        return {user.id: self.successors.get(field.data) for user, field in self.rows["account"]}


def split_rows(unit):
    """The rows of a split: the open units below, the open cases and the active accounts of `unit`."""
    return {"unit": open_children(unit), "case": open_cases(unit), "account": active_accounts(unit)}


def _row_choice(form, field):
    if not field.errors and field.data == 0:
        raise ValidationError(_l("Choose where it goes."))


def split_form(rows, successors, root_depth, **kwargs):
    """A SplitForm with a select per row: `rows` maps "unit", "case" and "account" to the open
    units below, the open cases and the active accounts of the unit; `successors` the units
    offered. An account may also be disabled."""
    class Form(SplitForm):
        pass

    for kind, listed in rows.items():
        for row in listed:
            setattr(Form, f"{kind}_{row.id}", SelectField(row_label(kind, row), coerce=int, validators=[_row_choice]))
    form = Form(**kwargs)
    form.successors = {u.id: u for u in successors}
    offered = [(0, _l("Choose…"))] + indented(successors, root_depth)
    form.rows = {kind: [(row, form[f"{kind}_{row.id}"]) for row in listed] for kind, listed in rows.items()}
    for kind, pairs in form.rows.items():
        for _row, field in pairs:
            field.choices = choices(offered[:1] + ([(DISABLE, _l("Disable the account"))] if kind == "account"
                                                   else []) + offered[1:])
    return form


def row_label(kind, row):
    if kind == "unit":
        return row.name
    if kind == "case":
        return row.full_name
    return f"{row.display_name} ({row.username})"


# --- transferring one candidate -------------------------------------------------------------------

# More open branches than this in the user's subtree (a province holds thousands, the country
# 56,000): the destination is searched for (TransferSearchForm) instead of chosen from a select.
TRANSFER_SELECT_LIMIT = 300


class _TransferFields(VersionedForm):
    effective_date = DateField(_l("Date of the transfer"), validators=[date_required(), reasonable_date])
    reason = TextAreaField(_l("Reason"), filters=[nfc], validators=[required(), Length(max=1000), plain_text],
                           render_kw={"maxlength": 1000})


class TransferForm(_TransferFields):
    """A scope of at most TRANSFER_SELECT_LIMIT open branches: a select of them."""
    to_branch_id = SelectField(_l("Branch the candidate goes to"), coerce=int)

    def __init__(self, *args, destinations, root_depth, **kwargs):
        super().__init__(*args, **kwargs)
        self.destinations = {u.id: u for u in destinations}
        self.to_branch_id.choices = choices([(0, _l("Choose…"))] + indented(destinations, root_depth))

    def validate_to_branch_id(self, field):
        if not field.errors and field.data not in self.destinations:
            raise ValidationError(_l("Choose the branch the candidate goes to."))


class TransferSearchForm(_TransferFields):
    """A larger scope: the destination is found with a unit picker (templates/units/_picker.html)
    among the open branches of the user's subtree; without the script the typed name is sent and
    several branches matching it come back as radio buttons (`to_branch_choice`)."""
    to_branch_id = HiddenField()
    to_branch_name = StringField(_l("Branch the candidate goes to"), filters=[nfc],
                                 validators=[Length(max=MAX_QUERY), plain_text])
    CHOICE = "to_branch_choice"

    def __init__(self, *args, root, current_branch_id, chosen=None, **kwargs):
        """`chosen`: the radio button checked among the matches, if any (it wins over the text)."""
        super().__init__(*args, **kwargs)
        self.root, self.current_branch_id, self.chosen = root, current_branch_id, chosen
        self.destinations, self.picked = {}, Picked()

    def validate_to_branch_name(self, field):
        raw = self.chosen or self.to_branch_id.data or ""
        unit_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else None
        self.picked = pick_unit(unit_id, None if self.chosen else field.data or "", self.root, open_branches=True)
        unit = self.picked.unit
        if unit is None or unit.id == self.current_branch_id:
            self.to_branch_id.data = ""
            raise ValidationError(_l("Several units match: choose one.") if self.picked.matches
                                  else _l("Choose the branch the candidate goes to."))
        self.destinations = {unit.id: unit}
        self.to_branch_id.data, field.data = unit.id, unit.name
