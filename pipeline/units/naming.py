"""What a decision names as its issuer: not the organisation ("Đảng bộ thị xã Điện Bàn") but its
committee, and its standing committee where that is who decides ("Ban Thường vụ Thị ủy Điện
Bàn"). A province's or district's committee is named after its level (Tỉnh ủy, Thành ủy, Thị
ủy, Huyện ủy, Quận ủy); a grassroots or commune-level organisation's is its Đảng ủy."""
import re

from pipeline.rules.rulebook import NoRulebook, rulebook_on

LEVEL_COMMITTEES = (("tỉnh", "Tỉnh ủy"), ("thành phố", "Thành ủy"), ("thị xã", "Thị ủy"), ("huyện", "Huyện ủy"),
                    ("quận", "Quận ủy"))
ORGANISATION = re.compile(r"^Đảng bộ\s+", re.I)
# Whose standing committee decides when no rulebook says (pipeline.workflow.guards).
STANDING_BY_DEFAULT = frozenset({"town", "province"})


def committee_name(unit_name):
    """"Đảng bộ thị xã Điện Bàn" -> "Thị ủy Điện Bàn"; "Đảng bộ xã Điện Hòa" -> "Đảng ủy xã
    Điện Hòa"; a name that is not an organisation's ("Đảng bộ …") is kept."""
    if not ORGANISATION.match(unit_name):
        return unit_name
    rest = ORGANISATION.sub("", unit_name)
    for level, committee in LEVEL_COMMITTEES:
        if rest.lower().startswith(level + " "):
            return f"{committee} {rest[len(level) + 1:]}"
    return f"Đảng ủy {rest}"


def standing_kinds(day):
    try:
        book = rulebook_on(day)
    except NoRulebook:
        return STANDING_BY_DEFAULT
    return frozenset(book["standing_committee_kinds"]) if "standing_committee_kinds" in book.values \
        else STANDING_BY_DEFAULT


def deciding_body(unit, day):
    """Who decides admissions for `unit` on `day`: its standing committee, or (a grassroots
    committee given the power) the committee itself."""
    name = committee_name(unit.name)
    return f"Ban Thường vụ {name}" if unit.kind in standing_kinds(day) else name
