"""Which unit a quota or report page shows: the user's own by default, any unit of their subtree on
request, anything else a 404 (as for cases: "not there" and "not yours" look the same)."""
from datetime import date

from flask import abort, request
from sqlalchemy import select

from pipeline.base import clock
from pipeline.extensions import db
from pipeline.quotas.forms import PeriodForm
from pipeline.units.models import Unit
from pipeline.web.params import id_arg
from pipeline.web.scope import current_actor, unit_or_404


def requested_unit():
    """The unit of the `unit` query parameter, inside the user's subtree, else 404."""
    own = current_actor().unit
    unit_id = id_arg("unit")
    if unit_id is None and "unit" in request.args:
        abort(404)
    if unit_id is None or unit_id == own.id:
        return own
    return unit_or_404(unit_id)


def trail(unit):
    """The units from the user's own down to `unit` (breadcrumbs), in one query."""
    own = current_actor().unit
    if unit.id == own.id:
        return [unit]
    ids = [int(part) for part in unit.path.strip("/").split("/")]
    return db.session.execute(
        select(Unit).where(Unit.id.in_(ids), Unit.depth >= own.depth).order_by(Unit.depth)).scalars().all()


def requested_period(with_until=False):
    """(form, year, until) from the `year` and `until` query parameters. The year defaults to this
    year; `until` to 31 December, or today within the current year. Bad values are shown as the
    form's errors and the defaults used."""
    today = clock.today()
    form = PeriodForm(request.args, data={"year": today.year})
    if not form.validate():
        form.year.data, form.until.data = today.year, None
    if form.year.data is None:
        form.year.data = today.year
    year = form.year.data
    until = form.until.data if with_until else None
    if until is None:
        until = max(date(year, 1, 1), min(date(year, 12, 31), today))
    return form, year, until
