"""The demo world's shape: its sizes, the records it holds and the fixed demo accounts."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

DEMO_PASSWORD = "demo-pass-2025"  # noqa: S105 - the documented password of demo accounts
EMAIL_DOMAIN = "demo.innomatch.cn"
OPERATIONS_CENTER = "InnoMatch 平台运营中心"
FIXED_ACCOUNTS: dict[str, str] = {
    "enterprise": f"enterprise@{EMAIL_DOMAIN}",
    "institute": f"institute@{EMAIL_DOMAIN}",
    "operator": f"operator@{EMAIL_DOMAIN}",
}

Item = dict[str, Any]


@dataclass(frozen=True)
class Sizes:
    """How many of each record a world holds (``agencies`` counts the operations centre)."""

    enterprises: int = 40
    universities: int = 14
    institutes: int = 12
    agencies: int = 5
    needs: int = 320
    results: int = 320
    solutions: int = 60

    def scaled(self, scale: float) -> Sizes:
        """Multiply every count by ``scale``, keeping the few records every world needs."""
        if scale <= 0:
            raise ValueError("scale must be positive")

        def times(n: int, least: int) -> int:
            return max(least, round(n * scale))

        return Sizes(
            enterprises=times(self.enterprises, 8), universities=times(self.universities, 3),
            institutes=times(self.institutes, 3), agencies=times(self.agencies, 3),
            needs=times(self.needs, 8), results=times(self.results, 8),
            solutions=times(self.solutions, 0),
        )


# The platform's reported size in mid-2025: ~20,000 users, 6,600 needs, 4,600 results and
# 3,000 solutions. With one to three accounts per organisation, 20,000 users means ~10,000
# organisations.
INNOMATCH_SIZES = Sizes(enterprises=7100, universities=1100, institutes=1300, agencies=760,
                        needs=6600, results=4600, solutions=3000)


@dataclass
class World:
    """The generated demo data: lists of plain dicts, in key order."""

    organizations: list[Item] = dc_field(default_factory=list)
    users: list[Item] = dc_field(default_factory=list)
    needs: list[Item] = dc_field(default_factory=list)
    results: list[Item] = dc_field(default_factory=list)
    solutions: list[Item] = dc_field(default_factory=list)
    # need/result/solution key -> topic key (see webapp.demo.topics.TOPIC_BY_KEY)
    topic_of: dict[str, str] = dc_field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """How many records of each kind the world holds."""
        return {"organizations": len(self.organizations), "users": len(self.users),
                "needs": len(self.needs), "results": len(self.results),
                "solutions": len(self.solutions)}
