"""An act's body schema, read off the act's WTForms form (pipeline.cases.act_forms): the page and
the API accept the same fields, and the form's own validation (its rules, the guards) still
decides. The schema checks what JSON can get wrong (a field's type, its bounds, a choice, an
unknown field) and is what the OpenAPI document shows for the act."""
from functools import lru_cache

from flask_wtf.file import FileField
from marshmallow import fields, validate
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, DateField, HiddenField, IntegerField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from pipeline.api.schemas import ID_MAX, Strict
from pipeline.training.forms import ClassChoiceField

NOT_IN_BODY = ("csrf_token", "version")


def _unbound_fields(form_class):
    return sorted(((name, value) for name in dir(form_class) if not name.startswith("_")
                   for value in [getattr(form_class, name)] if isinstance(value, UnboundField)),
                  key=lambda pair: pair[1].creation_counter)


def _choice_value(choice):
    return choice.value if isinstance(choice, SelectChoice) else choice[0]


def _schema_field(unbound, required=None):
    kind, validators = unbound.field_class, unbound.kwargs.get("validators") or []
    label = unbound.args[0] if unbound.args else unbound.kwargs.get("label", "")
    metadata = {"description": str(label)}
    if issubclass(kind, BooleanField):
        return fields.Boolean(load_default=False, metadata=metadata)
    # A class to choose sets its own rule and coercion (pipeline.training.forms).
    if required is None:
        required = issubclass(kind, ClassChoiceField) or any(isinstance(v, (DataRequired, InputRequired))
                                                              for v in validators)
    options = {"required": required, "metadata": metadata} | ({} if required else {"allow_none": True})
    checks = []
    for validator in validators:
        if isinstance(validator, Length):
            checks.append(validate.Length(min=validator.min if validator.min > 0 else None,
                                          max=validator.max if validator.max > 0 else None))
        elif isinstance(validator, NumberRange):
            checks.append(validate.Range(validator.min, validator.max))
    if issubclass(kind, DateField):
        return fields.Date(**options)
    if issubclass(kind, IntegerField):
        return fields.Integer(strict=True, validate=checks or [validate.Range(0, ID_MAX)], **options)
    if issubclass(kind, ClassChoiceField) or (issubclass(kind, SelectField) and unbound.kwargs.get("coerce") is int):
        return fields.Integer(strict=True, validate=validate.Range(1, ID_MAX), **options)
    if issubclass(kind, (SelectField, RadioField)) and unbound.kwargs.get("choices"):
        checks.append(validate.OneOf([_choice_value(choice) for choice in unbound.kwargs["choices"]]))
    return fields.String(validate=checks, **options)


@lru_cache(maxsize=None)
def body_schema(form_class, name, versioned=True, optional=(), required=()):
    """The marshmallow schema of an act's body: its form's fields, and the case's version
    (`versioned`: not for what has no version yet, a new case, or keeps it, a note). `optional`,
    `required`: fields the body may leave out or must send whatever the form's validators say
    (a branch a secretary need not name; a select the form refuses when left on "Choose…")."""
    attributes = {"version": fields.Integer(required=True, strict=True, validate=validate.Range(1, ID_MAX), metadata={
        "description": "The case's version as you read it (GET /cases/{id}): an act on a case changed "
                       "meanwhile is refused with 409."})} if versioned else {}
    for field_name, unbound in _unbound_fields(form_class):
        if field_name in NOT_IN_BODY or issubclass(unbound.field_class, (HiddenField, FileField)):
            continue
        needed = True if field_name in required else False if field_name in optional else None
        attributes[field_name] = _schema_field(unbound, needed)
    return type(name, (Strict,), attributes)


def form_data(loaded):
    """The loaded body as the form data a page would post (what WTForms reads)."""
    data = {}
    for name, value in loaded.items():
        if value is None or value is False:
            continue
        data[name] = "y" if value is True else value.isoformat() if hasattr(value, "isoformat") else str(value)
    return data


def page_form(make, data, *args, **kwargs):
    """The page's form, `make(*args, **kwargs)` (its class, or the page's function making it),
    filled with `data`: a loaded body (read as `form_data`), or the MultiDict a page would post.
    Checked without a CSRF token: the API's credential is a token in a header, which no page of
    another site can send."""
    formdata = data if isinstance(data, MultiDict) else MultiDict(form_data(data))
    return make(*args, formdata=formdata, meta={"csrf": False}, **kwargs)
