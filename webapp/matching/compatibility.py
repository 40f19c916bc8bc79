"""Structured compatibility of a need and a result, beside the text score.

Each part is a number in [0, 1]; configuration weighs them (``MATCH_WEIGHTS``). Pure
functions of the two listings, so that the page can show every part and its reason.
"""

from __future__ import annotations

from models import CooperationMode, Need, Result

# What a need's cooperation modes imply about the maturity it can use: buying or licensing a
# technology needs it near production; developing it together can start in the laboratory.
MIN_TRL_FOR_MODE: dict[CooperationMode, int] = {
    CooperationMode.TRANSFER: 6,
    CooperationMode.LICENSE: 6,
    CooperationMode.EQUITY: 5,
    CooperationMode.JOINT_DEVELOPMENT: 3,
    CooperationMode.COMMISSIONED_DEVELOPMENT: 3,
    CooperationMode.TECHNICAL_SERVICE: 1,
    CooperationMode.CONSULTING: 1,
}

#: How much each part counts in the compatibility (relative weights; they need not add to 1).
DEFAULT_WEIGHTS: dict[str, float] = {
    "field": 0.10, "modes": 0.08, "maturity": 0.05, "price": 0.05, "region": 0.02,
}


def field_part(need: Need, result: Result) -> float:
    """1 when both are in the same technology field."""
    return 1.0 if need.field == result.field else 0.0


def modes_part(need: Need, result: Result) -> float:
    """The share of the need's cooperation modes the result is offered under."""
    wanted = set(need.modes)
    if not wanted:
        return 0.0
    return len(wanted & set(result.modes)) / len(wanted)


def required_trl(need: Need) -> int:
    """The lowest maturity the need's most permissive cooperation mode can use."""
    return min((MIN_TRL_FOR_MODE[m] for m in need.modes), default=1)


def maturity_part(need: Need, result: Result) -> float:
    """1 when the result is mature enough for how the need wants to cooperate, less below."""
    wanted = required_trl(need)
    if result.trl is None:  # only a draft names none, and drafts are not matched
        return 0.0
    return 1.0 if result.trl >= wanted else result.trl / wanted


def price_part(need: Need, result: Result) -> float:
    """1 when the asking price is within budget, less the further above; ½ when either is 面议."""
    if result.price_wan is None or need.budget_max_wan is None:
        return 0.5
    if result.price_wan <= need.budget_max_wan:
        return 1.0
    if result.price_wan <= 0:
        return 1.0
    return float(need.budget_max_wan / result.price_wan)


def region_part(need: Need, result: Result) -> float:
    """1 when both are in the same province."""
    return 1.0 if need.province == result.province else 0.0


PARTS = {
    "field": field_part,
    "modes": modes_part,
    "maturity": maturity_part,
    "price": price_part,
    "region": region_part,
}


def compatibility(need: Need, result: Result,
                  weights: dict[str, float]) -> tuple[float, dict[str, float]]:
    """How well the pair fits beside its text, in [0, 1] (the parts' weighted mean), and each
    part's value in [0, 1]. It moves a suggestion only among near-ties: see
    :func:`webapp.matching.services.rank_score`."""
    values = {name: round(part(need, result), 6) for name, part in PARTS.items()}
    total = sum(max(0.0, weights.get(name, 0.0)) for name in PARTS)
    if total <= 0:
        return 0.0, values
    mean = sum(max(0.0, weights.get(name, 0.0)) * v for name, v in values.items()) / total
    return round(mean, 6), values
