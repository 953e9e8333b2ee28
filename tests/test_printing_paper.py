"""Paper an office accepts: the checklist is dated at the branch's locality, set in a serif with
every Vietnamese glyph, and a branch's PDF never has a page holding nothing but a hash line.
PDFs are read back with pypdf."""
import os
import re
import shutil
import subprocess
import unicodedata
from io import BytesIO

import pytest

from pipeline.base import clock
from pipeline.printing.place import locality_of, place_name

# A sheet's end: what is left of a page once its page number and the chain heads are taken out.
PAGE_NUMBER = re.compile(r"\d+/\d+$")
CHAIN_HEADS = re.compile(r"Nhậtký.+?mãđầuchuỗi:[0-9a-f]+\.")


def pdf_pages(body):
    from pypdf import PdfReader
    return PdfReader(BytesIO(body))


def squash(text):
    return unicodedata.normalize("NFC", "".join((text or "").split()))


def base_fonts(reader):
    found = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            found.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return found


@pytest.mark.parametrize("name, place", [
    ("Đảng bộ xã Điện Hòa", "Điện Hòa"), ("Đảng ủy phường Điện Dương", "Điện Dương"),
    ("Đảng bộ thị xã Điện Bàn", "Điện Bàn"), ("Đảng bộ thành phố Đà Nẵng", "Đà Nẵng"),
    ("Đảng bộ Thị trấn  Nam Phước", "Nam Phước"), ("Đảng bộ tỉnh Quảng Nam", "Quảng Nam"),
    ("Đảng bộ đặc khu Phú Quốc", "Phú Quốc"), ("Điện Ngọc", "Điện Ngọc"),
])
def test_a_place_is_the_name_without_the_organisation(name, place):
    assert place_name(name) == place


def test_the_locality_is_the_nearest_commune_ward_or_town(world):
    assert locality_of(world.branch_a1) == "A"  # Đảng bộ xã A
    assert locality_of(world.branch_b1) == "B"  # Đảng bộ phường B
    assert locality_of(world.branch_direct) == "Thử"  # directly under Đảng bộ thị xã Thử
    assert locality_of(world.town) == "Thử"


def test_the_date_line_names_the_branch_locality(world, make_case, login, client):
    today = clock.today()
    for branch, place, user in ((world.branch_a1, "A", "sec_a1"), (world.branch_direct, "Thử", "board")):
        case = make_case("dossier", branch=branch)
        login(user)
        page = client.get(f"/candidates/{case.id}/checklist?lang=vi").get_data(as_text=True)
        dateline = f"{place}, ngày {today.day:02d} tháng {today.month:02d} năm {today.year}"
        assert f'<div class="dateline">{dateline}</div>' in page
        assert "…………" not in page
        client.post("/logout")


def serif_with_vietnamese():
    """Whether fontconfig has "Liberation Serif" with Vietnamese (ạ: fonts-liberation2, not the older package)."""
    if not shutil.which("fc-list"):
        return False
    found = subprocess.run(["fc-list", ":family=Liberation Serif:charset=1ea1 1edd 111", "family"],
                           capture_output=True, text=True, check=False)
    return bool(found.stdout.strip())


def test_the_pdf_is_set_in_a_serif_with_every_vietnamese_glyph(world, make_case, login, client, needs_pdf):
    if not serif_with_vietnamese():
        message = "the print font is missing: install the Debian package fonts-liberation2 (manage.py does)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    # A glyph missing from "Liberation Serif" would be drawn with the next font of the list.
    case = make_case("probation", full_name="Huỳnh Thị Ngọc Ửng Ỹ Đặng")
    login("sec_a1")
    reader = pdf_pages(client.get(f"/candidates/{case.id}/checklist.pdf").data)
    fonts = base_fonts(reader)
    assert {"Liberation-Serif", "Liberation-Serif-Bold"} <= fonts
    # DejaVu Sans draws only the ☐/☑ boxes; no other font stands in for a missing glyph.
    assert fonts <= {"Liberation-Serif", "Liberation-Serif-Bold", "Liberation-Serif-Italic", "DejaVu-Sans"}


@pytest.mark.parametrize("stages", [("committee_review", "decision", "ceremony"), ("spotted", "dossier", "probation")])
def test_no_page_of_a_branch_pdf_holds_only_a_hash_line(world, make_case, login, client, needs_pdf, stages):
    # Sheets of these stages used to run over by their chain heads alone (in Vietnamese, as users print them).
    for number, stage in enumerate(stages):
        make_case(stage, full_name=f"Nguyễn Văn Số {number}")
    login("com_a")
    reader = pdf_pages(client.get(f"/branches/{world.branch_a1.id}/checklists.pdf?lang=vi").data)
    texts = [squash(page.extract_text()) for page in reader.pages]
    assert sum("mãđầuchuỗi" in text for text in texts) >= len(stages)
    for number, text in enumerate(texts, 1):
        rest = CHAIN_HEADS.sub("", PAGE_NUMBER.sub("", text))
        assert rest, f"page {number} of {len(texts)} holds only {text!r}"
    # Each sheet begins a page and none ends in an empty one.
    assert sum("ĐẢNGCỘNGSẢNVIỆTNAM" in text for text in texts) == len(stages)
    assert len(texts) <= 2 * len(stages)
