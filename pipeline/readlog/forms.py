"""The read log's filters, read from the query string: /audit/reads?unit=&user=&case=&kind=&from=&to=.
Unlike the act log's, a filter that is not valid is not silently dropped: the page says what is
wrong beside the field and lists nothing, rather than every read under a filter the auditor
believes applies."""
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from pipeline.base.forms import BaseForm, choices
from pipeline.base.i18n import lazy_gettext as _l
from pipeline.base.ids import MAX_ID


class ReadFilterForm(BaseForm):
    class Meta:
        csrf = False

    unit = SelectField(_l("Unit"), validators=[Optional()])
    user = SelectField(_l("Read by"), validators=[Optional()])
    case = StringField(_l("Case no."), validators=[Optional(), Length(max=10)])
    kind = SelectField(_l("What was read"), validators=[Optional()])
    date_from = DateField(_l("From"), name="from", validators=[Optional()])
    date_to = DateField(_l("To"), name="to", validators=[Optional()])

    def __init__(self, formdata, units, root_depth, users, kinds, **kwargs):
        super().__init__(formdata, **kwargs)
        self.unit.choices = choices([("", _l("All my units"))] + [
            (str(u.id), "\u00a0\u00a0" * (u.depth - root_depth) + u.name) for u in units])
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

    def values(self):
        """(unit id, user id, case id, kind, from, to) once the form has validated."""
        def number(value):
            return int(value) if value and value.strip().isdigit() else None
        return (number(self.unit.data), number(self.user.data), number(self.case.data), self.kind.data or None,
                self.date_from.data, self.date_to.data)
