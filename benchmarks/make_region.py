"""A region of demo-size trusts in one landing folder: the demo's two trusts cloned under new
org codes.

    python benchmarks/make_region.py LANDING [--trusts 20] [--scale 1.0] [--seed 2019]

The demo (`prodpack demo`) writes two trusts, RXA and RXB, and is built around their
differences (export styles, planted bad rows, designs), so it is not asked for more: it is
written once into a folder beside LANDING (removed after) and each of its files copied under
R01, R02, ... (clones of RXA and RXB in turn). A clone is byte for byte its demo trust's file, in the same encoding,
line ends and header spelling, with the org code rewritten where it stands as a value (the
org_code column; patient ids and e-mail addresses that merely begin with it are left alone)
and in the file name. The reference files keyed by org (hierarchy, specialty map) get each
clone's copy of its demo trust's rows; owners gets a trust lead per clone (its other nodes
are named once for every trust that has them); the rest are shared as they are.

So that peer ranks are not ties, the k-th clone of a demo trust after the first drops one
activity line in every 60 - 4k from its monthly files (not from the 2019/20 baseline): a
clone's activity, and so its implied productivity, is about 1.7% to 5% lower than its demo
trust's, a little more for each later clone.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import shutil
import zipfile
from pathlib import Path

from prodpack.demo import write_demo

DEMO_ORGS = ("RXA", "RXB")
# Reference files with an org_code column: each clone gets its demo trust's rows.
BY_ORG = ("hierarchy", "specialty_map")


def org_codes(trusts: int) -> list[tuple[str, str, int]]:
    """(org code, demo trust it copies, which copy of that trust: 0 is unperturbed)."""
    return [(f"R{i + 1:02d}", DEMO_ORGS[i % 2], i // 2) for i in range(trusts)]


def _as_value(org: str) -> re.Pattern[bytes]:
    # The code as a whole value, not the start of RXA6278013 or a lower-case e-mail domain.
    return re.compile(rb"(?<![A-Za-z0-9])" + org.encode() + rb"(?![A-Za-z0-9])")


def _drop_every(copy: int) -> int:
    return 60 - 4 * copy if copy else 0


def _clone_csv(data: bytes, pattern: re.Pattern[bytes], code: str, drop_every: int) -> bytes:
    data = pattern.sub(code.encode(), data)
    if not drop_every:
        return data
    header, _, body = data.partition(b"\n")
    lines = body.split(b"\n")
    kept = [line for i, line in enumerate(lines, start=1) if i % drop_every or not line.strip()]
    return header + b"\n" + b"\n".join(kept)


def _clone_xlsx(source: Path, target: Path, pattern: re.Pattern[bytes], code: str) -> None:
    # The cells are XML text in the workbook's parts: rewrite them where the code is a value.
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item)
            if item.filename.endswith(".xml"):
                data = pattern.sub(code.encode(), data)
            new.writestr(item, data)


def _clone_sources(demo: Path, landing: Path, region: list[tuple[str, str, int]]) -> int:
    written = 0
    for source in ("ledger", "workforce", "activity"):
        (landing / source).mkdir(parents=True, exist_ok=True)
        for path in sorted((demo / source).iterdir()):
            org = path.name.split("_", 1)[0]
            pattern = _as_value(org)
            for code, demo_org, copy in region:
                if demo_org != org:
                    continue
                target = landing / source / path.name.replace(org, code, 1)
                if path.suffix == ".xlsx":
                    _clone_xlsx(path, target, pattern, code)
                else:
                    monthly = source == "activity" and not path.stem.endswith("2019-20")
                    target.write_bytes(_clone_csv(path.read_bytes(), pattern, code,
                                                  _drop_every(copy) if monthly else 0))
                written += 1
    return written


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        header, *rows = list(csv.reader(f))
    return header, rows


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([header, *rows])
    path.write_text(text.getvalue(), encoding="utf-8")


def _clone_reference(demo: Path, landing: Path, region: list[tuple[str, str, int]]) -> None:
    (landing / "reference").mkdir(parents=True, exist_ok=True)
    for path in sorted((demo / "reference").glob("*.csv")):
        header, rows = _read(path)
        if path.stem in BY_ORG:
            at = header.index("org_code")
            rows = [[code if i == at else value for i, value in enumerate(row)]
                    for code, demo_org, _ in region for row in rows if row[at] == demo_org]
        elif path.stem == "owners":
            leads = {row[1]: row for row in rows if row[0] == "trust"}
            rows = [row for row in rows if row[0] != "trust"] + [
                ["trust", code, leads[demo_org][2], leads[demo_org][3]]
                for code, demo_org, _ in region]
        _write(landing / "reference" / path.name, header, rows)


def make_region(landing: Path, trusts: int, scale: float, seed: int = 2019) -> dict:
    """Write the region's trusts into landing; return what was written, also kept in
    landing/region.json, by which a second call with the same arguments does nothing."""
    if not 1 <= trusts <= 99:
        raise ValueError("trusts must be from 1 to 99")
    done = landing / "region.json"
    wanted = {"trusts": trusts, "scale": scale, "seed": seed}
    if done.exists():
        made = json.loads(done.read_text())
        if {k: made[k] for k in wanted} == wanted:
            return made
        raise SystemExit(f"{landing} holds another region ({made}): give an empty folder")
    demo = landing.parent / f"{landing.name}-demo"
    manifest = write_demo(demo, seed=seed, scale=scale)
    region = org_codes(trusts)
    files = _clone_sources(demo, landing, region)
    _clone_reference(demo, landing, region)
    shutil.rmtree(demo)
    made = {**wanted, "orgs": {code: f"{demo_org} copy {copy}" for code, demo_org, copy in region},
            "last_month": manifest["last_month"], "files": files}
    done.write_text(json.dumps(made, indent=1) + "\n")
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("landing", type=Path)
    parser.add_argument("--trusts", type=int, default=20)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2019)
    args = parser.parse_args()
    made = make_region(args.landing, args.trusts, args.scale, args.seed)
    print(f"{made['files']} files for {len(made['orgs'])} trusts up to {made['last_month']}"
          f" in {args.landing}")


if __name__ == "__main__":
    main()
