"""Typed SQLAlchemy 2 models of the platform; no Flask here."""

from .base import Base, utcnow
from .enums import NeedStatus, OrgKind, ResultStatus, Role, SolutionStatus
from .match import Match
from .need import Need, NeedMode
from .organization import Organization
from .result import Result, ResultIP, ResultMode
from .solution import Solution, solution_results
from .taxonomy import CooperationMode, Field, IPType, ResultForm
from .user import User

__all__ = [
    "Base",
    "CooperationMode",
    "Field",
    "IPType",
    "Match",
    "Need",
    "NeedMode",
    "NeedStatus",
    "OrgKind",
    "Organization",
    "Result",
    "ResultForm",
    "ResultIP",
    "ResultMode",
    "ResultStatus",
    "Role",
    "Solution",
    "SolutionStatus",
    "User",
    "solution_results",
    "utcnow",
]
