"""The application factory: every feature is wired here, and only here (the top of the layers:
base helpers → extensions → models → the workflow → features → views and commands → this)."""
import os

from flask import Flask, redirect, url_for

from pipeline import cli, extensions
from pipeline import models  # noqa: F401  (every table in the metadata: migrations, the tests' schema)
from pipeline.accounts.admin import bp as users_bp
from pipeline.accounts.limits import init_login_limits
from pipeline.accounts.views import bp as accounts_bp
from pipeline.api.setup import init_api
from pipeline.audit.cli import audit
from pipeline.audit.views import bp as audit_bp
from pipeline.backup.commands import backup, restore
from pipeline.base import catalogues, signing
from pipeline.base.files import PRIVATE_FOLDER, create_private_file
from pipeline.bulk.cli import import_accounts, import_units
from pipeline.bulk.views import account_bp as account_import_bp, unit_bp as unit_import_bp
from pipeline.bulkacts.views import bp as bulk_acts_bp
from pipeline.cases.views import bp as cases_bp
from pipeline.cases import voiding_views  # noqa: F401 (its page is a route of cases_bp)
from pipeline.ceremonies.views import bp as ceremonies_bp
from pipeline.config import DEFAULTS, database_url_from_env, engine_options
from pipeline.dashboard.views import bp as dashboard_bp, home
from pipeline.dossier.views import bp as dossier_bp
from pipeline.generate.cli import generate_command
from pipeline.imports.cli import export_cases, import_candidates, import_cases
from pipeline.imports.views import bp as case_import_bp
from pipeline.jobs.cli import remove_expired_exports, worker
from pipeline.jobs.views import bp as jobs_bp
from pipeline.notes.views import bp as notes_bp
from pipeline.printing.views import bp as printing_bp
from pipeline.process.views import bp as process_bp
from pipeline.queue.cli import send_digests
from pipeline.queue.views import bp as queue_bp
from pipeline.quotas.views import bp as quotas_bp
from pipeline.readlog.views import bp as read_log_bp
from pipeline.reports.views import bp as reports_bp
from pipeline.training.views import bp as training_bp
from pipeline.units.cli import merge_units
from pipeline.units.views import bp as units_bp
from pipeline.units.search_views import bp as unit_search_bp
from pipeline.web import inbound, language, params
from pipeline.web.pages import register_web
from pipeline.web.security import init_security
from pipeline.workdays.views import bp as workdays_bp

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
PROJECT_DIR = os.path.dirname(PACKAGE_DIR)
# A source tree (and an editable install) has the templates beside the package; a built one
# (a wheel, `pip install .`) carries them inside it (setup.py).
TEMPLATES_DIR = os.path.join(PACKAGE_DIR, "templates")
if not os.path.isdir(TEMPLATES_DIR):
    TEMPLATES_DIR = os.path.join(PROJECT_DIR, "templates")
BLUEPRINTS = (accounts_bp, cases_bp, training_bp, workdays_bp, dossier_bp, printing_bp, ceremonies_bp,
              dashboard_bp, quotas_bp, reports_bp, audit_bp, process_bp, users_bp, language.bp, read_log_bp,
              unit_import_bp, account_import_bp, units_bp, case_import_bp, notes_bp, bulk_acts_bp,
              queue_bp, unit_search_bp, jobs_bp)
COMMANDS = (cli.init_db, cli.setup, cli.create_user, cli.demo, cli.deadlines, cli.snapshots, audit, backup, restore, import_candidates,
            import_units, import_accounts, merge_units, import_cases, export_cases, send_digests,
            worker, remove_expired_exports, generate_command)


def create_app(test_config=None):
    app = Flask(
        __name__,
        # KETNAP_INSTANCE_PATH: where a deployment keeps config.py, the keys and the scans (README
        # "Production"); otherwise Flask's default, instance/ beside the sources.
        instance_path=_instance_path_from_env() if test_config is None else None,
        instance_relative_config=True,
        template_folder=TEMPLATES_DIR,
        static_folder=os.path.join(PACKAGE_DIR, "static"),
    )
    # Created 0700: it holds the SQLite database, the keys and the scans.
    os.makedirs(app.instance_path, mode=PRIVATE_FOLDER, exist_ok=True)
    app.config.from_mapping(DEFAULTS)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "ketnap.sqlite")
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("KETNAP")
        if os.environ.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
        if os.environ.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = database_url_from_env(os.environ["DATABASE_URL"])
    else:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app.instance_path)
    if not app.config.get("LOG_KEY"):
        # None until init-db creates it (pipeline.base.signing): acts then refuse with a clear message.
        app.config["LOG_KEY"] = signing.read_key_file(app.instance_path)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_DATABASE_URI"],
                                                             app.config.get("SQLALCHEMY_ENGINE_OPTIONS"),
                                                             app.config["PREPARED_STATEMENTS"])

    # A fallback: builds compile the catalogues into the package (setup.py); a source tree run
    # without manage.py has none, and would speak English.
    catalogues.compile_missing(extensions.TRANSLATIONS_DIR, app.logger)
    # The request's size, lists and characters checked before any other hook reads its body (CSRFProtect).
    inbound.init_inbound(app)
    extensions.init_app(app, locale_selector=language.select_locale)
    app.before_request(language.remember_language_choice)
    params.install(app)  # ids in URLs bounded to the database's integers: before the blueprints
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    init_login_limits(app)
    for command in COMMANDS:
        app.cli.add_command(command)
    register_web(app)
    init_api(app)  # after the pages' error handlers, which it makes answer JSON under /api/
    init_security(app)

    @app.get("/favicon.ico")
    def favicon():
        return redirect(url_for("static", filename="favicon.svg"), code=301)

    # The home page: the deadlines falling due in the user's scope (pipeline.dashboard).
    app.add_url_rule("/", "index", home)

    return app


def _instance_path_from_env():
    path = os.environ.get("KETNAP_INSTANCE_PATH")
    return os.path.abspath(path) if path else None


def _instance_secret(instance_path):
    """A random key kept in the untracked instance folder, so sessions survive restarts
    without any secret in the repository."""
    path = os.path.join(instance_path, "secret_key")
    try:  # readable by this user only (anyone holding it can forge sessions)
        create_private_file(path, os.urandom(32).hex().encode())
    except FileExistsError:
        pass  # kept from an earlier start, or written first by another worker starting with this one
    with open(path) as fh:
        key = fh.read().strip()
    if not key:  # an empty key would sign nothing: say so instead of failing at each login
        raise RuntimeError(f"{path} is empty: delete it (a new key is made at the next start) or set SECRET_KEY.")
    return key
