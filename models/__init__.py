"""Typed SQLAlchemy 2 models of the platform; no Flask here."""

from .api import ApiToken, IdempotencyKey
from .attachment import Attachment
from .base import Base, utcnow
from .deal import ContractType, Deal, DealCorrection
from .docking import Docking, DockingEvent, DockingMessage, DockingState, DropReason, Side
from .enums import Language, NeedStatus, OrgKind, ResultStatus, Role, SolutionStatus
from .match import Match
from .need import Need, NeedMode
from .notification import (
    MessageDigest,
    Notification,
    NotificationKind,
    NotificationPreference,
    OutboxEmail,
)
from .organization import Organization
from .result import Result, ResultIP, ResultMode
from .revision import ListingRevision
from .saved import AlertSetting, Bookmark, DigestFrequency, PendingAlert, SavedSearch, SearchKind
from .security import PasswordResetToken, SecurityEvent, SecurityEventKind
from .solution import Solution, solution_results
from .taxonomy import CooperationMode, Field, IPType, ResultForm
from .user import User, normalise_email

__all__ = [
    "AlertSetting",
    "ApiToken",
    "Attachment",
    "Base",
    "Bookmark",
    "ContractType",
    "CooperationMode",
    "Deal",
    "DealCorrection",
    "DigestFrequency",
    "Docking",
    "DockingEvent",
    "DockingMessage",
    "DockingState",
    "DropReason",
    "Field",
    "IPType",
    "IdempotencyKey",
    "Language",
    "ListingRevision",
    "Match",
    "MessageDigest",
    "Need",
    "NeedMode",
    "NeedStatus",
    "Notification",
    "NotificationKind",
    "NotificationPreference",
    "OrgKind",
    "Organization",
    "OutboxEmail",
    "PasswordResetToken",
    "PendingAlert",
    "Result",
    "ResultForm",
    "ResultIP",
    "ResultMode",
    "ResultStatus",
    "Role",
    "SavedSearch",
    "SearchKind",
    "SecurityEvent",
    "SecurityEventKind",
    "Side",
    "Solution",
    "SolutionStatus",
    "User",
    "normalise_email",
    "solution_results",
    "utcnow",
]
