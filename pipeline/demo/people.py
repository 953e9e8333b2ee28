"""Invented people for the demo: Vietnamese names (NFC) drawn from common family, middle and
given names, with particulars that fit the branch they belong to. Deterministic: every draw
comes from the `random.Random` the caller passes in."""
import unicodedata
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

# Family names with rough weights (Huỳnh and Võ are common in Quảng Nam).
FAMILY = [
    ("Nguyễn", 24), ("Trần", 9), ("Lê", 10), ("Phạm", 6), ("Huỳnh", 8), ("Võ", 8), ("Phan", 5),
    ("Hoàng", 3), ("Đặng", 3), ("Bùi", 2), ("Đỗ", 2), ("Hồ", 4), ("Ngô", 3), ("Dương", 2), ("Đoàn", 3),
    ("Trương", 3), ("Mai", 1), ("Lương", 2), ("Thái", 1), ("Châu", 1), ("Lâm", 1), ("Đinh", 2), ("Tôn", 1),
    ("Hà", 1), ("Đào", 1), ("Lưu", 1),
]
MIDDLE = {
    "male": [("Văn", 30), ("Hữu", 6), ("Đức", 6), ("Công", 6), ("Minh", 6), ("Quang", 5), ("Tấn", 6),
             ("Thanh", 4), ("Ngọc", 3), ("Xuân", 3), ("Bá", 3), ("Phước", 2), ("Trọng", 2), ("Anh", 2)],
    "female": [("Thị", 40), ("Ngọc", 5), ("Thu", 4), ("Thanh", 4), ("Kim", 3), ("Mỹ", 3), ("Hoài", 3),
               ("Thùy", 3), ("Bích", 2), ("Phương", 2), ("Thị Mỹ", 2), ("Thị Thu", 2)],
}
GIVEN = {
    "male": ["Anh", "Bảo", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hoàng", "Hùng", "Huy", "Khánh",
             "Khoa", "Long", "Lộc", "Minh", "Nam", "Nghĩa", "Phúc", "Phước", "Quân", "Sơn", "Tài", "Thành",
             "Thịnh", "Tín", "Toàn", "Trung", "Tuấn", "Việt", "Vinh", "Vũ", "Kiên", "Hậu", "Nhân", "Quý"],
    "female": ["An", "Anh", "Châu", "Diệu", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Hồng",
               "Hương", "Lan", "Linh", "Loan", "Ly", "Mai", "My", "Nga", "Ngân", "Nhung", "Oanh", "Phương",
               "Quyên", "Tâm", "Thảo", "Thu", "Thủy", "Trang", "Trinh", "Uyên", "Vân", "Vy", "Yến", "Nhi"],
}
# A few candidates of other ethnicities, with family names of their own where that is the custom.
OTHER_ETHNICITIES = [("Cơ Tu", ["A Lăng", "Zơ Râm", "Bhling", "Ating", "Pơloong"]), ("Hoa", None), ("Tày", ["Nông"])]

OCCUPATIONS = {
    "village": {"male": ["Nông dân", "Công nhân", "Thợ xây", "Lao động tự do", "Buôn bán", "Thợ cơ khí",
                         "Công nhân Khu công nghiệp Điện Nam – Điện Ngọc", "Chi hội trưởng Nông dân thôn"],
                "female": ["Nông dân", "Công nhân may", "Buôn bán", "Thợ may", "Chi hội trưởng Phụ nữ thôn",
                           "Công nhân Khu công nghiệp Điện Nam – Điện Ngọc", "Nhân viên y tế thôn"]},
    "quarter": {"male": ["Kinh doanh", "Buôn bán", "Công nhân", "Nhân viên văn phòng", "Kỹ thuật viên điện",
                         "Công nhân Khu công nghiệp Điện Nam – Điện Ngọc", "Lao động tự do"],
                "female": ["Kinh doanh", "Buôn bán", "Nhân viên văn phòng", "Kế toán", "Công nhân may",
                           "Chi hội trưởng Phụ nữ khối phố", "Nhân viên ngân hàng"]},
    "school": {"male": ["Giáo viên", "Giáo viên Toán", "Giáo viên Thể dục", "Nhân viên thiết bị"],
               "female": ["Giáo viên", "Giáo viên Ngữ văn", "Giáo viên Tiếng Anh", "Kế toán trường",
                          "Giáo viên Tiểu học"]},
    "military": {"male": ["Chiến sĩ dân quân thường trực", "Trung đội trưởng dân quân", "Chiến sĩ",
                          "Trợ lý tác chiến"],
                 "female": ["Nhân viên văn thư", "Chiến sĩ dân quân"]},
    "police": {"male": ["Cán bộ công an", "Chiến sĩ công an", "Điều tra viên", "Cảnh sát khu vực"],
               "female": ["Cán bộ công an", "Cán bộ hồ sơ"]},
    "agency": {"male": ["Chuyên viên", "Công chức", "Bác sĩ", "Viên chức"],
               "female": ["Chuyên viên", "Công chức", "Điều dưỡng", "Bác sĩ", "Kế toán"]},
    "enterprise": {"male": ["Công nhân", "Kỹ sư môi trường", "Tài xế", "Tổ trưởng sản xuất"],
                   "female": ["Công nhân", "Nhân viên kinh doanh", "Kế toán"]},
}
EDUCATION = {
    "village": [("lower_secondary", 3), ("upper_secondary", 8), ("vocational", 3), ("university", 2)],
    "quarter": [("lower_secondary", 1), ("upper_secondary", 6), ("vocational", 4), ("university", 4)],
    "school": [("university", 8), ("postgraduate", 2), ("vocational", 1)],
    "military": [("upper_secondary", 7), ("vocational", 2), ("university", 1)],
    "police": [("university", 6), ("vocational", 3), ("upper_secondary", 1)],
    "agency": [("university", 8), ("postgraduate", 2)],
    "enterprise": [("upper_secondary", 4), ("vocational", 4), ("university", 2)],
}
# Ages (in years, at the time the branch considers the case) by branch kind.
AGES = {"village": (19, 52), "quarter": (19, 50), "school": (23, 45), "military": (19, 30),
        "police": (22, 38), "agency": (24, 45), "enterprise": (20, 45)}


def nfc(text):
    return unicodedata.normalize("NFC", text)


def _weighted(rng, pairs):
    values, weights = zip(*pairs)
    return rng.choices(values, weights=weights)[0]


class People:
    """Draws people and party members' names; never gives the same candidate name twice."""

    def __init__(self, rng, reserved=()):
        self.rng = rng
        self.used = {nfc(name) for name in reserved}

    def name(self, sex, family=None):
        for _ in range(1000):
            full = " ".join([family or _weighted(self.rng, FAMILY), _weighted(self.rng, MIDDLE[sex]),
                             self.rng.choice(GIVEN[sex])])
            full = nfc(full)
            if full not in self.used:
                self.used.add(full)
                return full
        raise RuntimeError("ran out of names")

    def member_name(self):
        """An official party member (helper, introducer): names may repeat, as in life."""
        sex = "male" if self.rng.random() < 0.6 else "female"
        return nfc(" ".join([_weighted(self.rng, FAMILY), _weighted(self.rng, MIDDLE[sex]),
                             self.rng.choice(GIVEN[sex])]))

    def candidate(self, kind, residence, considered_on, age=None, sex=None, youth=None):
        """The particulars of a new case (the `fields` of operations.spot_candidate).
        `considered_on` is about when the branch will vote: ages are drawn for that day."""
        rng = self.rng
        if sex is None:
            share_female = {"military": 0.1, "police": 0.2, "school": 0.7}.get(kind, 0.45)
            sex = "female" if rng.random() < share_female else "male"
        low, high = AGES[kind]
        if age is None:
            # Most candidates are young; a tail of older ones.
            age = low + int((high - low) * rng.random() ** 1.8)
        born = considered_on - relativedelta(years=age) - timedelta(days=rng.randint(30, 330))
        born = date(born.year, born.month, min(born.day, 28))
        ethnicity, family = "Kinh", None
        if rng.random() < 0.04:
            ethnicity, families = rng.choice(OTHER_ETHNICITIES)
            family = rng.choice(families) if families else None
        age_then = relativedelta(considered_on, born).years
        if youth is None:
            youth = age_then <= 29 and rng.random() < (0.95 if kind == "military" else 0.8)
        if youth:
            source = "youth_union"
        elif kind in ("school", "agency", "enterprise"):
            source = "trade_union"
        elif kind in ("military", "police"):
            source = "other"
        elif sex == "female":
            source = "womens_union"
        elif kind == "village" and age_then >= 40 and rng.random() < 0.3:
            source = "veterans_union"
        elif kind == "village":
            source = "farmers_union"
        else:
            source = rng.choice(["farmers_union", "other"]) if rng.random() < 0.3 else "other"
        occupations = OCCUPATIONS[kind][sex]
        return {
            "full_name": self.name(sex, family),
            "date_of_birth": born,
            "sex": sex,
            "ethnicity": ethnicity,
            "education": _weighted(rng, EDUCATION[kind]),
            "occupation": rng.choice(occupations),
            "residence": residence,
            "youth_union_member": youth,
            "source_organisation": source,
            "helper_member": self.member_name(),
        }
