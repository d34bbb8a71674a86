"""Where a month's workbooks are written, and their names: one place for the file names the
reports, the emails and the alerts all link to."""

from __future__ import annotations

import re
from pathlib import Path


def slug(name: str) -> str:
    """'Medicine & Urgent Care' -> 'medicine-urgent-care': safe in a file name."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "unnamed"


def executive_report_path(out_dir: Path, org_code: str, month: str) -> Path:
    return Path(out_dir) / month / f"executive_report_{org_code}_{month}.xlsx"


def pack_path(out_dir: Path, org_code: str, clinical_group: str, month: str) -> Path:
    return Path(out_dir) / month / f"productivity_pack_{org_code}_{slug(clinical_group)}_{month}.xlsx"
