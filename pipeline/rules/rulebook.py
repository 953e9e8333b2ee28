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
    # The dossier's documents (DOMAIN.md §4), in order: DocumentSpec by key.
    documents: tuple = ()

    def __getitem__(self, name):
        return self.values[name].value

    def fraction(self, name):
        return Fraction(self[name])

    def citation(self, name):
        return self.values[name].citation


PHASES = ("admission", "recognition")
APPLIES = ("always", "youth_path", "trade_union_path", "subcommittee")
KINDS = ("document", "introducer", "verification")
REPEATS = (None, "introducers")


@dataclass(frozen=True)
class DocumentSpec:
    """One document of the dossier as a rulebook defines it (see the comment in rulebooks.toml)."""
    key: str
    code: str
    name: str  # the official Vietnamese name, as printed
    gloss: str  # what it is, in English
    phase: str
    due_by: str  # the act that needs it
    citation: str
    applies: str = "always"
    kind: str = "document"
    repeat: str | None = None
    from_act: str | None = None
    number_field: str | None = None
    stale: bool = False
    confirmed: bool = True


def _document(entry):
    spec = DocumentSpec(
        key=entry.get("key", entry["code"]), code=entry["code"], name=entry["name"], gloss=entry.get("gloss", ""),
        phase=entry["phase"], due_by=entry["due_by"], citation=entry["citation"],
        applies=entry.get("applies", "always"), kind=entry.get("kind", "document"), repeat=entry.get("repeat"),
        from_act=entry.get("from_act"), number_field=entry.get("number_field"), stale=entry.get("stale", False),
        confirmed=entry.get("confirmed", True))
    problems = [name for name, value, allowed in (("phase", spec.phase, PHASES), ("applies", spec.applies, APPLIES),
                                                  ("kind", spec.kind, KINDS), ("repeat", spec.repeat, REPEATS))
                if value not in allowed]
    if problems or ":" in spec.key:
        raise ValueError(f"rulebook document {spec.key!r}: bad {', '.join(problems) or 'key'}")
    return spec


def _documents(inherited, entries):
    """Inherited documents, replaced by key where restated, removed where `retired`, new ones appended."""
    documents = dict((spec.key, spec) for spec in inherited)
    for entry in entries:
        key = entry.get("key", entry["code"])
        if entry.get("retired"):
            documents.pop(key, None)
        else:
            documents[key] = _document(entry)
    return tuple(documents.values())


@lru_cache(maxsize=1)
def load_rulebooks():
    with open(RULEBOOKS_FILE, "rb") as fh:
        raw = tomllib.load(fh)["rulebook"]
    books, by_code = [], {}
    for entry in sorted(raw, key=lambda e: e["effective_from"]):
        parent = by_code[entry["inherits"]] if entry.get("inherits") else None
        values = dict(parent.values) if parent else {}
        for name, spec in entry.get("values", {}).items():
            values[name] = RuleValue(name, spec["value"], spec["citation"], spec.get("confirmed", True))
        book = Rulebook(entry["code"], entry["title"], entry["effective_from"], None, entry["sources"], values,
                        _documents(parent.documents if parent else (), entry.get("documents", [])))
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
