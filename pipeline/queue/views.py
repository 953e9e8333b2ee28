"""The queue page (`/queue/`), what the home page shows of it, and the count in the menu."""
from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from flask_sqlalchemy.pagination import Pagination

from pipeline.accounts.models import ROLES
from pipeline.base import clock
from pipeline.bulkacts.views import DECISION, REVIEW
from pipeline.extensions import db
from pipeline.queue.waiting import count_waiting, rows_of, waiting_statement
from pipeline.web.params import page_arg
from pipeline.web.scope import current_actor

bp = Blueprint("queue", __name__, url_prefix="/queue")

MAX_PER_PAGE = 100
OTHERS_SHOWN = 100  # a secretary's other cases: a branch holds a few dozen


def menu_count():
    """The number in the menu: the pages that list the queue give it; the others ask for it
    after loading (`count`), so that no page runs one statement more for it."""
    return count_waiting(current_actor(), clock.today())


def waits_for_label(row):
    """Who records a row's act, in words."""
    if row.waits_for == "deciding":
        return _("Recorded by the unit that decides admissions")
    return _("Recorded by: %(role)s", role=ROLES[row.waits_for])


@bp.app_context_processor
def queue_context():
    return {"waits_for_label": waits_for_label}


class WaitingPagination(Pagination):
    """A page of the queue: its rows and how many in all from one statement (a window counts
    them; a page past the end is a 404, so an empty page is the first, and the total is 0)."""

    def _query_items(self):
        rows = db.session.execute(waiting_statement(self._query_args["user"], self._query_args["today"],
                                                    limit=self.per_page, offset=self._query_offset)).all()
        self._total = rows[0].total if rows else 0
        return rows

    def _query_count(self):
        return self._total


def waiting_page(user, today, page=1, per_page=None):
    """One page of the rows waiting for the user, judged, with how many in all (a fixed number of
    statements)."""
    per_page = per_page or current_app.config["CANDIDATES_PER_PAGE"]
    found = WaitingPagination(user=user, today=today, page=page, per_page=per_page, max_per_page=MAX_PER_PAGE)
    found.items = rows_of(found.items, today)
    return found


def others_of(user, today):
    """A secretary's other open cases, each with its next act and who records it (not judged)."""
    if user.role != "secretary":
        return []
    results = db.session.execute(waiting_statement(user, today, mine=False, limit=OTHERS_SHOWN)).all()
    return rows_of(results, today, mine=False, judged=False)


# The acts with a page that records them for several cases of a unit at once (pipeline.bulkacts).
BULK_PAGES = {bulk.act: bulk.endpoint for bulk in (REVIEW, DECISION)}


def bulk_links(rows, user):
    """(act, how many rows wait for it, the address of its bulk page in the user's unit) for
    each act of several rows that has such a page."""
    counts = {}
    for row in rows:
        if row.act.name in BULK_PAGES:
            counts.setdefault(row.act.name, [row.act, 0])[1] += 1
    return [(act, count, url_for(BULK_PAGES[name], unit_id=user.unit.id))
            for name, (act, count) in counts.items() if count > 1]


@bp.get("/")
@login_required
def queue():
    user, today = current_actor(), clock.today()
    page = waiting_page(user, today, page=page_arg(),
                        per_page=request.args.get("per_page", current_app.config["CANDIDATES_PER_PAGE"], type=int))
    return render_template("queue/queue.html", page=page, others=others_of(user, today),
                           bulk=bulk_links(page.items, user), menu_queue_total=page.total)


@bp.get("/count")
@login_required
def count():
    """The menu's badge, asked for by each page once loaded (htmx): one statement."""
    return render_template("queue/_count.html", count=menu_count())
