"""The e-mail digest of a user's queue: what waits for them and the overdue cases of their scope,
in their language, as plain text and HTML. Sent by `send-digests` to the users who chose that
period and gave an address."""
from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import force_locale, gettext as _
from sqlalchemy import func, select

from pipeline.accounts.models import User
from pipeline.base.formatting import format_number
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.queue.mail import message, send_messages
from pipeline.queue.waiting import rows_of, waiting_statement
from pipeline.units.models import Unit, subtree_filter
from pipeline.workflow.stuck import overdue_condition, stuck_cases

PERIODS = ("daily", "weekly")
SHOWN = 50  # rows of each list in one e-mail; the counts say how many in all


@dataclass
class Digest:
    user: User
    waiting: list
    waiting_total: int
    overdue: list  # StuckCases with an overdue deadline
    overdue_total: int

    @property
    def empty(self):
        return not self.waiting_total and not self.overdue_total


def recipients(period):
    """The active users who chose `period` and gave an address."""
    return db.session.execute(
        select(User).where(User.active.is_(True), User.digest == period, User.email.is_not(None), User.email != "")
        .order_by(User.id)).scalars().all()


def digest_of(user, today):
    waiting = db.session.execute(waiting_statement(user, today, limit=SHOWN)).all()
    overdue_total = db.session.execute(
        select(func.count(Case.id)).join(Unit, Case.branch_id == Unit.id)
        .where(subtree_filter(user.unit), overdue_condition(today))).scalar_one()
    return Digest(user, rows_of(waiting, today), waiting[0].total if waiting else 0,
                  stuck_cases(user.unit, today, limit=SHOWN, where=(overdue_condition(today),)) if overdue_total else [],
                  overdue_total)


def render_digest(digest, today, period):
    """(subject, text, html) in the user's language; every value escaped in the HTML part."""
    site = (current_app.config.get("SITE_URL") or "").rstrip("/")
    language = digest.user.language or current_app.config["BABEL_DEFAULT_LOCALE"]
    # A request context for the templates' helpers; links are absolute only with SITE_URL.
    with current_app.test_request_context(base_url=site or "http://localhost"), force_locale(language):
        subject = _("Kết nạp: %(waiting)s waiting for you, %(overdue)s overdue",
                    waiting=format_number(digest.waiting_total), overdue=format_number(digest.overdue_total))
        context = dict(digest=digest, day=today, period=period, site=site, lang=language)
        return subject, render_template("queue/digest.txt", **context), render_template("queue/digest.html", **context)


def send_digests(period, today):
    """(sent, nothing to say, refused addresses): one e-mail per user who chose `period`, with
    something waiting or overdue, all over one connection."""
    config = current_app.config
    messages, empty = [], 0
    for user in recipients(period):
        digest = digest_of(user, today)
        if digest.empty:
            empty += 1
            continue
        subject, text, html = render_digest(digest, today, period)
        messages.append(message(config, (user.display_name, user.email), subject, text, html))
    if not messages:
        return 0, empty, []
    sent, refused = send_messages(messages, config)
    return sent, empty, refused
