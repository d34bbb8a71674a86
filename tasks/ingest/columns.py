"""A chunk's columns as distinct values and per-row codes, and the reasons rows fail.

The forms tasks/validate.py's rules work on (its docstring says why), and the conversions of
text they share. Text shown from a row (in a reason, or a quarantined row's JSON) is made
storable here: PostgreSQL text and jsonb cannot hold NUL.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from schemas import sources as contract

TEXT = pd.ArrowDtype(pa.string())


@dataclass(frozen=True)
class Column:
    """A column as its distinct values (or what a rule made of them) and each row's code."""

    values: pd.Series         # positional index 0..k-1
    codes: np.ndarray         # per row: the position of the row's value in `values`

    def map(self, rule: Callable[[pd.Series], pd.Series]) -> Column:
        return Column(rule(self.values), self.codes)

    def holds(self, na: bool = False) -> np.ndarray:
        """A boolean column's verdict per row, NA read as `na`."""
        return self.values.fillna(na).astype(bool).to_numpy()[self.codes]

    def at(self, rows: np.ndarray) -> pd.Series:
        return self.values.take(self.codes[rows]).reset_index(drop=True)

    def arrow(self, rows: np.ndarray) -> pa.DictionaryArray:
        """The given rows' values, NA as null, still coded: whoever writes them out can
        prepare each distinct value once."""
        return pa.DictionaryArray.from_arrays(
            pa.array(self.codes[rows].astype(np.int32, copy=False)), as_arrow(self.values))


def as_arrow(values: pd.Series) -> pa.Array:
    array = pa.array(values.astype(TEXT).array)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def aligned(*columns: Column) -> list[Column]:
    """The columns over their distinct combinations, so that one rule can read them together."""
    combined = np.zeros(len(columns[0].codes), dtype=np.int64)
    for column in columns:
        # Codes stay below the row count, so the pairing cannot overflow.
        combined, _ = pd.factorize(combined * len(column.values) + column.codes)
    example = np.empty(combined.max(initial=-1) + 1, dtype=np.intp)
    example[combined] = np.arange(len(combined))   # any row of a combination stands for it
    return [Column(c.values.take(c.codes[example]).reset_index(drop=True), combined)
            for c in columns]


class ColumnChunk:
    """A chunk's columns, each trimmed once and kept as distinct values and codes."""

    def __init__(self, table: pa.Table):
        self.table = table
        self.rows = table.num_rows
        self._columns: dict[str, Column] = {}

    def __contains__(self, name: str) -> bool:
        return name in self.table.column_names

    def text(self, name: str) -> Column:
        """A column's values trimmed; a column the input lacks reads as blank."""
        if name not in self._columns:
            self._columns[name] = self._read(name).map(lambda v: v.str.strip())
        return self._columns[name]

    def _read(self, name: str) -> Column:
        if name not in self:
            return Column(pd.Series([""], dtype=TEXT), np.zeros(self.rows, dtype=np.intp))
        array = self.table[name]
        if array.num_chunks == 1 and pa.types.is_dictionary(array.type):
            array = array.chunk(0)
        else:   # the XLSX and SQL readers and tests hand over plain text
            array = pc.dictionary_encode(array.cast(pa.string()).combine_chunks())
        values = array.dictionary.cast(pa.string()).to_pandas(types_mapper=pd.ArrowDtype)
        if array.null_count:    # a missing value reads as blank, like an empty cell
            values = pd.concat([values, pd.Series([""], dtype=TEXT)], ignore_index=True)
        codes = pc.fill_null(array.indices, len(values) - 1).to_numpy(zero_copy_only=False)
        return Column(values.fillna(""), codes)


class Quoted(NamedTuple):
    """A column to show, quoted and cut short, in a rejection message."""

    values: Column


class Reasons:
    """Collects failure messages per row; a row may fail several rules."""

    def __init__(self) -> None:
        self.found: list[pd.Series] = []

    def add(self, failed: Column | np.ndarray, *message: str | Column | Quoted) -> None:
        """Record a message, built from text and column parts, for the rows that failed.

        `failed` is a boolean column (NA counts as failed) or a boolean per row."""
        if isinstance(failed, Column):
            if not failed.values.fillna(True).astype(bool).any():
                return      # the usual case, settled without touching the rows
            failed = failed.holds(na=True)
        rows = np.flatnonzero(failed)
        if not len(rows):
            return
        # Messages are built for the failed rows only: a valid file pays nothing for them.
        text = np.full(len(rows), "", dtype=object)
        for part in message:
            if isinstance(part, Quoted):
                shown = part.values.at(rows).astype(object).fillna("")
                text = text + np.array([f"'{_storable(v[:40])}'" for v in shown], dtype=object)
            elif isinstance(part, Column):
                text = text + part.at(rows).astype(object).fillna("").to_numpy()
            else:
                text = text + part
        self.found.append(pd.Series(text, index=rows))

    def failed(self, rows: int) -> np.ndarray:
        """Per row: some rule so far failed it."""
        failed = np.zeros(rows, dtype=bool)
        for found in self.found:
            failed[found.index.to_numpy()] = True
        return failed

    def joined(self) -> pd.Series:
        if not self.found:
            return pd.Series([], dtype=object, index=pd.Index([], dtype=np.intp))
        every = pd.concat(self.found)
        return every.groupby(level=0, sort=True).agg("; ".join)


def _storable(text: str) -> str:
    """Text as the database can store it, in text and in jsonb: no NUL."""
    return text.replace("\x00", "\ufffd")


def raw_row_json(record: dict) -> str:
    """A quarantined row as JSON that jsonb stores whatever the row held: NUL (which jsonb
    refuses, even escaped) as U+FFFD, each value cut to 200 characters."""
    return json.dumps({key: _storable(value[:_SHOWN]) if isinstance(value, str) else value
                       for key, value in record.items()}, ensure_ascii=False)


_SHOWN = 200


def as_number(values: pd.Series) -> pd.Series:
    """Text as nullable floats (NA where it is not a number), for range checks and arithmetic."""
    numeric = values.str.fullmatch(contract.DECIMAL).fillna(False)
    return values.where(numeric).astype("float64[pyarrow]").astype("Float64")


def null_if_blank(values: pd.Series) -> pd.Series:
    return values.mask(values == "")


def decimal_where(values: pd.Series, ok: pd.Series) -> pa.Array:
    """Text known to be decimal and in range (where ok) as decimal128; other values read as 0.

    Digits beyond the sixth decimal place are cut, not rounded: rounding the cut value to the
    four or fewer places a column keeps gives what rounding the whole value would."""
    return as_decimal(values.where(ok.fillna(False).astype(bool), "0").astype(TEXT))


def as_decimal(values: pd.Series) -> pa.Array:
    try:
        return pc.cast(as_arrow(values), pa.decimal128(38, 6))
    except pa.ArrowInvalid:     # rare: more than six decimal places
        return pc.cast(as_arrow(values.str.replace(r"(\.\d{6})\d+$", r"\1", regex=True)),
                       pa.decimal128(38, 6))


def may_hold(values: pa.Array, chars: str) -> bool:
    """The text may hold one of the chars: a look at the raw bytes for each char's first UTF-8
    byte (NUL, 0xEF for U+FFFD) settles most columns without reading them as text."""
    values = values.cast(pa.string())
    data = values.buffers()[2]
    if data is None:
        return False
    raw = np.frombuffer(data, dtype=np.uint8)
    if not any((raw == char.encode()[0]).any() for char in chars):
        return False
    return bool(pc.any(pc.match_substring_regex(values, f"[{chars}]")).as_py())
