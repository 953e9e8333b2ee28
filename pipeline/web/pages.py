"""Things every page shares: template filters and globals, and the error pages."""
from urllib.parse import urlencode

from flask import render_template, request
from flask_babel import format_datetime, get_locale
from pipeline.base.glosses import gloss
from pipeline.base.i18n import lazy_gettext as _l

from pipeline.base import clock
from pipeline.base.errors import CaseNotFound, NotPermitted
from pipeline.base.signing import LogKeyMissing
from pipeline.base.formatting import format_day, format_number, format_whole_percent
from pipeline.cases.ordering import NAME_ORDERS, chosen_name_order
from pipeline.workflow.stages import STAGES, stage_label


def register_web(app):
    # Block tags leave no blank lines behind: smaller pages on slow mobile connections.
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.template_filter("vndate")
    def vndate(value):
        return format_day(value) if value else ""

    @app.template_filter("vndatetime")
    def vndatetime(value):
        """A naive UTC timestamp (how the log records them) shown in the configured time zone."""
        return format_datetime(value, "dd/MM/yyyy HH:mm") if value else ""

    # Every figure a user reads goes through these (not years, not identifiers such as act numbers).
    app.add_template_filter(format_number, "num")
    app.add_template_filter(gloss, "gloss")
    app.add_template_filter(format_whole_percent, "percent")
    app.add_template_filter(lambda target: "—" if target is None else target.label, "quota")

    def url_with(**changes):
        """The current page's URL with some query parameters replaced (None removes one)."""
        args = request.args.to_dict(flat=False)
        for key, value in changes.items():
            if value is None:
                args.pop(key, None)
            else:
                args[key] = [value]
        query = urlencode(args, doseq=True)
        return request.path + ("?" + query if query else "")

    @app.context_processor
    def layout_context():
        return {"NAME_ORDERS": NAME_ORDERS, "name_order": chosen_name_order(),
                "STAGES": STAGES, "stage_label": stage_label, "today": clock.today(),
                "fixed_today": clock.fixed_today(),
                "current_locale": str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"]),
                "url_with": url_with}

    def error_page(code, title, message):
        def handler(error):
            return render_template("error.html", code=code, title=title, message=message), code
        return handler

    not_allowed = error_page(403, _l("Not allowed"), _l("Your role cannot do this."))
    not_found = error_page(404, _l("Not found"), _l("This page does not exist or is outside your unit."))
    app.register_error_handler(403, not_allowed)
    app.register_error_handler(404, not_found)
    # An operation that refuses for scope or role reads the same as the pages' own 404 and 403.
    app.register_error_handler(CaseNotFound, not_found)
    app.register_error_handler(NotPermitted, not_allowed)
    app.register_error_handler(400, error_page(400, _l("Bad request"),
                                               _l("The request could not be understood. Please go back and try again.")))
    app.register_error_handler(405, error_page(405, _l("Not allowed"),
                                               _l("This address does not accept this kind of request.")))

    @app.errorhandler(LogKeyMissing)
    def log_key_missing(error):
        """Without the key no read can be logged, so no personal data is shown (and no act
        recorded): a page that says why, not a bare server error."""
        app.logger.error("%s", error)
        return render_template("error.html", code=503, title=_l("The log key is missing"), message=_l(
            "Every act and every opening of personal data is written to a signed log, and the key that "
            "signs it is missing: nothing can be shown or recorded until it is restored. Tell your "
            "administrator (the key is instance/log_key or the setting KETNAP_LOG_KEY).")), 503
