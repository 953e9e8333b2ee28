"""The unit pickers' search: the listbox of matches as the user types (pipeline.units.search)."""
from flask import Blueprint, render_template, request
from flask_login import login_required

from pipeline.units.search import MAX_QUERY, MAX_RESULTS, placed, search_units
from pipeline.web.scope import current_actor

bp = Blueprint("unit_search", __name__, url_prefix="/units")


def picker_id(value):
    """The picker's element id from ?for=: letters and underscores only, or the default."""
    value = (value or "")[:40]
    return value if value.replace("_", "").isalpha() and value.isascii() else "unit"


@bp.get("/search")
@login_required
def search():
    """The listbox of a unit picker: at most MAX_RESULTS units of the user's scope (?kind=branch:
    its open branches only)."""
    root = current_actor().unit
    query = request.args.get("q", "")[:MAX_QUERY]
    found = placed(search_units(root, query, open_branches=request.args.get("kind") == "branch"), root)
    return render_template("units/_search_results.html", found=found, query=query,
                           picker=picker_id(request.args.get("for")), limit=MAX_RESULTS)
