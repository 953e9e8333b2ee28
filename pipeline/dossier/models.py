"""The current state of each document of a case's dossier. Every change is also an act in the
log (event "record_document"); this table is what the checklist reads."""
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from pipeline.extensions import db


class DossierItem(db.Model):
    __tablename__ = "dossier_item"
    __table_args__ = (UniqueConstraint("candidate_id", "item_key", name="uq_dossier_item_candidate_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column("candidate_id", ForeignKey("candidate.id"), index=True)
    # The rulebook's item code, with a suffix where one item is due several times ("3-KNĐ:2").
    item_key: Mapped[str] = mapped_column(String(40))
    received: Mapped[bool] = mapped_column(default=False)
    received_on: Mapped[date | None]
    note: Mapped[str] = mapped_column(Text, default="")
    # Item-specific facts: an introducer's name, official status and since when they know the
    # candidate; the résumé verification's result…
    details: Mapped[dict] = mapped_column(db.JSON, default=dict)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
    # An uploaded scan, stored under the instance folder (never in the database).
    file_path: Mapped[str | None] = mapped_column(String(300))
    file_name: Mapped[str | None] = mapped_column(String(200))
    file_type: Mapped[str | None] = mapped_column(String(100))
    file_size: Mapped[int | None]

    # Read with the items (the checklist shows who recorded each): one query for a case's dossier.
    recorded_by = relationship("User", lazy="joined")
    # `case.dossier_items`: loaded once per case and shared by the checklist, the guards and the pages.
    case = relationship("Case", backref=backref("dossier_items", order_by="DossierItem.id"))

    @property
    def has_file(self):
        return bool(self.file_path)


def load_dossier(case):
    """A case's dossier items and its branch's parent unit (whose kind says whether a
    sub-committee appraises the case) in one query. Afterwards `case.dossier_items` and
    `case.branch.parent` are loaded: the checklist, the guards and the pages read them for free."""
    from sqlalchemy import select
    from sqlalchemy.orm.attributes import set_committed_value

    from pipeline.units.models import Unit

    if case.branch.parent_id is None:
        return case.dossier_items
    rows = db.session.execute(
        select(Unit, DossierItem).select_from(Unit)
        .outerjoin(DossierItem, DossierItem.case_id == case.id)
        .where(Unit.id == case.branch.parent_id).order_by(DossierItem.id)
    ).unique().all()
    items = [item for _parent, item in rows if item is not None]
    set_committed_value(case.branch, "parent", rows[0][0] if rows else None)
    set_committed_value(case, "dossier_items", items)
    return items
