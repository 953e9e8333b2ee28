"""The read log's filters, read from the query string: /audit/reads?unit=&unit_name=&user=&case=&kind=&from=&to=.
Unlike the act log's, a filter that is not valid is not silently dropped: the page says what is
wrong beside the field and lists nothing, rather than every read under a filter the auditor
believes applies."""
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from pipeline.base.forms import BaseForm, choices
from pipeline.base.i18n import lazy_gettext as _l
from pipeline.base.ids import MAX_ID
from pipeline.units.picker import UnitPickerFields


class ReadFilterForm(UnitPickerFields, BaseForm):
    """The unit is a picker (pipeline.units.picker): an auditor's scope can be the whole country."""

    class Meta:
        csrf = False

    user = SelectField(_l("Read by"), validators=[Optional()])
    case = StringField(_l("Case no."), validators=[Optional(), Length(max=10)])
    kind = SelectField(_l("What was read"), validators=[Optional()])
    date_from = DateField(_l("From"), name="from", validators=[Optional()])
    date_to = DateField(_l("To"), name="to", validators=[Optional()])

    def __init__(self, formdata, users, kinds, **kwargs):
        super().__init__(formdata, **kwargs)
        self.user.choices = choices([("", _l("Everyone"))] + [
            (str(u.id), f"{u.display_name} ({u.username})") for u in users])
        self.kind.choices = choices([("", _l("Everything"))] + list(kinds))

    def validate_case(self, field):
        text = (field.data or "").strip()
        if text and not (text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID):
            raise ValidationError(_l("A case number is a whole number, as shown on the case page."))

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end of the period is before its start."))

    def picked_or_refused(self, root):
        """The unit the picker names inside `root`'s subtree; a text naming none or several of
        them, or an id that is none of them, is an error beside the field, not a silent "all"."""
        sent_id = bool(self.unit.data)
        picked = self.pick(root)
        if picked.missed or picked.matches:
            self.unit_name.errors = list(self.unit_name.errors) + [_l("Choose one of your units.")]
        elif sent_id and picked.unit is None and not self.unit_name.raw_data:  # a link ?unit=<id>
            self.unit_name.errors = list(self.unit_name.errors) + [_l("This unit is not one of yours.")]
        return picked

    def values(self):
        """(user id, case id, kind, from, to) once the form has validated."""
        def number(value):
            return int(value) if value and value.strip().isdigit() else None
        return (number(self.user.data), number(self.case.data), self.kind.data or None,
                self.date_from.data, self.date_to.data)
