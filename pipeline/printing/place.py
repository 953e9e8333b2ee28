"""The place a printout is dated at, as party documents write it ("Điện Hòa, ngày … tháng … năm
…"): the locality of the unit, that is the name of the nearest commune, ward, special zone, town
or province at or above it, without the organisation's words ("Đảng bộ xã", "Đảng ủy phường")."""
import re
import unicodedata

from sqlalchemy import select

from pipeline.extensions import db
from pipeline.units.models import Unit

# The kinds whose name is a place; the nearest one above a branch is where its papers are dated.
LOCALITY_KINDS = ("commune", "ward", "special_zone", "town", "province")
ORGANISATION_WORDS = re.compile(
    r"^(?:đảng\s+bộ|đảng\s+ủy|đảng\s+uỷ|chi\s+bộ)\s+"
    r"(?:(?:xã|phường|thị\s+trấn|thị\s+xã|thành\s+phố|huyện|quận|tỉnh|đặc\s+khu)\s+)?",
    re.IGNORECASE)


def place_name(unit_name):
    """'Đảng bộ xã Điện Hòa' -> 'Điện Hòa'; a name without those words is kept as it is."""
    name = " ".join(unicodedata.normalize("NFC", unit_name or "").split())
    return ORGANISATION_WORDS.sub("", name, count=1).strip() or None


def locality_of(unit):
    """The place name of `unit`'s locality, or None when no unit at or above it is one (the
    printout then leaves the dots to be filled in by hand). One statement: the ancestors by path."""
    if unit is None:
        return None
    ids = [int(part) for part in (unit.path or "").strip("/").split("/") if part.isdigit()] or [unit.id]
    ancestors = {u.id: u for u in db.session.execute(select(Unit).where(Unit.id.in_(ids))).scalars()}
    for unit_id in reversed(ids):  # from the unit itself up to the root: the nearest wins
        found = ancestors.get(unit_id)
        if found is not None and found.kind in LOCALITY_KINDS:
            return place_name(found.name)
    return None
