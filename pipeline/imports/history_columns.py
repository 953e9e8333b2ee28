"""The columns of a case's history, one row per case: the person's particulars, the branch, and the
date and particulars of every step reached so far, the dossier's documents by form code, and the
exit of a case that left the road. The full export of cases (pipeline.cases.export) writes these
columns and the history import (pipeline.imports.history) reads them back, in either language.

A step is recorded once per row: the last time the log holds it (a case voted on twice exports
its last vote). The documents are one group of columns per item of the rulebooks' dossiers that
the branch records itself ("1-KNĐ", "3-KNĐ (1)", "TTLL"...): the date received, then its number,
introducer, result and note as its kind has them."""
from functools import lru_cache

from pipeline.base.i18n import lazy_gettext as _l
from pipeline.bulk.table import Field, Table
from pipeline.cases.models import EDUCATION_LEVELS, SEXES, SOURCE_ORGANISATIONS
from pipeline.imports.columns import CHOICES, choice_values
from pipeline.rules.rulebook import load_rulebooks
from pipeline.workflow.checklist import VERIFICATION_RESULTS
from pipeline.workflow.definition import ACT_BY_NAME
from pipeline.workflow.stages import STAGES

# The exits a row may state (a failed committee vote needs none: its figures say it).
EXIT_ACTS = ("withdraw", "remove_from_pool", "expire", "refuse_admission", "strike_off")
INTRODUCER_ORDINALS = 2  # the most introducers any rulebook's path asks for
NUMBER = 999_999


class HistoryTable(Table):
    """The unit import's table, with the candidate import's ways of writing a choice (THPT, cấp 3,
    Đoàn, the label's abbreviation in brackets), each field's codes worked out once."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._codes = {}

    def choice_codes(self, f):
        if f.name not in self._codes:
            codes = Table.choice_codes(f)
            if f.name in CHOICES:
                codes = choice_values(f.name) | codes
            self._codes[f.name] = codes
        return self._codes[f.name]


class Joined:
    """A header made of an item's code and a translated part: "3-KNĐ (1) – Introducer"."""

    def __init__(self, prefix, part):
        self.prefix, self.part = prefix, part

    def __str__(self):
        return f"{self.prefix} – {self.part}"


def _field(name, label, kind="text", aliases=(), **options):
    return Field(name, label, kind, aliases=aliases, **options)


PERSON = (
    _field("full_name", _l("Full name"), required=True, aliases=("Họ và tên", "Họ tên", "Name")),
    _field("date_of_birth", _l("Date of birth"), "date", required=True, aliases=("Ngày sinh", "Born")),
    _field("sex", _l("Sex"), "choice", required=True, choices=SEXES, aliases=("Giới tính", "Gender")),
    _field("ethnicity", _l("Ethnicity"), max_length=60, aliases=("Dân tộc",)),
    _field("education", _l("Education"), "choice", required=True, choices=EDUCATION_LEVELS,
           aliases=("Trình độ văn hóa", "Trình độ học vấn")),
    _field("occupation", _l("Occupation"), aliases=("Nghề nghiệp",)),
    _field("residence", _l("Residence"), max_length=300, aliases=("Nơi cư trú", "Nơi ở hiện nay", "Address")),
    _field("youth_union_member", _l("Youth Union member"), "bool", aliases=("Đoàn viên",)),
    _field("source_organisation", _l("Introduced by"), "choice", required=True, choices=SOURCE_ORGANISATIONS,
           aliases=("Tổ chức giới thiệu", "Source")),
    _field("helper_member", _l("Helper party member"), aliases=("Đảng viên giúp đỡ", "Helper")),
)
PLACE = (
    _field("branch_code", _l("Branch code"), required=True, max_length=64, aliases=("Mã chi bộ", "Mã đơn vị")),
    _field("branch", _l("Branch"), max_length=300, aliases=("Chi bộ",)),  # the name: for the reader only
    # What the export says the case is at; the import checks the replay reaches the same stage.
    _field("stage", _l("Stage"), "choice", choices={s.name: s.label for s in STAGES}, aliases=("Giai đoạn",)),
    _field("since", _l("Since"), "date"),
)


def _vote(prefix, label_prefix, members=True):
    """The figures of a vote: the branch's official members or the committee's size."""
    if members:
        counts = (("members_total", _l("official members")), ("members_present", _l("present")))
    else:
        counts = (("committee_size", _l("committee size")),)
    return tuple(_field(f"{prefix}_{name}", Joined(label_prefix, label), "int", maximum=NUMBER)
                 for name, label in counts + (("votes_for", _l("in favour")), ("votes_against", _l("against")))) \
        + (_field(f"{prefix}_resolution", Joined(label_prefix, _l("resolution number")), max_length=100),)


STEPS = (
    _field("spotted_on", _l("Date spotted"), "date", required=True, aliases=("Ngày phát hiện", "Spotted on")),
    _field("training_class", _l("Training class"), max_length=200, aliases=("Lớp bồi dưỡng",)),
    _field("enrolled_on", _l("Sent to the class on"), "date"),
    _field("certificate_number", _l("Certificate number"), max_length=100, aliases=("Số giấy chứng nhận",)),
    _field("certificate_date", _l("Certificate date"), "date"),
    _field("dossier_complete_on", _l("Dossier complete on"), "date"),
    _field("branch_vote_on", _l("Branch vote on"), "date"),
    *_vote("branch", _l("Branch vote")),
    _field("committee_review_on", _l("Committee review on"), "date"),
    *_vote("committee", _l("Committee review"), members=False),
    _field("decision_number", _l("Decision number"), max_length=100),
    _field("decision_date", _l("Decision date"), "date"),
    _field("decision_received_on", _l("Decision received on"), "date"),
    _field("ceremony_date", _l("Ceremony date"), "date"),
    _field("ceremony_place", _l("Ceremony place"), max_length=300),
    _field("recognition_vote_on", _l("Recognition vote on"), "date"),
    *_vote("recognition", _l("Recognition vote")),
    _field("recognition_review_on", _l("Recognition review on"), "date"),
    *_vote("recognition_review", _l("Recognition review"), members=False),
    _field("recognition_decision_number", _l("Recognition decision number"), max_length=100),
    _field("recognition_decision_date", _l("Recognition decision date"), "date"),
    # What a vote's record says besides its figures (a committee's grounds for not admitting):
    # given with the last vote of the row.
    _field("vote_reason", _l("Reason given with the last vote"), max_length=1000),
    _field("exit_act", _l("Left the road by"), "choice", choices={n: ACT_BY_NAME[n].label for n in EXIT_ACTS}),
    _field("exit_date", _l("Left on"), "date"),
    _field("exit_reason", _l("Reason"), max_length=1000, aliases=("Lý do",)),
    # What the columns above do not hold: the earlier times of a step (pipeline.imports.earlier).
    _field("earlier_steps", _l("Earlier steps"), max_length=32_000),
)

# The details each kind of item keeps (pipeline.dossier.operations.DETAIL_FIELDS), with their headers.
DETAILS = {
    "document": (("number", _l("number"), "text"),),
    "introducer": (("introducer_name", _l("introducer"), "text"), ("official", _l("official member"), "bool"),
                   ("known_since", _l("known since"), "date")),
    "verification": (("verification_result", _l("result"), "choice"),),
}


def document_label(key):
    """"3-KNĐ:1" -> "3-KNĐ (1)", as the checklist numbers repeated items."""
    base, _sep, ordinal = key.partition(":")
    return f"{base} ({ordinal})" if ordinal else base


@lru_cache(maxsize=1)
def document_items():
    """(key, kind) of every item any rulebook's dossier has the branch record itself, in the
    rulebooks' order; repeated items (introducers) once per ordinal."""
    found = {}
    for book in load_rulebooks():
        for spec in book.documents:
            if spec.from_act is not None:
                continue  # the act's own document: its columns are the act's
            keys = [f"{spec.key}:{n}" for n in range(1, INTRODUCER_ORDINALS + 1)] if spec.repeat else [spec.key]
            for key in keys:
                found.setdefault(key, spec.kind)
    return tuple(found.items())


def document_field(key, detail=None):
    return f"doc:{key}" + (f":{detail}" if detail else "")


def _document_fields():
    fields = []
    for key, kind in document_items():
        label = document_label(key)
        fields.append(_field(document_field(key), label, "date"))
        for name, part, field_kind in DETAILS.get(kind, ()):
            options = {"choices": VERIFICATION_RESULTS} if field_kind == "choice" else {}
            fields.append(_field(document_field(key, name), Joined(label, part), field_kind, max_length=200,
                                 **options))
        fields.append(_field(document_field(key, "note"), Joined(label, _l("note")), max_length=1000))
    return fields


@lru_cache(maxsize=1)
def history_table():
    return HistoryTable(PERSON + PLACE + STEPS + tuple(_document_fields()), key_fields=("full_name", "branch_code"),
                 no_header=_l("No header row with the columns of a case history (full name, branch code, "
                              "date spotted...) was found."))
