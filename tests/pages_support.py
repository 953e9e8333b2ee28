"""Helpers shared by the page tests (tests/test_pages_*.py)."""
import html
import re
from datetime import timedelta

import flask_babel
import pytest
from flask import g
from sqlalchemy import func, select

from conftest import PASSWORD
from pipeline.base import clock
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.workflow.models import LogEntry


class Pages:
    """The test client, each request starting as a real one does. In tests every request runs
    inside the fixture's application context, so `g` (the logged-in user) and the database
    session would otherwise carry over from one request to the next and hide per-row queries."""

    def __init__(self, client):
        self.client = client

    def _fresh(self):
        db.session.expire_all()
        g.pop("_login_user", None)
        flask_babel.refresh()  # the locale is cached per application context too

    def get(self, *args, **kwargs):
        self._fresh()
        return self.client.get(*args, **kwargs)

    def post(self, *args, **kwargs):
        self._fresh()
        return self.client.post(*args, **kwargs)

    def login(self, username, password=PASSWORD):
        """Log in, in English: the assertions read the English texts, whatever catalogue exists."""
        return self.post("/login?lang=en", data={"username": username, "password": password},
                         follow_redirects=True)


@pytest.fixture
def pages(client):
    return Pages(client)


def text(response):
    """The page as a user reads it: entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(response.get_data(as_text=True)).split())


def section(response, element_id):
    """The text of the element with this id (up to its closing tag of the same name)."""
    page = html.unescape(response.get_data(as_text=True))
    match = re.search(r'<(\w+)[^>]*\bid="%s"' % re.escape(element_id), page)
    assert match, f"no element #{element_id} on the page"
    tag = match.group(1)
    depth, pos = 0, match.start()
    for m in re.finditer(r"<(/?)%s\b[^>]*>" % tag, page[match.start():]):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            pos = match.start() + m.end()
            break
    return " ".join(re.sub(r"<[^>]+>", " ", page[match.start():pos]).split())


def field_errors(response, field):
    """The error text shown beside a form field ('' when there is none)."""
    page = html.unescape(response.get_data(as_text=True))
    match = re.search(r'<div class="invalid-feedback d-block" id="%s-errors">(.*?)</div>\s*</div>'
                      % re.escape(field), page, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split()) if match else ""


def log_rows(case_id=None):
    stmt = select(func.count()).select_from(LogEntry)
    if case_id is not None:
        stmt = stmt.where(LogEntry.case_id == case_id)
    return db.session.execute(stmt).scalar_one()


def case_count():
    return db.session.execute(select(func.count()).select_from(Case)).scalar_one()


def fresh_case(case_id):
    db.session.expire_all()
    return db.session.get(Case, case_id)


# A form value meaning "the day after today", turned into a date only when the request is sent:
# cases are built when tests are collected, which may be before midnight in Vietnam while the
# request goes out after it, when yesterday's "tomorrow" is already today.
TOMORROW = object()


def with_tomorrow(data):
    """`data` with every TOMORROW replaced by the date of the day after today (ISO)."""
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    return {key: tomorrow if value is TOMORROW else value for key, value in data.items()}
