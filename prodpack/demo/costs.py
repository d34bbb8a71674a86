"""The design of a trust's costs: staff groups, bands and mixes, cost centre layouts, non-pay
and the chart of accounts (subjectives)."""

from __future__ import annotations

import numpy as np

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
# fmt: on


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


def role_kind(band: str) -> str:
    return "consultant" if band == "Consultant" else "junior" if band in JUNIOR_DOCTORS else "other"


def _mean_contract_wte(band: str) -> float:
    values, weights = CONTRACT_WTE[role_kind(band)]
    return float(np.dot(values, weights))


def expected_pay_per_head(cc_type: str) -> tuple[float, float]:
    """Real monthly pay of a substantive head, and of the bank behind it, in a cost centre type."""
    enhancement = ENHANCEMENT.get(cc_type, 1.0)
    substantive = sum(share * BAND_COST[band] * _mean_contract_wte(band)
                      for _, band, share in STAFF_MIX[cc_type]) * enhancement
    mean_cost = sum(share * BAND_COST[band] for _, band, share in STAFF_MIX[cc_type])
    bank = BANK_SHARE.get(cc_type, .02) * BANK_WORKS_IN_MONTH * np.mean(BANK_WTE_RANGE) * mean_cost
    return substantive, float(bank)

