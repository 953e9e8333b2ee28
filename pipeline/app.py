"""The application factory: every feature is wired here, and only here (the top of the layers:
base helpers → extensions → models → the workflow → features → views and commands → this)."""
import os

from flask import Flask, redirect, url_for

from pipeline import cli, extensions
from pipeline import models  # noqa: F401  (every table in the metadata: migrations, the tests' schema)
from pipeline.accounts.admin import bp as users_bp
from pipeline.accounts.limits import init_login_limits
from pipeline.accounts.views import bp as accounts_bp
from pipeline.audit.cli import audit
from pipeline.audit.views import bp as audit_bp
from pipeline.backup.commands import backup, restore
from pipeline.base import signing
from pipeline.base.files import PRIVATE_FOLDER, write_private_file
from pipeline.cases.views import bp as cases_bp
from pipeline.ceremonies.views import bp as ceremonies_bp
from pipeline.config import DEFAULTS, database_url_from_env
from pipeline.dashboard.views import bp as dashboard_bp, home
from pipeline.dossier.views import bp as dossier_bp
from pipeline.imports.cli import import_candidates
from pipeline.printing.views import bp as printing_bp
from pipeline.process.views import bp as process_bp
from pipeline.quotas.views import bp as quotas_bp
from pipeline.readlog.views import bp as read_log_bp
from pipeline.reports.views import bp as reports_bp
from pipeline.training.views import bp as training_bp
from pipeline.web import inbound, language, params
from pipeline.web.pages import register_web
from pipeline.web.security import init_security
from pipeline.workdays.views import bp as workdays_bp

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
PROJECT_DIR = os.path.dirname(PACKAGE_DIR)
BLUEPRINTS = (accounts_bp, cases_bp, training_bp, workdays_bp, dossier_bp, printing_bp, ceremonies_bp,
              dashboard_bp, quotas_bp, reports_bp, audit_bp, process_bp, users_bp, language.bp, read_log_bp)
COMMANDS = (cli.init_db, cli.create_user, cli.demo, cli.deadlines, audit, backup, restore, import_candidates)


def create_app(test_config=None):
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=os.path.join(PROJECT_DIR, "templates"),
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
    init_security(app)

    @app.get("/favicon.ico")
    def favicon():
        return redirect(url_for("static", filename="favicon.svg"), code=301)

    # The home page: the deadlines falling due in the user's scope (pipeline.dashboard).
    app.add_url_rule("/", "index", home)

    return app


def _instance_secret(instance_path):
    """A random key kept in the untracked instance folder, so sessions survive restarts
    without any secret in the repository."""
    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        try:  # readable by this user only (anyone holding it can forge sessions)
            write_private_file(path, os.urandom(32).hex().encode())
        except FileExistsError:
            pass  # another process (a second worker) wrote it first
    with open(path) as fh:
        return fh.read().strip()
