"""Names of the generated organisation: the 34 provinces and centrally-run cities of 1/7/2025,
and invented commune, ward and branch names (numbered, so they never repeat)."""

# (name, centrally-run city)
PROVINCES = [
    ("Hà Nội", True), ("Huế", True), ("Hải Phòng", True), ("Đà Nẵng", True), ("Hồ Chí Minh", True),
    ("Cần Thơ", True), ("Tuyên Quang", False), ("Cao Bằng", False), ("Lai Châu", False), ("Lào Cai", False),
    ("Thái Nguyên", False), ("Điện Biên", False), ("Lạng Sơn", False), ("Sơn La", False), ("Phú Thọ", False),
    ("Bắc Ninh", False), ("Quảng Ninh", False), ("Hưng Yên", False), ("Ninh Bình", False), ("Thanh Hóa", False),
    ("Nghệ An", False), ("Hà Tĩnh", False), ("Quảng Trị", False), ("Quảng Ngãi", False), ("Gia Lai", False),
    ("Khánh Hòa", False), ("Lâm Đồng", False), ("Đắk Lắk", False), ("Đồng Nai", False), ("Tây Ninh", False),
    ("Vĩnh Long", False), ("Đồng Tháp", False), ("Cà Mau", False), ("An Giang", False),
]
PLACE_STEMS = ["Hòa An", "Tân Phú", "Bình Minh", "Xuân Lộc", "Phước Hải", "Đông Sơn", "Thanh Bình", "Vĩnh Hưng",
               "Quang Trung", "Hưng Đạo", "An Phú", "Tân Lập", "Nghĩa Hòa", "Hòa Bình", "Phú Mỹ", "Long Hải",
               "Mỹ Thạnh", "Kim Sơn", "Trung Nghĩa", "Thuận Thành"]
COMMUNE_PREFIX = {"commune": "Đảng bộ xã", "ward": "Đảng bộ phường", "special_zone": "Đảng bộ đặc khu"}
BRANCH_NAME = {
    "village": "Chi bộ thôn {n}", "quarter": "Chi bộ khu phố {n}", "school": "Chi bộ Trường THCS số {n}",
    "military": "Chi bộ Quân sự {n}", "police": "Chi bộ Công an {n}", "agency": "Chi bộ Cơ quan {n}",
    "enterprise": "Chi bộ Công ty {n}",
}


def province_name(name, city):
    return f"Đảng bộ {'thành phố' if city else 'tỉnh'} {name}"


def commune_name(kind, number):
    return f"{COMMUNE_PREFIX[kind]} {PLACE_STEMS[number % len(PLACE_STEMS)]} {number}"
