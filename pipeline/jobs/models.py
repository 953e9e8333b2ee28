"""The export jobs' table: who asked for which export or PDF, how far the worker is, and where the file is."""
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from pipeline.extensions import db

WAITING, RUNNING, DONE, FAILED = "waiting", "running", "done", "failed"
STATUSES = (WAITING, RUNNING, DONE, FAILED)
FINISHED = (DONE, FAILED)
PATH_LENGTH = 300
DETAIL_LENGTH = 300  # as the read log's detail, which receives it
TITLE_LENGTH = 200
ERROR_LENGTH = 300


class ExportJob(db.Model):
    __tablename__ = "export_job"
    __table_args__ = (
        Index("ix_export_job_user_id", "user_id"),
        Index("ix_export_job_expires_at", "expires_at"),
        CheckConstraint("status IN (%s)" % ", ".join(f"'{status}'" for status in STATUSES), name="status_known"),
        CheckConstraint("rows_done >= 0", name="rows_done_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # What was asked: the export's address (its path and query, the format among them) and the
    # language it was asked in; the worker asks the same view for it.
    path: Mapped[str] = mapped_column(String(PATH_LENGTH))
    args: Mapped[list] = mapped_column(db.JSON, default=list)  # [[name, value], ...]
    fmt: Mapped[str] = mapped_column(String(10))
    lang: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(TITLE_LENGTH))
    # What the read log records at each download: the unit the list covered and its filters.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    detail: Mapped[str] = mapped_column(String(DETAIL_LENGTH), default="")
    read_kind: Mapped[str | None] = mapped_column(String(20))  # None: a file of no one's particulars
    status: Mapped[str] = mapped_column(String(10), default=WAITING)
    rows_done: Mapped[int] = mapped_column(default=0)
    rows_total: Mapped[int | None]  # known once the worker has counted them
    file_name: Mapped[str | None] = mapped_column(String(255))  # the download's name
    file_key: Mapped[str | None] = mapped_column(String(64))  # the file's name in the instance folder
    size: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str] = mapped_column(String(ERROR_LENGTH), default="")
    created_at: Mapped[datetime]  # naive UTC, as the logs'
    finished_at: Mapped[datetime | None]
    expires_at: Mapped[datetime]  # the file (and the job) are removed after it

    @property
    def finished(self):
        return self.status in FINISHED

    @property
    def percent(self):
        """How far the worker is, 0–100, or None while the number of rows is unknown."""
        if self.status == DONE:
            return 100
        if not self.rows_total:
            return None
        return min(99, self.rows_done * 100 // self.rows_total)
