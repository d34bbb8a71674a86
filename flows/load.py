"""The load stage: every new file in the landing folder, and the warehouse queries, into PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from prefect import flow
from prefect.artifacts import create_table_artifact

from schemas.settings import Settings
from tasks.extract import discover
from tasks.load import load_landed_file, load_warehouse


@flow(name="load-sources", log_prints=True)
def load_sources(landing: str | None = None) -> list[dict]:
    """Load reference data first, then facts, one file at a time and oldest first."""
    settings = Settings()
    folder = Path(landing) if landing else settings.landing_dir
    results = [load_landed_file(str(folder), f.origin) for f in discover(folder)]
    results += [load_warehouse(source) for source in settings.warehouse_queries]
    changed = [r for r in results if r["status"] != "unchanged"]
    for r in changed:
        print(f"{r['status']:>9}  {r['origin']}: read {r['rows_read']}, loaded {r['rows_loaded']},"
              f" quarantined {r['rows_quarantined']}" + (f"  ({r['message']})" if r["message"] else ""))
    print(f"{len(changed)} new input(s) of {len(results)} found in {folder}")
    if changed:
        create_table_artifact(
            key="load-summary",
            table=[{k: r[k] for k in ("origin", "status", "rows_read", "rows_loaded",
                                      "rows_quarantined", "message")} for r in changed],
            description="Files and queries loaded by this run (unchanged inputs left out).",
        )
    return results
