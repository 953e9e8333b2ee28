"""Wiring the JSON API into the application: flask-smorest's Api (the OpenAPI 3.1 document at
/api/v1/openapi.json, made from the schemas that validate the requests), the token check before
every call, JSON for every error, no CSRF token (a token in a header is no ambient credential a
page of another site could send), and the page that shows the document (/api/v1/docs).

Why flask-smorest: it plugs into the existing Flask app and its blueprints (APIFlask would
replace the Flask class the app is built on), validates with marshmallow and writes the
document with apispec (both of the marshmallow project, maintained together), and speaks
OpenAPI 3.1."""
from flask import Blueprint, render_template, url_for
from flask_smorest import Api

from pipeline.api import auth, token_views
from pipeline.api.errors import make_errors_json
from pipeline.api.acts import bp as acts_bp
from pipeline.api.bulk import bp as bulk_bp
from pipeline.api.calendar import bp as calendar_bp
from pipeline.api.case_facts import bp as case_facts_bp
from pipeline.api.dossier import bp as dossier_bp
from pipeline.api.figures import bp as figures_bp
from pipeline.api.imports import bp as imports_bp
from pipeline.api.reads import bp as reads_bp
from pipeline.api.schemas import ErrorOut
from pipeline.api.training import bp as training_bp
from pipeline.api.units import bp as units_bp
from pipeline.extensions import csrf
from pipeline.web import inbound

API_BLUEPRINTS = (reads_bp, figures_bp, acts_bp, dossier_bp, case_facts_bp, training_bp, bulk_bp, imports_bp,
                  calendar_bp, units_bp)
SECURITY_SCHEME = "token"
# The docs page: Swagger UI draws its own styles into the page, and nothing on it is personal.
DOCS_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
               "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")

docs_bp = Blueprint("api_docs", __name__)


@docs_bp.get("/api/v1/docs")
def docs():
    response = render_template("api/docs.html", document_url=url_for("api-docs.openapi_json"))
    return response, 200, {"Content-Security-Policy": DOCS_POLICY}


class KetNapApi(Api):
    ERROR_SCHEMA = ErrorOut  # what every refusal answers (pipeline.api.errors), as documented

    def _register_error_handlers(self):
        """The app's own handlers answer JSON under /api/ (pipeline.api.errors): none are added
        here, which would turn the pages' errors into JSON too."""


def init_api(app):
    """After the pages' blueprints and error handlers."""
    # Right after the request's size and characters are checked, before any hook reads a session.
    hooks = app.before_request_funcs.setdefault(None, [])
    hooks.insert(hooks.index(inbound.check_request) + 1 if inbound.check_request in hooks else 0, auth.authenticate)
    app.after_request(auth.log_call)
    api = KetNapApi(app, spec_kwargs={"security": [{SECURITY_SCHEME: []}]})
    api.spec.components.security_scheme(SECURITY_SCHEME, {
        "type": "http", "scheme": "bearer",
        "description": "A personal access token, made on your account page (Tài khoản → Mã truy cập API)."})
    for blueprint in API_BLUEPRINTS:
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)
    app.register_blueprint(docs_bp)
    app.register_blueprint(token_views.bp)
    make_errors_json(app)
    return api
