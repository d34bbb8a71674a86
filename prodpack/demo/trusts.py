"""The two demo trusts: their services (structure, size, growth and designed productivity)
and how each trust differs."""

from __future__ import annotations

from dataclasses import dataclass

from prodpack.demo.casemix import DC, EL, NEL, OPFU
from prodpack.demo.months import FIRST_MONTH


# fmt: off
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
# fmt: on
