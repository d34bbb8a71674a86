"""The landing folder as a boundary: which files are in it, and opening them without leaving it.

Only regular files directly inside a source folder (`ledger/`, `workforce/`, `activity/`,
`reference/`) are candidates. A symbolic link, a source folder that is a link, anything else
that is not a regular file, and a reference file the platform does not know are refused:
discover names them with the reason (`SourceFile.refusal`) so that the loader records the
refusal, and never opens them. A file is opened through its folder's descriptor with
O_NOFOLLOW at every step, so a link swapped in after discover is refused, not followed.

A file name is shown (`SourceFile.origin`) with its control characters escaped, so that a
name holding a newline or a terminal escape cannot forge log lines or drive a terminal;
`SourceFile.relative` keeps the real path under the landing folder.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from schemas.settings import SOURCES
from schemas.sources import REFERENCE_MODELS

FILE_TYPES = (".csv", ".xlsx")
FOLDERS = ("reference", *SOURCES)
_LINK_REFUSED = ("is a symbolic link: refused; landed files must be regular files "
                 "inside the landing folder")
_FOLLOW_NOTHING = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


@dataclass(frozen=True)
class SourceFile:
    source: str                      # ledger | workforce | activity | a reference file stem
    path: Path
    origin: str                      # path under the landing folder as shown: control characters escaped
    relative: str = ""               # the real path under the landing folder, `folder/name`
    declared_months: frozenset[date] | None = None
    refusal: str | None = None       # why the file is refused unopened; None for a candidate
    size: int = -1                   # os.lstat when named (discover or landed_file); -1 unknown
    modified_ns: int = -1

    @property
    def is_reference(self) -> bool:
        return self.source in REFERENCE_MODELS


def display_name(name: str) -> str:
    """A file name safe to print: control characters (C0, DEL, C1, line and bidi controls)
    as escapes, and bytes that were not text in the file system as \\xNN."""
    shown = []
    for char in name:
        code = ord(char)
        if char in "\n\r\t":
            shown.append(repr(char)[1:-1])
        elif 0xDC80 <= code <= 0xDCFF:              # os.fsdecode's stand-in for a raw byte
            shown.append(f"\\x{code - 0xDC00:02x}")
        elif unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp") or 0x202A <= code <= 0x202E \
                or 0x2066 <= code <= 0x2069:
            shown.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            shown.append(char)
    return "".join(shown)


_MONTH_TOKEN = re.compile(r"(?<!\d)(\d{4})[-_](\d{2})(?!\d)")


def declared_months(name: str) -> frozenset[date] | None:
    """Months a file name declares: `_2024-05` one month, `_2019-20` a financial year."""
    months: set[date] = set()
    for first, second in _MONTH_TOKEN.findall(Path(name).stem):
        year, part = int(first), int(second)
        if (year + 1) % 100 == part:
            months.update(date(year + (m < 4), m, 1) for m in range(1, 13))
        elif 1 <= part <= 12:
            months.add(date(year, part, 1))
    return frozenset(months) or None


def discover(landing: Path) -> list[SourceFile]:
    """Every candidate file in the landing folder, and every refused one: reference data first.

    Within a source, older files come first so that a corrected file dropped later
    replaces the slices of the file it corrects.
    """
    found: list[SourceFile] = []
    for folder in FOLDERS:
        directory = landing / folder
        try:
            if stat.S_ISLNK(os.lstat(directory).st_mode):
                found.append(_refused(landing, folder, folder, _LINK_REFUSED))
                continue
            entries = list(os.scandir(directory))
        except (FileNotFoundError, NotADirectoryError):
            continue
        files = [landed_file(landing, f"{folder}/{entry.name}") for entry in entries
                 if entry.name.lower().endswith(FILE_TYPES)]
        found += sorted(files, key=lambda f: (f.modified_ns, f.relative))
    return found


def _refused(landing: Path, source: str, relative: str, reason: str, size: int = -1,
             modified_ns: int = -1) -> SourceFile:
    return SourceFile(source=source, path=landing / relative, origin=display_name(relative),
                      relative=relative, refusal=reason, size=size, modified_ns=modified_ns)


def landed_file(landing: Path, relative: str) -> SourceFile:
    """The file at `relative` (its real path under the landing folder, `folder/name`), as
    discover names it: refused (with the reason) unless it is a regular file the platform reads."""
    folder, _, name = relative.partition("/")
    if folder not in FOLDERS or not name or "/" in name or name in (".", ".."):
        return _refused(landing, folder or relative, relative,
                        "is not a file of a source folder inside the landing folder: refused")
    try:
        status = os.lstat(landing / folder)
        if stat.S_ISLNK(status.st_mode):
            return _refused(landing, folder, relative, f"is in {folder}/, which {_LINK_REFUSED}")
        status = os.lstat(landing / relative)
    except FileNotFoundError:
        return _refused(landing, folder, relative, "is no longer in the landing folder")
    stem = Path(name).stem.lower()
    source = stem if folder == "reference" else folder
    size, modified = status.st_size, status.st_mtime_ns
    if stat.S_ISLNK(status.st_mode):
        return _refused(landing, source, relative, _LINK_REFUSED, size, modified)
    if not stat.S_ISREG(status.st_mode):
        return _refused(landing, source, relative,
                        "is not a regular file: refused; landed files must be regular files",
                        size, modified)
    if folder == "reference" and stem not in REFERENCE_MODELS:
        return _refused(landing, source, relative,
                        f"is not a known reference file; expected one of "
                        f"{', '.join(f'{s}.csv' for s in REFERENCE_MODELS)}", size, modified)
    return SourceFile(
        source=source, path=landing / relative, origin=display_name(relative), relative=relative,
        declared_months=None if folder == "reference" else declared_months(name),
        size=size, modified_ns=modified,
    )


class LinkRefused(OSError):
    """A landed file, or its folder, became a link or something other than a regular file."""


def open_landed(source_file: SourceFile) -> int:
    """A read-only descriptor of the landed file, reached without following any link.

    The landing folder itself may be a link (an operator's choice); inside it nothing is
    followed: a link swapped in for the folder or the file after discover is refused."""
    if not source_file.relative:
        return _open_file(os.fspath(source_file.path), None)
    folder, name = source_file.relative.split("/", 1)
    landing = source_file.path.parents[1]
    try:
        folder_fd = os.open(landing / folder, os.O_RDONLY | os.O_DIRECTORY | _FOLLOW_NOTHING)
    except OSError as err:
        raise LinkRefused(f"{source_file.origin}: {folder}/ cannot be opened as a folder "
                          f"of the landing folder ({err.strerror})") from None
    try:
        return _open_file(name, folder_fd, source_file.origin)
    finally:
        os.close(folder_fd)


def _open_file(name: str, folder_fd: int | None, origin: str | None = None) -> int:
    origin = origin or display_name(name)
    try:
        # O_NONBLOCK: a FIFO put in place of the file must not hang the load.
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | _FOLLOW_NOTHING, dir_fd=folder_fd)
    except OSError as err:
        if err.errno in (errno.ELOOP, errno.EMLINK):
            raise LinkRefused(f"{origin}: {_LINK_REFUSED}") from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise LinkRefused(f"{origin}: is not a regular file: refused")
    return fd


def file_stat(path_or_fd: Path | int) -> tuple[int, int]:
    """(size, modified_ns) of a file (not following a link), or of an open descriptor."""
    status = os.fstat(path_or_fd) if isinstance(path_or_fd, int) else os.lstat(path_or_fd)
    return status.st_size, status.st_mtime_ns
