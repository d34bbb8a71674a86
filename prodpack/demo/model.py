"""The model of one trust for one seed and scale: its cost centres, expected costs and
activity, and the staff pool its ESR months are drawn from."""

from __future__ import annotations

from functools import cached_property

import numpy as np

from prodpack.demo.casemix import (
    PODS,
    SEASON,
)
from prodpack.demo.cost_centres import lay_out_cost_centres
from prodpack.demo.costs import (
    AGENCY_ON_ELIGIBLE,
    AGENCY_TYPES,
    BANK_SHARE,
    BANK_TURNOVER,
    CONTRACT_WTE,
    DEFAULT_TURNOVER,
    FIXED_TERM_SHARE,
    JUNIOR_DOCTORS,
    MONTHLY_TURNOVER,
    NON_PAY_RATIO,
    ROLE_INDEX,
    ROLES,
    STAFF_MIX,
    expected_pay_per_head,
    role_kind,
)
from prodpack.demo.hrg_design import HrgDesign
from prodpack.demo.months import HORIZON, progress, trend, year_month
from prodpack.demo.names import FORENAMES, NI_PREFIXES, SURNAMES
from prodpack.demo.stable import stable_unit
from prodpack.demo.trusts import Service, Trust

SOURCE_INDEX = {"ledger": 0, "workforce": 1, "activity": 2}
# The staff pool is drawn once per org, with month 0: no real month has that number.
POOL_MONTH = (0, 0)


class TrustModel:
    """One trust's structure, expected costs and staff pool, for one seed and scale."""

    def __init__(self, trust: Trust, org_index: int, seed: int, scale: float):
        self.trust, self.org_index, self.seed, self.scale = trust, org_index, seed, scale
        self.services = trust.services
        self.cost_centres = lay_out_cost_centres(trust)
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
            np.array([stable_unit(kind, c.code) for c in self.cost_centres])
            for kind in ("substantive", "bank")
        )

    # activity ---------------------------------------------------------------------------------

    @cached_property
    def base_prices(self) -> np.ndarray:
        return self.hrg_design.expected_price(0)

    @cached_property
    def hrg_design(self) -> HrgDesign:
        return HrgDesign(self.activity_units, self.remote_share)

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
            chosen = np.array([role_kind(ROLES[r][1]) == kind for r in role])
            wte[chosen] = rng.choice(values, size=int(chosen.sum()), p=weights)
        self.contracted_wte = wte
        junior = np.array([ROLES[r][1] in JUNIOR_DOCTORS for r in role])
        self.fixed_term = junior | (rng.random(people) < FIXED_TERM_SHARE)
        self.sickness_prone = rng.gamma(2.0, 0.5, people)  # mean 1: some people are off more

