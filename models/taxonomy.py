"""Fixed vocabularies of the platform: technology fields, regions, modes and maturity levels.

The eight fields and their sub-fields follow the public list of 国家重点支持的高新技术领域.
"""

from __future__ import annotations

import enum

from .i18n import N_


class Field(enum.StrEnum):
    """The eight national high-tech fields (技术领域)."""

    ELECTRONIC_INFORMATION = "electronic_information"
    BIO_MEDICINE = "bio_medicine"
    AEROSPACE = "aerospace"
    NEW_MATERIALS = "new_materials"
    HIGH_TECH_SERVICES = "high_tech_services"
    NEW_ENERGY = "new_energy"
    RESOURCES_ENVIRONMENT = "resources_environment"
    ADVANCED_MANUFACTURING = "advanced_manufacturing"

    @property
    def label(self) -> str:
        """The field's Chinese name."""
        return FIELD_LABELS[self]


FIELD_LABELS: dict[Field, str] = {
    Field.ELECTRONIC_INFORMATION: N_("电子信息"),
    Field.BIO_MEDICINE: N_("生物与新医药"),
    Field.AEROSPACE: N_("航空航天"),
    Field.NEW_MATERIALS: N_("新材料"),
    Field.HIGH_TECH_SERVICES: N_("高技术服务"),
    Field.NEW_ENERGY: N_("新能源与节能"),
    Field.RESOURCES_ENVIRONMENT: N_("资源与环境"),
    Field.ADVANCED_MANUFACTURING: N_("先进制造与自动化"),
}

SUBFIELDS: dict[Field, tuple[str, ...]] = {
    Field.ELECTRONIC_INFORMATION: (
        N_("软件"), N_("微电子技术"), N_("计算机产品及其网络应用技术"), N_("通信技术"),
        N_("广播影视技术"), N_("新型电子元器件"), N_("信息安全技术"), N_("智能交通和轨道交通技术"),
    ),
    Field.BIO_MEDICINE: (
        N_("医药生物技术"), N_("中药、天然药物"), N_("化学药研发技术"), N_("药物新剂型与制剂创制技术"),
        N_("医疗仪器、设备与医学专用软件"), N_("轻工和化工生物技术"), N_("农业生物技术"),
    ),
    Field.AEROSPACE: (N_("航空技术"), N_("航天技术")),
    Field.NEW_MATERIALS: (
        N_("金属材料"), N_("无机非金属材料"), N_("高分子材料"), N_("生物医用材料"),
        N_("精细和专用化学品"), N_("与文化艺术产业相关的新材料"),
    ),
    Field.HIGH_TECH_SERVICES: (
        N_("研发与设计服务"), N_("检验检测认证与标准服务"), N_("信息技术服务"), N_("高技术专业化服务"),
        N_("知识产权与成果转化服务"), N_("电子商务与现代物流技术"), N_("城市管理与社会服务"),
        N_("文化创意产业支撑技术"),
    ),
    Field.NEW_ENERGY: (
        N_("可再生清洁能源"), N_("核能及氢能"), N_("新型高效能量转换与储存技术"), N_("高效节能技术"),
    ),
    Field.RESOURCES_ENVIRONMENT: (
        N_("水污染控制与水资源利用技术"), N_("大气污染控制技术"), N_("固体废弃物处置与综合利用技术"),
        N_("物理性污染防治技术"), N_("环境监测及环境事故应急处理技术"), N_("生态环境建设与保护技术"),
        N_("清洁生产技术"), N_("资源勘查、高效开采与综合利用技术"),
    ),
    Field.ADVANCED_MANUFACTURING: (
        N_("工业生产过程控制系统"), N_("安全生产技术"), N_("高性能、智能化仪器仪表"),
        N_("先进制造工艺与装备"),
        N_("新型机械"), N_("电力系统与设备"), N_("汽车及轨道车辆相关技术"),
        N_("高技术船舶与海洋工程装备设计制造技术"), N_("传统文化产业改造技术"),
    ),
}


class CooperationMode(enum.StrEnum):
    """Ways of cooperating on a need, or of transferring a result (合作方式 / 转化方式)."""

    TRANSFER = "transfer"
    LICENSE = "license"
    JOINT_DEVELOPMENT = "joint_development"
    COMMISSIONED_DEVELOPMENT = "commissioned_development"
    TECHNICAL_SERVICE = "technical_service"
    CONSULTING = "consulting"
    EQUITY = "equity"

    @property
    def label(self) -> str:
        """The mode's Chinese name."""
        return MODE_LABELS[self]


MODE_LABELS: dict[CooperationMode, str] = {
    CooperationMode.TRANSFER: N_("技术转让"),
    CooperationMode.LICENSE: N_("技术许可"),
    CooperationMode.JOINT_DEVELOPMENT: N_("合作开发"),
    CooperationMode.COMMISSIONED_DEVELOPMENT: N_("委托开发"),
    CooperationMode.TECHNICAL_SERVICE: N_("技术服务"),
    CooperationMode.CONSULTING: N_("技术咨询"),
    CooperationMode.EQUITY: N_("作价入股"),
}


class ResultForm(enum.StrEnum):
    """The form a result takes (成果形式)."""

    TECHNOLOGY = "technology"
    PROCESS = "process"
    PRODUCT = "product"
    MATERIAL = "material"
    DEVICE = "device"
    SOFTWARE = "software"
    PLANT_VARIETY = "plant_variety"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The form's Chinese name."""
        return FORM_LABELS[self]


FORM_LABELS: dict[ResultForm, str] = {
    ResultForm.TECHNOLOGY: N_("新技术"),
    ResultForm.PROCESS: N_("新工艺"),
    ResultForm.PRODUCT: N_("新产品"),
    ResultForm.MATERIAL: N_("新材料"),
    ResultForm.DEVICE: N_("新装置"),
    ResultForm.SOFTWARE: N_("软件"),
    ResultForm.PLANT_VARIETY: N_("植物新品种"),
    ResultForm.OTHER: N_("其他"),
}


class IPType(enum.StrEnum):
    """Kinds of intellectual property protecting a result (知识产权类型)."""

    INVENTION_PATENT = "invention_patent"
    UTILITY_MODEL = "utility_model"
    DESIGN_PATENT = "design_patent"
    SOFTWARE_COPYRIGHT = "software_copyright"
    PLANT_VARIETY_RIGHT = "plant_variety_right"
    TRADE_SECRET = "trade_secret"  # noqa: S105 - an IP kind, not a password

    @property
    def label(self) -> str:
        """The IP type's Chinese name."""
        return IP_LABELS[self]


IP_LABELS: dict[IPType, str] = {
    IPType.INVENTION_PATENT: N_("发明专利"),
    IPType.UTILITY_MODEL: N_("实用新型"),
    IPType.DESIGN_PATENT: N_("外观设计"),
    IPType.SOFTWARE_COPYRIGHT: N_("软件著作权"),
    IPType.PLANT_VARIETY_RIGHT: N_("植物新品种权"),
    IPType.TRADE_SECRET: N_("技术秘密"),
}


def maturity_stage(trl: int) -> str:
    """Map a technology readiness level (TRL 1-9) to the stage names used in China.

    TRL 1-3 is laboratory work (实验室), 4-5 a small pilot (小试), 6-7 a pilot plant (中试),
    8-9 industrial production (产业化).
    """
    if not 1 <= trl <= 9:
        raise ValueError(f"TRL must be between 1 and 9, got {trl}")
    if trl <= 3:
        return N_("实验室")
    if trl <= 5:
        return N_("小试")
    if trl <= 7:
        return N_("中试")
    return N_("产业化")


# Provincial-level divisions of China (省级行政区), the region a listing belongs to.
PROVINCES: tuple[str, ...] = (
    N_("北京市"), N_("天津市"), N_("河北省"), N_("山西省"), N_("内蒙古自治区"), N_("辽宁省"),
    N_("吉林省"), N_("黑龙江省"), N_("上海市"), N_("江苏省"), N_("浙江省"), N_("安徽省"),
    N_("福建省"), N_("江西省"), N_("山东省"), N_("河南省"), N_("湖北省"), N_("湖南省"),
    N_("广东省"), N_("广西壮族自治区"), N_("海南省"), N_("重庆市"), N_("四川省"), N_("贵州省"),
    N_("云南省"), N_("西藏自治区"), N_("陕西省"), N_("甘肃省"), N_("青海省"), N_("宁夏回族自治区"),
    N_("新疆维吾尔自治区"), N_("香港特别行政区"), N_("澳门特别行政区"), N_("台湾省"),
)
