"""What every response carries for the browser's own defences: security headers, and session
cookies that are Secure whenever the request came over HTTPS.

The policy allows nothing but this site's own files: no inline script or style (templates and
static/app.js keep to that), no framing, no plugins. A response that set one of these headers
itself (a download sets its own X-Content-Type-Options) keeps its value; caching is forbidden on
every page but the static files (`forbid_caching`), and HSTS is sent over HTTPS."""
from flask import has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",  # Bootstrap draws its icons (the menu, the selects) as data: SVGs
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # The app needs none of these browser features; saying so keeps injected content from them.
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SchemeAwareSessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure on HTTPS requests (or always, with SESSION_COOKIE_SECURE):
    one deployment may be reached over HTTPS through a proxy and over plain HTTP on an office
    network, and a Secure cookie would never come back over HTTP."""

    def get_cookie_secure(self, app):
        if super().get_cookie_secure(app):
            return True
        return has_request_context() and request.is_secure


# Browsers remember for a year to come back over HTTPS only; sent on HTTPS responses only (over
# plain HTTP it would be ignored, and an office network reached over HTTP must keep working).
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"
NO_STORE = "no-store"


def add_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    if request.endpoint != "static":
        forbid_caching(response)
    return response


def forbid_caching(response):
    """Every page but the static files shows personal data or the login form: no browser or proxy
    keeps a copy (the back button on a shared computer, a proxy's cache). A download that set
    its own Cache-Control keeps it only when it already forbids storing."""
    if NO_STORE not in response.headers.get("Cache-Control", ""):
        response.headers["Cache-Control"] = NO_STORE
    response.headers["Pragma"] = "no-cache"


def init_security(app):
    app.session_interface = SchemeAwareSessionInterface()
    app.after_request(add_security_headers)
    if app.config.get("PROXY_FIX"):
        # Behind one reverse proxy (nginx, Caddy) that sets X-Forwarded-For and -Proto: the
        # client's address (login limits) and scheme (Secure cookies) come from its headers.
        # Without a proxy these headers come from the client and must not be trusted.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
