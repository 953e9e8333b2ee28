"""Benchmark: the XLSX writer alone (pipeline.exports.xlsx_file), no database, no request.

    .venv/bin/python benchmarks/xlsx_writer.py [--rows 100000] [--module other/xlsx_file.py] [--keep out.xlsx]

Writes `--rows` fabricated rows shaped like the candidate list's (pipeline.cases.export): its
eight printed page columns (name, date of birth, sex, branch, stage, since, introduced by,
reason), then history columns (dates, member counts, resolutions, remarks), most of them empty
in most rows as in a real list. Prints the seconds of CPU and wall time and the file's size.
`--module` runs another copy of the writer on the same rows, e.g. openpyxl's of commit f274e0d:

    git show f274e0d:pipeline/exports/xlsx_file.py > /tmp/xlsx_file_openpyxl.py
    .venv/bin/python benchmarks/xlsx_writer.py --module /tmp/xlsx_file_openpyxl.py

`--level` sets the zip's compression level of the project's writer (COMPRESS_LEVEL)."""
import argparse
import importlib.util
import os
import random
import sys
import time
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pipeline.exports.columns import Column  # noqa: E402  (after the path above)

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Phùng", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ"]
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Tấn", "Hữu", "Thanh"]
GIVEN = ["Thắng", "Hoa", "Bình", "Quân", "Lan", "Hùng", "Mai", "Tuấn", "Dũng", "Linh"]
STAGES = ["Political training class", "Dossier", "Awaiting the branch vote", "Probation", "Official member"]


def columns():
    page = [Column("Full name"), Column("Date of birth", "date"), Column("Sex"), Column("Branch"),
            Column("Stage"), Column("Since", "date"), Column("Introduced by"), Column("Reason")]
    history = [Column("Training from", "date", printed=False), Column("Training to", "date", printed=False),
               Column("Certificate", printed=False), Column("Dossier completed on", "date", printed=False)]
    for vote in ("Branch vote", "Committee review", "Recognition vote"):
        history += [Column(f"{vote} on", "date", printed=False),
                    Column(f"{vote} – members", "int", printed=False),
                    Column(f"{vote} – in favour", "int", printed=False),
                    Column(f"{vote} – resolution", printed=False)]
    history += [Column("Decision on", "date", printed=False), Column("Earlier steps", printed=False)]
    return tuple(page + history)


def rows(count, seed=1):
    """`count` rows like the list's: every page column filled, the history's up to the row's stage."""
    rng = random.Random(seed)
    start = date(2021, 1, 1)
    for n in range(count):
        reached = rng.randrange(5)
        born = date(1980, 1, 1) + timedelta(days=rng.randrange(9000))
        since = start + timedelta(days=rng.randrange(600))
        page = (f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}", born,
                rng.choice(("Male", "Female")), f"Chi bộ thôn A{n % 40} – Đảng bộ xã {n % 300}",
                STAGES[reached], since, "Đoàn Thanh niên (Youth Union)",
                None if rng.random() < 0.9 else "Chuyển sinh hoạt đến nơi cư trú mới")
        training = (since, since + timedelta(days=10), f"GCN-{n:07d}", since + timedelta(days=40)) \
            if reached >= 1 else (None,) * 4
        votes = ()
        for step in range(3):
            if reached >= step + 2:
                votes += (since + timedelta(days=60 + 30 * step), 15, 13, f"NQ số {n % 97}/NQ-CB")
            else:
                votes += (None,) * 4
        rest = (since + timedelta(days=200) if reached >= 4 else None,
                None if rng.random() < 0.8 else "12/03/2021 Enrol in training; 20/03/2021 Complete training")
        yield page + training + votes + rest


def load(path):
    if path is None:
        from pipeline.exports import xlsx_file
        return xlsx_file
    spec = importlib.util.spec_from_file_location("xlsx_writer_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--module", help="another xlsx_file.py to measure (default: the project's)")
    parser.add_argument("--keep", help="also write the file here")
    parser.add_argument("--level", type=int, help="the zip's compression level (the project's writer only)")
    args = parser.parse_args()
    writer = load(args.module)
    if args.level is not None:
        writer.COMPRESS_LEVEL = args.level
    cols = columns()
    started = time.process_time()
    for _row in rows(args.rows):
        pass
    print(f"making the rows alone: {time.process_time() - started:.1f} s CPU (counted in the times below)")
    labels = [str(column.label) for column in cols]
    spec = writer.SheetSpec("Candidates", ["Candidates", "Unit: Đảng bộ thị xã Thử", "Made on 31/10/2022"],
                            labels, cols, rows(args.rows), "Page &P of &N")
    keep = open(args.keep, "wb") if args.keep else None
    cpu, wall, size = time.process_time(), time.perf_counter(), 0
    for chunk in writer.xlsx_sheets_chunks([spec]):
        size += len(chunk)
        if keep:
            keep.write(chunk)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if keep:
        keep.close()
    print(f"{args.module or 'pipeline/exports/xlsx_file.py'}: {args.rows:,} rows x {len(cols)} columns: "
          f"{cpu:.1f} s CPU, {wall:.1f} s wall, {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
