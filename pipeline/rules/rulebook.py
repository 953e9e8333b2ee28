"""Rulebooks as dated data: `rulebook_on(date)` gives the values in force that day.
A later rulebook inherits every value it does not restate, keeping each value's citation."""
import os
import tomllib
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from functools import lru_cache

RULEBOOKS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rulebooks.toml")


class NoRulebook(LookupError):
    pass


@dataclass(frozen=True)
class RuleValue:
    name: str
    value: object
    citation: str
    confirmed: bool = True


@dataclass
class Rulebook:
    code: str
    title: str
    effective_from: date
    effective_to: date | None
    sources: list
    values: dict = field(default_factory=dict)

    def __getitem__(self, name):
        return self.values[name].value

    def fraction(self, name):
        return Fraction(self[name])

    def citation(self, name):
        return self.values[name].citation


@lru_cache(maxsize=1)
def load_rulebooks():
    with open(RULEBOOKS_FILE, "rb") as fh:
        raw = tomllib.load(fh)["rulebook"]
    books, by_code = [], {}
    for entry in sorted(raw, key=lambda e: e["effective_from"]):
        values = dict(by_code[entry["inherits"]].values) if entry.get("inherits") else {}
        for name, spec in entry.get("values", {}).items():
            values[name] = RuleValue(name, spec["value"], spec["citation"], spec.get("confirmed", True))
        book = Rulebook(entry["code"], entry["title"], entry["effective_from"], None, entry["sources"], values)
        if books:
            books[-1].effective_to = book.effective_from
        books.append(book)
        by_code[book.code] = book
    return tuple(books)


def rulebook_on(day):
    """The rulebook in force on `day` (effective_from inclusive, the next one's start exclusive)."""
    for book in reversed(load_rulebooks()):
        if book.effective_from <= day:
            return book
    raise NoRulebook(day)
