"""Things every page shares: template helpers and error pages."""
from datetime import date

from flask import render_template
from flask_babel import format_date, lazy_gettext as _l


def register_web(app):
    @app.template_filter("vndate")
    def vndate(value):
        return format_date(value, "dd/MM/yyyy") if value else ""

    @app.context_processor
    def layout_context():
        from pipeline.workflow.stages import STAGES, stage_label
        return {"STAGES": STAGES, "stage_label": stage_label, "today": date.today()}

    def error_page(code, title, message):
        def handler(error):
            return render_template("error.html", code=code, title=title, message=message), code
        return handler

    app.register_error_handler(403, error_page(403, _l("Not allowed"), _l("Your role cannot do this.")))
    app.register_error_handler(404, error_page(404, _l("Not found"),
                                               _l("This page does not exist or is outside your unit.")))
    app.register_error_handler(400, error_page(400, _l("Bad request"),
                                               _l("The request could not be understood. Please go back and try again.")))
