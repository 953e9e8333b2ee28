"""Numbers read from URLs. An id or a page number beyond what the database can hold names
nothing that exists: it is a 404 like any other missing row, never a database error (a 500:
SQLite cannot bind integers beyond 64 bits, PostgreSQL refuses them for an integer column)."""
from flask import abort, request
from werkzeug.routing import IntegerConverter

from pipeline.base.ids import MAX_ID, storable
# Far beyond any list, and page × per page stays inside a 64-bit OFFSET.
MAX_PAGE = 10**9


class DatabaseId(IntegerConverter):
    """`<int:…>` in routes: a number the id columns can hold; any other path is not found."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def install(app):
    """Make `<int:…>` mean DatabaseId; before any blueprint is registered (rules bind their
    converters when they are added)."""
    app.url_map.converters["int"] = DatabaseId


def id_arg(name):
    """The id in the query parameter `name`: None when absent or not a number (as
    `request.args.get(name, type=int)`), 404 when no row can have it."""
    value = request.args.get(name, type=int)
    if value is not None and not storable(value):
        abort(404)
    return value


def page_arg():
    """The `page` parameter for a paginated list: 1 by default, 404 when it is not a page number
    (as Flask-SQLAlchemy's own reading) or absurdly large."""
    try:
        value = int(request.args.get("page", 1))
    except (TypeError, ValueError):
        abort(404)
    if not 1 <= value <= MAX_PAGE:
        abort(404)
    return value
