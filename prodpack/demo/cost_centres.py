"""How a trust's services are laid out in cost centres: wards split by size, small lines
left out."""

from __future__ import annotations

from dataclasses import dataclass

from prodpack.demo.costs import (
    CC_TEMPLATES,
    NON_PAY_MIX,
    SMALLEST_COST_CENTRE,
    WARD_NAMES,
    WARD_SIZE,
)
from prodpack.demo.trusts import Trust


@dataclass
class CostCentre:
    code: str
    name: str
    service: int  # index into the trust's services
    cc_type: str
    headcount: float  # substantive heads in 2019/20 at scale 1
    non_pay_mix: dict[str, float]


def lay_out_cost_centres(trust: Trust) -> list[CostCentre]:
    """The trust's cost centres, service by service, from its services' templates."""
    centres: list[CostCentre] = []
    ward_names = iter(WARD_NAMES * 4)
    ward_number = 1
    for service_index, service in enumerate(trust.services):
        heads = service.headcount * trust.headcount_factor
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
                code = f"{trust.cost_centre_prefix}{service_index + 1:02d}{number:02d}"
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
