"""Enumerations stored in enum columns."""

from __future__ import annotations

import enum

from .i18n import N_


class OrgKind(enum.StrEnum):
    """What kind of organisation an account belongs to."""

    ENTERPRISE = "enterprise"
    UNIVERSITY = "university"
    INSTITUTE = "institute"
    AGENCY = "agency"

    @property
    def label(self) -> str:
        """The kind's Chinese name."""
        return {"enterprise": N_("企业"), "university": N_("高校"), "institute": N_("科研院所"),
                "agency": N_("服务机构")}[self.value]

    @property
    def is_institution(self) -> bool:
        """Universities and institutes publish results and answer needs."""
        return self in (OrgKind.UNIVERSITY, OrgKind.INSTITUTE)


class Role(enum.StrEnum):
    """A user's role on the platform."""

    MEMBER = "member"
    BROKER = "broker"
    OPERATOR = "operator"

    @property
    def label(self) -> str:
        """The role's Chinese name."""
        return {"member": N_("成员"), "broker": N_("技术经理人"), "operator": N_("平台运营")}[self.value]


class NeedStatus(enum.StrEnum):
    """Life of a technology need."""

    DRAFT = "draft"
    PUBLISHED = "published"
    DOCKING = "docking"
    SIGNED = "signed"
    CLOSED = "closed"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        """The status's Chinese name."""
        return {"draft": N_("草稿"), "published": N_("已发布"), "docking": N_("对接中"),
                "signed": N_("已签约"), "closed": N_("已关闭"), "expired": N_("已过期")}[self.value]

    @property
    def is_open(self) -> bool:
        """Open needs are visible to everyone and can receive solutions."""
        return self in (NeedStatus.PUBLISHED, NeedStatus.DOCKING)


class ResultStatus(enum.StrEnum):
    """Life of a technology result."""

    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        """The status's Chinese name."""
        return {"draft": N_("草稿"), "published": N_("已发布"), "withdrawn": N_("已撤回")}[self.value]


class SolutionStatus(enum.StrEnum):
    """Life of a solution submitted to a need."""

    SUBMITTED = "submitted"
    SHORTLISTED = "shortlisted"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        """The status's Chinese name."""
        return {"submitted": N_("已提交"), "shortlisted": N_("入围"), "accepted": N_("已采纳"),
                "declined": N_("未采纳"), "withdrawn": N_("已撤回")}[self.value]


class Language(enum.StrEnum):
    """The language a user reads the platform in: pages follow the visitor's choice, e-mails
    (sent when nobody is looking at a page) follow this stored one."""

    ZH_CN = "zh_CN"
    EN = "en"

    @property
    def label(self) -> str:
        """The language's name, written in that language (as language menus show them)."""
        return {"zh_CN": "简体中文", "en": "English"}[self.value]
