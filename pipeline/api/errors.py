"""Every refusal of the API is JSON: {code, status, message[, reasons][, errors]}, the message in
the language asked for (Accept-Language; Vietnamese by default). The pages' error handlers answer
HTML; `api_aware` makes each of them answer this instead for a request under /api/."""
from functools import wraps

from flask import jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from pipeline.readlog.reads import status_of

API_PREFIX = "/api/v1"


def is_api_request():
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def error_response(code, message, reasons=None, errors=None, headers=None, **more):
    """A refusal's answer; `more`: members of its body beyond these (a list's refused rows, a
    refused plan), as its documented schema names them."""
    body = {"code": code, "status": HTTP_STATUS_CODES.get(code, "Error"), "message": str(message)}
    if reasons:
        body["reasons"] = [str(reason) for reason in reasons]
    if errors:
        body["errors"] = errors
    body |= more
    response = jsonify(body)
    response.status_code = code
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


MESSAGES = {
    400: lambda: _("The request could not be understood."),
    401: lambda: _("A valid personal access token is needed: Authorization: Bearer <token>."),
    403: lambda: _("Your role or your token cannot do this."),
    404: lambda: _("Not found, or outside your unit."),
    405: lambda: _("This address does not accept this method."),
    409: lambda: _("The case was changed meanwhile: read it again."),
    413: lambda: _("What was sent is larger than this site accepts."),
    415: lambda: _("Send JSON (Content-Type: application/json)."),
    422: lambda: _("The request was understood, but refused."),
    429: lambda: _("Too many requests with this token: wait and try again."),
}


def message_of(code):
    return MESSAGES[code]() if code in MESSAGES else HTTP_STATUS_CODES.get(code, "Error")


def http_error(error):
    code = getattr(error, "code", None) or 500
    message = message_of(code)
    # flask-smorest's validation (webargs) puts the fields' messages on the exception.
    errors = getattr(error, "data", {}).get("messages") if isinstance(getattr(error, "data", None), dict) else None
    headers = dict(error.get_headers()) if isinstance(error, HTTPException) else {}
    headers.pop("Content-Type", None)
    return error_response(code, message, errors=errors, headers=headers)


def api_aware(handler, code=None):
    """The app's error handler `handler`, answering JSON for a request under /api/. `code`: the
    status of the HTTP error it handles; None for an exception of the app's own (CaseNotFound,
    NotPermitted...), whose status the page's handler says."""
    @wraps(handler)
    def handle(error):
        if not is_api_request():
            return handler(error)
        if code is not None or isinstance(error, HTTPException):
            return http_error(error)
        status = status_of(handler(error))
        return error_response(status, message_of(status))
    return handle


def make_errors_json(app):
    """Wrap every error handler the app has registered (by code or by exception), and add one for
    the HTTP errors none of them handles: under /api/ they all answer JSON."""
    for handlers in app.error_handler_spec[None].values():
        for exception_class, handler in list(handlers.items()):
            code = getattr(exception_class, "code", None)
            handlers[exception_class] = api_aware(handler, code)

    @app.errorhandler(HTTPException)
    def other_http_errors(error):
        return http_error(error) if is_api_request() else error
