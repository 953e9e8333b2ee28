"""The organisation of the demo: Đảng bộ thị xã Điện Bàn in 2022 (DOMAIN.md §1, §5), its
quotas for 2022 and the demo accounts.

The town and its twenty communes and wards are real (Điện Bàn's seven wards and thirteen
communes in 2022), and so are the two branches the article names: Chi bộ thôn Hà Tây 2 (xã Điện
Hòa) and Chi bộ khối phố Tân Khai (phường Điện Dương). The other villages, quarters, schools,
agencies and the enterprise are illustrative: plausible names, not a census.

`admitted` on a commune or branch is how many admission ceremonies the demo's log holds for it
between 1/1 and 30/9/2022; the numbers the article gives are 134 in total, 117 across the
communes and wards, 17 directly under the town, 12 in Điện Hòa (1 military, 2 school, 9 village,
of which Hà Tây 2 has 2) and 11 in Điện Dương (5 urban-quarter, 6 school and military). Where a
commune's total is known but not its split, the story spreads it over the commune's branches.
"""
from dataclasses import dataclass, field

from pipeline.base.text import fold

TOWN_CODE = "dienban"
TOWN_NAME = "Đảng bộ thị xã Điện Bàn"
TOWN_QUOTA = 100
QUOTA_YEAR = 2022


@dataclass
class BranchSpec:
    code: str
    name: str
    kind: str
    place: str  # where ceremonies are held and, for villages and quarters, where people live
    admitted: int | None = None  # ceremonies 1/1–30/9/2022; None: the story spreads the commune's total


@dataclass
class CommitteeSpec:
    """A grassroots party organisation: a commune or ward committee, a committee directly under
    the town, or a grassroots branch (chi bộ cơ sở) directly under the town, which is its own
    grassroots organisation and therefore its own only branch."""
    code: str
    name: str
    kind: str  # commune | ward | committee | a branch kind for a chi bộ cơ sở
    label: str  # "xã Điện Hòa", "Công an thị xã": used in residences and display names
    quota: tuple  # (minimum, maximum) for 2022
    admitted: int  # ceremonies 1/1–30/9/2022
    committee_size: int  # members of its executive committee (cấp ủy), who vote on the review
    branches: list = field(default_factory=list)
    account_title: str = ""  # display name of its committee account

    @property
    def is_branch(self):
        return self.kind not in ("commune", "ward", "committee")

    @property
    def under_commune_or_ward(self):
        return self.kind in ("commune", "ward")


def slug(text):
    return "".join(ch for ch in fold(text) if ch.isalnum())


# Communes and wards: code, kind, name, quota (min, max), admitted to 30/9, committee size, places.
# Quotas sum with the direct units' to the town's 100 (Điện Hòa counted at the middle of 6–8).
_LOCAL = [
    ("vinhdien", "ward", "Vĩnh Điện", (5, 5), 7, 17, ["Khối phố 1", "Khối phố 2", "Khối phố 4", "Khối phố 6"]),
    ("dienan", "ward", "Điện An", (4, 4), 5, 15, ["Phú Tây 1", "Phú Tây 2", "Phú Tây 3", "Tân Bình"]),
    ("dienduong", "ward", "Điện Dương", (8, 8), 11, 17, None),
    ("diennambac", "ward", "Điện Nam Bắc", (4, 4), 6, 15, ["Cẩm Sa", "Tứ Câu", "Câu Hà", "Bình Dương"]),
    ("diennamdong", "ward", "Điện Nam Đông", (4, 4), 6, 15, ["Cổ An 1", "Cổ An 2", "Cổ An 3", "Tân Lưu"]),
    ("diennamtrung", "ward", "Điện Nam Trung", (4, 4), 5, 15, ["Long Xuyên 1", "Long Xuyên 2", "Long Xuyên 3"]),
    ("dienngoc", "ward", "Điện Ngọc", (5, 5), 6, 17, ["Ngọc Vinh", "Viêm Trung", "Đông Khương", "Tân Ngọc"]),
    ("dienhoa", "commune", "Điện Hòa", (6, 8), 12, 15, None),
    ("dienhong", "commune", "Điện Hồng", (4, 4), 5, 15, ["Gia Cốc", "Nhất Đông", "Bồng Lai"]),
    ("dienminh", "commune", "Điện Minh", (4, 4), 5, 15, ["Cẩm Sơn", "Xuân Diệm", "Kỳ Lam"]),
    ("dienphong", "commune", "Điện Phong", (4, 4), 5, 15, ["Triêm Tây", "Triêm Trung", "Triêm Đông"]),
    ("dienphuoc", "commune", "Điện Phước", (4, 4), 5, 15, ["Cẩm Phô", "Nhị Dinh 1", "Nhị Dinh 2", "Hòa Mỹ"]),
    ("dienphuong", "commune", "Điện Phương", (5, 5), 6, 15, ["Thanh Chiêm 1", "Thanh Chiêm 2", "Phú Triêm", "Bến Đền"]),
    ("dienquang", "commune", "Điện Quang", (3, 3), 4, 13, ["Thanh Trung", "Quảng Lăng 1", "Quảng Lăng 2"]),
    ("dienthangbac", "commune", "Điện Thắng Bắc", (4, 4), 5, 15, ["Thanh Quýt 1", "Thanh Quýt 2", "Thanh Quýt 3"]),
    ("dienthangnam", "commune", "Điện Thắng Nam", (4, 4), 5, 15, ["Phong Thử", "Châu Giang", "Thanh Quýt 5"]),
    ("dienthangtrung", "commune", "Điện Thắng Trung", (4, 4), 5, 15, ["Bồ Mưng 1", "Bồ Mưng 2", "Nam Hà"]),
    ("dientho", "commune", "Điện Thọ", (4, 4), 5, 15, ["Nhị Hà", "Đông Phước", "Bình Sa"]),
    ("dientien", "commune", "Điện Tiến", (3, 3), 4, 13, ["Ngũ Giáp", "Giáp Năm", "Phú Hòa"]),
    ("dientrung", "commune", "Điện Trung", (3, 3), 5, 13, ["Phú Bông", "Thanh Hiếu", "Triêm Nam"]),
]

# The two the article describes, branch by branch.
_DIEN_HOA_BRANCHES = [
    BranchSpec("dienhoa-hatay1", "Chi bộ thôn Hà Tây 1", "village", "thôn Hà Tây 1", 1),
    BranchSpec("hatay2", "Chi bộ thôn Hà Tây 2", "village", "thôn Hà Tây 2", 2),
    BranchSpec("dienhoa-hatay3", "Chi bộ thôn Hà Tây 3", "village", "thôn Hà Tây 3", 1),
    BranchSpec("dienhoa-latho1", "Chi bộ thôn La Thọ 1", "village", "thôn La Thọ 1", 2),
    BranchSpec("dienhoa-latho2", "Chi bộ thôn La Thọ 2", "village", "thôn La Thọ 2", 1),
    BranchSpec("dienhoa-donghoa", "Chi bộ thôn Đông Hòa", "village", "thôn Đông Hòa", 1),
    BranchSpec("dienhoa-nhidong", "Chi bộ thôn Nhì Đông", "village", "thôn Nhì Đông", 1),
    BranchSpec("dienhoa-thcs", "Chi bộ Trường THCS Điện Hòa", "school", "Trường THCS Điện Hòa", 2),
    BranchSpec("dienhoa-tieuhoc", "Chi bộ Trường Tiểu học Điện Hòa", "school", "Trường Tiểu học Điện Hòa", 0),
    BranchSpec("dienhoa-quansu", "Chi bộ Quân sự xã Điện Hòa", "military", "Ban Chỉ huy Quân sự xã Điện Hòa", 1),
    BranchSpec("dienhoa-congan", "Chi bộ Công an xã Điện Hòa", "police", "Công an xã Điện Hòa", 0),
]
_DIEN_DUONG_BRANCHES = [
    BranchSpec("tankhai", "Chi bộ khối phố Tân Khai", "quarter", "khối phố Tân Khai", 1),
    BranchSpec("dienduong-haquangbac", "Chi bộ khối phố Hà Quảng Bắc", "quarter", "khối phố Hà Quảng Bắc", 2),
    BranchSpec("dienduong-haquangdong", "Chi bộ khối phố Hà Quảng Đông", "quarter", "khối phố Hà Quảng Đông", 1),
    BranchSpec("dienduong-ngangiang", "Chi bộ khối phố Ngân Giang", "quarter", "khối phố Ngân Giang", 1),
    BranchSpec("dienduong-dahoabac", "Chi bộ khối phố Đa Hòa Bắc", "quarter", "khối phố Đa Hòa Bắc", 0),
    BranchSpec("dienduong-thcs", "Chi bộ Trường THCS Điện Dương", "school", "Trường THCS Điện Dương", 2),
    BranchSpec("dienduong-tieuhoc", "Chi bộ Trường Tiểu học Điện Dương", "school", "Trường Tiểu học Điện Dương", 2),
    BranchSpec("dienduong-quansu", "Chi bộ Quân sự phường Điện Dương", "military",
               "Ban Chỉ huy Quân sự phường Điện Dương", 2),
    BranchSpec("dienduong-congan", "Chi bộ Công an phường Điện Dương", "police", "Công an phường Điện Dương", 0),
]


def _local_branches(code, kind, name, places):
    village_kind, word = ("quarter", "khối phố") if kind == "ward" else ("village", "thôn")
    level = "phường" if kind == "ward" else "xã"
    branches = []
    for place in places:
        # "Khối phố 1" is already a full name; "Cẩm Sa" becomes "khối phố Cẩm Sa".
        label = place[0].lower() + place[1:] if place.lower().startswith(word) else f"{word} {place}"
        branches.append(BranchSpec(f"{code}-{slug(place)}", f"Chi bộ {label}", village_kind, label))
    branches += [
        BranchSpec(f"{code}-thcs", f"Chi bộ Trường THCS {name}", "school", f"Trường THCS {name}"),
        BranchSpec(f"{code}-quansu", f"Chi bộ Quân sự {level} {name}", "military",
                   f"Ban Chỉ huy Quân sự {level} {name}"),
        BranchSpec(f"{code}-congan", f"Chi bộ Công an {level} {name}", "police", f"Công an {level} {name}"),
    ]
    return branches


def _communes():
    result = []
    for code, kind, name, quota, admitted, size, places in _LOCAL:
        level = "phường" if kind == "ward" else "xã"
        if code == "dienhoa":
            branches = _DIEN_HOA_BRANCHES
        elif code == "dienduong":
            branches = _DIEN_DUONG_BRANCHES
        else:
            branches = _local_branches(code, kind, name, places)
        title = ("Phó Bí thư Đảng ủy phường Điện Dương" if code == "dienduong"
                 else f"Phó Bí thư Thường trực Đảng ủy {level} {name}")
        result.append(CommitteeSpec(code, f"Đảng bộ {level} {name}", kind, f"{level} {name}", quota, admitted,
                                    size, list(branches), title))
    return result


def _direct():
    """Committees and grassroots branches directly under the town: 17 ceremonies, quotas 13."""
    return [
        CommitteeSpec("congan", "Đảng bộ Công an thị xã Điện Bàn", "committee", "Công an thị xã Điện Bàn",
                      (3, 3), 4, 11, [
                          BranchSpec("congan-dieutra", "Chi bộ Đội Cảnh sát điều tra tội phạm về trật tự xã hội",
                                     "police", "Hội trường Công an thị xã Điện Bàn", 2),
                          BranchSpec("congan-hanhchinh", "Chi bộ Đội Cảnh sát quản lý hành chính về trật tự xã hội",
                                     "police", "Hội trường Công an thị xã Điện Bàn", 1),
                          BranchSpec("congan-giaothong", "Chi bộ Đội Cảnh sát giao thông – trật tự",
                                     "police", "Hội trường Công an thị xã Điện Bàn", 1),
                      ], "Phó Bí thư Đảng ủy Công an thị xã Điện Bàn"),
        CommitteeSpec("quansu", "Đảng bộ Quân sự thị xã Điện Bàn", "committee", "Ban Chỉ huy Quân sự thị xã Điện Bàn",
                      (3, 3), 4, 9, [
                          BranchSpec("quansu-coquan", "Chi bộ Cơ quan Ban Chỉ huy Quân sự thị xã", "military",
                                     "Hội trường Ban Chỉ huy Quân sự thị xã", 2),
                          BranchSpec("quansu-danquan", "Chi bộ Trung đội Dân quân cơ động", "military",
                                     "Hội trường Ban Chỉ huy Quân sự thị xã", 2),
                      ], "Phó Bí thư Đảng ủy Quân sự thị xã Điện Bàn"),
        CommitteeSpec("coquan", "Đảng bộ Cơ quan Chính quyền thị xã Điện Bàn", "committee",
                      "Cơ quan Chính quyền thị xã Điện Bàn", (3, 3), 4, 11, [
                          BranchSpec("coquan-vanphong", "Chi bộ Văn phòng HĐND và UBND thị xã", "agency",
                                     "Phòng họp Văn phòng HĐND và UBND thị xã", 1),
                          BranchSpec("coquan-taichinh", "Chi bộ Phòng Tài chính – Kế hoạch", "agency",
                                     "Phòng họp UBND thị xã", 1),
                          BranchSpec("coquan-yte", "Chi bộ Trung tâm Y tế thị xã", "agency",
                                     "Hội trường Trung tâm Y tế thị xã", 2),
                      ], "Phó Bí thư Đảng ủy Cơ quan Chính quyền thị xã Điện Bàn"),
        CommitteeSpec("nguyenduyhieu", "Chi bộ Trường THPT Nguyễn Duy Hiệu", "school", "Trường THPT Nguyễn Duy Hiệu",
                      (2, 2), 3, 5, [], "Bí thư Chi bộ Trường THPT Nguyễn Duy Hiệu"),
        CommitteeSpec("moitruong", "Chi bộ Công ty Cổ phần Môi trường – Đô thị Điện Bàn", "enterprise",
                      "Công ty Cổ phần Môi trường – Đô thị Điện Bàn", (2, 2), 2, 5, [],
                      "Bí thư Chi bộ Công ty Cổ phần Môi trường – Đô thị Điện Bàn"),
    ]


GRASSROOTS = _communes() + _direct()
for _g in GRASSROOTS:
    if _g.is_branch:  # a grassroots branch is its own only branch
        _g.branches = [BranchSpec(_g.code, _g.name, _g.kind, f"Hội trường {_g.label}", _g.admitted)]

GRASSROOTS_BY_CODE = {g.code: g for g in GRASSROOTS}
BRANCH_TO_GRASSROOTS = {b.code: g for g in GRASSROOTS for b in g.branches}
BRANCHES = {b.code: b for g in GRASSROOTS for b in g.branches}

# The accounts of issue 2; every grassroots organisation also gets a committee account named
# after its code (dienan, vinhdien, congan, ...) so that its reviews are recorded by a committee.
DEMO_PASSWORD = "demo"
NAMED_ACCOUNTS = [
    # username, role, unit code, display name
    ("admin", "admin", TOWN_CODE, "Quản trị hệ thống"),
    ("btc", "board", TOWN_CODE, "Trưởng ban Tổ chức Thị ủy"),
    ("hatay2", "secretary", "hatay2", "Bí thư chi bộ thôn Hà Tây 2"),
    ("tankhai", "secretary", "tankhai", "Bí thư chi bộ khối phố Tân Khai"),
]


def accounts():
    """Every demo account: (username, role, unit code, display name)."""
    result = list(NAMED_ACCOUNTS)
    result += [(g.code, "committee", g.code, g.account_title) for g in GRASSROOTS]
    return result


def check_counts():
    """The article's figures, checked on the data above (by story.Story.build)."""
    local = [g for g in GRASSROOTS if g.under_commune_or_ward]
    direct = [g for g in GRASSROOTS if not g.under_commune_or_ward]
    assert sum(g.admitted for g in local) == 117, sum(g.admitted for g in local)
    assert sum(g.admitted for g in direct) == 17, sum(g.admitted for g in direct)
    for g in GRASSROOTS:
        known = [b.admitted for b in g.branches if b.admitted is not None]
        if len(known) == len(g.branches):
            assert sum(known) == g.admitted, g.code
    assert len(BRANCHES) == len({b.code for g in GRASSROOTS for b in g.branches}), "duplicate branch code"
    low = sum(g.quota[0] for g in GRASSROOTS)
    high = sum(g.quota[1] for g in GRASSROOTS)
    assert low <= TOWN_QUOTA <= high, (low, high)
