"""The parts of the printed report that make it an office document of the party, laid out as
Hướng dẫn 36-HD/VPTW (2018) sets party documents out: the issuing body under the body above it,
the number and symbol ("Số …-BC/TU": the number filled in by hand, the app keeps no register),
the place and date, the recipients ("Nơi nhận": the level above, for reporting, and the file
copy, "Lưu Văn phòng") and the signature on behalf of the committee ("T/M BAN THƯỜNG VỤ",
the position, a blank for the signature and the name)."""
import re
from dataclasses import dataclass

from pipeline.base.i18n import lazy_gettext as _l
from pipeline.printing.place import LOCALITY_KINDS, locality_of, place_name
from pipeline.units.models import BRANCH_KINDS

BLANK = "……"
# The symbol of the issuing body (HD 36's appendix): Đảng ủy "ĐU", Chi bộ "CB", Tỉnh ủy "TU";
# a district-level organisation by the word its name carries (Thị ủy, Thành ủy "TU", Huyện ủy
# "HU", Quận ủy "QU").
SYMBOL_OF_KIND = {"province": "TU", "commune": "ĐU", "ward": "ĐU", "special_zone": "ĐU", "committee": "ĐU",
                  "subcommittee": "ĐU", **dict.fromkeys(BRANCH_KINDS, "CB")}
SYMBOL_OF_TOWN = ((re.compile(r"\bthị xã\b", re.I), "TU"), (re.compile(r"\bthành phố\b", re.I), "TU"),
                  (re.compile(r"\bhuyện\b", re.I), "HU"), (re.compile(r"\bquận\b", re.I), "QU"))
# Who signs on behalf of whom: the standing committee of a province or district-level
# organisation, the committee of a grassroots organisation, the branch.
ON_BEHALF = {"province": _l("ON BEHALF OF THE STANDING COMMITTEE"), "town": _l("ON BEHALF OF THE STANDING COMMITTEE"),
             **dict.fromkeys(BRANCH_KINDS, _l("ON BEHALF OF THE BRANCH"))}
ON_BEHALF_COMMITTEE = _l("ON BEHALF OF THE PARTY COMMITTEE")


@dataclass(frozen=True)
class OfficeParts:
    symbol: str  # the issuing body's part of the number's symbol, "TU"
    place: str | None  # the locality the report is dated at; None: dots to fill in
    reports_to: str | None  # the level above, the first recipient
    on_behalf: object
    files_at: object  # the file copy


def symbol_of(unit):
    if unit.kind == "town":
        return next((symbol for pattern, symbol in SYMBOL_OF_TOWN if pattern.search(unit.name)), BLANK)
    return SYMBOL_OF_KIND.get(unit.kind, BLANK)


def place_of(unit):
    """The report's place: the issuing unit's own name as the letterhead gives it (as it stood on
    the report's day) when it is a locality; a branch's, the nearest locality above it."""
    return place_name(unit.name) if unit.kind in LOCALITY_KINDS else locality_of(unit)


def office_parts(unit, parent):
    """The office parts of a report issued by `unit` (as it stood on the report's day: a UnitOn
    or a Unit), under `parent` (the unit above, or None). At most one statement (the locality)."""
    branch = unit.kind in BRANCH_KINDS
    return OfficeParts(symbol=symbol_of(unit), place=place_of(unit),
                       reports_to=parent.name if parent is not None else None,
                       on_behalf=ON_BEHALF.get(unit.kind, ON_BEHALF_COMMITTEE),
                       files_at=_l("File: the branch.") if branch else _l("File: the office."))
