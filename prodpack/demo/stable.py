"""Choices fixed by their parts, not by the seed: what must look the same whatever the run."""

from __future__ import annotations

import zlib


def stable_unit(*parts: object) -> float:
    """A number in [0, 1) fixed by its parts: design choices that must not move with the seed."""
    return zlib.crc32("|".join(map(str, parts)).encode()) / 2**32


def stable_choice(options: list[str], *parts: object) -> str:
    return options[int(stable_unit(*parts) * len(options))]
