"""Writing a month's workbooks under <reports>/<YYYY-MM>/ (INTERFACE.md): each trust's
executive report and, at quarter-end, a productivity pack per clinical group."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from schemas.settings import Settings
from tasks.months import is_quarter_end
from tasks.report import executive, pack
from tasks.report.model import OrgData, figures_sha256, load_asked, load_org
from tasks.report.paths import executive_report_path, pack_path


def write_executive_report(eng: Engine, settings: Settings, org_code: str, month: str,
                           out_dir: Path) -> Path:
    """The monthly executive report of one trust, under out_dir/<month>/."""
    data = load_org(eng, settings, org_code, month)
    return executive.write(data, executive_report_path(out_dir, org_code, month))


def write_pack(eng: Engine, settings: Settings, org_code: str, clinical_group: str, month: str,
               out_dir: Path) -> Path:
    """The productivity pack of one clinical group, under out_dir/<month>/."""
    data = load_org(eng, settings, org_code, month)
    if clinical_group not in data.clinical_groups():
        raise LookupError(f"{org_code} has no clinical group {clinical_group!r} in {month}")
    return pack.write(data, clinical_group,
                      pack_path(out_dir, org_code, clinical_group, month))


def write_reports(eng: Engine, settings: Settings, month: str, out_dir: Path,
                  orgs: list[str] | None, packs: bool | None = None) -> list[dict]:
    """Each org's executive report and, at quarter-end (or when packs is True), a pack per
    clinical group. orgs None: every org calculated for the month."""
    return write_loaded(load_asked(eng, settings, month, orgs), month, out_dir, packs)


def write_loaded(loaded: dict[str, OrgData], month: str, out_dir: Path, packs: bool | None
                 ) -> list[dict]:
    """The workbooks of trusts already read from the mart; what was written, trust by trust."""
    with_packs = is_quarter_end(month) if packs is None else packs
    written = []
    for org_code, data in loaded.items():
        written.append({"org_code": org_code, "kind": "executive", "clinical_group": None,
                        "path": executive.write(
                            data, executive_report_path(out_dir, org_code, month)),
                        "figures_sha256": figures_sha256(data)})
        if with_packs:
            for group in data.clinical_groups():
                written.append({"org_code": org_code, "kind": "pack", "clinical_group": group,
                                "path": pack.write(
                                    data, group, pack_path(out_dir, org_code, group, month))})
    return written
