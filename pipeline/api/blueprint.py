"""The API's blueprint: flask-smorest's, with two changes to how webargs reads a request.
- Every location refuses what its schema does not name (`schemas.Strict`): webargs would drop
  unknown query parameters silently, so `?stuk=true` would answer every case, unfiltered.
- A multipart body's fields and files are read together (`location="multipart"`: a scan with
  the case's version), which webargs reads apart."""
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict


class ApiParser(FlaskParser):
    DEFAULT_UNKNOWN_BY_LOCATION = {}  # the schema's own `unknown` (RAISE) everywhere
    __location_map__ = dict(multipart="load_multipart", **FlaskParser.__location_map__)

    def load_multipart(self, req, schema):
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = ApiParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = dict(Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
                                                 multipart="multipart/form-data")
