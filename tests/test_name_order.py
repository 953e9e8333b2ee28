"""Names listed in Vietnamese order: by given name (the last word) as offices list people, or
by the name as written; letters ă â đ ê ô ơ ư after their base letter, tones only breaking ties."""
import re

import pytest

from pages_support import pages, section  # noqa: F401  (pages is a fixture)
from pipeline.base.text import name_sort_key

# As an office list sorts them: by given name, then family name, then middle names.
BY_GIVEN_NAME = ["Nguyễn Văn An", "Hồ Thị Anh", "Lê Anh", "Trần Thị Ánh", "Phạm Ăn", "Ngô Thị Ân",
                 "Lê Văn Dũng", "Đỗ Văn Đức", "Võ Thị Em", "Phùng Tấn Thắng"]
BY_FULL_NAME = ["Đỗ Văn Đức", "Hồ Thị Anh", "Lê Anh", "Lê Văn Dũng", "Ngô Thị Ân", "Nguyễn Văn An",
                "Phạm Ăn", "Phùng Tấn Thắng", "Trần Thị Ánh", "Võ Thị Em"]


def test_the_key_follows_the_vietnamese_alphabet_and_tones():
    assert sorted(reversed(BY_GIVEN_NAME), key=name_sort_key) == BY_GIVEN_NAME
    assert sorted(reversed(BY_FULL_NAME), key=lambda name: name_sort_key(name, given_name_first=False)) == BY_FULL_NAME
    # d before đ, o before ô before ơ, u before ư, whatever the accents' Unicode order says.
    words = ["Dung", "Đông", "Ong", "Ông", "Ơn", "Ung", "Ưng", "Hà", "Hả", "Hạ", "Ha", "Há", "Hã"]
    assert sorted(words, key=name_sort_key) == ["Dung", "Đông", "Ha", "Hà", "Hả", "Hã", "Há", "Hạ",
                                                "Ong", "Ông", "Ơn", "Ung", "Ưng"]
    # A shorter name comes before a longer one that starts with it.
    assert sorted(["Lê Văn Anh", "Lê Văn An"], key=name_sort_key) == ["Lê Văn An", "Lê Văn Anh"]


@pytest.fixture
def named_cases(world, make_case):
    for name in BY_FULL_NAME:
        make_case(full_name=name)


def listed(response):
    shown = section(response, "candidates")
    return sorted(BY_FULL_NAME, key=shown.index)


def test_the_list_is_in_given_name_order_with_the_full_name_order_a_click_away(pages, named_cases):
    pages.login("sec_a1")
    response = pages.get("/candidates/")
    assert listed(response) == BY_GIVEN_NAME
    assert re.search(r'aria-current="true">By given name<', response.get_data(as_text=True))
    assert listed(pages.get("/candidates/?order=full")) == BY_FULL_NAME
    # The choice stays while the user moves on, and the export follows it.
    assert listed(pages.get("/candidates/")) == BY_FULL_NAME
    exported = pages.get("/candidates/?format=csv").get_data(as_text=True)
    assert [name for name in BY_FULL_NAME if name in exported] == sorted(BY_FULL_NAME, key=exported.index)
    assert listed(pages.get("/candidates/?order=given")) == BY_GIVEN_NAME


def test_an_unknown_order_falls_back_to_the_office_order(pages, named_cases):
    pages.login("sec_a1")
    response = pages.get("/candidates/?order=surname%27--")
    assert response.status_code == 200 and listed(response) == BY_GIVEN_NAME
