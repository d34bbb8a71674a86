"""The HRGs each of a trust's services codes per POD, their shares over time and base-year
prices."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from prodpack.demo.casemix import (
    AE,
    AE_HRGS,
    DC,
    EL,
    HRG_FAMILIES,
    HRG_SUFFIXES,
    MULTIPROFESSIONAL_SHARE,
    NEL,
    NO_HRG_SHARE,
    OPFA,
    OPFU,
    OPPROC,
    OUTPATIENT_HRGS,
    PODS,
    unit_cost_table,
    weighted_roots,
)
from prodpack.demo.trusts import Service


class HrgDesign:
    """The HRGs each service codes per POD, their shares and base-year prices."""

    def __init__(self, units: list[Service], remote_share: Callable[[float], float]):
        # The trust's activity units, and its share of remote outpatient attendances at t.
        self.units, self.remote_share = units, remote_share
        vocabulary: dict[str, int] = {"": 0}
        options: dict[tuple[int, int], list[tuple[str, float]]] = {}
        for s, service in enumerate(units):
            family = HRG_FAMILIES.get(service.hrg_family or "", {})
            for pod in (EL, DC, NEL, OPPROC):
                if service.volumes[pod] <= 0:
                    continue
                if pod not in family:
                    raise ValueError(
                        f"{service.name}: no {PODS[pod]} HRGs in family {service.hrg_family}"
                    )
                roots = weighted_roots(family[pod])
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
        remote = self.remote_share(t)
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
        for s in range(len(self.units)):
            for pod in (OPFA, OPFU):
                groups[s * len(PODS) + pod] = list(
                    zip((c for c, _ in OUTPATIENT_HRGS[pod]), self.outpatient_shares(pod, t))
                )
            groups[s * len(PODS) + AE] = [(c, share) for c, _, share in AE_HRGS]
        width = max(len(v) for v in groups.values())
        index = np.zeros((len(self.units) * len(PODS), width), dtype=np.int32)
        cumulative = np.ones_like(index, dtype=float)
        for group, codes in groups.items():
            shares = np.array([w for _, w in codes])
            index[group, : len(codes)] = [self.code_index[c] for c, _ in codes]
            cumulative[group, : len(codes)] = np.cumsum(shares / shares.sum())
            cumulative[group, len(codes) - 1 :] = 1.0
        return index, cumulative

    def expected_price(self, t: float) -> np.ndarray:
        """(services, PODs) mean base-year price of an attended unit, unpriced codes as 0."""
        prices = np.zeros((len(self.units), len(PODS)))
        for (s, pod), codes in self.options.items():
            prices[s, pod] = sum(w * (self.price(pod, c) or 0) for c, w in codes)
        for s in range(len(self.units)):
            for pod in (OPFA, OPFU):
                shares = self.outpatient_shares(pod, t)
                prices[s, pod] = sum(
                    w * self.price(pod, c) for (c, _), w in zip(OUTPATIENT_HRGS[pod], shares)
                )
            prices[s, AE] = sum(share * self.price(AE, c) for c, _, share in AE_HRGS)
        return prices

