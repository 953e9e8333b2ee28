from flask import Blueprint

bp = Blueprint("candidates", __name__, url_prefix="/candidates")


@bp.get("/")
def list_candidates():
    return "TODO"
