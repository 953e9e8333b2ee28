"""The range of the id columns. The primary keys are `integer` columns: 32 bits on PostgreSQL
(SQLite would take 64). A number outside it names no row, and must not reach the database,
which refuses to compare with it (a DataError, an OverflowError on SQLite): a 500."""

MAX_ID = 2**31 - 1
MIN_ID = -MAX_ID - 1


def storable(value):
    """Whether `value` can be an id (a number an id column can hold)."""
    return isinstance(value, int) and MIN_ID <= value <= MAX_ID
