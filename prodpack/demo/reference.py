"""The reference files: hierarchy, specialty map, subjectives, unit costs, deflators, owners
and peers."""

from __future__ import annotations

import zlib

import numpy as np

from prodpack.demo.casemix import PODS, unit_cost_table
from prodpack.demo.costs import SUBJECTIVES
from prodpack.demo.model import TrustModel
from prodpack.demo.months import (
    deflator,
    financial_year_start,
    month_label,
    year_month,
)
from prodpack.demo.stable import stable_choice

# fmt: off
PEERS = (  # code, name, IPc in 2026/27, yearly improvement
    ("R1A", "Ashbourne Vale Hospitals NHS Trust", .035, .015),
    ("R1B", "Kestrel Bay University Hospitals NHS Foundation Trust", -.005, .020),
    ("R1C", "Northmere Hospitals NHS Trust", -.045, .012),
    ("R1D", "Wychcombe and District NHS Foundation Trust", -.085, .010),
)

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


def reference_files(models: list[TrustModel], first: int, last: int) -> dict[str, tuple[list, list[list]]]:
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
        "peers": (["org_code", "org_name", "period", "time_window", "ip_cost", "basis",
                   "activity_growth", "resource_growth"], peers(first, last)),
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
            first = stable_choice(OWNER_FORENAMES, "owner", org, level, node)
            last = stable_choice(OWNER_SURNAMES, "surname", org, node)
            email = f"{first}.{last}@{model.trust.domain}".lower().replace("â", "a")
            rows.append([level, node, f"{first} {last}", email])
    return rows


def peers(first: int, last: int) -> list[list[str]]:
    """Published trust-level IPc of four peers for each month and window from the first monthly file:
    against 2019/20, and against the same months last year with the two growths behind it
    (NHS England's figures: cost-weighted activity growth, real-terms resource growth)."""
    base, prior = [], []
    for code, name, level_2026, improvement in PEERS:
        monthly: dict[int, float] = {}
        activity: dict[int, float] = {}
        # From a year before the first file's financial year: last year's figures behind
        # the first year's growth, from its year start.
        for index in range(first - first % 12 - 12, last + 1):
            noise = np.random.default_rng([zlib.crc32(code.encode()), *year_month(index)])
            years_to_2026 = 2026.5 - (2019 + index / 12)
            monthly[index] = level_2026 - improvement * years_to_2026 + noise.normal(0, 0.02)
            activity[index] = 0.025 + improvement / 2 + noise.normal(0, 0.01)

        def windows(series: dict[int, float], index: int) -> dict[str, float]:
            year_start, quarter_start = index - index % 12, index - index % 3
            return {"month": series[index],
                    "ytd": np.mean([series[i] for i in range(year_start, index + 1)]),
                    "quarter": np.mean([series[i] for i in range(quarter_start, index + 1)])}

        for index in range(first, last + 1):
            now, year_ago, growth = windows(monthly, index), windows(monthly, index - 12), \
                windows(activity, index)
            base += [[code, name, month_label(index), window, f"{ip:.4f}", "base_year", "", ""]
                     for window, ip in now.items()]
            for window, ip in now.items():
                # Both years' IPc are against 2019/20: their ratio is the growth between them.
                against_last_year = (1 + ip) / (1 + year_ago[window]) - 1
                resource = (1 + growth[window]) / (1 + against_last_year) - 1
                prior.append([code, name, month_label(index), window, f"{against_last_year:.4f}",
                              "prior_year", f"{growth[window]:.4f}", f"{resource:.4f}"])
    return base + prior
