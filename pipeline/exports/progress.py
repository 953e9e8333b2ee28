"""A long download tells the page that asked for it when it has begun.

A link marked `data-long-download` (templates/_export.html) is followed by static/app.js with a
random token in the query (`download_token`) while the page shows that work is under way. The
response, whatever it is (the file, or an error page), carries a short-lived cookie named after
the token whose value is the response's status; the page reads it from document.cookie and clears
its indicator. Nothing runs in the background and nothing is stored on the server: without
JavaScript there is no token, and the link is a plain download.

A view of a long download calls `track_download()` before its work, so that a 404, a 503 or a
failure on the way also end the wait. `export_response` calls it for every export."""
import re

from flask import after_this_request, request

TOKEN_ARG = "download_token"
COOKIE_PREFIX = "download-"
# Short and plain: the token becomes part of a cookie's name, so anything else is ignored.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,40}")
COOKIE_SECONDS = 60  # long enough for the page's next look (every half second), gone soon after


def download_token():
    """The request's token, or None when it has none or one that is not short and plain."""
    token = request.args.get(TOKEN_ARG, "")
    return token if TOKEN_PATTERN.fullmatch(token) else None


def track_download():
    """Have whatever response ends this request set the token's cookie (once per request)."""
    token = download_token()
    # Marked on the request itself: `g` lives as long as the application context, which may
    # hold more than one request (the tests' client).
    if token is None or request.environ.get("ketnap.download_tracked"):
        return
    request.environ["ketnap.download_tracked"] = True

    @after_this_request
    def set_token_cookie(response):
        # Read by the page's script, hence not HttpOnly; it says nothing but a status code.
        response.set_cookie(COOKIE_PREFIX + token, str(response.status_code), max_age=COOKIE_SECONDS,
                            path="/", samesite="Lax", secure=request.is_secure, httponly=False)
        return response
