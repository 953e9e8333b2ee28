"""Helpers of the import tests (tests/test_imports*.py): sheets as an office writes them."""
from datetime import date

from openpyxl import Workbook
from sqlalchemy import func, select

from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.workflow.models import LogEntry

HEADER = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Trình độ văn hóa", "Nghề nghiệp",
          "Nơi cư trú", "Đoàn viên", "Tổ chức giới thiệu", "Đảng viên giúp đỡ", "Ngày phát hiện"]
ROWS = [
    ["1", "Phùng Tấn Thắng", "20/05/1998", "Nam", "Kinh", "THPT", "Nông dân", "Thôn Hà Tây 2", "x",
     "Đoàn TN", "Lê Văn Giúp", "01/03/2022"],
    ["2", "Trần Thị Mai", "03/11/2000", "Nữ", "", "Đại học", "Giáo viên", "Thôn Hà Tây 1", "",
     "Hội LHPN", "", "15/04/2022"],
    ["3", "Nguyễn Văn Bình", "07/07/1995", "nam", "Kinh", "Trung học cơ sở", "", "", "có",
     "doan thanh nien", "", ""],
]


def write_csv(path, rows, header=HEADER, delimiter=";", bom=True):
    text = "\r\n".join(delimiter.join(cells) for cells in [header] + rows) + "\r\n"
    path.write_text(("\ufeff" if bom else "") + text, encoding="utf-8")
    return path


def write_xlsx(path, rows, header=HEADER, title="DANH SÁCH QUẦN CHÚNG ƯU TÚ"):
    """With a title and a blank row above the table, as offices make them."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([title])
    sheet.append([])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def as_dates(row):
    """The row with its dd/mm/yyyy texts as real date cells."""
    return [date(int(c[6:]), int(c[3:5]), int(c[:2])) if len(c) == 10 and c[2] == "/" else c for c in row]


def cases():
    db.session.expire_all()
    return db.session.execute(select(Case).order_by(Case.id)).scalars().all()


def log_count():
    return db.session.scalar(select(func.count()).select_from(LogEntry))
