"""Adding a note to a case, and reading a case's notes. A note never touches the case's row (its
stage, its version) nor its act log: it is appended to the case's own chain of notes."""
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pipeline.base import clock
from pipeline.base.errors import ActBlocked, CaseNotFound
from pipeline.base.i18n import lazy_gettext as _l
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.notes.models import GENESIS_HASH, MAX_LENGTH, CaseNote
from pipeline.transaction import one_transaction
from pipeline.units.models import Unit, subtree_filter

# Another note of the same case written at the same moment took the seq (on SQLite, where the
# case row is not locked): try again, as the read log does.
RETRIES = 20
EMPTY = _l("Write the note before adding it.")
TOO_LONG = _l("A note has at most %(max)d characters.", max=MAX_LENGTH)


def add_note(case_id, author, text):
    """Append `text` (already stripped, NFC) as `author`'s note of today on the case. The case
    must be in the author's subtree (CaseNotFound otherwise, as a 404 shows it); an empty or too
    long text is refused (ActBlocked). Returns the note."""
    if not text:
        raise ActBlocked(EMPTY)
    if len(text) > MAX_LENGTH:
        raise ActBlocked(TOO_LONG)
    for attempt in range(RETRIES):
        try:
            with one_transaction():
                return _append(case_id, author, text)
        except IntegrityError:
            if attempt == RETRIES - 1:
                raise


def _append(case_id, author, text):
    # The case's row is locked (not changed: its version stays), so notes of one case are
    # chained one after the other; on SQLite the unique (case, seq) makes the loser retry.
    found = db.session.execute(select(Case.id).join(Unit, Unit.id == Case.branch_id)
                               .where(Case.id == case_id, subtree_filter(author.unit))
                               .with_for_update(of=Case)).scalar_one_or_none()
    if found is None:
        raise CaseNotFound()
    head = db.session.execute(select(CaseNote.seq, CaseNote.hash).where(CaseNote.case_id == case_id)
                              .order_by(CaseNote.seq.desc()).limit(1)).first()
    note = CaseNote(case_id=case_id, seq=head.seq + 1 if head else 1, author_id=author.id,
                    written_on=clock.today(), recorded_at=datetime.utcnow(), text=text,
                    prev_hash=head.hash if head else GENESIS_HASH)
    note.hash = note.compute_hash()
    db.session.add(note)
    db.session.flush()
    return note


def notes_of(case_id):
    """The case's notes, oldest first, with their authors: one statement."""
    return db.session.execute(select(CaseNote).where(CaseNote.case_id == case_id)
                              .order_by(CaseNote.seq)).scalars().all()


def placed_among(entries, notes):
    """Where each note stands in the case's history: a list with one list of notes per entry (the
    notes shown just before it) and one more (those after the last entry). A note comes after
    the acts dated on or before its day, before the first one dated later; the acts keep their
    order."""
    slots = [[] for _ in range(len(entries) + 1)]
    waiting = sorted(notes, key=lambda note: (note.written_on, note.seq))
    position = 0
    for index, entry in enumerate(entries):
        while position < len(waiting) and waiting[position].written_on < entry.row.effective_date:
            slots[index].append(waiting[position])
            position += 1
    slots[-1].extend(waiting[position:])
    return slots
