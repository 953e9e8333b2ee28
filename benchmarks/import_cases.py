"""Benchmark: an adopter's file of cases in flight, previewed and imported on SQLite.

    .venv/bin/python benchmarks/import_cases.py [--rows 500] [--older 100]

Loads the Điện Bàn demo into a scratch SQLite database and exports its cases in the import's
format (`export-cases`), grows the file to `rows` rows (the same people under other given names,
certificates renumbered), moves the last `older` rows 208 weeks back (same weekdays: cases started
in 2017-2018, judged by the 2016 rulebook, in a class of their own years), then builds the demo's
units and accounts alone in a second database and previews, then imports, the file as `admin`.
Prints the seconds of each and the stages reached."""
import argparse
import csv
import json
import re
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from flask_migrate import upgrade

from pipeline.app import create_app
from pipeline.extensions import db

CONFIG = {"SECRET_KEY": "bench", "LOG_KEY": "bench log key", "TESTING": True}
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
GIVEN = ["An", "Bảo", "Cường", "Dũng", "Giang", "Hải", "Khánh", "Linh", "Minh", "Ngọc", "Phúc", "Quang"]


def exported_demo(folder):
    app = create_app(dict(CONFIG, SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'demo.sqlite'}"))
    with app.app_context():
        from pipeline.demo.loader import load_demo
        load_demo(progress=lambda _message: None)
        app.test_cli_runner().invoke(args=["export-cases", str(folder / "demo.csv")])
    rows = list(csv.reader(open(folder / "demo.csv", encoding="utf-8-sig")))
    return rows[0], rows[1:]


def grown(head, body, size, older):
    name, certificate, klass = head.index("Họ và tên"), head.index("Số giấy chứng nhận"), head.index("Tên lớp bồi dưỡng")
    rows, i = list(body), 0
    while len(rows) < size:
        row = list(body[i % len(body)])
        parts = row[name].split()
        row[name] = " ".join(parts[:-1] + [GIVEN[(i // len(body)) % len(GIVEN)], parts[-1]])
        if row[certificate]:
            row[certificate] += "-B"
        rows.append(row)
        i += 1
    earlier = head.index("Các bước trước đó")
    for k in range(1, older + 1):
        row = [(date.fromisoformat(c) - timedelta(weeks=208)).isoformat() if ISO.match(c) else c for c in rows[-k]]
        if row[earlier]:
            row[earlier] = json.dumps(shifted(json.loads(row[earlier])), ensure_ascii=False)
        if row[klass]:
            row[klass] += " (khóa 2017)"
        rows[-k] = row
    return rows


def shifted(value):
    """Every ISO date in the earlier steps' JSON, 208 weeks back."""
    if isinstance(value, str) and ISO.match(value):
        return (date.fromisoformat(value) - timedelta(weeks=208)).isoformat()
    if isinstance(value, list):
        return [shifted(item) for item in value]
    if isinstance(value, dict):
        return {key: shifted(item) for key, item in value.items()}
    return value


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--older", type=int, default=100)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ketnap-import-"))
    head, body = exported_demo(folder)
    path = folder / "cases.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(head)
        writer.writerows(grown(head, body, args.rows, args.older))
    app = create_app(dict(CONFIG, SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'empty.sqlite'}"))
    with app.app_context():
        upgrade()
        from pipeline.accounts.models import User
        from pipeline.demo.loader import _build_organisation
        from pipeline.imports import history
        from pipeline.transaction import one_transaction
        from pipeline.workflow.log import remember_key
        with one_transaction():
            remember_key()
            _build_organisation()
        admin = db.session.query(User).filter_by(username="admin").one()
        for write in (False, True):
            started = time.perf_counter()
            outcome = history.import_file(admin, str(path), write=write)
            print(f"{'import' if write else 'preview'}: {len(outcome.rows)} rows in "
                  f"{time.perf_counter() - started:.1f} s, {len(outcome.problems)} problems; stages {outcome.stages}")


if __name__ == "__main__":
    main()
