"""Kết nạp: the candidate pipeline tracker. `create_app` is the application factory."""
import os

from flask import Flask, redirect, url_for

from pipeline.config import DEFAULTS, database_url_from_env

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
PROJECT_DIR = os.path.dirname(PACKAGE_DIR)


def create_app(test_config=None):
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=os.path.join(PROJECT_DIR, "templates"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
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

    from pipeline import extensions
    extensions.init_app(app)
    from pipeline.web import params
    params.install(app)  # ids in URLs bounded to the database's integers: before the blueprints

    from pipeline.accounts.views import bp as accounts_bp
    from pipeline.cases.views import bp as cases_bp
    app.register_blueprint(accounts_bp)
    app.register_blueprint(cases_bp)
    from pipeline.training.views import bp as training_bp
    app.register_blueprint(training_bp)
    from pipeline.workdays.views import bp as workdays_bp
    app.register_blueprint(workdays_bp)
    from pipeline.dossier.views import bp as dossier_bp
    app.register_blueprint(dossier_bp)
    from pipeline.printing.views import bp as printing_bp
    app.register_blueprint(printing_bp)
    from pipeline.ceremonies.views import bp as ceremonies_bp
    app.register_blueprint(ceremonies_bp)
    from pipeline.dashboard.views import bp as dashboard_bp, home
    app.register_blueprint(dashboard_bp)
    from pipeline.quotas.views import bp as quotas_bp
    app.register_blueprint(quotas_bp)
    from pipeline.reports.views import bp as reports_bp
    app.register_blueprint(reports_bp)
    from pipeline.audit.views import bp as audit_bp
    app.register_blueprint(audit_bp)
    from pipeline.process.views import bp as process_bp
    app.register_blueprint(process_bp)

    from pipeline.accounts.admin import bp as users_bp
    app.register_blueprint(users_bp)
    from pipeline.accounts.limits import init_login_limits
    init_login_limits(app)

    from pipeline import cli
    cli.register(app)

    from pipeline.web import register_web
    register_web(app)
    from pipeline.web.security import init_security
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
        with open(path, "w") as fh:
            fh.write(os.urandom(32).hex())
    with open(path) as fh:
        return fh.read().strip()
