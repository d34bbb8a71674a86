"""The demo: a realistic synthetic acute trust (RXA) and a smaller, less productive peer (RXB).

`write_demo` writes both trusts' ledger, ESR and activity extracts from 2019/20 to the last
closed month into a landing folder, in the formats of the source contracts (SOURCES.md) and
with the untidiness real extracts have: mixed encodings and line ends, header spellings,
money formats, an XLSX month, personal columns, a handful of bad rows, two unmapped cost
centres, an unmapped treatment function and some unpriced activity. `demo_manifest.json`
says exactly what was planted, so tests can hold the loader to it.

How the numbers are made, so that the results mean something:

- Every service has a design (below): staff, activity per point of delivery, growth of staff
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

from __future__ import annotations

import codecs
import csv
import io
import json
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, cached_property
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

FIRST_MONTH = "2019-04"
FIRST_MONTHLY_FILE = "2023-04"  # monthly files from here; 2019/20 comes as one file
PODS = ("EL", "DC", "NEL", "OPFA", "OPFU", "OPPROC", "AE")
EL, DC, NEL, OPFA, OPFU, OPPROC, AE = range(7)
OUTPATIENT = (OPFA, OPFU, OPPROC)
SOURCE_INDEX = {"ledger": 0, "workforce": 1, "activity": 2}
# The staff pool is drawn once per org, with month 0: no real month has that number.
POOL_MONTH = (0, 0)
# Months the staff pool covers (from April 2019): the demo can run up to March 2039.
HORIZON = 240

# Price level of each financial year (by its first calendar year), 2019/20 = 1: pay awards
# outran general inflation, but for the 2022/23 spike in non-pay.
# fmt: off
PAY_INDEX = {2019: 1.000, 2020: 1.030, 2021: 1.060, 2022: 1.100, 2023: 1.170, 2024: 1.240,
             2025: 1.290, 2026: 1.330}
NON_PAY_INDEX = {2019: 1.000, 2020: 1.025, 2021: 1.045, 2022: 1.120, 2023: 1.175, 2024: 1.205,
                 2025: 1.235, 2026: 1.265}
# fmt: on
# Years past the published table carry on at these rates.
PAY_INFLATION_AFTER, NON_PAY_INFLATION_AFTER = 0.03, 0.025


# --- months ------------------------------------------------------------------------------


def month_index(label: str) -> int:
    """Months since April 2019 ('2019-04' is 0)."""
    year, month = int(label[:4]), int(label[5:7])
    return (year - 2019) * 12 + month - 4


def month_label(index: int) -> str:
    year, month = divmod(index + 3, 12)
    return f"{2019 + year}-{month + 1:02d}"


def year_month(index: int) -> tuple[int, int]:
    year, month = divmod(index + 3, 12)
    return 2019 + year, month + 1


def financial_year_start(index: int) -> int:
    return 2019 + index // 12


def financial_year(index: int) -> str:
    start = financial_year_start(index)
    return f"{start}/{(start + 1) % 100:02d}"


def deflator(index: int, pay: bool) -> float:
    start = financial_year_start(index)
    table = PAY_INDEX if pay else NON_PAY_INDEX
    after = PAY_INFLATION_AFTER if pay else NON_PAY_INFLATION_AFTER
    last = max(table)
    return table[min(start, last)] * (1 + after) ** max(0, start - last)


def last_closed_month(today: date | None = None) -> str:
    today = today or date.today()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year}-{month:02d}"


def trend(t: float | np.ndarray, at_2023: float, at_2026: float, yearly_after: float = 0.0):
    """An index over years since April 2019: 1 through 2019/20, piecewise linear to its
    2023/24 and 2026/27 values, then a steady yearly change."""
    t = np.asarray(t, dtype=float)
    index = np.where(t < 1, 1.0, np.interp(t, [1, 4, 7], [1, at_2023, at_2026]))
    return index + np.maximum(t - 7, 0) * yearly_after


def progress(t: float) -> float:
    """How far a change planned between 2019/20 and 2026/27 has got at t years: 0 to 1."""
    return min(1.0, max(0.0, (t - 1) / 6.5))


def _stable_unit(*parts: object) -> float:
    """A number in [0, 1) fixed by its parts: design choices that must not move with the seed."""
    return zlib.crc32("|".join(map(str, parts)).encode()) / 2**32


def _stable_choice(options: list[str], *parts: object) -> str:
    return options[int(_stable_unit(*parts) * len(options))]


# --- the design: staff, cost centres, prices ----------------------------------------------

# fmt: off
NMR = "Nursing and Midwifery Registered"
ACS = "Additional Clinical Services"
AAC = "Administrative and Clerical"
AHP = "Allied Health Professionals"
APST = "Add Prof Scientific and Technic"
HCS = "Healthcare Scientists"
EAN = "Estates and Ancillary"
MED = "Medical and Dental"

# Monthly cost of one WTE in 2019/20 prices, employer's on-costs included.
BAND_COST = {
    "Band 2": 2200, "Band 3": 2450, "Band 4": 2750, "Band 5": 3300, "Band 6": 4050,
    "Band 7": 4850, "Band 8a": 5650, "Band 8b": 6700, "Band 8c": 8000, "Band 8d": 9500,
    "Foundation Year 1": 3800, "Foundation Year 2": 4250, "Specialty Registrar": 5850,
    "Specialty Doctor": 6800, "Consultant": 11650,
}
JUNIOR_DOCTORS = ("Foundation Year 1", "Foundation Year 2", "Specialty Registrar")

# Cost centre type -> (staff group, pay band, share of the headcount).
STAFF_MIX = {
    "medical": [(MED, "Consultant", .38), (MED, "Specialty Doctor", .14),
                (MED, "Specialty Registrar", .28), (MED, "Foundation Year 2", .10),
                (MED, "Foundation Year 1", .10)],
    "ward": [(NMR, "Band 5", .40), (NMR, "Band 6", .10), (NMR, "Band 7", .04), (ACS, "Band 2", .16),
             (ACS, "Band 3", .18), (ACS, "Band 4", .04), (AAC, "Band 3", .05),
             (AHP, "Band 6", .03)],
    "day_unit": [(NMR, "Band 5", .38), (NMR, "Band 6", .18), (NMR, "Band 7", .06),
                 (ACS, "Band 3", .25), (AAC, "Band 3", .13)],
    "outpatients": [(NMR, "Band 5", .25), (NMR, "Band 6", .12), (ACS, "Band 3", .30),
                    (AAC, "Band 2", .08), (AAC, "Band 3", .25)],
    "specialist": [(NMR, "Band 6", .35), (NMR, "Band 7", .50), (NMR, "Band 8a", .15)],
    "admin": [(AAC, "Band 2", .08), (AAC, "Band 3", .40), (AAC, "Band 4", .30),
              (AAC, "Band 5", .10), (AAC, "Band 6", .06), (AAC, "Band 7", .04),
              (AAC, "Band 8a", .02)],
    "emergency": [(NMR, "Band 5", .42), (NMR, "Band 6", .18), (NMR, "Band 7", .08),
                  (NMR, "Band 8a", .02), (ACS, "Band 3", .22), (ACS, "Band 4", .08)],
    "critical": [(NMR, "Band 5", .48), (NMR, "Band 6", .25), (NMR, "Band 7", .10),
                 (NMR, "Band 8a", .02), (ACS, "Band 3", .10), (APST, "Band 6", .05)],
    "theatre": [(NMR, "Band 5", .25), (NMR, "Band 6", .14), (NMR, "Band 7", .05),
                (APST, "Band 5", .15), (APST, "Band 6", .10), (ACS, "Band 3", .26),
                (AAC, "Band 3", .05)],
    "maternity": [(NMR, "Band 5", .12), (NMR, "Band 6", .50), (NMR, "Band 7", .10),
                  (ACS, "Band 3", .23), (AAC, "Band 3", .05)],
    "imaging": [(AHP, "Band 5", .30), (AHP, "Band 6", .25), (AHP, "Band 7", .15),
                (AHP, "Band 8a", .05), (ACS, "Band 3", .15), (ACS, "Band 2", .10)],
    "ahp": [(AHP, "Band 5", .25), (AHP, "Band 6", .35), (AHP, "Band 7", .20), (AHP, "Band 8a", .05),
            (ACS, "Band 4", .10), (ACS, "Band 3", .05)],
    "science": [(HCS, "Band 5", .20), (HCS, "Band 6", .20), (HCS, "Band 7", .15),
                (HCS, "Band 8a", .05), (APST, "Band 4", .15), (APST, "Band 3", .15),
                (AAC, "Band 3", .10)],
    "estates": [(EAN, "Band 2", .60), (EAN, "Band 3", .18), (EAN, "Band 4", .10),
                (EAN, "Band 5", .07), (AAC, "Band 4", .05)],
    "corporate": [(AAC, "Band 3", .12), (AAC, "Band 4", .18), (AAC, "Band 5", .18),
                  (AAC, "Band 6", .16), (AAC, "Band 7", .16), (AAC, "Band 8a", .10),
                  (AAC, "Band 8b", .06), (AAC, "Band 8c", .03), (AAC, "Band 8d", .01)],
}
# Unsocial hours and on-call: what a cost centre type pays above basic.
ENHANCEMENT = {"ward": 1.10, "emergency": 1.14, "critical": 1.12, "maternity": 1.10,
               "theatre": 1.05, "medical": 1.08}
# Bank staff as a share of the substantive headcount.
BANK_SHARE = {"ward": .12, "emergency": .12, "critical": .10, "maternity": .10, "theatre": .08,
              "medical": .06, "day_unit": .05}
BANK_WORKS_IN_MONTH, BANK_WTE_RANGE = 0.75, (0.05, 0.60)
# Cost centre types whose gaps are filled by agency, and how (nursing, medical locums, other).
AGENCY_TYPES = {"ward": "519100", "emergency": "519100", "critical": "519100",
                "maternity": "519100", "theatre": "519100", "medical": "519200",
                "imaging": "519300"}
AGENCY_ON_ELIGIBLE = 1.4   # agency cost on eligible pay, per unit of the trust's agency share
AGENCY_PRESENT = 0.85      # chance a cost centre has an agency line in a month

CONTRACT_WTE = {  # role kind -> (values, probabilities)
    "consultant": ([1.0, 1.1, 1.2, 0.8, 0.6], [.55, .2, .1, .1, .05]),
    "junior": ([1.0, 0.8], [.9, .1]),
    "other": ([1.0, 0.8, 0.6, 0.5, 0.4, 0.9, 0.75], [.58, .12, .10, .08, .05, .04, .03]),
}
MONTHLY_TURNOVER = {"Foundation Year 1": .20, "Foundation Year 2": .20, "Specialty Registrar": .08}
DEFAULT_TURNOVER, BANK_TURNOVER, FIXED_TERM_SHARE = .009, .025, .04

# Cost centre layout of a service kind: (name, cost centre type, share of headcount).
CC_TEMPLATES = {
    "surgical": [("Medical Staff", "medical", .20), ("Ward", "ward", .45),
                 ("Outpatients", "outpatients", .12), ("Secretaries and Admin", "admin", .13),
                 ("Specialist Nurses", "specialist", .10)],
    "medical": [("Medical Staff", "medical", .20), ("Ward", "ward", .50),
                ("Day Unit", "day_unit", .10), ("Secretaries and Admin", "admin", .10),
                ("Specialist Nurses", "specialist", .10)],
    "elderly": [("Medical Staff", "medical", .13), ("Ward", "ward", .72),
                ("Secretaries and Admin", "admin", .07), ("Therapists", "ahp", .08)],
    "acute": [("Medical Staff", "medical", .20), ("Acute Medical Unit", "ward", .55),
              ("Same Day Emergency Care", "day_unit", .17), ("Admin", "admin", .08)],
    "ed": [("Medical Staff", "medical", .24), ("Nursing - Majors", "emergency", .42),
           ("Nursing - Minors and UTC", "emergency", .18), ("Reception and Admin", "admin", .16)],
    "critical": [("Medical Staff", "medical", .16), ("Intensive Care Unit", "critical", .66),
                 ("High Dependency Unit", "critical", .12), ("Admin", "admin", .06)],
    "theatres": [("Anaesthetists", "medical", .22), ("Main Theatres", "theatre", .42),
                 ("Day Surgery Unit", "theatre", .20), ("Recovery", "theatre", .10),
                 ("Admin", "admin", .06)],
    "oncology": [("Medical Staff", "medical", .22), ("Chemotherapy Day Unit", "day_unit", .38),
                 ("Specialist Nurses", "specialist", .22), ("Secretaries and Admin", "admin", .18)],
    "maternity": [("Medical Staff", "medical", .14), ("Labour Ward", "maternity", .36),
                  ("Maternity Ward", "maternity", .30), ("Antenatal Clinic", "outpatients", .10),
                  ("Admin", "admin", .10)],
    "midwifery": [("Community Midwives", "maternity", .85), ("Admin", "admin", .15)],
    "paeds": [("Medical Staff", "medical", .22), ("Children's Ward", "ward", .50),
              ("Children's Outpatients", "outpatients", .14), ("Admin", "admin", .14)],
    "neonatal": [("Medical Staff", "medical", .18), ("Neonatal Unit", "critical", .75),
                 ("Admin", "admin", .07)],
    "imaging": [("Radiologists", "medical", .15), ("Radiography", "imaging", .60),
                ("Ultrasound", "imaging", .10), ("Admin", "admin", .15)],
    "therapies": [("Physiotherapy", "ahp", .45), ("Occupational Therapy", "ahp", .30),
                  ("Speech and Language Therapy and Dietetics", "ahp", .17),
                  ("Admin", "admin", .08)],
    "pathology": [("Pathologists", "medical", .08), ("Blood Sciences", "science", .50),
                  ("Cellular Pathology", "science", .25), ("Microbiology", "science", .10),
                  ("Admin", "admin", .07)],
    "estates": [("Estates Maintenance", "estates", .25), ("Domestic Services", "estates", .35),
                ("Catering", "estates", .15), ("Portering", "estates", .15),
                ("Management", "corporate", .10)],
    "finance": [("Financial Management", "corporate", .45),
                ("Financial Services", "corporate", .30), ("Procurement", "corporate", .25)],
    "hr": [("Human Resources", "corporate", .45), ("Learning and Development", "corporate", .30),
           ("Occupational Health", "specialist", .25)],
    "it": [("IT Operations", "corporate", .45), ("Clinical Systems", "corporate", .30),
           ("Information and Analytics", "corporate", .25)],
}
WARD_SIZE = 48            # headcount of one ward: bigger ward shares split into several wards
SMALLEST_COST_CENTRE = 6  # headcount below which a template line is left out
WARD_NAMES = ["Ash", "Beech", "Cedar", "Elm", "Hazel", "Holly", "Juniper", "Larch", "Maple", "Oak",
              "Rowan", "Willow", "Alder", "Birch", "Cherry", "Linden", "Poplar", "Yew", "Aspen",
              "Laurel"]

# Non-pay of a service as a share of its pay, by kind; special lines (CNST) sit in Finance.
NON_PAY_RATIO = {"surgical": .55, "medical": .45, "elderly": .22, "acute": .30, "ed": .15,
                 "critical": .35, "theatres": .90, "oncology": 1.3, "maternity": .22,
                 "midwifery": .12, "paeds": .25, "neonatal": .35, "imaging": .60, "therapies": .12,
                 "pathology": .90, "estates": 1.2, "finance": 4.0, "hr": .40, "it": 1.1}
NON_PAY_WEIGHT = {"ward": 1.0, "day_unit": 2.5, "outpatients": .6, "medical": .2, "specialist": .6,
                  "admin": .2, "emergency": .8, "critical": 1.5, "theatre": 4.0, "maternity": .6,
                  "imaging": 2.0, "ahp": .3, "science": 3.0, "estates": 3.0, "corporate": 1.5}
NON_PAY_MIX = {
    "ward": {"520100": .45, "521100": .35, "522100": .15, "524100": .05},
    "day_unit": {"520100": .55, "521100": .35, "522100": .10},
    "outpatients": {"521100": .50, "522100": .30, "524100": .20},
    "medical": {"522100": .30, "524100": .20, "528100": .50},
    "specialist": {"520100": .30, "521100": .50, "524100": .20},
    "admin": {"522100": .45, "524100": .55},
    "emergency": {"520100": .30, "521100": .50, "522100": .20},
    "critical": {"520100": .45, "521100": .45, "522100": .10},
    "theatre": {"521100": .50, "521200": .35, "526100": .10, "522100": .05},
    "maternity": {"520100": .20, "521100": .55, "522100": .25},
    "imaging": {"521100": .55, "526100": .35, "524100": .10},
    "ahp": {"521100": .60, "522100": .40},
    "science": {"521100": .80, "526100": .15, "522100": .05},
    "estates": {"523100": .45, "523200": .35, "522100": .20},
    "corporate": {"524100": .45, "527100": .20, "522100": .20, "528100": .15},
    "finance": {"525100": .85, "527100": .05, "524100": .05, "522100": .05},
}
# Year-end accruals: March carries more non-pay, every year alike.
NON_PAY_SEASON = np.array([1, 1, 1.10, 1, 1, 1, 1, 1, 1, 1, 1, 1]) / (12.10 / 12)

SUBJECTIVES = [  # code, category, staff type, description
    ("511100", "pay", "substantive", "Medical staff - consultants"),
    ("511200", "pay", "substantive", "Medical staff - other grades"),
    ("512100", "pay", "substantive", "Nursing and midwifery - registered"),
    ("512200", "pay", "substantive", "Healthcare assistants and support staff"),
    ("513100", "pay", "substantive", "Scientific, therapeutic and technical staff"),
    ("514100", "pay", "substantive", "Administrative and clerical staff"),
    ("515100", "pay", "substantive", "Estates and ancillary staff"),
    ("518100", "pay", "bank", "Bank staff - nursing and support"),
    ("518200", "pay", "bank", "Bank staff - medical"),
    ("518300", "pay", "bank", "Bank staff - other"),
    ("519100", "pay", "agency", "Agency staff - nursing"),
    ("519200", "pay", "agency", "Agency staff - medical locums"),
    ("519300", "pay", "agency", "Agency staff - other"),
    ("520100", "non_pay", "", "Drugs"),
    ("521100", "non_pay", "", "Clinical supplies and services"),
    ("521200", "non_pay", "", "Prostheses and implants"),
    ("522100", "non_pay", "", "General supplies and services"),
    ("523100", "non_pay", "", "Premises - maintenance and cleaning"),
    ("523200", "non_pay", "", "Premises - utilities"),
    ("524100", "non_pay", "", "Establishment - IT, telephony and postage"),
    ("525100", "non_pay", "", "Clinical negligence (CNST)"),
    ("526100", "non_pay", "", "Purchase of healthcare from non-NHS bodies"),
    ("527100", "non_pay", "", "Consultancy services"),
    ("528100", "non_pay", "", "Education, training and study leave"),
    ("130100", "income", "", "Patient care income - ICB contract"),
    ("130200", "income", "", "Patient care income - NHS England specialised services"),
    ("140100", "income", "", "Other operating income - car parking and catering"),
    ("141100", "income", "", "Education and training income"),
    ("142100", "income", "", "Private patient income"),
    ("590100", "excluded", "", "Depreciation"),
    ("590200", "excluded", "", "PDC dividend"),
    ("590300", "excluded", "", "Impairments"),
    ("591000", "excluded", "", "COVID-19 costs"),
    ("592000", "excluded", "", "Pass-through high-cost drugs"),
    ("592100", "excluded", "", "Pass-through high-cost devices"),
]
SUBJECTIVE_DESCRIPTION = {code: text for code, _, _, text in SUBJECTIVES}


def _substantive_subjective(staff_group: str, band: str) -> str:
    if staff_group == MED:
        return "511100" if band == "Consultant" else "511200"
    return {NMR: "512100", ACS: "512200", AHP: "513100", APST: "513100", HCS: "513100",
            AAC: "514100", EAN: "515100"}[staff_group]


def _bank_subjective(staff_group: str) -> str:
    return {MED: "518200", NMR: "518100", ACS: "518100"}.get(staff_group, "518300")


ROLES = sorted({(group, band) for mix in STAFF_MIX.values() for group, band, _ in mix})
ROLE_INDEX = {role: i for i, role in enumerate(ROLES)}
ROLE_COST = np.array([BAND_COST[band] for _, band in ROLES], dtype=float)
SUBJECTIVE_CODES = sorted(code for code, *_ in SUBJECTIVES)
ROLE_SUBSTANTIVE_CODE = np.array(
    [SUBJECTIVE_CODES.index(_substantive_subjective(*role)) for role in ROLES])
ROLE_BANK_CODE = np.array([SUBJECTIVE_CODES.index(_bank_subjective(g)) for g, _ in ROLES])


def _role_kind(band: str) -> str:
    return "consultant" if band == "Consultant" else "junior" if band in JUNIOR_DOCTORS else "other"


def _mean_contract_wte(band: str) -> float:
    values, weights = CONTRACT_WTE[_role_kind(band)]
    return float(np.dot(values, weights))


def expected_pay_per_head(cc_type: str) -> tuple[float, float]:
    """Real monthly pay of a substantive head, and of the bank behind it, in a cost centre type."""
    enhancement = ENHANCEMENT.get(cc_type, 1.0)
    substantive = sum(share * BAND_COST[band] * _mean_contract_wte(band)
                      for _, band, share in STAFF_MIX[cc_type]) * enhancement
    mean_cost = sum(share * BAND_COST[band] for _, band, share in STAFF_MIX[cc_type])
    bank = BANK_SHARE.get(cc_type, .02) * BANK_WORKS_IN_MONTH * np.mean(BANK_WTE_RANGE) * mean_cost
    return substantive, float(bank)


# --- activity: HRGs, prices, seasons -------------------------------------------------------

# HRG roots by family and POD; a weight after ':' where a root is rarer than its place implies.
HRG_FAMILIES: dict[str, dict[int, list[str]]] = {
    "general_surgery": {EL: ["FF61", "FF62", "GA10", "FF31"], DC: ["FE21", "FE22", "FF62", "JC42"],
                        NEL: ["FD10", "FD05", "FF41", "GC17"], OPPROC: ["JC42", "FE12"]},
    "colorectal": {EL: ["FF32", "FF33", "FF61"], DC: ["FE31", "FE32"],
                   NEL: ["FD10", "FD12", "FF41"], OPPROC: ["FE32"]},
    "upper_gi": {EL: ["FF12", "GA10"], DC: ["FE21", "FE22"], NEL: ["FD04", "GC17"],
                 OPPROC: ["FE12"]},
    "breast": {EL: ["JA07", "JA11"], DC: ["JA12", "JA14"], NEL: ["JA43"], OPPROC: ["JA20"]},
    "vascular": {EL: ["YQ11", "YQ51"], DC: ["YQ22", "YR12"], NEL: ["YQ42"], OPPROC: ["YR12"]},
    "urology": {EL: ["LB25", "LB65", "LB14"], DC: ["LB15", "LB72"], NEL: ["LA04", "LB40"],
                OPPROC: ["LB15", "LB16", "LB17:0.02"]},
    "ent": {EL: ["CA37", "CA60"], DC: ["CA83", "CB02"], NEL: ["CB01", "CB02"],
            OPPROC: ["CA21", "CA22"]},
    "ophthalmology": {EL: ["BZ31"], DC: ["BZ34", "BZ84"], NEL: ["BZ24"], OPPROC: ["BZ87", "BZ88"]},
    "omfs": {EL: ["CD03"], DC: ["CD05", "CD06"], NEL: ["CD04"], OPPROC: ["CD10"]},
    "orthopaedics": {EL: ["HN12", "HN22", "HN32"], DC: ["HN14", "HN55", "HN65"],
                     NEL: ["HT12", "HE11", "HD39"], OPPROC: ["HN81", "HN85"]},
    "spinal": {EL: ["HC04", "HC05"], DC: ["HC72"], NEL: ["HD25"], OPPROC: ["HC72"]},
    "plastics": {EL: ["JC41", "JB12"], DC: ["JC42", "JC43"], NEL: ["JD07"],
                 OPPROC: ["JC43", "JC44"]},
    "pain": {DC: ["AB04", "AB05"], OPPROC: ["AB24"]},
    "critical_care": {NEL: ["XC06", "XC07"]},
    "emergency": {NEL: ["WH07", "WH08", "VA13"]},
    "acute_medicine": {DC: ["WH50", "EB10"], NEL: ["EB10", "FD10", "WH07", "DZ19", "LA04"]},
    "gastroenterology": {EL: ["FE21"], DC: ["FE21", "FE22", "FE12"], NEL: ["FD10", "GC01", "FD03"],
                         OPPROC: ["FE12"]},
    "cardiology": {EL: ["EY40", "EY41"], DC: ["EY43", "EY50"], NEL: ["EB03", "EB07", "EB10"],
                   OPPROC: ["EY50", "EY51"]},
    "respiratory": {DC: ["DZ37", "DZ55"], NEL: ["DZ11", "DZ65", "DZ22", "DZ19"], OPPROC: ["DZ37"]},
    "diabetes": {DC: ["KA08"], NEL: ["KB02", "KC05"]},
    "dermatology": {DC: ["JC43", "JC44"], NEL: ["JD07"], OPPROC: ["JC43", "JC44", "JC47:0.02"]},
    "rheumatology": {DC: ["HD23", "HD26"], NEL: ["HD26"]},
    "elderly": {DC: ["WH50"], NEL: ["WD11", "WD22", "HD39", "DZ11", "LA04"]},
    "stroke": {NEL: ["AA35", "AA22"]},
    "general_medicine": {DC: ["WH50"], NEL: ["WH07", "EB10", "DZ19", "FD10"]},
    "neurology": {DC: ["AA31", "AA26"], NEL: ["AA26", "AA29"]},
    "oncology": {DC: ["SB12", "SB13", "SB14", "SC22"], NEL: ["SA17", "WH07"], OPPROC: ["SB17"]},
    "haematology": {DC: ["SA22", "SA25", "SB12"], NEL: ["SA04", "SA08"], OPPROC: ["SA22"]},
    "obstetrics": {EL: ["NZ50"], NEL: ["NZ30", "NZ40", "NZ51", "NZ16"]},
    "gynaecology": {EL: ["MA07", "MA08"], DC: ["MA10", "MA11", "MA22"], NEL: ["MB09", "MA12"],
                    OPPROC: ["MA22", "MA11"]},
    "midwifery": {NEL: ["NZ30"]},
    "paediatrics": {DC: ["PF26"], NEL: ["PD12", "PA14", "PB03", "PW06"]},
    "neonatology": {NEL: ["PB01", "PB02", "PB03"]},
    "imaging": {OPPROC: ["RD20", "RD21", "RD40"]},
    "therapies": {},
    "pathology": {},
}
# Complexity splits: suffix letter -> (share, price factor).
HRG_SUFFIXES = {
    EL: {"A": (.06, 1.30), "B": (.12, 1.15), "C": (.22, 1.02), "D": (.30, .92), "E": (.30, .82)},
    NEL: {"A": (.06, 1.30), "B": (.12, 1.15), "C": (.22, 1.02), "D": (.30, .92), "E": (.30, .82)},
    DC: {"C": (.20, 1.15), "D": (.40, 1.00), "E": (.40, .88)},
    OPPROC: {"Z": (1.0, 1.0)},
}
HRG_BASE_PRICE = {EL: 4000, DC: 930, NEL: 2450, OPPROC: 190}
# Roots left out of unit_costs.csv: their activity is priced at the POD's default.
UNLISTED_ROOTS = {(NEL, "WD22"), (DC, "CD06"), (EL, "HC05")}
# OPPROC has no default row: these codes have no price at all (the unpriced-activity check).
UNPRICED_HRGS = ("JC47Z", "LB17Z")
DEFAULT_PRICE = {EL: 3400, DC: 850, NEL: 1900, OPFA: 160, OPFU: 100, AE: 150}
OUTPATIENT_HRGS = {  # code, price; the share is set by the month (remote attendances grew)
    OPFA: [("WF01B", 165), ("WF02B", 235), ("WF01D", 95), ("", None)],
    OPFU: [("WF01A", 105), ("WF02A", 150), ("WF01C", 55), ("", None)],
}
MULTIPROFESSIONAL_SHARE, NO_HRG_SHARE = .08, .02
AE_HRGS = [("VB01Z", 380, .02), ("VB02Z", 300, .04), ("VB03Z", 260, .08), ("VB04Z", 230, .07),
           ("VB05Z", 200, .06), ("VB06Z", 185, .10), ("VB07Z", 170, .16), ("VB08Z", 150, .18),
           ("VB09Z", 130, .15), ("VB10Z", 105, .08), ("VB11Z", 80, .05), ("", None, .01)]

# Seasonality by calendar month (Jan..Dec) and POD group, before days-in-month.
PLANNED_SEASON = np.array([1.00, 1.00, 1.04, .95, 1.00, 1.02, 1.02, .88, 1.01, 1.04, 1.05, .86])
EMERGENCY_SEASON = np.array([1.10, 1.04, 1.04, .97, .97, .95, .96, .94, .96, 1.00, 1.02, 1.07])
AE_SEASON = np.array([.93, .91, 1.00, 1.00, 1.06, 1.06, 1.07, 1.01, 1.01, 1.00, .98, .97])
DAYS_IN_MONTH = np.array([31, 28.25, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _season_table() -> np.ndarray:
    """(12 calendar months, 7 PODs) volume factors averaging 1 over a year."""
    by_pod = [PLANNED_SEASON, PLANNED_SEASON, EMERGENCY_SEASON, PLANNED_SEASON, PLANNED_SEASON,
              PLANNED_SEASON, AE_SEASON]
    table = np.stack([s * DAYS_IN_MONTH for s in by_pod], axis=1)
    return table / table.mean(axis=0)


SEASON = _season_table()

# Service kind -> patients' age range (years), mean NEL and EL length of stay (days).
PATIENTS = {
    "surgical": (18, 90, 4.0, 3.0), "theatres": (18, 90, 1.0, 1.0), "critical": (18, 90, 8.0, 3.0),
    "ed": (0, 95, 0.6, 1.0), "acute": (18, 95, 2.5, 1.0), "medical": (18, 90, 5.0, 1.5),
    "elderly": (70, 102, 10.0, 2.0), "oncology": (30, 90, 6.0, 2.0),
    "maternity": (16, 46, 2.0, 3.0),
    "midwifery": (16, 46, 1.0, 1.0), "paeds": (0, 16, 1.5, 1.0), "neonatal": (0, 0, 8.0, 1.0),
    "imaging": (18, 90, 1.0, 1.0), "therapies": (5, 95, 1.0, 1.0), "pathology": (18, 90, 1.0, 1.0),
}


# --- trusts -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Service:
    name: str
    directorate: str
    clinical_group: str
    kind: str
    tfcs: tuple[str, ...]
    hrg_family: str | None
    headcount: float                 # substantive heads in 2019/20, before the trust's factor
    volumes: tuple[float, ...]       # attended activity a month in 2019/20, in PODS order
    staff_growth: float              # headcount growth by 2026/27
    non_pay_growth: float            # real non-pay growth by 2026/27
    productivity: float              # implied productivity on cost by 2026/27


def _group(clinical_group: str, directorates: dict[str, list[tuple]]) -> list[Service]:
    return [Service(name, directorate, clinical_group, kind, tuple(tfcs), family, heads,
                    tuple(volumes), staff, non_pay, ip)
            for directorate, services in directorates.items()
            for name, kind, tfcs, family, heads, volumes, staff, non_pay, ip in services]


NO_ACTIVITY = (0, 0, 0, 0, 0, 0, 0)

# Columns: name, kind, treatment functions, HRG family, heads, attended activity a month
# (EL, DC, NEL, OPFA, OPFU, OPPROC, AE), staff growth, real non-pay growth, IPc by 2026/27.
RXA_SERVICES = [
    *_group("Surgery and Critical Care", {
        "General Surgical Services": [
            ("General Surgery", "surgical", ["100"], "general_surgery", 150,
             (110, 260, 420, 490, 520, 60, 0), .14, .12, -.04),
            ("Colorectal Surgery", "surgical", ["104"], "colorectal", 70,
             (45, 140, 90, 220, 390, 40, 0), .12, .10, .03),
            ("Upper GI Surgery", "surgical", ["106"], "upper_gi", 60,
             (35, 120, 70, 160, 250, 20, 0), .16, .12, -.08),
            ("Breast Surgery", "surgical", ["103"], "breast", 55,
             (30, 60, 5, 310, 490, 60, 0), .10, .08, .06),
            ("Vascular Surgery", "surgical", ["107"], "vascular", 50,
             (25, 40, 40, 120, 200, 20, 0), .18, .15, -.12)],
        "Surgical Specialties": [
            ("Urology", "surgical", ["101"], "urology", 90,
             (60, 330, 110, 360, 680, 320, 0), .10, .12, .10),
            ("Ear, Nose and Throat", "surgical", ["120"], "ent", 70,
             (45, 130, 60, 390, 460, 220, 0), .14, .10, -.06),
            ("Ophthalmology", "surgical", ["130"], "ophthalmology", 110,
             (10, 520, 10, 520, 1650, 520, 0), .12, .20, .15),
            ("Oral and Maxillofacial Surgery", "surgical", ["144", "140"], "omfs", 45,
             (15, 110, 15, 220, 280, 150, 0), .15, .10, -.10)],
        "Trauma, Orthopaedics and Plastics": [
            ("Trauma and Orthopaedics", "surgical", ["110", "111", "115"], "orthopaedics", 200,
             (170, 280, 230, 790, 1280, 160, 0), .12, .14, .04),
            ("Spinal Surgery", "surgical", ["108"], "spinal", 40,
             (30, 60, 15, 120, 180, 30, 0), .20, .15, -.15),
            ("Plastic Surgery", "surgical", ["160"], "plastics", 50,
             (20, 190, 30, 200, 320, 200, 0), .12, .10, .02)],
        "Anaesthetics, Theatres and Critical Care": [
            ("Anaesthetics and Theatres", "theatres", ["190"], "pain", 420,
             (0, 60, 0, 450, 80, 0, 0), .14, .16, -.05),
            ("Pain Management", "surgical", ["191"], "pain", 25,
             (0, 110, 0, 80, 160, 40, 0), .10, .10, .08),
            ("Critical Care", "critical", ["192"], "critical_care", 170,
             (0, 0, 90, 0, 0, 0, 0), .20, .15, -.14)],
    }),
    *_group("Medicine and Emergency Care", {
        "Emergency Care": [
            ("Emergency Department", "ed", ["180"], "emergency", 330,
             (0, 0, 150, 0, 0, 0, 12000), .22, .12, .05),
            ("Acute Medicine", "acute", ["326"], "acute_medicine", 260,
             (0, 120, 900, 30, 20, 0, 0), .25, .15, .07)],
        "Specialist Medicine": [
            ("Gastroenterology", "medical", ["301"], "gastroenterology", 110,
             (5, 420, 160, 240, 490, 60, 0), .14, .12, .09),
            ("Cardiology", "medical", ["320"], "cardiology", 160,
             (40, 150, 280, 320, 680, 260, 0), .15, .14, .03),
            ("Respiratory Medicine", "medical", ["340"], "respiratory", 150,
             (0, 60, 360, 200, 480, 60, 0), .16, .12, -.03),
            ("Diabetes and Endocrinology", "medical", ["302", "307"], "diabetes", 70,
             (0, 20, 90, 140, 600, 0, 0), .14, .18, -.07),
            ("Dermatology", "medical", ["330"], "dermatology", 45,
             (0, 70, 3, 390, 590, 380, 0), .08, .10, .12),
            ("Rheumatology", "medical", ["410"], "rheumatology", 40,
             (0, 90, 5, 120, 520, 0, 0), .10, .20, .01)],
        "Integrated Care of Older People": [
            ("Geriatric Medicine", "elderly", ["430"], "elderly", 310,
             (0, 0, 420, 50, 80, 0, 0), .18, .10, -.09),
            ("Stroke Medicine", "elderly", ["328"], "stroke", 120,
             (0, 0, 75, 40, 50, 0, 0), .20, .12, -.18),
            ("General Internal Medicine", "medical", ["300"], "general_medicine", 120,
             (0, 60, 300, 30, 40, 0, 0), .16, .10, -.11),
            ("Neurology", "medical", ["400"], "neurology", 50,
             (0, 30, 40, 160, 310, 0, 0), .12, .12, .05)],
        "Cancer and Haematology": [
            ("Clinical Oncology", "oncology", ["800"], "oncology", 80,
             (0, 300, 20, 80, 680, 30, 0), .18, .30, .06),
            ("Medical Oncology", "oncology", ["370"], "oncology", 60,
             (0, 280, 30, 60, 450, 0, 0), .16, .28, -.02),
            ("Clinical Haematology", "oncology", ["303"], "haematology", 70,
             (0, 190, 40, 70, 520, 20, 0), .14, .22, .04)],
    }),
    *_group("Women, Children and Clinical Support", {
        "Women's Services": [
            ("Obstetrics", "maternity", ["501"], "obstetrics", 260,
             (70, 0, 420, 380, 820, 0, 0), .22, .15, -.20),
            ("Gynaecology", "surgical", ["502"], "gynaecology", 90,
             (50, 170, 90, 420, 380, 170, 0), .10, .10, .08),
            ("Midwifery", "midwifery", ["560"], "midwifery", 150,
             (0, 0, 15, 220, 680, 0, 0), .18, .10, -.05)],
        "Children's Services": [
            ("Paediatrics", "paeds", ["420"], "paediatrics", 170,
             (0, 50, 330, 240, 390, 0, 0), .14, .12, -.06),
            ("Neonatology", "neonatal", ["422"], "neonatology", 110,
             (0, 0, 65, 0, 120, 0, 0), .18, .14, -.13)],
        "Clinical Support Services": [
            ("Diagnostic Imaging", "imaging", ["812"], "imaging", 220,
             (0, 0, 0, 45, 0, 420, 0), .20, .22, .13),
            ("Therapies", "therapies", ["650", "651", "652", "654"], "therapies", 200,
             (0, 0, 0, 520, 1350, 0, 0), .16, .10, .02),
            ("Pathology", "pathology", ["822"], "pathology", 210,
             (0, 0, 0, 25, 120, 0, 0), .12, .18, .10)],
    }),
    *_group("Corporate Services", {
        "Corporate Services": [
            ("Estates and Facilities", "estates", [], None, 430, NO_ACTIVITY, .06, .12, 0),
            ("Finance", "finance", [], None, 90, NO_ACTIVITY, .08, .20, 0),
            ("Workforce and OD", "hr", [], None, 100, NO_ACTIVITY, .15, .10, 0),
            ("Digital and IT", "it", [], None, 150, NO_ACTIVITY, .28, .30, 0)],
    }),
]

# The peer: smaller, some services merged, its own node names (owners.csv keys on level and node).
RXB_SERVICES = [
    *_group("Surgical Division", {
        "Surgery (RXB)": [
            ("General Surgery (RXB)", "surgical", ["100", "104", "106", "103", "107"],
             "general_surgery", 150, (95, 260, 260, 520, 760, 60, 0), .20, .15, -.10),
            ("Urology (RXB)", "surgical", ["101"], "urology", 40,
             (25, 140, 45, 150, 280, 130, 0), .16, .12, -.06)],
        "Head, Neck and Orthopaedics (RXB)": [
            ("Ear, Nose and Throat (RXB)", "surgical", ["120"], "ent", 30,
             (18, 55, 25, 160, 190, 90, 0), .18, .12, -.14),
            ("Ophthalmology (RXB)", "surgical", ["130"], "ophthalmology", 45,
             (4, 210, 4, 210, 660, 210, 0), .14, .18, .04),
            ("Trauma and Orthopaedics (RXB)", "surgical", ["110", "111", "115"], "orthopaedics", 85,
             (70, 115, 95, 320, 520, 65, 0), .18, .15, -.08)],
        "Theatres and Critical Care (RXB)": [
            ("Anaesthetics and Theatres (RXB)", "theatres", ["190", "191"], "pain", 170,
             (0, 25, 0, 180, 30, 0, 0), .20, .18, -.12),
            ("Critical Care (RXB)", "critical", ["192"], "critical_care", 70,
             (0, 0, 38, 0, 0, 0, 0), .24, .15, -.20)],
    }),
    *_group("Medical Division", {
        "Emergency and Acute Medicine (RXB)": [
            ("Emergency Department (RXB)", "ed", ["180"], "emergency", 140,
             (0, 0, 60, 0, 0, 0, 5200), .26, .14, -.03),
            ("Acute Medicine (RXB)", "acute", ["326", "300"], "acute_medicine", 150,
             (0, 50, 480, 15, 10, 0, 0), .28, .15, -.09)],
        "Medical Specialties (RXB)": [
            ("Gastroenterology (RXB)", "medical", ["301"], "gastroenterology", 45,
             (2, 170, 65, 100, 200, 25, 0), .18, .14, -.05),
            ("Cardiology (RXB)", "medical", ["320"], "cardiology", 65,
             (15, 60, 115, 130, 280, 105, 0), .20, .15, -.11),
            ("Respiratory Medicine (RXB)", "medical", ["340"], "respiratory", 60,
             (0, 25, 150, 80, 200, 25, 0), .22, .12, -.15),
            ("Diabetes and Endocrinology (RXB)", "medical", ["302", "307"], "diabetes", 28,
             (0, 8, 35, 55, 240, 0, 0), .20, .18, -.18),
            ("Haematology and Oncology (RXB)", "oncology", ["303", "370", "800"], "oncology", 60,
             (0, 280, 35, 80, 650, 10, 0), .18, .28, -.07)],
        "Older People's Medicine (RXB)": [
            ("Geriatric Medicine (RXB)", "elderly", ["430", "328", "400"], "elderly", 170,
             (0, 10, 230, 60, 110, 0, 0), .24, .12, -.22)],
    }),
    *_group("Women's, Children's and Diagnostics Division", {
        "Women's and Children's (RXB)": [
            ("Obstetrics and Midwifery (RXB)", "maternity", ["501", "560"], "obstetrics", 150,
             (28, 0, 175, 240, 610, 0, 0), .22, .14, -.16),
            ("Gynaecology (RXB)", "surgical", ["502"], "gynaecology", 36,
             (20, 70, 35, 170, 150, 70, 0), .14, .10, -.04),
            ("Paediatrics (RXB)", "paeds", ["420", "422"], "paediatrics", 95,
             (0, 20, 150, 100, 170, 0, 0), .20, .12, -.13)],
        "Diagnostics and Therapies (RXB)": [
            ("Diagnostic Imaging (RXB)", "imaging", ["812"], "imaging", 90,
             (0, 0, 0, 18, 0, 170, 0), .22, .20, -.02),
            ("Therapies (RXB)", "therapies", ["650", "651", "652", "654"], "therapies", 80,
             (0, 0, 0, 210, 540, 0, 0), .20, .10, -.10),
            ("Pathology (RXB)", "pathology", ["822"], "pathology", 85,
             (0, 0, 0, 10, 50, 0, 0), .16, .18, -.08)],
    }),
    *_group("Corporate Division", {
        "Corporate (RXB)": [
            ("Estates and Facilities (RXB)", "estates", [], None, 170, NO_ACTIVITY, .10, .14, 0),
            ("Finance (RXB)", "finance", [], None, 40, NO_ACTIVITY, .12, .20, 0),
            ("Workforce and OD (RXB)", "hr", [], None, 40, NO_ACTIVITY, .18, .10, 0),
            ("Digital and IT (RXB)", "it", [], None, 55, NO_ACTIVITY, .30, .25, 0)],
    }),
]

# Income (negative) and excluded lines as shares of the month's expenditure: (service kind,
# cost centre, subjective, share, description). The ICB contract is the rest of the trust's
# contract income share.
NHS_ENGLAND_SHARE = .08
TRUST_LINES = [
    ("finance", "Financial Management", "130200", -NHS_ENGLAND_SHARE,
     "NHS England specialised services"),
    ("estates", "Catering", "140100", -.004, "Café, restaurant and car parking income"),
    ("hr", "Learning and Development", "141100", -.012, "Education and training contract income"),
    ("estates", "Management", "590100", .026, "Depreciation charge"),
    ("finance", "Financial Management", "590200", .012, "PDC dividend accrual"),
]
PRIVATE_PATIENTS = ("Trauma and Orthopaedics", "Ophthalmology")
# High-cost drugs and devices passed through to commissioners (excluded from cost), per
# service: subjective and a share of the service's base pay.
PASS_THROUGH = {
    "Clinical Oncology": ("592000", 1.2), "Medical Oncology": ("592000", 1.0),
    "Ophthalmology": ("592000", .5), "Rheumatology": ("592000", 1.5), "Dermatology": ("592000", .8),
    "Gastroenterology": ("592000", .4), "Cardiology": ("592100", .15),
    "Haematology and Oncology (RXB)": ("592000", 1.1), "Ophthalmology (RXB)": ("592000", .4),
    "Cardiology (RXB)": ("592100", .12),
}


@dataclass(frozen=True)
class FileStyle:
    """How one org exports one source: the variety SOURCES.md promises to read."""

    columns: tuple[str, ...]                 # contract and personal columns, in file order
    headers: tuple[str, ...]                 # as the export spells them
    encoding: str = "utf-8"                  # utf-8 | utf-8-sig (BOM) | cp1252
    eol: str = "\n"
    quote_all: bool = False
    period_format: str = "{y}-{m:02d}"
    money: str = "plain"                     # ledger: plain | mixed | accounting
    zero_sickness: str = "0"                 # how ESR writes no sickness


LEDGER_COLUMNS = ("org_code", "period", "cost_centre", "subjective_code", "amount", "description")
WORKFORCE_ESR = ("employee_number", "assignment_number", "employee_name", "ni_number",
                 "date_of_birth", "email", "org_code", "period", "cost_centre", "staff_group",
                 "pay_band", "assignment_category", "contracted_wte", "sickness_fte_days")
WORKFORCE_CONTRACT_FIRST = ("org_code", "period", "assignment_number", "cost_centre", "staff_group",
                            "pay_band", "assignment_category", "contracted_wte",
                            "sickness_fte_days", "employee_name", "ni_number", "date_of_birth",
                            "employee_number", "email")
ACTIVITY_COLUMNS = ("org_code", "period", "pod", "treatment_function_code", "hrg_code",
                    "attendance_status", "los_days", "preop_days", "count", "nhs_number",
                    "local_patient_id", "postcode", "date_of_birth")


def _title(column: str) -> str:
    special = {"ni_number": "NI Number", "contracted_wte": "Contracted WTE",
               "sickness_fte_days": "Sickness FTE Days", "date_of_birth": "Date of Birth"}
    return special.get(column, column.replace("_", " ").title())


STYLES = {
    ("RXA", "ledger"): FileStyle(
        LEDGER_COLUMNS,
        ("  Org_Code ", "PERIOD", "Cost Centre", "Subjective Code", "Amount", "Description"),
        encoding="utf-8-sig", eol="\r\n", money="mixed"),
    ("RXB", "ledger"): FileStyle(
        LEDGER_COLUMNS, tuple(c.upper() for c in LEDGER_COLUMNS), encoding="cp1252",
        money="accounting"),
    ("RXA", "workforce"): FileStyle(WORKFORCE_ESR, tuple(map(_title, WORKFORCE_ESR)), eol="\r\n"),
    ("RXB", "workforce"): FileStyle(
        WORKFORCE_CONTRACT_FIRST, WORKFORCE_CONTRACT_FIRST, encoding="utf-8-sig", quote_all=True,
        period_format="{y}/{m:02d}", zero_sickness=""),
    ("RXA", "activity"): FileStyle(ACTIVITY_COLUMNS, ACTIVITY_COLUMNS),
    ("RXB", "activity"): FileStyle(
        ACTIVITY_COLUMNS, ("Org_Code", "Period", "POD", "Treatment_Function_Code", "HRG_Code",
                           "Attendance_Status", "LOS_Days", "PreOp_Days", "Count", "NHS_Number",
                           "Local_Patient_ID", "Postcode", "Date_of_Birth"),
        eol="\r\n", period_format="{y}-{m:02d}-01"),
}
# Months that arrive differently: (org, source, month) -> how.
XLSX_MONTHS = {("RXA", "workforce", "2023-05")}
FINANCIAL_PERIOD_MONTHS = {("RXB", "ledger", "2023-06")}

# Bad rows a loader must quarantine: (org, source, file month or financial year) -> kinds.
PLANTED = {
    ("RXA", "ledger", "2019-20"): ["unparseable_amount", "missing_cost_centre",
                                   "period_outside_file"],
    ("RXA", "ledger", "2023-04"): ["unquoted_thousands"],
    ("RXB", "ledger", "2023-06"): ["bad_financial_period", "unparseable_amount"],
    ("RXA", "workforce", "2023-04"): ["wte_out_of_range", "wte_out_of_range",
                                      "duplicate_assignment"],
    ("RXA", "workforce", "2023-05"): ["wte_out_of_range", "missing_assignment_number"],
    ("RXB", "workforce", "2019-20"): ["duplicate_assignment", "duplicate_assignment",
                                      "bad_assignment_category"],
    ("RXA", "activity", "2019-20"): ["unknown_pod", "unknown_pod", "non_positive_count"],
    ("RXA", "activity", "2023-05"): ["bad_treatment_function", "missing_hrg_admitted", "bad_period",
                                     "period_outside_file"],
    ("RXB", "activity", "2023-04"): ["bad_attendance_status", "negative_los"],
    ("RXA", "ledger", "2024-11"): ["unparseable_amount"],
    ("RXA", "activity", "2025-07"): ["unknown_pod"],
    ("RXB", "workforce", "2026-01"): ["wte_out_of_range"],
}


@dataclass(frozen=True)
class Trust:
    org: str
    name: str
    domain: str
    cost_centre_prefix: str
    patient_id_prefix: str
    services: list[Service]
    headcount_factor: float                  # calibrates heads to the trust's size
    agency_share: tuple[float, float, float]  # of pay: 2019/20, 2023/24, 2026/27
    productivity_gap_2023: float             # a service's IPc in 2023/24 less its 2026/27 one
    dna_rate: tuple[float, float]            # 2019/20, 2026/27
    remote_share: tuple[float, float]        # non-face-to-face outpatients: 2019/20, 2023/24 on
    pod_mix: dict[int, float]                # change in a POD's share of activity by 2026/27
    nel_los_change: float
    el_los_change: float
    preop_same_day: float
    sickness_rate: float
    contract_income_share: float             # of expenditure: below 1 is a deficit
    # Codes missing from the reference files: (code, description, £ a month, from month) and
    # (treatment function, OPFA, OPFU a month).
    unmapped_cost_centres: tuple[tuple[str, str, float, str], ...] = ()
    unmapped_treatment_functions: tuple[tuple[str, float, float], ...] = ()


TRUSTS = (
    Trust("RXA", "Riverside Acute Hospitals NHS Trust", "rxa.nhs.example", "C1", "RXA",
          RXA_SERVICES, headcount_factor=.85, agency_share=(.035, .05, .03),
          productivity_gap_2023=-.06, dna_rate=(.072, .064), remote_share=(.03, .16),
          pod_mix={DC: .08, EL: -.05, OPFU: -.05, NEL: .04}, nel_los_change=.03, el_los_change=-.10,
          preop_same_day=.86, sickness_rate=.048, contract_income_share=.90,
          unmapped_cost_centres=(("C19990", "Virtual ward set-up costs", 3500, "2024-04"),
                                 ("C19995", "Suspense - awaiting coding", 1200, FIRST_MONTH)),
          unmapped_treatment_functions=(("653", 8, 15),)),
    Trust("RXB", "Northbrook Hospitals NHS Foundation Trust", "rxb.nhs.example", "E4", "NB",
          RXB_SERVICES, headcount_factor=.86, agency_share=(.07, .11, .10),
          productivity_gap_2023=-.05, dna_rate=(.080, .094), remote_share=(.02, .10),
          pod_mix={DC: .02, OPFU: .05, NEL: .06}, nel_los_change=.12, el_los_change=.02,
          preop_same_day=.72, sickness_rate=.058, contract_income_share=.86),
)

PEERS = (  # code, name, IPc in 2026/27, yearly improvement
    ("R1A", "Ashbourne Vale Hospitals NHS Trust", .035, .015),
    ("R1B", "Kestrel Bay University Hospitals NHS Foundation Trust", -.005, .020),
    ("R1C", "Northmere Hospitals NHS Trust", -.045, .012),
    ("R1D", "Wychcombe and District NHS Foundation Trust", -.085, .010),
)

FORENAMES = ["Olivia", "Amelia", "Isla", "Ava", "Mia", "Sophia", "Grace", "Lily", "Freya", "Emily",
             "Ivy", "Ella", "Rosie", "Evie", "Florence", "Poppy", "Charlotte", "Willow", "Daisy",
             "Sienna", "Oliver", "George", "Noah", "Arthur", "Harry", "Leo", "Muhammad", "Jack",
             "Charlie", "Oscar", "Jacob", "Henry", "Thomas", "Freddie", "Alfie", "Theo", "William",
             "Archie", "Joshua", "Priya", "Aisha", "Fatima", "Zainab", "Chidi", "Kwame", "Tomasz",
             "Agnieszka", "Mateusz", "Siobhan", "Ciaran", "Niamh", "Rhys", "Cerys", "Dylan",
             "Megan", "Anjali", "Rohan", "Wei", "Mei", "Zoë"]
SURNAMES = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
            "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green",
            "Hall", "Thomas", "Clarke", "Jackson", "Wood", "Harris", "Edwards", "Turner", "Martin",
            "Cooper", "Hill", "Ward", "Hughes", "Moore", "Clark", "King", "Harrison", "Lewis",
            "Baker", "Lee", "Allen", "Morris", "Khan", "Scott", "Watson", "Davis", "Parker",
            "James", "Bennett", "Young", "Phillips", "Richardson", "Mitchell", "Bailey", "Carter",
            "Cook", "Singh", "Shaw", "Bell", "Collins", "Morgan", "Kelly", "Begum", "Miller", "Cox",
            "Hussain", "Marshall", "Simpson", "Price", "Anderson", "Adams", "Wilkinson", "Ali",
            "Ahmed", "Foster", "Ellis", "Murphy", "Chapman", "Mason", "Gray", "Richards", "Webb",
            "Griffiths", "Okafor", "Nowak", "O'Brien", "Nguyen", "Mensah", "Owusu", "Chen", "Kaur",
            "Sharma"]
NI_PREFIXES = ["AB", "CE", "GH", "JL", "KM", "NP", "RS", "TW", "WX", "YZ", "HB", "PE"]
POSTCODE_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))

# fmt: on

# --- the model of one trust ---------------------------------------------------------------


@dataclass
class CostCentre:
    code: str
    name: str
    service: int  # index into the trust's services
    cc_type: str
    headcount: float  # substantive heads in 2019/20 at scale 1
    non_pay_mix: dict[str, float]


class TrustModel:
    """One trust's structure, expected costs and staff pool, for one seed and scale."""

    def __init__(self, trust: Trust, org_index: int, seed: int, scale: float):
        self.trust, self.org_index, self.seed, self.scale = trust, org_index, seed, scale
        self.services = trust.services
        self.cost_centres = self._lay_out_cost_centres()
        self.cc_service = np.array([c.service for c in self.cost_centres])
        self.cc_heads = np.array([c.headcount for c in self.cost_centres])
        self.cc_codes = [c.code for c in self.cost_centres]
        # What activity is drawn for: the services, and clinics coded to treatment functions
        # that the specialty map leaves out (no staff, no cost, steady volumes).
        self.activity_units = self.services + [
            Service(f"Clinic {code}", "", "", "therapies", (code,), "therapies", 0,
                    (0, 0, 0, first, follow_up, 0, 0), 0, 0, 0)
            for code, first, follow_up in trust.unmapped_treatment_functions]
        self.tfc_vocab = sorted({t for unit in self.activity_units for t in unit.tfcs})

    def rng(self, source: str, index: int | None) -> np.random.Generator:
        year, month = year_month(index) if index is not None else POOL_MONTH
        return np.random.default_rng([self.seed, self.org_index, SOURCE_INDEX[source], year, month])

    # structure ----------------------------------------------------------------------------

    def _lay_out_cost_centres(self) -> list[CostCentre]:
        centres: list[CostCentre] = []
        ward_names = iter(WARD_NAMES * 4)
        ward_number = 1
        for service_index, service in enumerate(self.services):
            heads = service.headcount * self.trust.headcount_factor
            template = [
                line
                for line in CC_TEMPLATES[service.kind]
                if line[2] * heads >= SMALLEST_COST_CENTRE
            ]
            total_share = sum(share for _, _, share in template)
            number = 1
            for label, cc_type, share in template:
                line_heads = heads * share / total_share
                copies = max(1, round(line_heads / WARD_SIZE)) if cc_type == "ward" else 1
                for _ in range(copies):
                    name = label
                    if cc_type == "ward":
                        name = f"Ward {ward_number} ({next(ward_names)})"
                        ward_number += 1
                    mix = NON_PAY_MIX["finance" if service.kind == "finance" else cc_type]
                    code = f"{self.trust.cost_centre_prefix}{service_index + 1:02d}{number:02d}"
                    centres.append(
                        CostCentre(
                            code,
                            f"{service.name} - {name}",
                            service_index,
                            cc_type,
                            line_heads / copies,
                            mix,
                        )
                    )
                    number += 1
        return centres

    @cached_property
    def first_centre(self) -> dict[int, int]:
        """Service -> its first cost centre, where service-wide lines post."""
        first: dict[int, int] = {}
        for cc, centre in enumerate(self.cost_centres):
            first.setdefault(centre.service, cc)
        return first

    def centre_of(self, kind: str, label: str) -> int:
        """The cost centre `label` of the trust's service of a kind (Finance, Estates, ...)."""
        service = next(i for i, s in enumerate(self.services) if s.kind == kind)
        return next((cc for cc, c in enumerate(self.cost_centres)
                     if c.service == service and c.name.endswith(f" - {label}")),
                    self.first_centre[service])

    # expected costs, for setting activity ---------------------------------------------------

    @cached_property
    def base_costs(self) -> dict[str, np.ndarray]:
        """Per service, real monthly pay, agency-eligible pay and non-pay in 2019/20 at scale 1."""
        n = len(self.services)
        pay, eligible = np.zeros(n), np.zeros(n)
        for centre in self.cost_centres:
            substantive, bank = expected_pay_per_head(centre.cc_type)
            pay[centre.service] += centre.headcount * (substantive + bank)
            if centre.cc_type in AGENCY_TYPES:
                eligible[centre.service] += centre.headcount * substantive
        non_pay = np.array([NON_PAY_RATIO[s.kind] for s in self.services]) * pay
        return {"pay": pay, "eligible": eligible, "non_pay": non_pay}

    def staff_index(self, t) -> np.ndarray:
        """(services,) headcount index at t years."""
        return np.array(
            [trend(t, 1 + 0.7 * s.staff_growth, 1 + s.staff_growth, 0.01) for s in self.services]
        )

    def non_pay_index(self, t) -> np.ndarray:
        return np.array(
            [
                trend(t, 1 + 0.8 * s.non_pay_growth, 1 + s.non_pay_growth, 0.015)
                for s in self.services
            ]
        )

    def agency_share(self, t) -> float:
        base, at_2023, at_2026 = self.trust.agency_share
        return float(base * trend(t, at_2023 / base, at_2026 / base))

    def real_cost_index(self, t: float) -> np.ndarray:
        costs = self.base_costs
        agency_base = self.agency_share(0) * AGENCY_ON_ELIGIBLE * costs["eligible"]
        staff = self.staff_index(t)
        now = (
            costs["pay"] * staff
            + self.agency_share(t) * AGENCY_ON_ELIGIBLE * costs["eligible"] * staff
            + costs["non_pay"] * self.non_pay_index(t)
        )
        return now / (costs["pay"] + agency_base + costs["non_pay"])

    def productivity(self, t: float) -> np.ndarray:
        """(services,) designed IPc at t: 0 in 2019/20, lower in 2023/24, the design by 2026/27."""
        end = np.array([s.productivity for s in self.services])
        start = end + self.trust.productivity_gap_2023
        if t < 1:
            return np.zeros_like(end)
        if t < 4:
            return start * (t - 1) / 3
        return start + (end - start) * min(1.0, (t - 4) / 3.5)

    # staff pool -----------------------------------------------------------------------------

    @cached_property
    def pool(self) -> StaffPool:
        return StaffPool(self)

    def headcount_targets(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """(substantive, bank) heads per cost centre in a month."""
        t = index / 12
        growth = self.staff_index(t)[self.cc_service]
        substantive = self.cc_heads * self.scale * growth
        bank = substantive * np.array([BANK_SHARE.get(c.cc_type, 0.02) for c in self.cost_centres])
        return (
            np.floor(substantive + self.rounding[0]).astype(int),
            np.floor(bank + self.rounding[1]).astype(int),
        )

    @cached_property
    def rounding(self) -> tuple[np.ndarray, np.ndarray]:
        # Fractions of a head round up or down by a fixed draw per cost centre, so a small
        # scale keeps the trust's shape on average and headcounts move only with growth.
        return tuple(
            np.array([_stable_unit(kind, c.code) for c in self.cost_centres])
            for kind in ("substantive", "bank")
        )

    # activity ---------------------------------------------------------------------------------

    @cached_property
    def base_prices(self) -> np.ndarray:
        return self.hrg_design.expected_price(0)

    @cached_property
    def hrg_design(self) -> HrgDesign:
        return HrgDesign(self)

    def activity_index(self, t: float) -> np.ndarray:
        """(activity units,) growth of cost-weighted activity: real cost growth x (1 + IPc)."""
        services = self.real_cost_index(t) * (1 + self.productivity(t))
        return np.concatenate([services, np.ones(len(self.activity_units) - len(self.services))])

    def expected_activity(self, index: int) -> np.ndarray:
        """(activity units, PODs) attended activity expected in a month, at this scale."""
        t = index / 12
        base = np.array([s.volumes for s in self.activity_units], dtype=float)
        tilt = np.ones(len(PODS))
        for pod, change in self.trust.pod_mix.items():
            tilt[pod] += change * progress(t)
        price_then = self.base_prices  # (services, PODs)
        price_now = self.hrg_design.expected_price(t)
        cwa_base = (base * price_then).sum(axis=1)
        cwa_mix = (base * tilt * price_now).sum(axis=1)
        activity_index = self.activity_index(t)
        volume = np.divide(
            activity_index * cwa_base, cwa_mix, out=np.zeros_like(cwa_base), where=cwa_mix > 0
        )
        _, month = year_month(index)
        return base * tilt * volume[:, None] * SEASON[month - 1] * self.scale

    def outpatient_rates(self, index: int) -> tuple[float, float]:
        """(DNA, cancelled) shares of outpatient appointments booked."""
        start, end = self.trust.dna_rate
        return start + (end - start) * progress(index / 12), 0.05

    def remote_share(self, t: float) -> float:
        before, after = self.trust.remote_share
        return before if t < 1 else after if t >= 4 else before + (after - before) * (t - 1) / 3


class HrgDesign:
    """The HRGs each service codes per POD, their shares and base-year prices."""

    def __init__(self, model: TrustModel):
        self.model = model
        vocabulary: dict[str, int] = {"": 0}
        options: dict[tuple[int, int], list[tuple[str, float]]] = {}
        for s, service in enumerate(model.activity_units):
            family = HRG_FAMILIES.get(service.hrg_family or "", {})
            for pod in (EL, DC, NEL, OPPROC):
                if service.volumes[pod] <= 0:
                    continue
                if pod not in family:
                    raise ValueError(
                        f"{service.name}: no {PODS[pod]} HRGs in family {service.hrg_family}"
                    )
                roots = _weighted_roots(family[pod])
                total = sum(w for _, w in roots)
                codes = [
                    (root + suffix, w / total * share)
                    for root, w in roots
                    for suffix, (share, _) in HRG_SUFFIXES[pod].items()
                ]
                options[(s, pod)] = codes
                for code, _ in codes:
                    vocabulary.setdefault(code, len(vocabulary))
        for pod in (OPFA, OPFU):
            for code, _ in OUTPATIENT_HRGS[pod]:
                vocabulary.setdefault(code, len(vocabulary))
        for code, _, _ in AE_HRGS:
            vocabulary.setdefault(code, len(vocabulary))
        self.vocabulary = list(vocabulary)
        self.code_index = vocabulary
        self.options = options

    @staticmethod
    def price(pod: int, code: str) -> float | None:
        """Base-year unit cost of (POD, HRG) in unit_costs.csv, else the POD's default."""
        listed = unit_cost_table()
        return listed.get((PODS[pod], code), listed.get((PODS[pod], "*")))

    def outpatient_shares(self, pod: int, t: float) -> list[float]:
        remote = self.model.remote_share(t)
        return [
            1 - remote - MULTIPROFESSIONAL_SHARE - NO_HRG_SHARE,
            MULTIPROFESSIONAL_SHARE,
            remote,
            NO_HRG_SHARE,
        ]

    def choices(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        """(services * PODs, K) HRG vocabulary indices and cumulative shares, for one month."""
        groups: dict[int, list[tuple[str, float]]] = {}
        for (s, pod), codes in self.options.items():
            groups[s * len(PODS) + pod] = codes
        for s in range(len(self.model.activity_units)):
            for pod in (OPFA, OPFU):
                groups[s * len(PODS) + pod] = list(
                    zip((c for c, _ in OUTPATIENT_HRGS[pod]), self.outpatient_shares(pod, t))
                )
            groups[s * len(PODS) + AE] = [(c, share) for c, _, share in AE_HRGS]
        width = max(len(v) for v in groups.values())
        index = np.zeros((len(self.model.activity_units) * len(PODS), width), dtype=np.int32)
        cumulative = np.ones_like(index, dtype=float)
        for group, codes in groups.items():
            shares = np.array([w for _, w in codes])
            index[group, : len(codes)] = [self.code_index[c] for c, _ in codes]
            cumulative[group, : len(codes)] = np.cumsum(shares / shares.sum())
            cumulative[group, len(codes) - 1 :] = 1.0
        return index, cumulative

    def expected_price(self, t: float) -> np.ndarray:
        """(services, PODs) mean base-year price of an attended unit, unpriced codes as 0."""
        prices = np.zeros((len(self.model.activity_units), len(PODS)))
        for (s, pod), codes in self.options.items():
            prices[s, pod] = sum(w * (self.price(pod, c) or 0) for c, w in codes)
        for s in range(len(self.model.activity_units)):
            for pod in (OPFA, OPFU):
                shares = self.outpatient_shares(pod, t)
                prices[s, pod] = sum(
                    w * self.price(pod, c) for (c, _), w in zip(OUTPATIENT_HRGS[pod], shares)
                )
            prices[s, AE] = sum(share * self.price(AE, c) for c, _, share in AE_HRGS)
        return prices


def _weighted_roots(roots: list[str]) -> list[tuple[str, float]]:
    """HRG roots with their weights: each less common than the one before, or as written."""
    return [(r.split(":")[0], float(r.split(":")[1]) if ":" in r else 0.7**i)
            for i, r in enumerate(roots)]


@cache
def unit_cost_table() -> dict[tuple[str, str], float]:
    """(POD, HRG) -> base-year unit cost, '*' the POD default: what unit_costs.csv holds."""
    every_code = {(pod, root + suffix) for family in HRG_FAMILIES.values()
                  for pod, roots in family.items() for root, _ in _weighted_roots(roots)
                  for suffix in HRG_SUFFIXES[pod]}
    table: dict[tuple[str, str], float] = {}
    for pod, price in DEFAULT_PRICE.items():
        table[(PODS[pod], "*")] = float(price)
    for pod, code in sorted(every_code):
        if (pod, code[:4]) in UNLISTED_ROOTS or code in UNPRICED_HRGS:
            continue
        factor = HRG_SUFFIXES[pod][code[4]][1]
        root_price = HRG_BASE_PRICE[pod] * (0.85 + 0.3 * _stable_unit("price", pod, code[:4]))
        table[(PODS[pod], code)] = float(round(root_price * factor))
    for pod, codes in OUTPATIENT_HRGS.items():
        for code, price in codes:
            if code:
                table[(PODS[pod], code)] = float(price)
    for code, price, _ in AE_HRGS:
        if code:
            table[("AE", code)] = float(price)
    return table


class StaffPool:
    """Slots (a cost centre and a role) and the people who fill them over the horizon.

    A slot is filled in a month when its rank is below the cost centre's headcount target, so
    growth opens new slots; turnover replaces a slot's occupant, who brings a new assignment.
    """

    def __init__(self, model: TrustModel):
        rng = model.rng("workforce", None)
        # Slots enough for the horizon's last month: headcounts only grow.
        most = model.headcount_targets(HORIZON - 1)
        slot_cc, slot_rank, slot_bank, slot_role = [], [], [], []
        for bank, counts in zip((False, True), most):
            for cc, count in enumerate(counts):
                if count == 0:
                    continue
                mix = STAFF_MIX[model.cost_centres[cc].cc_type]
                shares = np.array([share for *_, share in mix])
                roles = rng.choice(len(mix), size=count, p=shares / shares.sum())
                slot_cc.append(np.full(count, cc))
                slot_rank.append(np.arange(count))
                slot_bank.append(np.full(count, bank))
                slot_role.append(
                    np.array([ROLE_INDEX[(mix[r][0], mix[r][1])] for r in roles], dtype=int)
                )
        empty = np.zeros(0, dtype=int)
        self.slot_cc = np.concatenate(slot_cc) if slot_cc else empty
        self.slot_rank = np.concatenate(slot_rank) if slot_rank else empty
        self.slot_bank = np.concatenate(slot_bank) if slot_bank else empty.astype(bool)
        self.slot_role = np.concatenate(slot_role) if slot_role else empty
        slots = len(self.slot_cc)

        turnover = np.array(
            [MONTHLY_TURNOVER.get(ROLES[r][1], DEFAULT_TURNOVER) for r in self.slot_role]
        )
        turnover = np.where(self.slot_bank, BANK_TURNOVER, turnover)
        leaves = rng.random((slots, HORIZON)) < turnover[:, None]
        leaves[:, 0] = False
        self.occupant = np.cumsum(leaves, axis=1, dtype=np.int32)
        people_per_slot = self.occupant[:, -1] + 1
        self.first_person = np.concatenate([[0], np.cumsum(people_per_slot)[:-1]]).astype(int)
        people = int(people_per_slot.sum())
        person_slot = np.repeat(np.arange(slots), people_per_slot)

        # Who they are: what real extracts carry, and the loader must never store.
        self.employee_number = (
            10_000_000 + model.org_index * 40_000_000 + np.cumsum(rng.integers(1, 400, people))
        )
        self.employee_number = rng.permutation(self.employee_number)
        suffix = rng.choice([1, 2, 3], size=people, p=[0.9, 0.08, 0.02])
        forename = rng.integers(0, len(FORENAMES), people)
        surname = rng.integers(0, len(SURNAMES), people)
        self.assignment_number = np.array(
            [f"{e}-{s}" for e, s in zip(self.employee_number, suffix)], dtype=object
        )
        self.name = np.array(
            [f"{FORENAMES[f]} {SURNAMES[s]}" for f, s in zip(forename, surname)], dtype=object
        )
        domain = model.trust.domain
        self.email = np.array(
            [
                f"{FORENAMES[f]}.{SURNAMES[s]}{e % 1000}@{domain}".lower().replace("'", "")
                for f, s, e in zip(forename, surname, self.employee_number)
            ],
            dtype=object,
        )
        ni_digits = rng.integers(0, 1_000_000, people)
        ni_prefix = rng.integers(0, len(NI_PREFIXES), people)
        ni_suffix = rng.integers(0, 4, people)
        self.ni_number = np.array(
            [
                f"{NI_PREFIXES[p]}{d:06d}{'ABCD'[x]}"
                for p, d, x in zip(ni_prefix, ni_digits, ni_suffix)
            ],
            dtype=object,
        )
        born = np.datetime64("1952-01-01") + rng.integers(0, 19_000, people).astype(
            "timedelta64[D]"
        )
        self.date_of_birth = np.datetime_as_string(born).astype(object)

        role = self.slot_role[person_slot]
        wte = np.empty(people)
        for kind, (values, weights) in CONTRACT_WTE.items():
            chosen = np.array([_role_kind(ROLES[r][1]) == kind for r in role])
            wte[chosen] = rng.choice(values, size=int(chosen.sum()), p=weights)
        self.contracted_wte = wte
        junior = np.array([ROLES[r][1] in JUNIOR_DOCTORS for r in role])
        self.fixed_term = junior | (rng.random(people) < FIXED_TERM_SHARE)
        self.sickness_prone = rng.gamma(2.0, 0.5, people)  # mean 1: some people are off more


@dataclass
class WorkforceMonth:
    table: pa.Table  # file columns, as text
    cc: np.ndarray  # per row: cost centre index
    role: np.ndarray
    bank: np.ndarray
    wte: np.ndarray


def workforce_month(model: TrustModel, index: int) -> WorkforceMonth:
    pool, rng = model.pool, model.rng("workforce", index)
    substantive, bank = model.headcount_targets(index)
    target = np.where(pool.slot_bank, bank[pool.slot_cc], substantive[pool.slot_cc])
    filled = pool.slot_rank < target
    works = rng.random(len(filled)) < BANK_WORKS_IN_MONTH
    filled &= ~pool.slot_bank | works
    slots = np.flatnonzero(filled)
    person = pool.first_person[slots] + pool.occupant[slots, min(index, HORIZON - 1)]
    is_bank = pool.slot_bank[slots]
    wte = np.where(
        is_bank, np.round(rng.uniform(*BANK_WTE_RANGE, len(slots)), 2), pool.contracted_wte[person]
    )

    year, month = year_month(index)
    days = DAYS_IN_MONTH[month - 1]
    winter = 1.25 if month in (12, 1, 2) else 0.92
    # Mean FTE days lost = rate x WTE x days; a fifth of staff are off in a month, for longer.
    off = rng.random(len(slots)) < 0.2
    days_lost = (
        rng.gamma(1.3, 1.0, len(slots)) * model.trust.sickness_rate * days * winter / 0.2 / 1.3
    )
    sickness = np.minimum(
        np.round(off * days_lost * pool.sickness_prone[person] * wte, 2), np.floor(days * wte)
    )
    sickness_text = pc.cast(pa.array(sickness), pa.string())
    style = STYLES[(model.trust.org, "workforce")]
    sickness_text = pc.if_else(pa.array(sickness == 0), style.zero_sickness, sickness_text)
    sickness_text = pc.if_else(pa.array(is_bank), "", sickness_text)

    category = np.where(
        is_bank, "Bank", np.where(pool.fixed_term[person], "Fixed Term Temp", "Permanent")
    )
    role = pool.slot_role[slots]
    cc = pool.slot_cc[slots]
    columns = {
        "org_code": model.trust.org,
        "period": style.period_format.format(y=year, m=month),
        "assignment_number": pool.assignment_number[person],
        "cost_centre": np.array(model.cc_codes, dtype=object)[cc],
        "staff_group": np.array([g for g, _ in ROLES], dtype=object)[role],
        "pay_band": np.array([b for _, b in ROLES], dtype=object)[role],
        "assignment_category": category,
        "contracted_wte": pc.cast(pa.array(wte), pa.string()),
        "sickness_fte_days": sickness_text,
        "employee_name": pool.name[person],
        "ni_number": pool.ni_number[person],
        "date_of_birth": pool.date_of_birth[person],
        "employee_number": pool.employee_number[person].astype(str),
        "email": pool.email[person],
    }
    table = _text_table(columns, len(slots), style.columns)
    order = np.argsort(pool.employee_number[person], kind="stable")  # ESR lists by employee
    return WorkforceMonth(
        table.take(pa.array(order)), cc[order], role[order], is_bank[order], wte[order]
    )


def _text_table(columns: dict[str, object], rows: int, order: tuple[str, ...]) -> pa.Table:
    arrays = {}
    for name in order:
        value = columns.get(name, "")
        if isinstance(value, str):
            arrays[name] = pa.array(np.full(rows, value, dtype=object), pa.string())
        elif isinstance(value, (pa.Array, pa.ChunkedArray)):
            arrays[name] = value
        else:
            arrays[name] = pa.array(np.asarray(value, dtype=object), pa.string())
    return pa.table(arrays)


# --- ledger ----------------------------------------------------------------------------------


@dataclass
class LedgerMonth:
    cost_centre: list[str]
    subjective: list[str]
    amount: np.ndarray  # £, nominal, to the penny
    description: list[str]


def ledger_month(model: TrustModel, index: int, staff: WorkforceMonth) -> LedgerMonth:
    """One month's actuals: pay from the month's staff, agency, non-pay, income, exclusions."""
    rng = model.rng("ledger", index)
    trust, centres, scale = model.trust, model.cost_centres, model.scale
    t = index / 12
    year, month = year_month(index)
    pay_prices, non_pay_prices = deflator(index, True), deflator(index, False)
    payroll = f"Payroll {date(year, month, 1):%b %Y}"
    lines: dict[tuple[int, str], float] = {}
    descriptions: dict[tuple[int, str], str] = {}

    def add(cc: int, code: str, amount: float, description: str) -> None:
        lines[(cc, code)] = lines.get((cc, code), 0.0) + amount
        descriptions[(cc, code)] = description

    # Pay: the month's people at their band cost; enhancements and overtime vary a little.
    enhancement = np.array([ENHANCEMENT.get(c.cc_type, 1.0) for c in centres])
    real = staff.wte * ROLE_COST[staff.role] * enhancement[staff.cc]
    subjective = np.where(staff.bank, ROLE_BANK_CODE[staff.role], ROLE_SUBSTANTIVE_CODE[staff.role])
    substantive = np.bincount(staff.cc, np.where(staff.bank, 0, real), minlength=len(centres))
    width = len(SUBJECTIVE_CODES)
    sums = np.bincount(staff.cc * width + subjective, real, minlength=len(centres) * width)
    paid = np.flatnonzero(sums)
    for key, wobble in zip(paid, rng.normal(1.0, 0.015, len(paid))):
        cc, code = divmod(int(key), width)
        add(cc, SUBJECTIVE_CODES[code], sums[key] * wobble * pay_prices, payroll)

    # Agency fills gaps on the wards and rotas: not every cost centre, not every month.
    share = model.agency_share(t) * AGENCY_ON_ELIGIBLE / AGENCY_PRESENT
    present = rng.random(len(centres)) < AGENCY_PRESENT
    size = rng.lognormal(-0.045, 0.3, len(centres))
    for cc, centre in enumerate(centres):
        code = AGENCY_TYPES.get(centre.cc_type)
        if code and present[cc] and substantive[cc] > 0:
            amount = substantive[cc] * share * size[cc] * pay_prices
            add(cc, code, amount, "Agency invoices and accruals")

    # Non-pay: the service's budget spread over its cost centres, lumpy month to month.
    costs, growth = model.base_costs, model.non_pay_index(t)
    weight = np.array([NON_PAY_WEIGHT[c.cc_type] * c.headcount for c in centres])
    service_weight = np.bincount(model.cc_service, weight, minlength=len(model.services))
    service = model.cc_service
    budget = (costs["non_pay"] * growth)[service] * weight / service_weight[service]
    budget *= scale * NON_PAY_SEASON[month - 1] * non_pay_prices
    for cc, centre in enumerate(centres):
        for code, part in centre.non_pay_mix.items():
            add(cc, code, budget[cc] * part * rng.lognormal(-0.0072, 0.12),
                SUBJECTIVE_DESCRIPTION[code])

    # Income and the lines the calculation leaves out: they must be there, and be ignored.
    expenditure = sum(lines.values())
    wobble = rng.normal(1, 0.02, len(TRUST_LINES) + 2)
    contract = -(trust.contract_income_share - NHS_ENGLAND_SHARE)
    for (kind, label, code, part, text), noise in zip(
            [("finance", "Financial Management", "130100", contract, "Contract income - ICB block"),
             *TRUST_LINES], wobble):
        add(model.centre_of(kind, label), code, expenditure * part * noise, text)
    if month == 3 and year in (2024, 2025):
        add(model.centre_of("estates", "Management"), "590300", expenditure * 0.04,
            "Impairment on revaluation")
    if (year, month) == (2020, 3) or (2023, 4) <= (year, month) <= (2023, 9):
        part = 0.005 if year == 2020 else 0.001
        add(model.centre_of("finance", "Financial Management"), "591000",
            expenditure * part * wobble[-1], "COVID-19 costs")
    for s, service in enumerate(model.services):
        first = model.first_centre[s]
        if service.name in PASS_THROUGH:
            code, ratio = PASS_THROUGH[service.name]
            amount = costs["pay"][s] * ratio * scale * 1.08**t * rng.lognormal(0, 0.1)
            add(first, code, amount, SUBJECTIVE_DESCRIPTION[code])
        if service.name.startswith(PRIVATE_PATIENTS):
            amount = -costs["pay"][s] * 0.01 * scale * rng.lognormal(0, 0.2)
            add(first, "142100", amount, "Private patient income")

    keys = list(lines)
    cost_centre = [model.cc_codes[cc] for cc, _ in keys]
    subjective_codes = [code for _, code in keys]
    description = [descriptions[k] for k in keys]
    amount = [lines[k] for k in keys]
    # Cost centres missing from the hierarchy: small, so the check reports without blocking.
    for code, text, monthly, since in trust.unmapped_cost_centres:
        if index >= month_index(since):
            cost_centre.append(code)
            subjective_codes.append("522100")
            description.append(text)
            amount.append(monthly * scale * rng.uniform(0.3, 1.7) * non_pay_prices)
    rounded = np.round(np.array(amount), 2)
    order = sorted(np.flatnonzero(rounded), key=lambda i: (cost_centre[i], subjective_codes[i]))
    return LedgerMonth([cost_centre[i] for i in order], [subjective_codes[i] for i in order],
                       rounded[order], [description[i] for i in order])


def format_money(amounts: np.ndarray, style: str, rng: np.random.Generator) -> list[str]:
    """Amounts as a finance export spells them: `accounting` £1,234.50 and (£1,234.50); `mixed`
    (several reports pasted together) £1,234.50, 1234.50, (1,234.50) and -1234.5."""
    out = []
    for value, pick in zip(amounts, rng.random(len(amounts))):
        plain, grouped = f"{value:.2f}", f"{abs(value):,.2f}"
        if style == "accounting":
            out.append(f"(£{grouped})" if value < 0 else f"£{grouped}")
        elif style == "mixed" and value < 0:
            out.append(f"({grouped})" if pick < 0.5 else plain.rstrip("0").rstrip("."))
        elif style == "mixed":
            out.append(f"£{grouped}" if pick < 0.4 else plain)
        else:
            out.append(plain)
    return out


# --- activity ----------------------------------------------------------------------------


def _nhs_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """Ten digits in the 999 range kept for test data, with a valid modulus-11 check digit."""
    digits = np.zeros((n, 9), dtype=np.int64)
    digits[:, :3] = 9
    todo = np.arange(n)
    check = np.zeros(n, dtype=np.int64)
    while len(todo):
        digits[todo, 3:] = rng.integers(0, 10, (len(todo), 6))
        total = (digits[todo] * np.arange(10, 1, -1)).sum(axis=1)
        value = (11 - total % 11) % 11
        check[todo] = value
        todo = todo[value == 10]
    return (digits * 10 ** np.arange(9, 0, -1)).sum(axis=1) + check


def activity_month(model: TrustModel, index: int) -> pa.Table:
    """One month's spells and appointments (record level) and A&E attendances (aggregated)."""
    rng = model.rng("activity", index)
    design, trust, units = model.hrg_design, model.trust, model.activity_units
    t = index / 12
    year, month = year_month(index)
    first_of_month = np.datetime64(f"{year}-{month:02d}-01")

    attended = model.expected_activity(index)                      # (units, PODs)
    dna, cancelled = model.outpatient_rates(index)
    booked = 1 - dna - cancelled
    expected = np.zeros((*attended.shape, 3))                      # attended, dna, cancelled
    expected[:, :, 0] = attended
    expected[:, OUTPATIENT, 1] = attended[:, OUTPATIENT] * dna / booked
    expected[:, OUTPATIENT, 2] = attended[:, OUTPATIENT] * cancelled / booked
    counts = rng.poisson(expected)
    counts[:, AE, :] = 0                                           # A&E comes aggregated

    # Record level: one row per spell or appointment.
    unit_of, pod_of, status_of = np.nonzero(counts)
    n = counts[unit_of, pod_of, status_of]
    unit, pod = np.repeat(unit_of, n), np.repeat(pod_of, n)
    status = np.repeat(np.where(np.isin(pod_of, OUTPATIENT), status_of + 1, 0), n)  # 0: blank
    rows = len(unit)
    hrg_index, hrg_cumulative = design.choices(t)
    group = unit * len(PODS) + pod
    hrg = hrg_index[group, _pick(rng, hrg_cumulative[group])]
    tfc_options, tfc_cumulative = _tfc_table(model)
    tfc = tfc_options[unit, _pick(rng, tfc_cumulative[unit])]

    patients = [PATIENTS.get(u.kind, (18, 90, 1.0, 1.0)) for u in units]
    nel_mean = np.array([p[2] for p in patients]) * (1 + trust.nel_los_change * progress(t))
    el_mean = np.array([p[3] for p in patients]) * (1 + trust.el_los_change * progress(t))
    los = np.full(rows, -1)                                        # -1: blank
    is_nel, is_el = pod == NEL, pod == EL
    los[is_nel] = rng.geometric(1 / (nel_mean[unit[is_nel]] + 1)) - 1
    los[is_el] = rng.geometric(1 / np.maximum(el_mean[unit[is_el]], 1.0))
    los[pod == DC] = 0
    later = np.where(rng.random(rows) < 0.8, 1, rng.integers(2, 5, rows))
    preop_days = np.where(rng.random(rows) < trust.preop_same_day, 0, later)
    preop = np.full(rows, -1)
    given = is_el & (rng.random(rows) >= 0.1)                      # optional: often not coded
    preop[given] = np.minimum(preop_days[given], los[given])

    # Who the patients are: personal data the loader must drop on read.
    low = np.array([p[0] for p in patients])[unit] * 365
    high = np.array([p[1] for p in patients])[unit] * 365 + 365
    born = first_of_month - rng.integers(low, high).astype("timedelta64[D]")
    postcode = pc.binary_join_element_wise(
        _numbers("RX", rng.integers(1, 20, rows)),
        _numbers("", rng.integers(0, 10, rows), POSTCODE_LETTERS[rng.integers(0, 20, (rows, 2))]),
        " ")
    style = STYLES[(trust.org, "activity")]
    records = _text_table({
        "org_code": trust.org,
        "period": style.period_format.format(y=year, m=month),
        "pod": pa.array(list(PODS)).take(pa.array(pod)),
        "treatment_function_code": pa.array(model.tfc_vocab).take(pa.array(tfc)),
        "hrg_code": pa.array(design.vocabulary).take(pa.array(hrg)),
        "attendance_status": pa.array(["", "attended", "dna", "cancelled"]).take(pa.array(status)),
        "los_days": _numbers("", los),
        "preop_days": _numbers("", preop),
        "count": "1",
        "nhs_number": _numbers("", _nhs_numbers(rng, rows)),
        "local_patient_id": pc.binary_join_element_wise(
            trust.patient_id_prefix,
            pc.utf8_lpad(_numbers("", rng.integers(0, 10_000_000, rows)), 7, "0"), ""),
        "postcode": postcode,
        "date_of_birth": pc.cast(pa.array(born.astype("datetime64[D]")), pa.string()),
    }, rows, style.columns)

    # A&E: one row per HRG and its count, as departments' returns are made.
    aggregated = []
    shares = np.array([share for *_, share in AE_HRGS])
    for u in np.flatnonzero(attended[:, AE] > 0):
        by_hrg = rng.multinomial(rng.poisson(attended[u, AE]), shares)
        aggregated += [(u, code, count) for (code, *_), count in zip(AE_HRGS, by_hrg) if count]
    if aggregated:
        records = pa.concat_tables([records, _text_table({
            "org_code": trust.org,
            "period": style.period_format.format(y=year, m=month),
            "pod": "AE",
            "treatment_function_code": [units[u].tfcs[0] for u, _, _ in aggregated],
            "hrg_code": [code for _, code, _ in aggregated],
            "count": [str(count) for *_, count in aggregated],
        }, len(aggregated), style.columns)])
    # Extracts list spells in discharge order, not by service.
    return records.take(pa.array(rng.permutation(records.num_rows)))


def _numbers(prefix: str, values: np.ndarray, letters: np.ndarray | None = None) -> pa.Array:
    """Whole numbers as text after a prefix (negative: blank), then any letters per row."""
    values = np.asarray(values)
    text = pc.fill_null(pc.cast(pa.array(values, mask=values < 0), pa.string()), "")
    parts = [text] + ([pa.array(letters[:, i]) for i in range(letters.shape[1])]
                      if letters is not None else [])
    joined = pc.binary_join_element_wise(*parts, "") if len(parts) > 1 else text
    return pc.binary_join_element_wise(prefix, joined, "") if prefix else joined


def _pick(rng: np.random.Generator, cumulative: np.ndarray) -> np.ndarray:
    """An option per row from its row of cumulative shares (padding holds 1.0)."""
    u = rng.random(len(cumulative))
    return (u[:, None] >= cumulative).sum(axis=1)


def _tfc_table(model: TrustModel) -> tuple[np.ndarray, np.ndarray]:
    """(services, K) treatment function indices and cumulative shares, the main one first."""
    units = model.activity_units
    width = max(len(u.tfcs) for u in units)
    options = np.zeros((len(units), width), dtype=int)
    cumulative = np.ones((len(units), width))
    for s, service in enumerate(units):
        if not service.tfcs:
            continue
        weights = np.array([0.6**i for i in range(len(service.tfcs))])
        options[s, : len(service.tfcs)] = [model.tfc_vocab.index(t) for t in service.tfcs]
        cumulative[s, : len(service.tfcs)] = np.cumsum(weights / weights.sum())
        cumulative[s, len(service.tfcs) - 1 :] = 1.0
    return options, cumulative


# --- bad rows ---------------------------------------------------------------------------------

MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _corrupt(kind: str, row: dict[str, str], months: list[int]) -> dict[str, str] | str:
    """A copy of a good row made bad in one way the loader must catch."""
    row = dict(row)
    after = month_label(max(months) + 1)
    if "assignment_number" in row and kind != "duplicate_assignment":
        # Its own assignment (a person's ninth), so that the copy fails for its one planted
        # reason and is not a duplicate as well.
        row["assignment_number"] = row["assignment_number"].split("-")[0] + "-9"
    if kind == "unparseable_amount":
        row["amount"] = "#VALUE!"
    elif kind == "missing_cost_centre":
        row["cost_centre"] = ""
    elif kind == "period_outside_file":
        row["period"] = after
    elif kind == "bad_period":
        year, month = year_month(months[0])
        row["period"] = f"{MONTH_NAMES[month - 1]}-{year}"
    elif kind == "bad_financial_period":
        row["financial_period"] = "13"
    elif kind == "wte_out_of_range":
        row["contracted_wte"] = "1.8" if row.get("contracted_wte") != "1.8" else "0"
    elif kind == "missing_assignment_number":
        row["assignment_number"] = ""
    elif kind == "bad_assignment_category":
        row["assignment_category"] = "Locum"
    elif kind == "unknown_pod":
        row["pod"] = "OPD"
    elif kind == "non_positive_count":
        row["count"] = "0"
    elif kind == "bad_treatment_function":
        row["treatment_function_code"] = row["treatment_function_code"][:2]
    elif kind == "missing_hrg_admitted":
        row["pod"], row["hrg_code"], row["attendance_status"] = "EL", "", ""
    elif kind == "bad_attendance_status":
        row["pod"], row["attendance_status"] = "OPFU", "Attnd"
    elif kind == "negative_los":
        row["pod"], row["los_days"] = "NEL", "-2"
    elif kind not in ("duplicate_assignment", "unquoted_thousands"):
        raise ValueError(f"unknown kind of bad row {kind!r}")
    return row


def plant(
    rows: int, kinds: list[str], rng: np.random.Generator
) -> tuple[np.ndarray, list[int], list[int]]:
    """Where planted rows go among `rows` good ones.

    Returns the final order (indices into good rows followed by planted rows), the good row each
    planted one copies, and each planted row's final position. A duplicate goes after its original.
    """
    sources, slots = [], []
    for kind in kinds:
        source = int(rng.integers(0, max(rows, 1)))
        after = (
            int(rng.integers(source, max(rows, 1)))
            if kind == "duplicate_assignment"
            else int(rng.integers(0, max(rows, 1)))
        )
        sources.append(source)
        slots.append(after + 0.5 + len(slots) * 1e-3)
    keys = np.concatenate([np.arange(rows, dtype=float), np.array(slots)])
    order = np.argsort(keys, kind="stable")
    position = np.empty(len(order), dtype=int)
    position[order] = np.arange(len(order))
    return order, sources, [int(position[rows + i]) for i in range(len(kinds))]


# --- writing ---------------------------------------------------------------------------------


@dataclass
class Written:
    """A file as the manifest lists it: bad lines numbered as the loader does (header = 1)."""

    path: str
    source: str
    org_code: str | None
    rows: int
    bad: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"path": self.path, "source": self.source, "org_code": self.org_code,
                "rows": self.rows, "bad_rows": len(self.bad), "bad": self.bad}


def _header_line(style: FileStyle, headers: tuple[str, ...]) -> str:
    if style.quote_all:
        return ",".join(f'"{h}"' for h in headers) + style.eol
    return ",".join(headers) + style.eol


def write_table_csv(path: Path, table: pa.Table, style: FileStyle) -> None:
    """Big files: pyarrow writes the rows (no field holds a comma); the header is the export's."""
    buffer = io.BytesIO()
    quoting = "all_valid" if style.quote_all else "none"
    pacsv.write_csv(table, buffer, pacsv.WriteOptions(
        include_header=False, quoting_style=quoting, eol=style.eol))
    data = _header_line(style, style.headers).encode() + buffer.getvalue()
    if style.encoding == "cp1252":
        data = data.decode().encode("cp1252")
    path.write_bytes((codecs.BOM_UTF8 if style.encoding == "utf-8-sig" else b"") + data)


def write_rows_csv(path: Path, rows: list[list[str] | str], style: FileStyle,
                   headers: tuple[str, ...]) -> None:
    """Small files: rows are lists of fields, or a raw line written as it is."""
    out = io.StringIO()
    quoting = csv.QUOTE_ALL if style.quote_all else csv.QUOTE_MINIMAL
    writer = csv.writer(out, lineterminator=style.eol, quoting=quoting)
    out.write(_header_line(style, headers))
    for row in rows:
        if isinstance(row, str):
            out.write(row + style.eol)
        else:
            writer.writerow(row)
    # Python's utf-8-sig codec writes the BOM itself.
    path.write_bytes(out.getvalue().encode(style.encoding))


# A fixed creation time: the same seed must give the same bytes.
XLSX_CREATED = datetime(2023, 6, 5, 9, 30)


def write_workforce_xlsx(path: Path, rows: list[dict[str, str]], style: FileStyle) -> None:
    """ESR as a workbook: the period as a date cell, WTE and sickness as numbers."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    book.set_properties({"created": XLSX_CREATED, "author": "ESR BI"})
    sheet = book.add_worksheet("ESR Extract")
    month_format = book.add_format({"num_format": "mmm-yy"})
    sheet.write_row(0, 0, style.headers)
    for r, row in enumerate(rows, start=1):
        for c, column in enumerate(style.columns):
            value = row[column]
            if value == "":
                continue
            if column == "period":
                sheet.write_datetime(r, c, datetime(int(value[:4]), int(value[5:7]), 1),
                                     month_format)
            elif column in ("contracted_wte", "sickness_fte_days"):
                sheet.write_number(r, c, float(value))
            else:
                sheet.write_string(r, c, value)
    book.close()


# --- reference data ------------------------------------------------------------------------

# fmt: off
OWNER_FORENAMES = ["Helen", "Marcus", "Ruth", "Daniel", "Anita", "Graham", "Yasmin", "Stuart",
                   "Claire", "Femi", "Joanne", "Imran", "Sarah", "Gareth", "Bethan", "Nikhil",
                   "Alison", "Patrick", "Lucy", "Hamid", "Katherine", "Simon", "Deborah", "Ravi",
                   "Fiona", "Andrew", "Nadia", "Colin", "Esther", "Martin", "Siân", "Kofi"]
OWNER_SURNAMES = ["Ashworth", "Brennan", "Cartwright", "Dunmore", "Ellery", "Fairclough",
                  "Galbraith", "Holloway", "Ingram", "Jessop", "Kirkland", "Lomax", "Mabbott",
                  "Northcote", "Oyelaran", "Pemberton", "Quayle", "Rushworth", "Sutcliffe",
                  "Thackeray", "Umeh", "Varley", "Whitfield", "Yardley", "Appleyard", "Blakemore",
                  "Crossley", "Dewhurst"]
# fmt: on


def reference_files(models: list[TrustModel], last: int) -> dict[str, tuple[list, list[list]]]:
    """stem -> (header, rows) for every reference file."""
    hierarchy, specialty = [], []
    for model in models:
        for centre in model.cost_centres:
            service = model.services[centre.service]
            hierarchy.append([model.trust.org, centre.code, centre.name, service.name,
                              service.directorate, service.clinical_group])
        for service in model.services:
            specialty += [[model.trust.org, tfc, service.name] for tfc in service.tfcs]
    prices = sorted(unit_cost_table().items(),
                    key=lambda item: (PODS.index(item[0][0]), item[0][1] != "*", item[0][1]))
    years = range(2019, max(2026, financial_year_start(last)) + 1)
    deflators = [[f"{y}/{(y + 1) % 100:02d}", f"{deflator((y - 2019) * 12, True):.3f}",
                  f"{deflator((y - 2019) * 12, False):.3f}"] for y in years]
    return {
        "hierarchy": (["org_code", "cost_centre", "cost_centre_name", "service", "directorate",
                       "clinical_group"], hierarchy),
        "specialty_map": (["org_code", "treatment_function_code", "service"], specialty),
        "subjectives": (["subjective_code", "category", "staff_type", "description"],
                        [list(row) for row in SUBJECTIVES]),
        "unit_costs": (["pod", "hrg_code", "unit_cost"],
                       [[pod, code, f"{price:.2f}"] for (pod, code), price in prices]),
        "deflators": (["financial_year", "pay_index", "non_pay_index"], deflators),
        "owners": (["level", "node", "name", "email"], owners(models)),
        "peers": (["org_code", "org_name", "period", "time_window", "ip_cost"], peers(last)),
    }


def owners(models: list[TrustModel]) -> list[list[str]]:
    """A lead for each trust, group and directorate and most services; the rest route upwards."""
    rows = []
    for model in models:
        org, services = model.trust.org, model.services
        nodes = [("trust", org)]
        nodes += [("clinical_group", g) for g in dict.fromkeys(s.clinical_group for s in services)]
        nodes += [("directorate", d) for d in dict.fromkeys(s.directorate for s in services)]
        nodes += [("service", s.name) for i, s in enumerate(services) if i % 5 != 3]
        for level, node in nodes:
            first = _stable_choice(OWNER_FORENAMES, "owner", org, level, node)
            last = _stable_choice(OWNER_SURNAMES, "surname", org, node)
            email = f"{first}.{last}@{model.trust.domain}".lower().replace("â", "a")
            rows.append([level, node, f"{first} {last}", email])
    return rows


def peers(last: int) -> list[list[str]]:
    """Published trust-level IPc of four peers for each month and window from April 2023."""
    rows = []
    for code, name, level_2026, improvement in PEERS:
        monthly: dict[int, float] = {}
        for index in range(month_index(FIRST_MONTHLY_FILE), last + 1):
            noise = np.random.default_rng([zlib.crc32(code.encode()), *year_month(index)])
            years_to_2026 = 2026.5 - (2019 + index / 12)
            monthly[index] = level_2026 - improvement * years_to_2026 + noise.normal(0, 0.02)
        for index, value in monthly.items():
            year_start, quarter_start = index - index % 12, index - index % 3
            windows = {"month": value,
                       "ytd": np.mean([monthly[i] for i in range(year_start, index + 1)]),
                       "quarter": np.mean([monthly[i] for i in range(quarter_start, index + 1)])}
            rows += [[code, name, month_label(index), window, f"{ip:.4f}"]
                     for window, ip in windows.items()]
    return rows


# --- the whole demo ------------------------------------------------------------------------


def write_demo(landing: Path, *, seed: int = 2019, scale: float = 1.0,
               last_month: str | None = None) -> dict:
    """Write the demo trusts into `landing`; return the manifest, also written there."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    last_month = last_month or last_closed_month()
    last = month_index(last_month)
    if not month_index(FIRST_MONTHLY_FILE) <= last < HORIZON:
        raise ValueError(f"last_month must be from {FIRST_MONTHLY_FILE} to "
                         f"{month_label(HORIZON - 1)}")
    landing = Path(landing)
    for folder in ("reference", "ledger", "workforce", "activity"):
        (landing / folder).mkdir(parents=True, exist_ok=True)

    models = [TrustModel(trust, i, seed, scale) for i, trust in enumerate(TRUSTS)]
    written: list[Written] = []
    for stem, (header, rows) in reference_files(models, last).items():
        plain = FileStyle(tuple(header), tuple(header))
        write_rows_csv(landing / "reference" / f"{stem}.csv", rows, plain, plain.headers)
        written.append(Written(f"reference/{stem}.csv", stem, None, len(rows)))

    # 2019/20 as one file per source, named with its financial year; then a file a month.
    periods = [("2019-20", list(range(12)))] + [
        (month_label(i), [i]) for i in range(month_index(FIRST_MONTHLY_FILE), last + 1)]
    for model in models:
        for label, months in periods:
            staff = [workforce_month(model, i) for i in months]
            ledgers = [ledger_month(model, i, s) for i, s in zip(months, staff)]
            written.append(_write_ledger(landing, model, label, months, ledgers))
            written.append(_write_workforce(landing, model, label, months, staff))
            written.append(_write_activity(landing, model, label, months))

    manifest = {
        "seed": seed, "scale": scale, "orgs": [t.org for t in TRUSTS],
        "first_month": FIRST_MONTH, "last_month": last_month,
        "files": [w.as_dict() for w in written],
        "unmapped": {
            "cost_centres": [c for t in TRUSTS for c, *_ in t.unmapped_cost_centres],
            "treatment_functions": [c for t in TRUSTS for c, *_ in t.unmapped_treatment_functions],
        },
        "unpriced_hrgs": [f"OPPROC {code}" for code in UNPRICED_HRGS],
    }
    text = json.dumps(manifest, indent=1, ensure_ascii=False) + "\n"
    (landing / "demo_manifest.json").write_text(text, encoding="utf-8")
    return manifest


def _planting_rng(model: TrustModel, source: str, months: list[int]) -> np.random.Generator:
    # Its own stream, so that planting never shifts the good rows' draws.
    key = [model.seed, model.org_index, SOURCE_INDEX[source], *year_month(months[0]), 1]
    return np.random.default_rng(key)


def _file_name(org: str, source: str, label: str, suffix: str = "csv") -> str:
    return f"{source}/{org}_{source}_{label}.{suffix}"


def _bad_lines(positions: list[int], kinds: list[str]) -> list[dict]:
    return [{"line": p + 2, "kind": k} for p, k in sorted(zip(positions, kinds))]


def _plant_in_table(table: pa.Table, kinds: list[str], rng: np.random.Generator,
                    months: list[int]) -> tuple[pa.Table, list[int]]:
    """The table with bad copies of some of its rows among the good; their positions."""
    order, sources, positions = plant(table.num_rows, kinds, rng)
    if not kinds:
        return table, []
    originals = table.take(pa.array(sources)).to_pylist()
    bad = pa.Table.from_pylist([_corrupt(k, r, months) for k, r in zip(kinds, originals)],
                               schema=table.schema)
    return pa.concat_tables([table, bad]).take(pa.array(order)), positions


def _write_ledger(landing: Path, model: TrustModel, label: str, months: list[int],
                  ledgers: list[LedgerMonth]) -> Written:
    org = model.trust.org
    style = STYLES[(org, "ledger")]
    rng = _planting_rng(model, "ledger", months)
    columns, headers = list(style.columns), list(style.headers)
    financial = (org, "ledger", label) in FINANCIAL_PERIOD_MONTHS
    if financial:
        at = columns.index("period")
        columns[at:at + 1] = ["financial_year", "financial_period"]
        headers[at:at + 1] = ["FINANCIAL_YEAR", "FINANCIAL_PERIOD"]
    rows: list[dict[str, str]] = []
    for index, ledger in zip(months, ledgers):
        year, month = year_month(index)
        when = ({"financial_year": financial_year(index), "financial_period": str(index % 12 + 1)}
                if financial else {"period": style.period_format.format(y=year, m=month)})
        amounts = format_money(ledger.amount, style.money, rng)
        rows += [{"org_code": org, **when, "cost_centre": cc, "subjective_code": code,
                  "amount": amount, "description": text}
                 for cc, code, amount, text in zip(ledger.cost_centre, ledger.subjective, amounts,
                                                   ledger.description)]
    kinds = PLANTED.get((org, "ledger", label), [])
    order, sources, positions = plant(len(rows), kinds, rng)
    lines: list[list[str] | str] = [[row[c] for c in columns] for row in rows]
    for kind, source in zip(kinds, sources):
        if kind == "unquoted_thousands":
            # A hand-edited line with the amount's thousands comma unquoted: one field too many.
            fields = io.StringIO()
            csv.writer(fields, lineterminator="").writerow(
                ["AMOUNT" if c == "amount" else rows[source][c] for c in columns])
            lines.append(fields.getvalue().replace("AMOUNT", "1,234.56"))
        else:
            bad = _corrupt(kind, rows[source], months)
            lines.append([bad[c] for c in columns])
    name = _file_name(org, "ledger", label)
    write_rows_csv(landing / name, [lines[i] for i in order], style, tuple(headers))
    return Written(name, "ledger", org, len(lines), _bad_lines(positions, kinds))


def _write_workforce(landing: Path, model: TrustModel, label: str, months: list[int],
                     staff: list[WorkforceMonth]) -> Written:
    org = model.trust.org
    style = STYLES[(org, "workforce")]
    kinds = PLANTED.get((org, "workforce", label), [])
    table, positions = _plant_in_table(pa.concat_tables([s.table for s in staff]), kinds,
                                       _planting_rng(model, "workforce", months), months)
    if (org, "workforce", label) in XLSX_MONTHS:
        name = _file_name(org, "workforce", label, "xlsx")
        write_workforce_xlsx(landing / name, table.to_pylist(), style)
    else:
        name = _file_name(org, "workforce", label)
        write_table_csv(landing / name, table, style)
    return Written(name, "workforce", org, table.num_rows, _bad_lines(positions, kinds))


def _write_activity(landing: Path, model: TrustModel, label: str, months: list[int]) -> Written:
    org = model.trust.org
    kinds = PLANTED.get((org, "activity", label), [])
    table, positions = _plant_in_table(pa.concat_tables([activity_month(model, i) for i in months]),
                                       kinds, _planting_rng(model, "activity", months), months)
    name = _file_name(org, "activity", label)
    write_table_csv(landing / name, table, STYLES[(org, "activity")])
    return Written(name, "activity", org, table.num_rows, _bad_lines(positions, kinds))
