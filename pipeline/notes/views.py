"""Adding a note from the case page. Scoped like the case page: outside the user's subtree the
case is not there (404) and nothing is written. A refused note comes back on the case page with
what was typed."""
from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import login_required

from pipeline.base.errors import ActBlocked, CaseNotFound
from pipeline.cases.views import case_page
from pipeline.notes.forms import NoteForm
from pipeline.notes.operations import add_note
from pipeline.web.scope import case_or_404, current_actor

bp = Blueprint("notes", __name__, url_prefix="/candidates")


@bp.post("/<int:case_id>/notes")
@login_required
def add(case_id):
    case = case_or_404(case_id)
    form = NoteForm()
    if form.validate_on_submit():
        try:
            note = add_note(case.id, current_actor(), form.note.data)
        except CaseNotFound:
            abort(404)
        except ActBlocked as blocked:
            form.note.errors = list(blocked.reasons)
        else:
            flash(_("Note added to the history."), "success")
            return redirect(url_for("cases.show_case", case_id=case.id, _anchor=note.anchor))
    return case_page(case, note_form=form, status=422)
