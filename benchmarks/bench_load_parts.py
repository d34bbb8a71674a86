"""Where a load's CPU goes: each part of loading a landing folder's fact files, timed alone
on one thread, against PostgreSQL's COPY of the same rows.

    python benchmarks/bench_load_parts.py DIR [--chunk-rows 500000]

DIR is a landing folder (benchmarks/make_large_extracts.py writes a large trust's year). Per
fact file: hashing it (the load hashes twice: to know it, and to prove the bytes parsed are
the bytes hashed), Arrow's parse into chunks, validation, the month sums, and writing COPY's
text; then, into a fresh database with prodpack's schema, PostgreSQL's typed COPY of the
validated rows into raw. Process CPU seconds, so that other work on the machine counts less.
The sum of both sides over two cores is the floor of `bench_load.py`'s time (docs/scaling.md).
Uses PRODPACK_DATABASE_URL's server if set, else an embedded one.
"""

from __future__ import annotations

import argparse
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import psycopg
import pyarrow as pa
from bench_load import fresh_database, server_url
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from tasks import db
from tasks.ingest.extract import discover, hash_and_encoding, read_csv
from tasks.ingest.load_copy import copy_rows, copy_text
from tasks.ingest.month_sums import chunk_sums
from tasks.ingest.validate import RAW_COLUMNS, ValidationContext, validate_chunk


@contextmanager
def clock(spent: dict[str, float], part: str):
    started = time.process_time()
    yield
    spent[part] = spent.get(part, 0.0) + time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("landing", type=Path)
    parser.add_argument("--chunk-rows", type=int, default=500_000)
    args = parser.parse_args()

    url = fresh_database(server_url())
    db.upgrade(create_engine(url))
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    for source_file in discover(args.landing):
        if source_file.is_reference or source_file.path.suffix.lower() != ".csv":
            continue
        spent: dict[str, float] = {}
        source = source_file.source
        with clock(spent, "hash"):
            content_hash, encoding, _ = hash_and_encoding(source_file, source_file.origin)
        _, chunks = read_csv(source_file, encoding, None, args.chunk_rows, expected_hash=content_hash)
        chunks = iter(chunks)
        texts, rows = [], 0
        while True:
            # The reader's second hash runs when its last chunk is taken: counted as parsing.
            with clock(spent, "parse, second hash"):
                chunk = next(chunks, None)
            if chunk is None:
                break
            with clock(spent, "validate"):
                validated = validate_chunk(source, chunk.frame, ValidationContext(assignment_key=b"bench"))
            with clock(spent, "month sums"):
                chunk_sums(source, validated)
            with clock(spent, "COPY text"):
                table = validated.table.add_column(
                    0, "load_id", pa.array(np.ones(validated.table.num_rows, np.int64)))
                texts.append(copy_text(table))
            rows += table.num_rows
        columns = ["load_id", *RAW_COLUMNS[source]]
        with psycopg.connect(plain) as conn:
            started = time.perf_counter()
            for data in texts:
                copy_rows(conn, f"raw.{source}", columns, data, "text")
            conn.commit()
            copied = time.perf_counter() - started
        python = sum(spent.values())
        print(f"{source_file.origin}: {rows:,} rows; Python {python:.2f} s ("
              + ", ".join(f"{part} {seconds:.2f}" for part, seconds in spent.items())
              + f"); PostgreSQL's typed COPY {copied:.2f} s")


if __name__ == "__main__":
    main()
