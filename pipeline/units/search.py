"""Finding a unit of the user's subtree by a part of its name (accents and case optional) or of
its code. The unit pickers of the filter forms (templates/units/_picker.html) ask here as the user
types, so that no page lists every unit of a national scope (60,000) as options. Two statements
whatever the scope's size: the matches, then the committees above them that name their place."""
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import event, func, or_, select
from sqlalchemy.engine import Engine

from pipeline.base.ids import storable
from pipeline.base.text import fold
from pipeline.base.validators import has_control_characters
from pipeline.extensions import db
from pipeline.units.models import BRANCH_KINDS, Unit, subtree_filter

MAX_QUERY = 100  # characters of a search; the longest unit name is 200, a part of it is enough
MAX_RESULTS = 20
PLACE_LEVELS = 2  # the committees above a unit that its label names ("… — xã Điện Hòa — tỉnh …")
SQLITE_FOLD = "ketnap_fold"


def _fold_table():
    """The precomposed Latin letters that `fold` maps to one ASCII letter, and those letters: for
    PostgreSQL's translate(), so that the database folds a name as `fold` does (names are NFC)."""
    source, target = [], []
    for code in range(0xC0, 0x1EFA):
        letter = chr(code)
        folded = fold(letter)
        if (letter.isalpha() and unicodedata.normalize("NFC", letter) == letter and len(folded) == 1
                and folded.isascii() and folded != letter):
            source.append(letter)
            target.append(folded)
    return "".join(source), "".join(target)


FOLD_FROM, FOLD_TO = _fold_table()


@event.listens_for(Engine, "connect")
def _sqlite_fold(dbapi_connection, connection_record):
    """SQLite has no translate(): it folds with `fold` itself."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.create_function(SQLITE_FOLD, 1, fold, deterministic=True)


def folded_name():
    """SQL: the unit's name as `fold` gives it (lower() after translate() only meets ASCII)."""
    if db.session.get_bind().dialect.name == "sqlite":
        return getattr(func, SQLITE_FOLD)(Unit.name)
    return func.lower(func.translate(Unit.name, FOLD_FROM, FOLD_TO))


def _scoped(root, open_branches):
    """SQL conditions: inside `root`'s subtree; with `open_branches`, only its open branches
    (where a candidate can be transferred)."""
    conditions = [subtree_filter(root)]
    if open_branches:
        conditions += [Unit.kind.in_(BRANCH_KINDS), Unit.valid_to.is_(None)]
    return conditions


def search_units(root, query, limit=MAX_RESULTS, open_branches=False):
    """Units of `root`'s subtree whose folded name or code holds the folded `query`: committees
    before branches, open units first, then by name. [] for an empty query."""
    folded = fold((query or "")[:MAX_QUERY])
    if not folded or has_control_characters(folded):  # PostgreSQL cannot even compare a NUL
        return []
    stmt = (select(Unit)
            .where(*_scoped(root, open_branches),
                   or_(folded_name().contains(folded, autoescape=True),
                       func.lower(Unit.code).contains(folded, autoescape=True)))
            .order_by(Unit.depth, Unit.valid_to.is_not(None), Unit.name, Unit.id)
            .limit(limit))
    return db.session.execute(stmt).scalars().all()


def _ancestor_ids(unit, root):
    """The ids of the committees above `unit` inside `root`'s subtree, nearest first. The path is
    "/1/5/23/": the unit's ancestors from the top, then itself."""
    ids = [int(part) for part in unit.path.strip("/").split("/")]
    root_level = root.path.strip("/").count("/")
    return list(reversed(ids[root_level:-1]))[:PLACE_LEVELS]


def placed(units, root):
    """[(unit, its label)]: the unit's name and the names of the committees above it inside the
    user's scope (never above it), "Chi bộ thôn 1 — Đảng bộ xã Điện Hòa". One statement."""
    above = {unit.id: _ancestor_ids(unit, root) for unit in units}
    wanted = {i for ids in above.values() for i in ids}
    names = dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(wanted))).all()) if wanted else {}
    return [(unit, " — ".join([unit.name] + [names[i] for i in above[unit.id] if i in names])) for unit in units]


def unit_in_scope(unit_id, root, open_branches=False):
    """The unit of this id inside `root`'s subtree, or None: one statement, however big the scope."""
    if not storable(unit_id):
        return None
    return db.session.execute(select(Unit).where(Unit.id == unit_id, *_scoped(root, open_branches))
                              ).scalar_one_or_none()


@dataclass
class Picked:
    """What a picker's two fields name: the unit chosen (None: the whole scope), and when the typed
    text named no unit or several, the units it matched to choose from (links, or radio buttons
    in a posted form)."""
    unit: Unit | None = None
    text: str = ""
    matches: list = field(default_factory=list)  # [(unit, label)]
    missed: bool = False  # the text named no unit of the scope


def pick_unit(unit_id, text, root, open_branches=False):
    """Resolve a picker: `unit_id` (the hidden field, kept by links and by the script) holds while
    `text` (None: not sent, as in a link ?unit=5) still names it; a text typed without the script
    names the one unit it matches (or whose whole name it is), else offers the matches; an empty
    text is no filter. Two statements at most, whatever the scope."""
    chosen = unit_in_scope(unit_id, root, open_branches)
    if chosen is not None and (text is None or fold(text) == fold(chosen.name)):
        return Picked(chosen, chosen.name)
    if not fold(text):
        return Picked()
    found = search_units(root, text, open_branches=open_branches)
    exact = [unit for unit in found if fold(unit.name) == fold(text)]
    if len(found) == 1 or len(exact) == 1:
        unit = found[0] if len(found) == 1 else exact[0]
        return Picked(unit, unit.name)
    return Picked(text=text, matches=placed(found, root), missed=not found)
