"""Reference data: each row validated by its pydantic model, the table replaced (or the rows of
the orgs the file holds) unless the file is mostly broken."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pandas as pd
import psycopg
from pydantic import ValidationError

from schemas.sources import REFERENCE_MODELS
from tasks.ingest.extract import Chunk, csv_text
from tasks.ingest.load_copy import QUARANTINE_COLUMNS, copy_rows, quarantine_csv
from tasks.ingest.validate import raw_row_json


def load_reference(
    conn: psycopg.Connection, load_id: int, source: str, origin: str, chunks: Iterator[Chunk]
) -> tuple[int, int, float, str | None]:
    """Validate each row with its pydantic model; replace the table, or the file's orgs' rows.

    A file whose rows fail whole or mostly is a broken export, not the trust's new reference
    data: the table keeps its rows, and the last item returned says so (the rows are quarantined).
    """
    started = time.perf_counter()
    model, key, scope = REFERENCE_MODELS[source]
    valid: list[dict] = []
    lines: list[int] = []
    rejects: list[tuple[int | None, str | None, str]] = []
    seen: dict[tuple, int] = {}
    # Reference files are small: every row is read before any is validated, so that what a
    # value means may depend on the whole file (peers.csv: growth in percent or as fractions).
    records: list[dict] = []
    percent_headers: set[str] = set()
    for chunk in chunks:
        rejects += [(n, None, r) for n, r in chunk.bad_lines]
        records += chunk.frame.to_pylist()
        percent_headers |= chunk.percent_columns
    context = model.file_context(records, percent_headers)
    for record in records:
        line = int(record.pop("line_number"))
        raw_row = raw_row_json(record)
        try:
            row = model.model_validate(record, context=context).model_dump()
        except ValidationError as err:
            reason = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'row'}: {e['msg']}" for e in err.errors())
            rejects.append((line, raw_row, reason))
            continue
        identity = tuple(row[k] for k in key)
        if identity in seen:
            rejects.append((line, raw_row, (f"duplicate {', '.join(key)} {identity} "
                                            f"(first at line {seen[identity]})")))
            continue
        seen[identity] = line
        valid.append(row)
        lines.append(line)
    read_seconds = time.perf_counter() - started

    table = f"core.{source}"
    copy_rows(conn, "ops.quarantine", QUARANTINE_COLUMNS, quarantine_csv(
        load_id, pd.DataFrame(rejects, columns=["line_number", "raw_row", "reason"])))
    if not valid or len(rejects) > len(valid):
        # Counted as read, applied to nothing: the valid rows' count says what was kept out.
        return len(valid), len(rejects), read_seconds, (
            f"{origin}: {len(rejects)} of {len(valid) + len(rejects)} rows failed validation;"
            f" {table} kept as it was (see ops.quarantine)")
    if scope is None:
        conn.execute(f"delete from {table}")
    else:
        held = sorted({tuple(row[c] for c in scope) for row in valid})
        arrays = ", ".join(["%s::text[]"] * len(scope))
        conn.execute(f"delete from {table} where ({', '.join(scope)}) in"
                     f" (select * from unnest({arrays}))", [list(c) for c in zip(*held)])
    frame = pd.DataFrame(valid).assign(load_id=load_id)
    copy_rows(conn, table, list(frame.columns), csv_text(frame), lines=lines)
    return len(valid), len(rejects), read_seconds, None
