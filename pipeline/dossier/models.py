"""The dossier items of each case: a projection of the log's "record_document" entries
(pipeline.workflow.projection), kept for the scans' downloads and for questions about many cases."""
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
    case = relationship("Case", backref=backref("dossier_items", order_by="DossierItem.id"))

    @property
    def has_file(self):
        return bool(self.file_path)
