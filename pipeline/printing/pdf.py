"""HTML to PDF with WeasyPrint, fetching nothing but the app's own static files.

WeasyPrint needs Pango (Debian: libpango-1.0-0, libpangoft2-1.0-0) and finds the fonts the print
stylesheet asks for through fontconfig: "Liberation Serif" (fonts-liberation2) and "DejaVu Sans"
(fonts-dejavu-core): manage.py and .ci/run install them. Without Pango the import fails;
`available()` says so, and the PDF routes answer 503 with a message instead of crashing."""
import mimetypes
import os
import time
from io import BytesIO
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template, request, send_file
from flask_babel import gettext as _
from werkzeug.security import safe_join


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the system libraries it needs are missing."""


@lru_cache(maxsize=1)
def _weasyprint():
    try:
        # Imported when a PDF is first asked for: without Pango the import fails, and the rest of
        # the application works without it.
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: the Pango libraries cannot be loaded
        return None, f"{type(error).__name__}: {error}"
    return weasyprint, None


def available():
    return _weasyprint()[0] is not None


def unavailable_reason():
    return _weasyprint()[1]


def static_file_for(url, base_url, static_url_path, static_folder):
    """The path of the static file `url` names, or None when it is anything else: another host,
    another path, a file outside the static folder or one that does not exist."""
    base, target = urlsplit(base_url), urlsplit(url)
    if (target.scheme, target.netloc) != (base.scheme, base.netloc):
        return None
    prefix = static_url_path.rstrip("/") + "/"
    path = unquote(target.path)
    if not path.startswith(prefix):
        return None
    found = safe_join(static_folder, path[len(prefix):])
    return found if found and os.path.isfile(found) else None


def _fetcher(weasyprint, base_url, static_url_path, static_folder):
    """A url_fetcher serving the static folder only: a printout never reaches the network."""

    def read(url):
        path = static_file_for(url, base_url, static_url_path, static_folder)
        if path is None:
            raise ValueError(f"only the application's static files may be fetched, not {url}")
        with open(path, "rb") as fh:
            return path, fh.read(), mimetypes.guess_type(path)[0] or "application/octet-stream"

    urls = weasyprint.urls
    if hasattr(urls, "URLFetcherResponse"):  # WeasyPrint 68 and later: a URLFetcher subclass
        class StaticOnly(urls.URLFetcher):
            def fetch(self, url, headers=None):
                _, body, mime = read(url)
                return urls.URLFetcherResponse(url, body, {"Content-Type": mime})

        return StaticOnly()

    def fetch(url):  # older WeasyPrint: a function returning a dict
        _, body, mime = read(url)
        return {"string": body, "mime_type": mime, "redirected_url": url}

    return fetch


def html_to_pdf(html, base_url, static_url_path, static_folder):
    weasyprint, reason = _weasyprint()
    if weasyprint is None:
        raise PdfUnavailable(reason)
    document = weasyprint.HTML(string=html, base_url=base_url,
                               url_fetcher=_fetcher(weasyprint, base_url, static_url_path, static_folder))
    return document.write_pdf()


def pdf_response(html, filename):
    """The PDF of `html` as a download, or a 503 page that says what to do when PDFs cannot be made."""
    if not available():
        current_app.logger.error("PDF printing is unavailable: %s", unavailable_reason())
        return render_template("error.html", code=503, title=_("PDF printing is unavailable"),
                               message=_("The server lacks the libraries that make PDFs. Print the HTML page "
                                         "from your browser instead, and tell your administrator.")), 503
    started = time.perf_counter()
    body = html_to_pdf(html, request.url_root, current_app.static_url_path, current_app.static_folder)
    current_app.logger.info("printed %s (%d bytes) in %.2fs", filename, len(body), time.perf_counter() - started)
    return send_file(BytesIO(body), mimetype="application/pdf", download_name=filename, max_age=0)
