"""Pagination of a select of columns (Flask-SQLAlchemy's keeps only the first column)."""
from flask_sqlalchemy.pagination import SelectPagination


class RowPagination(SelectPagination):
    def _query_items(self):
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).all())
