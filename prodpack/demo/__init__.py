"""The demo: a realistic synthetic acute trust (RXA) and a smaller, less productive peer (RXB).

`write_demo` writes both trusts' ledger, ESR and activity extracts from 2019/20 to the last
closed month into a landing folder, in the formats of the source contracts (SOURCES.md) and
with the untidiness real extracts have: mixed encodings and line ends, header spellings,
money formats, an XLSX month, personal columns, a handful of bad rows, two unmapped cost
centres, an unmapped treatment function and some unpriced activity. `demo_manifest.json`
says exactly what was planted, so tests can hold the loader to it.

How the numbers are made, so that the results mean something:

- Every service has a design (trusts.py): staff, activity per point of delivery, growth of staff
  and non-pay since 2019/20, and the implied productivity on cost it should show by 2026/27.
- Staff are people in slots: a slot belongs to a cost centre and a role, and its occupants
  change with turnover, so an assignment number is stable across months. Headcount grows
  with the service's staff index. Pay in the ledger is the month's staff times their band
  cost, in the year's prices (pay deflator), plus agency on top.
- Activity is drawn around volumes set so that cost-weighted activity grows as the service's
  expected real-terms cost times (1 + its productivity): A / C - 1 is the design figure.
- Randomness: the structure and prices are fixed (reference files do not depend on the seed
  or the scale); each (org, source, month) draws from its own generator, seeded from
  (seed, org, source, year, month), so a month's data is the same whatever the last month.
"""

from prodpack.demo.write import write_demo

__all__ = ["write_demo"]
