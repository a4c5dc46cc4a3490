#!/usr/bin/env python3
"""Add the index tansu 0.6.0's SQLite schema lacks: header (topition, offset_id).

    tansu_index.py BROKER_DIR [BROKER_DIR...]      (the BROKER_DIR scripts/brokers.sh prints)

tansu fetches a record's headers with one query per record that joins `header` on
(topition, offset_id); the table has no index, so SQLite scans every header row in the
database for every record it returns (EXPLAIN QUERY PLAN: "SCAN h"). With the 90,000 headed
records of the 2,000-partition scenario that is ~4 ms per fetched record: reading the 100,000
checkpoints takes minutes and the benchmark measures tansu, not the clients. Real Kafka has no
such cost, so the benchmark adds the index. Run it right after the brokers start (tansu has
created its schema by then; the index is kept up to date by SQLite from then on). The database
is in WAL mode, so this is safe while tansu runs. Idempotent.
"""
import os
import sqlite3
import sys

INDEX = "create index if not exists bench_header_topition_offset on header (topition, offset_id)"


def main(dirs):
    if not dirs:
        print(__doc__, file=sys.stderr)
        return 2
    for d in dirs:
        path = os.path.join(d, "broker.db")
        if not os.path.exists(path):
            print(f"tansu_index.py: {path} does not exist (is {d} a SQLite tansu broker dir?)", file=sys.stderr)
            return 1
        db = sqlite3.connect(path, timeout=60)
        try:
            db.execute(INDEX)
            db.commit()
        finally:
            db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
