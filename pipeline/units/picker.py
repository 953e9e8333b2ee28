"""The two fields of a unit picker (templates/units/_picker.html) for the filter forms: the chosen
unit's id, kept by links and set by the script, and the text that names it. Mixed into a form,
they replace a select of every unit of the scope (60,000 at the top of the country)."""
from wtforms import HiddenField, StringField
from wtforms.validators import Length, Optional

from pipeline.base.i18n import lazy_gettext as _l
from pipeline.base.validators import nfc, plain_text
from pipeline.units.search import MAX_QUERY, pick_unit


class UnitPickerFields:
    unit = HiddenField(validators=[Optional()])
    unit_name = StringField(_l("Unit"), filters=[nfc], validators=[Optional(), Length(max=MAX_QUERY), plain_text])

    def pick(self, root):
        """The Picked of the two fields inside `root`'s subtree (pipeline.units.search.pick_unit),
        the fields then showing it. Call after validate()."""
        raw = self.unit.data or ""
        unit_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else None
        # Not sent (a link ?unit=5) or refused: the id alone holds.
        text = (self.unit_name.data or "") if self.unit_name.raw_data and not self.unit_name.errors else None
        picked = pick_unit(unit_id, text, root)
        self.unit.data = str(picked.unit.id) if picked.unit else ""
        if picked.unit or not self.unit_name.errors:
            self.unit_name.data = picked.unit.name if picked.unit else picked.text
        return picked

    def applied_skip(self, picked):
        """The fields form_filters leaves out: the id always (the name says it), the text when it
        named no unit (it filtered nothing)."""
        return ("unit",) if picked.unit else ("unit", "unit_name")
