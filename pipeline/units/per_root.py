"""Statements built once for any root of a subtree, its path and id named parameters (issue 16:
building a page's statements, aliases and scope helpers, cost more of a small scope's time than
running them).

A builder is called once per depth of root (the scope helpers may read the path's depth), database
and the rest of its key, with a stand-in root whose path and id no unit has; the values the
stand-in puts in the SQL (the path as `startswith(path, autoescape=True)` binds it, the position
just after the path, the id) are then replaced by named parameters the request fills in
(`root_parameters`)."""
from functools import lru_cache
from types import SimpleNamespace

from sqlalchemy import BindParameter, bindparam
from sqlalchemy.sql import visitors

from pipeline.base import clock
from pipeline.extensions import db
from pipeline.units.models import like_prefix

STAND_IN_ID = 987_654_321_987
# A segment far longer than a real one: the stand-in path's length (bound as the position after
# it) is then no year, count or id a statement could bind as well.
_SEGMENT = "7" * 9_973


def stand_in_path(slashes):
    """A path with `slashes` slashes (at least two) no unit has."""
    return "/" + "/".join([_SEGMENT] * max(slashes - 1, 1)) + "/"


def root_parameters(root):
    """The named parameters of a statement built by `per_root`, for `root` (with .id and .path)."""
    return {"root_prefix": like_prefix(root.path), "root_child_start": len(root.path) + 1, "root_id": root.id}


def with_named_root(statement, path, required=("root_prefix",)):
    """The statement with the stand-in root's bound values (for the stand-in `path`) replaced by
    named parameters; each name in `required` must have been found (else a scope helper binds the
    root otherwise, and the root would be ignored)."""
    stand_ins = {like_prefix(path): "root_prefix", len(path) + 1: "root_child_start", STAND_IN_ID: "root_id"}
    found = set()

    def replace(element):
        if isinstance(element, BindParameter) and type(element.value) in (str, int):
            name = stand_ins.get(element.value)
            if name is not None:
                found.add(name)
                return bindparam(name, type_=element.type)
        return None
    replaced = visitors.replacement_traverse(statement, {}, replace)
    if missing := set(required) - found:
        raise RuntimeError(f"the stand-in root's {', '.join(sorted(missing))} is not in the statement")
    return replaced


def per_root(builder, maxsize=64, required=("root_prefix",)):
    """`statements(root, *key)` -> (the statements `builder(stand_in_root, dialect, *key)` returns,
    with the root named; their parameters for `root`). `key`: hashable, what else the statements
    depend on (the day, the year...); today and the kind of clock always are."""
    @lru_cache(maxsize=maxsize)
    def built(slashes, dialect, _today, *key):
        root = SimpleNamespace(id=STAND_IN_ID, path=stand_in_path(slashes))
        return tuple(with_named_root(statement, root.path, required) for statement in builder(root, dialect, *key))

    def statements(root, *key):
        # Today and the kind of clock are part of the key: a builder may shape a statement by them
        # (pipeline.units.history.stands_as_now).
        return (built(root.path.count("/"), db.session.get_bind().dialect.name,
                      (clock.today(), clock.fixed_today() is None), *key),
                root_parameters(root))
    return statements
