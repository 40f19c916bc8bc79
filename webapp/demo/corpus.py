"""A deterministic generator of realistic Chinese demo data for the supply–demand platform.

``build_world(seed, scale)`` returns a :class:`World`: plain-dict organisations, users,
technology needs (技术需求), results (科技成果) and solutions (解决方案). The same seed and
scale always give the same world (one ``random.Random(seed)``, no clock: times are
"days ago" integers). Texts are composed from the topic banks in :mod:`webapp.demo.topics`,
so a need and a result on the same topic share their technical vocabulary; ``World.topic_of``
records the topic of every need, result and solution (the ground truth for the matcher).

Fixed demo accounts, always the first three users, all with password ``demo-pass-2025``:

- ``enterprise@demo.innomatch.cn``: a member of the first enterprise (posts needs);
- ``institute@demo.innomatch.cn``: a member of the first university (posts results, solutions);
- ``operator@demo.innomatch.cn``: an operator of "InnoMatch 平台运营中心".

Every other account is ``<surname>.<given>.<number>@demo.innomatch.cn`` with the same password.
At scale 1 the world has 71 organisations, about 130-150 users, 320 needs, 320 results and 60
solutions; ``scale`` multiplies every count, and ``INNOMATCH_SIZES`` gives the platform's
reported size (about 20,000 users, 6,600 needs, 4,600 results, 3,000 solutions).
Everything here is invented: names, codes, numbers and phone numbers are made up.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from decimal import Decimal
from typing import Any, TypeVar

from models.taxonomy import (
    MODE_LABELS,
    PROVINCES,
    SUBFIELDS,
    CooperationMode,
    Field,
    IPType,
    ResultForm,
)
from models.validators import CREDIT_CODE_ALPHABET, credit_code_check_char

from .topics import TOPIC_BY_KEY, TOPICS_BY_FIELD, Topic

__all__ = [
    "DEMO_PASSWORD",
    "FIXED_ACCOUNTS",
    "INNOMATCH_SIZES",
    "OPERATIONS_CENTER",
    "Sizes",
    "World",
    "build_world",
]

DEMO_PASSWORD = "demo-pass-2025"  # noqa: S105 - the documented password of demo accounts
EMAIL_DOMAIN = "demo.innomatch.cn"
OPERATIONS_CENTER = "InnoMatch 平台运营中心"
FIXED_ACCOUNTS: dict[str, str] = {
    "enterprise": f"enterprise@{EMAIL_DOMAIN}",
    "institute": f"institute@{EMAIL_DOMAIN}",
    "operator": f"operator@{EMAIL_DOMAIN}",
}

Item = dict[str, Any]
T = TypeVar("T")


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


def build_world(seed: int = 2025, scale: float = 1.0, sizes: Sizes | None = None) -> World:
    """Generate the demo world for ``seed``; ``scale`` multiplies the counts of ``sizes``.

    ``sizes`` defaults to the base world (:class:`Sizes`); pass ``INNOMATCH_SIZES`` for the
    platform's full size. The result depends only on the arguments.
    """
    return _Builder(seed, (sizes or Sizes()).scaled(scale)).build()


# --------------------------------------------------------------------------- places

# (province, city, division codes used in credit codes, telephone area code, weight)
_CITIES: tuple[tuple[str, str, tuple[str, ...], str, int], ...] = (
    ("北京市", "北京市", ("110108", "110105", "110106", "110114", "110115"), "010", 12),
    ("天津市", "天津市", ("120116", "120104", "120111"), "022", 4),
    ("上海市", "上海市", ("310115", "310104", "310112", "310117", "310114"), "021", 12),
    ("重庆市", "重庆市", ("500112", "500106", "500108"), "023", 4),
    ("河北省", "石家庄市", ("130100", "130102", "130104"), "0311", 2),
    ("河北省", "保定市", ("130600", "130602"), "0312", 1),
    ("山西省", "太原市", ("140100", "140105"), "0351", 2),
    ("内蒙古自治区", "包头市", ("150200", "150203"), "0472", 1),
    ("辽宁省", "沈阳市", ("210100", "210102", "210106"), "024", 3),
    ("辽宁省", "大连市", ("210200", "210211", "210213"), "0411", 3),
    ("吉林省", "长春市", ("220100", "220104"), "0431", 2),
    ("黑龙江省", "哈尔滨市", ("230100", "230103", "230109"), "0451", 2),
    ("江苏省", "南京市", ("320104", "320105", "320106", "320111", "320115"), "025", 7),
    ("江苏省", "苏州市", ("320505", "320506", "320507", "320508", "320509"), "0512", 8),
    ("江苏省", "无锡市", ("320200", "320211", "320213"), "0510", 5),
    ("江苏省", "常州市", ("320400", "320411", "320412"), "0519", 4),
    ("江苏省", "南通市", ("320600", "320612"), "0513", 2),
    ("浙江省", "杭州市", ("330106", "330108", "330110"), "0571", 8),
    ("浙江省", "宁波市", ("330200", "330212", "330206"), "0574", 5),
    ("浙江省", "嘉兴市", ("330400", "330402"), "0573", 2),
    ("浙江省", "绍兴市", ("330600", "330602"), "0575", 2),
    ("安徽省", "合肥市", ("340104", "340111", "340100"), "0551", 6),
    ("安徽省", "芜湖市", ("340200", "340207"), "0553", 2),
    ("福建省", "福州市", ("350100", "350102"), "0591", 3),
    ("福建省", "厦门市", ("350200", "350206", "350211"), "0592", 3),
    ("江西省", "南昌市", ("360100", "360111"), "0791", 2),
    ("山东省", "济南市", ("370100", "370102", "370112"), "0531", 4),
    ("山东省", "青岛市", ("370200", "370211", "370212"), "0532", 4),
    ("山东省", "烟台市", ("370600", "370602"), "0535", 2),
    ("河南省", "郑州市", ("410100", "410105", "410122"), "0371", 4),
    ("河南省", "洛阳市", ("410300", "410305"), "0379", 2),
    ("湖北省", "武汉市", ("420106", "420111", "420115"), "027", 7),
    ("湖北省", "宜昌市", ("420500", "420502"), "0717", 1),
    ("湖北省", "襄阳市", ("420600", "420606"), "0710", 1),
    ("湖南省", "长沙市", ("430100", "430104", "430111"), "0731", 5),
    ("湖南省", "株洲市", ("430200", "430211"), "0731", 2),
    ("广东省", "广州市", ("440106", "440112", "440113"), "020", 9),
    ("广东省", "深圳市", ("440305", "440304", "440306", "440307"), "0755", 11),
    ("广东省", "东莞市", ("441900",), "0769", 4),
    ("广东省", "佛山市", ("440600", "440606"), "0757", 4),
    ("广东省", "珠海市", ("440400", "440402"), "0756", 2),
    ("广西壮族自治区", "南宁市", ("450100", "450103"), "0771", 2),
    ("广西壮族自治区", "柳州市", ("450200", "450204"), "0772", 1),
    ("海南省", "海口市", ("460100", "460106"), "0898", 1),
    ("四川省", "成都市", ("510107", "510116", "510100"), "028", 7),
    ("四川省", "绵阳市", ("510700", "510703"), "0816", 2),
    ("贵州省", "贵阳市", ("520100", "520115"), "0851", 2),
    ("云南省", "昆明市", ("530100", "530102"), "0871", 2),
    ("陕西省", "西安市", ("610113", "610116", "610100"), "029", 7),
    ("陕西省", "宝鸡市", ("610300", "610302"), "0917", 1),
    ("甘肃省", "兰州市", ("620100", "620102"), "0931", 1),
    ("青海省", "西宁市", ("630100", "630104"), "0971", 1),
    ("宁夏回族自治区", "银川市", ("640100", "640104"), "0951", 1),
    ("新疆维吾尔自治区", "乌鲁木齐市", ("650100", "650102"), "0991", 1),
)
_CITY_WEIGHTS = [c[4] for c in _CITIES]
_CITY_INDEX = {c[1]: i for i, c in enumerate(_CITIES)}


def _short_city(city: str) -> str:
    return city[:-1] if city.endswith("市") else city


# --------------------------------------------------------------------------- names


def _words(text: str) -> list[str]:
    return text.split()


_SURNAMES = _words(
    "王wang 李li 张zhang 刘liu 陈chen 杨yang 黄huang 赵zhao 吴wu 周zhou 徐xu 孙sun 马ma 朱zhu "
    "胡hu 郭guo 何he 林lin 罗luo 高gao 郑zheng 梁liang 谢xie 宋song 唐tang 许xu 韩han 冯feng "
    "邓deng 曹cao 彭peng 曾zeng 肖xiao 田tian 董dong 潘pan 袁yuan 蒋jiang 蔡cai 余yu 杜du 叶ye "
    "程cheng 魏wei 苏su 吕lv 丁ding 沈shen 任ren 姚yao 卢lu 钟zhong 姜jiang 崔cui 谭tan 陆lu "
    "范fan 金jin 石shi 贾jia 夏xia 方fang 邹zou 熊xiong 孟meng 秦qin 白bai 薛xue 尹yin 段duan "
    "雷lei 史shi 龙long 陶tao 贺he 顾gu 毛mao 郝hao 龚gong 邵shao 万wan 钱qian 严yan 武wu 戴dai"
)
_GIVEN = _words(
    "伟wei 芳fang 娜na 敏min 静jing 丽li 强qiang 磊lei 军jun 洋yang 勇yong 艳yan 杰jie 涛tao "
    "明ming 超chao 霞xia 平ping 刚gang 文wen 华hua 建jian 国guo 志zhi 红hong 海hai 宇yu 浩hao "
    "鹏peng 辉hui 林lin 晨chen 欣xin 婷ting 雪xue 琳lin 晓xiao 博bo 斌bin 峰feng 颖ying 佳jia "
    "思si 怡yi 梦meng 凯kai 俊jun 帆fan 睿rui 哲zhe 瑶yao 雯wen 蕾lei 健jian 毅yi 翔xiang "
    "晶jing 慧hui 倩qian 昊hao 天tian 子zi 立li 新xin 春chun 云yun 玉yu 清qing 永yong 振zhen "
    "德de 光guang 成cheng 亮liang 东dong 锋feng 岩yan 琦qi 璐lu 楠nan 阳yang 蓉rong 嘉jia 泽ze 铭ming"
)


def _pair(token: str) -> tuple[str, str]:
    cut = next(i for i, ch in enumerate(token) if ch.isascii())
    return token[:cut], token[cut:]


_SURNAME_PAIRS = [_pair(t) for t in _SURNAMES]
_GIVEN_PAIRS = [_pair(t) for t in _GIVEN]

# Invented two-character brand names are drawn from these halves.
_BRAND_A = "精华瑞恒博科汇启鼎微晶睿宏致众德融泓澜卓嘉昊润越锐凌星景铂弘"
_BRAND_B = "测芯能新远创智航达盛纳视图驰源晟明光通峰宇辰衡联拓"
_BRAND_AVOID = {"华为", "天合", "晶合", "华通", "华能", "宏达", "华盛", "华达", "华明", "科达",
                "华新", "华宇", "华源", "华创", "华测", "德明", "科创", "华联", "华视", "瑞联"}
_FIRM_ENDINGS = ("科技", "技术", "装备", "药业", "制药", "电子", "电气", "机床", "工程", "仪器",
                 "仪表", "服务", "材料", "化工", "种业", "半导体", "微电子", "集成电路", "软件",
                 "医药", "器械", "咨询")
_HONOURS = ("国家高新技术企业", "专精特新“小巨人”企业", "省级专精特新中小企业", "科技型中小企业")

# Invented university and institute name stems, some tied to the province they evoke.
_STEMS: tuple[tuple[str, str | None], ...] = (
    ("东海", None), ("江淮", "安徽省"), ("云岭", "云南省"), ("北辰", None), ("南湖", None),
    ("西岭", "四川省"), ("滨江", None), ("青峰", None), ("临江", None), ("明湖", None),
    ("沧澜", None), ("华岳", "陕西省"), ("秦川", "陕西省"), ("楚天", "湖北省"), ("星海", None),
    ("长岭", None), ("翠屏", None), ("汉江", "湖北省"), ("洞庭", "湖南省"), ("太湖", "江苏省"),
    ("钱塘", "浙江省"), ("闽江", "福建省"), ("黄海", "山东省"), ("燕赵", "河北省"),
    ("天山", "新疆维吾尔自治区"), ("昆仑", "青海省"), ("峨眉", "四川省"), ("嵩阳", "河南省"),
    ("衡岳", "湖南省"), ("雁荡", "浙江省"), ("赣江", "江西省"), ("珠江", "广东省"),
    ("鹏城", "广东省"), ("申江", "上海市"), ("京华", "北京市"), ("津门", "天津市"),
    ("巴渝", "重庆市"), ("松花江", "黑龙江省"), ("长白", "吉林省"), ("辽海", "辽宁省"),
    ("八桂", "广西壮族自治区"), ("黔中", "贵州省"), ("陇原", "甘肃省"), ("琼州", "海南省"),
    ("三晋", "山西省"), ("塞北", "内蒙古自治区"), ("宁川", "宁夏回族自治区"), ("金陵", "江苏省"),
    ("瓯江", "浙江省"), ("皖南", "安徽省"),
)
_UNIVERSITY_TYPES: dict[Field | None, tuple[str, ...]] = {
    None: ("理工大学", "工业大学", "科技大学", "工程大学", "理工学院", "工程学院"),
    Field.ELECTRONIC_INFORMATION: ("电子科技大学", "信息工程大学", "邮电大学"),
    Field.BIO_MEDICINE: ("医科大学", "农业大学", "药科大学", "农林大学"),
    Field.AEROSPACE: ("航空航天大学", "航空大学"),
    Field.NEW_MATERIALS: ("化工大学", "材料科技大学"),
    Field.HIGH_TECH_SERVICES: ("财经大学", "师范大学"),
    Field.NEW_ENERGY: ("电力大学", "能源科技学院"),
    Field.RESOURCES_ENVIRONMENT: ("地质大学", "海洋大学", "石油大学"),
    Field.ADVANCED_MANUFACTURING: ("机械工程学院", "交通大学"),
}
_INSTITUTE_TYPES: dict[Field, tuple[str, ...]] = {
    Field.ELECTRONIC_INFORMATION: ("信息技术研究院", "集成电路研究所", "人工智能研究院"),
    Field.BIO_MEDICINE: ("生物医药研究院", "中药研究所", "农业生物技术研究所"),
    Field.AEROSPACE: ("航空技术研究院", "空天信息研究院", "无人系统研究院", "导航技术研究所"),
    Field.NEW_MATERIALS: ("材料研究院", "新材料研究所", "先进材料研究院"),
    Field.HIGH_TECH_SERVICES: ("工业设计研究院", "标准化与检测研究院", "科技情报研究所"),
    Field.NEW_ENERGY: ("能源研究院", "氢能研究所", "新能源技术研究院"),
    Field.RESOURCES_ENVIRONMENT: ("环境科学研究院", "生态环境研究所", "矿产资源研究所"),
    Field.ADVANCED_MANUFACTURING: ("先进制造研究院", "智能装备研究所", "机械科学研究院"),
}
_AGENCY_KINDS = ("技术转移服务有限公司", "知识产权运营有限公司", "科技成果转化服务中心",
                 "技术交易服务中心", "科技咨询有限公司", "创新服务有限公司")

# Fields get listings in these proportions (every field keeps well over 25 per 320).
_FIELD_WEIGHTS: dict[Field, float] = {
    Field.ELECTRONIC_INFORMATION: 1.35, Field.ADVANCED_MANUFACTURING: 1.3,
    Field.NEW_ENERGY: 1.2, Field.NEW_MATERIALS: 1.05, Field.BIO_MEDICINE: 1.05,
    Field.RESOURCES_ENVIRONMENT: 0.9, Field.HIGH_TECH_SERVICES: 0.8, Field.AEROSPACE: 0.75,
}

_CN_NUM = "一二三四五六七八九十"

# --------------------------------------------------------------------------- text banks

_NEED_OPENERS = (
    "公司成立于{year}年，是{province}一家面向{app}等领域的高新技术企业，现有员工{emp}余人。",
    "随着{app}市场需求快速增长，公司在{term}方面的技术短板日益突出。",
    "我司主要为{app}领域客户提供产品与服务，年营业收入约{rev}亿元，研发投入占比{pct}%。",
    "公司正在推进生产经营的数字化、智能化升级，{name}是本年度重点攻关方向之一。",
    "近年来公司{app}相关业务保持较快增长，对{term}提出了更高要求。",
)
_NEED_CLOSERS = (
    "现面向高校、科研院所公开征集技术解决方案，希望通过产学研合作共同攻关。",
    "希望与具备相关研究基础的团队合作，尽快实现技术突破并在现场完成验证。",
    "拟寻求成熟技术或联合开发，项目成果的知识产权归属由双方协商确定。",
    "要求合作方具备相关工程化经验，能够提供现场技术支持与人员培训。",
    "该项目已列入公司年度重点研发计划，配套资金已落实。",
)
_NEED_BASIS = (
    "公司设有{level}企业技术中心，研发人员{k}人，已初步完成{term}技术方案调研，可提供现场试验条件。",
    "现有{app}相关生产线{n}条，可提供充足的测试样品与中试验证环境。",
    "前期已投入约{x}万元开展自主研发，在{term}方面取得一定进展，但关键问题尚未解决。",
    "已与设备供应商开展过{term2}相关的初步试验，效果未达预期，积累了约{d}组试验数据。",
    "公司拥有授权专利{p}项，其中发明专利{q}项，并与{province}多所高校保持长期合作。",
    "已建成中试平台，具备小批量试制与检测条件，可配套研发经费和测试人员。",
    "已组建由{k}人组成的专项攻关小组，由公司技术副总负责项目对接。",
)
_RESULT_INTROS = (
    "该成果由{org}{lead}{rank}团队研发，面向{app}、{app2}等领域对{term}的迫切需求。",
    "针对{app}领域{obj}相关的技术瓶颈，{org}{lead}{rank}团队经过{years}年攻关形成本成果。",
    "本成果是{org}在{name}方向的代表性成果，依托{lab}完成研发。",
    "{org}{lead}{rank}团队长期从事{name}研究，本成果围绕{term}与{term2}展开。",
)
_RESULT_LEVELS = ("整体技术达到国内领先水平", "主要指标达到国际同类产品先进水平",
                  "综合性能优于同类进口产品", "经专家评价达到国内先进水平")
_LABS = ("省部级重点实验室", "省级工程技术研究中心", "国家地方联合工程研究中心", "校企联合实验室")
_STEPS = ("开展现场调研与需求细化，明确{term}关键指标",
          "完成{obj}相关小试实验与方案优化",
          "完成样机或工艺包开发并开展中试验证",
          "在贵方现场部署调试，并完成操作人员培训",
          "整理技术文档并配合完成项目验收")
_ACCEPTANCE = ("以双方确认的技术指标为准，由第三方检测机构出具测试报告",
               "在贵方现场连续稳定运行{n}个月并达到合同约定指标",
               "按合同约定的指标逐项测试，双方联合验收")
_MIDDLES: dict[ResultForm, tuple[str, ...]] = {
    ResultForm.SOFTWARE: ("软件开发与联调测试", "算法开发与数据验证"),
    ResultForm.DEVICE: ("样机研制与台架试验", "关键部件研制与联调测试"),
    ResultForm.PRODUCT: ("样品试制与性能测试", "样机研制与台架试验"),
    ResultForm.MATERIAL: ("小试配方优化与中试放大", "材料制备与性能评价"),
    ResultForm.PROCESS: ("工艺开发与中试放大", "小试工艺优化与验证"),
    ResultForm.PLANT_VARIETY: ("多点品比试验与示范种植",),
}
_DEFAULT_MIDDLES = ("技术方案细化与小试验证", "关键技术攻关与中试验证")

_NEED_MODE_WEIGHTS = {
    CooperationMode.COMMISSIONED_DEVELOPMENT: 35, CooperationMode.JOINT_DEVELOPMENT: 30,
    CooperationMode.TECHNICAL_SERVICE: 12, CooperationMode.TRANSFER: 10,
    CooperationMode.LICENSE: 7, CooperationMode.CONSULTING: 6,
}
_RESULT_MODE_WEIGHTS = {
    CooperationMode.TRANSFER: 30, CooperationMode.LICENSE: 25,
    CooperationMode.JOINT_DEVELOPMENT: 15, CooperationMode.EQUITY: 10,
    CooperationMode.TECHNICAL_SERVICE: 10, CooperationMode.COMMISSIONED_DEVELOPMENT: 5,
    CooperationMode.CONSULTING: 5,
}
_TRL_WEIGHTS = {1: 2, 2: 3, 3: 8, 4: 14, 5: 18, 6: 20, 7: 16, 8: 12, 9: 7}


def _nice(value: float) -> Decimal:
    """Round an amount in 万元 the way people write budgets: 7.5, 35, 120, 1500."""
    if value < 20:
        return Decimal(str(round(value * 2) / 2)).normalize()
    step = 5 if value < 100 else 10 if value < 1000 else 50
    return Decimal(int(round(value / step) * step))


class _Builder:
    """Builds one world; every random draw goes through ``self.rng`` in a fixed order."""

    def __init__(self, seed: int, sizes: Sizes) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.sizes = sizes
        self.world = World()
        self.names: set[str] = set()
        self.credit_codes: set[str] = set()
        self.ip_numbers: set[str] = set()
        self.user_count = 0
        # organisation key -> (kind, topics, city, user keys)
        self.org_topics: dict[str, list[Topic]] = {}
        self.org_users: dict[str, list[str]] = defaultdict(list)
        self.org_by_key: dict[str, Item] = {}
        self.titles: dict[str, set[str]] = {"need": set(), "result": set()}
        self.org_titles: set[tuple[str, str]] = set()

    # ------------------------------------------------------------------ helpers
    def pick(self, items: Sequence[T]) -> T:
        return items[self.rng.randrange(len(items))]

    def weighted(self, weights: Mapping[T, float]) -> T:
        keys = list(weights)
        return self.rng.choices(keys, weights=[weights[k] for k in keys])[0]

    def sample_modes(self, weights: dict[CooperationMode, int], most: int) -> list[str]:
        k = self.rng.choices((1, 2, 3), weights=(45, 40, 15))[0]
        pool = dict(weights)
        chosen: list[CooperationMode] = []
        while pool and len(chosen) < min(k, most):
            mode = self.weighted(pool)
            chosen.append(mode)
            del pool[mode]
        return [m.value for m in chosen]

    def city(self) -> int:
        return self.rng.choices(range(len(_CITIES)), weights=_CITY_WEIGHTS)[0]

    def person(self) -> tuple[str, str]:
        """A Chinese name and its pinyin as ``surname.given``."""
        sur, sur_py = self.pick(_SURNAME_PAIRS)
        given, given_py = self.pick(_GIVEN_PAIRS)
        if self.rng.random() < 0.6:
            g2, g2_py = self.pick(_GIVEN_PAIRS)
            if g2 != given:
                given, given_py = given + g2, given_py + g2_py
        return sur + given, f"{sur_py}.{given_py}"

    def phone(self, area: str) -> str:
        if self.rng.random() < 0.6:
            return f"{area}-{self.rng.randint(5, 8)}{self.rng.randrange(10 ** 7):07d}"
        prefix = self.pick(("13", "15", "18", "17", "19"))
        return f"{prefix}{self.rng.randint(0, 9)}{self.rng.randrange(10 ** 8):08d}"

    def unique_name(self, make: Callable[[], str],
                    variants: Callable[[], Sequence[str]] | None = None) -> str:
        """A name from ``make`` not used yet; at huge scales, a variant of one."""
        for _ in range(40):
            name = make()
            if name not in self.names:
                self.names.add(name)
                return name
        base = make()
        for suffix in [*(variants() if variants else ()), *(f"（{i}）" for i in range(2, 10000))]:
            name = f"{base}{suffix}"
            if name not in self.names:
                self.names.add(name)
                return name
        raise RuntimeError("ran out of organisation names")  # pragma: no cover

    def credit_code(self, first: str, divisions: Sequence[str], name: str) -> str:
        """A valid code drawn from the organisation's name, so worlds of other scales agree."""
        rng = random.Random(f"credit-code:{self.seed}:{name}")
        division = divisions[rng.randrange(len(divisions))]
        while True:
            if first == "91" and rng.random() < 0.55:
                body = "MA" + "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(6))
            else:
                body = f"{rng.randrange(10 ** 8):08d}"
            org_code = body + _org_code_check(body)
            first17 = first + division + org_code
            code = first17 + credit_code_check_char(first17)
            if code not in self.credit_codes:
                self.credit_codes.add(code)
                return code

    def context(self, topic: Topic) -> dict[str, str]:
        objs = self.rng.sample(topic.objects, 2)
        terms = self.rng.sample(topic.terms, 2)
        apps = self.rng.sample(topic.apps, 2)
        return {"obj": objs[0], "obj2": objs[1], "term": terms[0], "term2": terms[1],
                "app": apps[0], "app2": apps[1], "name": topic.name}

    def title(self, kind: str, org_key: str, topic: Topic, templates: tuple[str, ...],
              ctx: dict[str, str]) -> str:
        """A title of 8-40 characters, unique within the organisation and, if possible, overall."""
        seen = self.titles[kind]
        fallback = ""
        for attempt in range(30):
            if attempt:
                ctx.update(self.context(topic))
            text = self.pick(templates).format(**ctx)
            if not 8 <= len(text) <= 40 or (org_key, text) in self.org_titles:
                continue
            fallback = fallback or text
            if text not in seen:
                break
        else:
            text = fallback or topic.name
            n = 2
            while (org_key, text) in self.org_titles:
                phase = _CN_NUM[n - 1] if n <= 10 else str(n)
                text = f"{fallback or topic.name}（{phase}期）"
                n += 1
        seen.add(text)
        self.org_titles.add((org_key, text))
        return text

    def keywords(self, topic: Topic, ctx: dict[str, str]) -> list[str]:
        words = [w for w in (ctx["term"], ctx["term2"]) if " " not in w]
        others = [t for t in topic.terms if t not in words and " " not in t]
        words += self.rng.sample(others, min(len(others), self.rng.randint(1, 3)))
        if self.rng.random() < 0.4 and " " not in ctx["obj"] and len(ctx["obj"]) <= 12:
            words.append(ctx["obj"])
        return words[:6]

    def money(self, tiers: Sequence[tuple[float, float, float]]) -> Decimal:
        lo, hi = self.rng.choices([(t[0], t[1]) for t in tiers], weights=[t[2] for t in tiers])[0]
        return _nice(self.rng.uniform(lo, hi))

    def ip_number(self, kind: IPType) -> str:
        while True:
            # invention patents take years to be granted; utility models about one
            year = self.rng.randint(2015, 2022 if kind is IPType.INVENTION_PATENT else 2024)
            if kind in (IPType.INVENTION_PATENT, IPType.UTILITY_MODEL, IPType.DESIGN_PATENT):
                digit = {IPType.INVENTION_PATENT: "1", IPType.UTILITY_MODEL: "2",
                         IPType.DESIGN_PATENT: "3"}[kind]
                digits = f"{year}{digit}{self.rng.randrange(10 ** 7):07d}"
                number = f"ZL{digits}.{_patent_check(digits)}"
            elif kind is IPType.SOFTWARE_COPYRIGHT:
                number = f"{year}SR{self.rng.randrange(10 ** 7):07d}"
            elif kind is IPType.PLANT_VARIETY_RIGHT:
                number = f"CNA{year}{self.rng.randrange(10 ** 4):04d}.{self.rng.randint(0, 9)}"
            else:  # trade secrets carry an internal filing number
                number = f"JM-{year}-{self.rng.randrange(1000):03d}"
            if number not in self.ip_numbers:
                self.ip_numbers.add(number)
                return number

    # ------------------------------------------------------------------ build
    def build(self) -> World:
        self.organizations()
        self.users()
        self.needs()
        self.results()
        self.solutions()
        return self.world

    def field_plan(self, n: int) -> list[Field]:
        """``n`` fields in the target proportions, every field at least once, shuffled."""
        total = sum(_FIELD_WEIGHTS.values())
        quotas = {f: n * w / total for f, w in _FIELD_WEIGHTS.items()}
        counts = {f: int(q) for f, q in quotas.items()}
        rest = sorted(quotas, key=lambda f: quotas[f] - counts[f], reverse=True)
        for f in rest[: n - sum(counts.values())]:
            counts[f] += 1
        plan = [f for f in Field for _ in range(counts[f])]
        self.rng.shuffle(plan)
        if n >= len(Field):  # make sure each field appears at least once
            missing = [f for f in Field if f not in plan]
            for i, f in enumerate(missing):
                plan[i] = f
        return plan

    def add_org(self, kind: str, name: str, city_index: int, code_first: str,
                topics: list[Topic], description: str, *, force_verified: bool = False) -> Item:
        province, city, divisions, _area, _w = _CITIES[city_index]
        key = f"org-{len(self.world.organizations) + 1:04d}"
        has_code = force_verified or self.rng.random() < 0.8
        code = self.credit_code(code_first, divisions, name) if has_code else None
        verified = force_verified or self.rng.random() < (0.93 if has_code else 0.3)
        org = {"key": key, "name": name, "kind": kind, "province": province, "city": city,
               "credit_code": code, "verified": verified, "description": description}
        self.world.organizations.append(org)
        self.org_by_key[key] = org
        self.org_topics[key] = topics
        return org

    def topics_for(self, fields: list[Field], low: int, high: int) -> list[Topic]:
        out: list[Topic] = []
        for f in fields:
            bank = TOPICS_BY_FIELD[f]
            out += self.rng.sample(bank, min(len(bank), self.rng.randint(low, high)))
        return out

    def organizations(self) -> None:
        s = self.sizes
        for i, primary in enumerate(self.field_plan(s.enterprises)):
            fields = [primary]
            if self.rng.random() < 0.3:
                fields.append(self.pick([f for f in Field if f is not primary]))
            topics = self.topics_for(fields, 2, 3)
            self.enterprise(topics, force_verified=(i == 0))
        for i, primary in enumerate(self.field_plan(s.universities)):
            others = [f for f in Field if f is not primary]
            fields = [primary, *self.rng.sample(others, self.rng.randint(1, 2))]
            self.university(primary, self.topics_for(fields, 2, 3), force_verified=(i == 0))
        for primary in self.field_plan(s.institutes):
            fields = [primary]
            if self.rng.random() < 0.4:
                fields.append(self.pick([f for f in Field if f is not primary]))
            self.institute(primary, self.topics_for(fields, 2, 4))
        self.add_org("agency", OPERATIONS_CENTER, _CITY_INDEX["上海市"], "91", [],
                     f"{OPERATIONS_CENTER}负责平台的日常运营、需求挖掘、成果审核与供需对接活动组织。",
                     force_verified=True)
        self.names.add(OPERATIONS_CENTER)
        for _ in range(s.agencies - 1):
            self.agency()

    def enterprise(self, topics: list[Topic], force_verified: bool) -> None:
        ci = self.city()
        city = _CITIES[ci][1]
        firm_topic = topics[0]
        brand_holder: list[str] = []

        def make() -> str:
            brand = self.brand()
            brand_holder[:] = [brand]
            firm = self.pick(firm_topic.firms)
            if not firm.endswith(_FIRM_ENDINGS):
                firm += "科技"
            suffix = self.rng.choices(("有限公司", "股份有限公司", "集团有限公司"), (62, 30, 8))[0]
            return f"{_short_city(city)}{brand}{firm}{suffix}"

        name = self.unique_name(make)
        short = brand_holder[0] + "公司"
        names = "、".join(t.name for t in topics[:2])
        apps = "、".join(self.rng.sample(firm_topic.apps, 2))
        objs = "、".join(self.rng.sample(firm_topic.objects, 2))
        description = self.pick((
            f"{short}成立于{self.rng.randint(1996, 2021)}年，是一家专注于{names}的"
            f"{self.pick(_HONOURS)}，主要服务{apps}等领域客户。",
            f"公司主营{objs}等相关产品与服务，拥有授权专利{self.rng.randint(8, 160)}项，"
            f"是{_CITIES[ci][0]}{self.pick(_HONOURS)}。",
            f"{short}深耕{apps}领域{self.rng.randint(5, 25)}年，在{names}方面具有较强的工程化能力，"
            f"现有员工{self.rng.randint(1, 30) * 50}余人。",
        ))
        self.add_org("enterprise", name, ci, "91", topics, description,
                     force_verified=force_verified)

    def brand(self) -> str:
        while True:
            brand = self.pick(_BRAND_A) + self.pick(_BRAND_B)
            if brand[0] != brand[1] and brand not in _BRAND_AVOID:
                return brand

    def stem_and_city(self) -> tuple[str, int]:
        stem, province = self.pick(_STEMS)
        if province is None:
            return stem, self.city()
        options = [i for i, c in enumerate(_CITIES) if c[0] == province]
        return stem, self.rng.choices(options, weights=[_CITIES[i][4] for i in options])[0]

    def university(self, primary: Field, topics: list[Topic], force_verified: bool) -> None:
        holder: list[int] = []

        def make() -> str:
            stem, ci = self.stem_and_city()
            holder[:] = [ci]
            kinds = _UNIVERSITY_TYPES[None] + _UNIVERSITY_TYPES[primary] * 2
            return stem + self.pick(kinds)

        name = self.unique_name(make, lambda: [f"（{_short_city(_CITIES[holder[0]][1])}校区）"])
        ci = holder[0]
        names = "、".join(t.name for t in topics[:2])
        description = (
            f"{name}是{_CITIES[ci][0]}{self.pick(('省属重点', '省部共建', '地方骨干'))}高校，"
            f"在{names}等方向建有{self.pick(_LABS)}，近年来科技成果转化合同金额持续增长。"
        )
        self.add_org("university", name, ci, "12", topics, description,
                     force_verified=force_verified)

    def institute(self, primary: Field, topics: list[Topic]) -> None:
        holder: list[int] = []

        def make() -> str:
            stem, ci = self.stem_and_city()
            if self.rng.random() < 0.4:
                ci = self.city()
                stem = _short_city(_CITIES[ci][1])
            holder[:] = [ci]
            return stem + self.pick(_INSTITUTE_TYPES[primary])

        name = self.unique_name(make)
        ci = holder[0]
        names = "、".join(t.name for t in topics[:2])
        description = self.pick((
            f"{name}成立于{self.rng.randint(1958, 2015)}年，是{_CITIES[ci][0]}属科研事业单位，"
            f"主要从事{names}等领域的应用研究与技术服务。",
            f"{name}是由地方政府与高校共建的新型研发机构，聚焦{names}，"
            f"已孵化科技企业{self.rng.randint(5, 60)}家。",
        ))
        self.add_org("institute", name, ci, "12", topics, description)

    def agency(self) -> None:
        holder: list[int] = []

        def make() -> str:
            ci = self.city()
            holder[:] = [ci]
            return _short_city(_CITIES[ci][1]) + self.brand() + self.pick(_AGENCY_KINDS)

        name = self.unique_name(make)
        ci = holder[0]
        first = "52" if name.endswith("中心") else "91"
        description = (
            f"{name}是{_CITIES[ci][0]}认定的技术转移示范机构，提供技术经纪、成果评价、"
            f"知识产权运营和科技金融对接等服务，拥有持证技术经纪人{self.rng.randint(4, 40)}名。"
        )
        self.add_org("agency", name, ci, first, [], description)

    # ------------------------------------------------------------------ users
    def add_user(self, org_key: str, role: str, email: str | None = None) -> Item:
        self.user_count += 1
        n = self.user_count
        name, pinyin = self.person()
        user = {"key": f"user-{n:04d}", "email": email or f"{pinyin}.{n:04d}@{EMAIL_DOMAIN}",
                "name": name, "org_key": org_key, "role": role, "password": DEMO_PASSWORD}
        self.world.users.append(user)
        self.org_users[org_key].append(user["key"])
        return user

    def users(self) -> None:
        orgs = self.world.organizations
        first_enterprise = next(o for o in orgs if o["kind"] == "enterprise")
        first_university = next(o for o in orgs if o["kind"] == "university")
        centre = next(o for o in orgs if o["name"] == OPERATIONS_CENTER)
        self.add_user(first_enterprise["key"], "member", FIXED_ACCOUNTS["enterprise"])
        self.add_user(first_university["key"], "member", FIXED_ACCOUNTS["institute"])
        self.add_user(centre["key"], "operator", FIXED_ACCOUNTS["operator"])
        brokers_left = 5
        agencies = [o for o in orgs if o["kind"] == "agency" and o is not centre]
        for org in orgs:
            wanted = self.rng.choices((1, 2, 3), weights=(30, 45, 25))[0]
            if org is centre:
                wanted = self.rng.randint(2, 3)
                role = "operator"
            elif org["kind"] == "agency":
                role = "broker"
                remaining = len(agencies) - agencies.index(org) - 1
                wanted = max(wanted, min(3, brokers_left - 3 * remaining))
                brokers_left -= wanted
            else:
                role = "member"
            while len(self.org_users[org["key"]]) < wanted:
                self.add_user(org["key"], role)

    # ------------------------------------------------------------------ needs
    def needs(self) -> None:
        by_field: dict[Field, list[Item]] = defaultdict(list)
        for org in self.world.organizations:
            if org["kind"] == "enterprise":
                for f in {t.field for t in self.org_topics[org["key"]]}:
                    by_field[f].append(org)
        for f in sorted(by_field, key=list(Field).index):
            by_field[f].sort(key=lambda o: o["key"])
        for field in self.field_plan(self.sizes.needs):
            org = self.pick(by_field[field]) if by_field[field] else self.pick(
                [o for o in self.world.organizations if o["kind"] == "enterprise"])
            own = [t for t in self.org_topics[org["key"]] if t.field is field]
            topic = self.pick(own) if own and self.rng.random() < 0.85 else self.pick(
                TOPICS_BY_FIELD[field])
            self.need(org, topic)

    def need(self, org: Item, topic: Topic) -> None:
        rng = self.rng
        key = f"need-{len(self.world.needs) + 1:04d}"
        ctx = self.context(topic)
        title = self.title("need", org["key"], topic, topic.need_titles, ctx)
        fill = dict(ctx, year=str(rng.randint(1998, 2020)), province=org["province"],
                    emp=str(rng.randint(2, 40) * 50), rev=str(rng.randint(1, 30)),
                    pct=str(rng.randint(3, 12)), k=str(rng.randint(8, 120)),
                    n=str(rng.randint(2, 12)), x=str(rng.randint(3, 60) * 10),
                    d=str(rng.randint(3, 50) * 10), p=str(rng.randint(10, 120)),
                    q=str(rng.randint(2, 30)), level=self.pick(("国家级", "省级", "市级")))
        pains = [p.format(**ctx) for p in rng.sample(topic.pains, len(topic.pains))]
        parts = pains[:2]
        if rng.random() < 0.75:
            parts.insert(0, self.pick(_NEED_OPENERS).format(**fill))
        closer = self.pick(_NEED_CLOSERS)
        if rng.random() < 0.75:
            parts.append(closer)
        problem = "".join(parts)
        extra = [*pains[2:], *(() if closer in parts else (closer,))]
        while len(problem) < 80 and extra:
            problem += extra.pop(0)
        while len(problem) > 300:
            parts.pop(0)
            problem = "".join(parts)
        specs = rng.sample(topic.specs, rng.randint(3, min(4, len(topic.specs))))
        indicators = "，".join(s.render(rng) for s in specs)
        if topic.reqs and rng.random() < 0.6:
            indicators += "；" + self.pick(topic.reqs)
        indicators += "。"
        basis_parts = [b.format(**fill) for b in rng.sample(_NEED_BASIS, rng.randint(1, 2))]
        basis = "".join(basis_parts)
        if len(basis) > 150:
            basis = basis_parts[0]
        if rng.random() < 0.25:
            budget_min = budget_max = None
        else:
            budget_min = self.money(((5, 50, 40), (30, 300, 42), (200, 1200, 18)))
            budget_max = min(Decimal(2000), _nice(float(budget_min) * self.pick((1, 1.5, 2, 2, 3))))
            budget_max = max(budget_max, budget_min)
        if rng.random() < 0.9:
            province, city = org["province"], org["city"]
        else:
            other = _CITIES[self.city()]
            province, city = other[0], other[1]
        status = rng.choices(("published", "draft", "closed"), weights=(85, 8, 7))[0]
        valid_days = rng.choices((90, 180, 270, 365, 540, 720), weights=(10, 25, 10, 35, 10, 10))[0]
        if status == "draft":
            published: int | None = None
        elif status == "closed":
            published = rng.randint(30, 540)
        elif rng.random() < 0.92:  # still open
            published = rng.randint(0, min(540, valid_days - 1))
        else:  # published but past its validity: shows as expired
            published = rng.randint(valid_days, 540) if valid_days < 540 else 539
        need = {
            "key": key, "org_key": org["key"], "author_key": self.pick(self.org_users[org["key"]]),
            "title": title, "problem": problem, "indicators": indicators, "basis": basis,
            "field": topic.field.value, "subfield": topic.subfield,
            "keywords": self.keywords(topic, ctx),
            "budget_min_wan": budget_min, "budget_max_wan": budget_max,
            "modes": self.sample_modes(_NEED_MODE_WEIGHTS, 3),
            "province": province, "city": city, "valid_days": valid_days, "status": status,
            "show_org_name": rng.random() < 0.85, "published_days_ago": published,
        }
        self.world.needs.append(need)
        self.world.topic_of[key] = topic.key

    # ------------------------------------------------------------------ results
    def results(self) -> None:
        by_field: dict[Field, list[Item]] = defaultdict(list)
        institutions = [o for o in self.world.organizations
                        if o["kind"] in ("university", "institute")]
        for org in institutions:
            for f in {t.field for t in self.org_topics[org["key"]]}:
                by_field[f].append(org)
        for f in by_field:
            by_field[f].sort(key=lambda o: o["key"])
        for field in self.field_plan(self.sizes.results):
            org = self.pick(by_field[field]) if by_field[field] else self.pick(institutions)
            own = [t for t in self.org_topics[org["key"]] if t.field is field]
            topic = self.pick(own) if own and self.rng.random() < 0.9 else self.pick(
                TOPICS_BY_FIELD[field])
            self.result(org, topic)

    def result(self, org: Item, topic: Topic) -> None:
        rng = self.rng
        key = f"result-{len(self.world.results) + 1:04d}"
        ctx = self.context(topic)
        title = self.title("result", org["key"], topic, topic.result_titles, ctx)
        lead, _ = self.person()
        rank = self.pick(("教授", "教授", "研究员", "副教授")) if org["kind"] == "university" \
            else self.pick(("研究员", "研究员", "正高级工程师", "高级工程师"))
        form = self.pick(topic.forms)
        trl = self.weighted(_TRL_WEIGHTS)
        if form is ResultForm.SOFTWARE:
            trl = max(trl, 4)
        ip = self.ip_list(form)
        modes = self.sample_modes(_RESULT_MODE_WEIGHTS, 3)
        fill = dict(ctx, org=org["name"], lead=lead, rank=rank, years=str(rng.randint(3, 12)),
                    lab=self.pick(_LABS))
        methods = rng.sample(topic.methods, 2)
        specs = rng.sample(topic.specs, rng.randint(3, min(4, len(topic.specs))))
        parts = [
            self.pick(_RESULT_INTROS).format(**fill),
            f"主要技术特点：一是{methods[0].format(**ctx)}；二是{methods[1].format(**ctx)}。",
            f"{self.pick(('经第三方检测，', '关键性能指标：', '经用户现场测试，'))}"
            f"{'，'.join(s.render(rng, better=True) for s in specs)}，{self.pick(_RESULT_LEVELS)}。",
            self.stage(trl, ctx),
            _ip_sentence(ip),
            "现寻求" + "、".join(MODE_LABELS[CooperationMode(m)] for m in modes) + "等方式合作。",
        ]
        summary = "".join(parts)
        if len(summary) > 500:
            summary = "".join(parts[:3] + parts[4:])
        team = (
            f"{lead}{rank}团队现有成员{rng.randint(6, 30)}人，其中高级职称{rng.randint(2, 8)}人、"
            f"博士{rng.randint(2, 12)}人，长期从事{topic.name}相关研究，近五年承担国家及省部级科研项目"
            f"{rng.randint(3, 25)}项，发表高水平论文{rng.randint(10, 120)}篇。"
        )
        contact = lead if rng.random() < 0.55 else self.person()[0]
        status = rng.choices(("published", "draft", "withdrawn"), weights=(90, 5, 5))[0]
        published = None if status == "draft" else (
            rng.randint(60, 720) if status == "withdrawn" else rng.randint(0, 720))
        price = None if rng.random() < 0.35 else self.money(
            ((10, 80, 45), (50, 400, 40), (300, 1500, 15)))
        result = {
            "key": key, "org_key": org["key"], "author_key": self.pick(self.org_users[org["key"]]),
            "title": title, "summary": summary, "field": topic.field.value,
            "subfield": topic.subfield, "keywords": self.keywords(topic, ctx), "form": form.value,
            "trl": trl, "ip": ip, "modes": modes, "price_wan": price, "team": team,
            "contact_name": contact, "contact_phone": self.phone(_CITIES[_CITY_INDEX[org["city"]]][3]),
            "status": status, "published_days_ago": published,
        }
        self.world.results.append(result)
        self.world.topic_of[key] = topic.key

    def stage(self, trl: int, ctx: dict[str, str]) -> str:
        rng = self.rng
        if trl <= 3:
            return "目前处于实验室研究阶段，已完成原理验证，适合与企业联合开展后续开发。"
        if trl <= 5:
            return f"目前已完成小试验证，正寻求{ctx['app']}领域企业合作开展中试放大。"
        if trl <= 7:
            return f"已完成中试验证，并在{rng.randint(2, 9)}家企业开展试用，运行稳定。"
        return (f"已实现产业化应用，累计服务客户{rng.randint(10, 200)}家，"
                f"新增产值约{rng.randint(2, 60) / 10:.1f}亿元。")

    def ip_list(self, form: ResultForm) -> list[dict[str, str]]:
        rng = self.rng
        kinds: list[IPType] = []
        if form is ResultForm.SOFTWARE:
            kinds += [IPType.SOFTWARE_COPYRIGHT] * rng.randint(1, 3)
            if rng.random() < 0.4:
                kinds.append(IPType.INVENTION_PATENT)
        elif form is ResultForm.PLANT_VARIETY:
            kinds += [IPType.PLANT_VARIETY_RIGHT] * rng.randint(1, 2)
            if rng.random() < 0.3:
                kinds.append(IPType.INVENTION_PATENT)
        else:
            roll = rng.random()
            if roll < 0.05:
                return []
            if roll < 0.11:
                kinds.append(IPType.TRADE_SECRET)
            else:
                kinds += [IPType.INVENTION_PATENT] * rng.randint(1, 3)
                kinds += [IPType.UTILITY_MODEL] * rng.choice((0, 0, 1, 2))
                if form in (ResultForm.DEVICE, ResultForm.PRODUCT) and rng.random() < 0.12:
                    kinds.append(IPType.DESIGN_PATENT)
        return [{"type": k.value, "number": self.ip_number(k)} for k in kinds]

    # ------------------------------------------------------------------ solutions
    def solutions(self) -> None:
        rng = self.rng
        results_by: dict[tuple[str, str], list[Item]] = defaultdict(list)
        providers: dict[str, list[str]] = defaultdict(list)
        for res in self.world.results:
            topic_key = self.world.topic_of[res["key"]]
            if res["status"] == "published":
                results_by[(res["org_key"], topic_key)].append(res)
                if res["org_key"] not in providers[topic_key]:
                    providers[topic_key].append(res["org_key"])
        field_orgs: dict[str, list[str]] = defaultdict(list)
        for org in self.world.organizations:
            if org["kind"] in ("university", "institute"):
                for f in {t.field.value for t in self.org_topics[org["key"]]}:
                    field_orgs[f].append(org["key"])
        open_needs = [n for n in self.world.needs if n["status"] == "published"]
        rng.shuffle(open_needs)
        target = self.sizes.solutions
        made: set[tuple[str, str]] = set()
        accepted: set[str] = set()
        for fallback in (False, True):
            for need in open_needs:
                if len(self.world.solutions) >= target:
                    return
                topic_key = self.world.topic_of[need["key"]]
                pool = field_orgs[need["field"]] if fallback else providers.get(topic_key, [])
                pool = [o for o in pool if (need["key"], o) not in made]
                if not pool:
                    continue
                count = rng.choices((1, 2, 3), weights=(55, 30, 15))[0]
                for org_key in rng.sample(pool, min(count, len(pool))):
                    if len(self.world.solutions) >= target:
                        return
                    made.add((need["key"], org_key))
                    own = results_by.get((org_key, topic_key), [])
                    self.solution(need, org_key, own, accepted)

    def solution(self, need: Item, org_key: str, own: list[Item], accepted: set[str]) -> None:
        rng = self.rng
        topic = TOPIC_BY_KEY[self.world.topic_of[need["key"]]]
        key = f"solution-{len(self.world.solutions) + 1:04d}"
        submitted = rng.randint(0, need["published_days_ago"])
        usable = [r for r in own if r["published_days_ago"] >= submitted]
        cited = rng.sample(usable, min(len(usable), rng.choices((0, 1, 2), (20, 60, 20))[0]))
        ctx = self.context(topic)
        method = self.pick(topic.methods).format(**ctx).split("，")[0]
        spec = self.pick(topic.specs).render(rng, better=True)
        if cited:
            basis = f"依托我方已有成果“{cited[0]['title']}”"
        else:
            basis = f"依托{self.org_by_key[org_key]['name']}在{topic.name}方向的研究基础"
        summary = (f"针对贵单位“{need['title']}”需求，{basis}，拟{method}，"
                   f"可实现{spec}等关键指标。")
        if len(summary) > 200:
            summary = f"针对贵单位需求，{basis}，拟{method}。"[:200]
        methods = rng.sample(topic.methods, 2)
        steps = [_STEPS[i].format(**ctx) for i in sorted(rng.sample(range(len(_STEPS)), 3))]
        approach = (
            f"技术路线：{methods[0].format(**ctx)}；{methods[1].format(**ctx)}。"
            f"实施内容：（1）{steps[0]}；（2）{steps[1]}；（3）{steps[2]}。"
            f"验收方式：{self.pick(_ACCEPTANCE).format(n=rng.randint(1, 6))}。"
        )
        months = self.pick((6, 8, 10, 12, 12, 18, 24))
        a = max(1, months // 4)
        b = max(a + 1, months * 2 // 3)
        middle = self.pick(_MIDDLES.get(topic.forms[0], _DEFAULT_MIDDLES))
        timeline = (f"{months}个月：前{a}个月完成需求调研与方案设计，第{a + 1}–{b}个月完成"
                    f"{middle}，第{b + 1}–{months}个月完成现场验证与验收。")
        lo, hi = need["budget_min_wan"], need["budget_max_wan"]
        if lo is not None and hi is not None:
            price: Decimal | None = _nice(rng.uniform(float(lo), float(hi)))
            price = min(max(price, lo), hi)
        elif rng.random() < 0.6:
            price = self.money(((10, 80, 50), (50, 300, 40), (200, 800, 10)))
        else:
            price = None
        status = rng.choices(("submitted", "shortlisted", "accepted", "declined"),
                             weights=(40, 25, 12, 23))[0]
        if status == "accepted":
            if need["key"] in accepted:
                status = "shortlisted"
            else:
                accepted.add(need["key"])
        solution = {
            "key": key, "need_key": need["key"], "org_key": org_key,
            "author_key": self.pick(self.org_users[org_key]), "summary": summary,
            "approach": approach, "result_keys": [r["key"] for r in cited], "price_wan": price,
            "timeline": timeline, "status": status, "submitted_days_ago": submitted,
        }
        self.world.solutions.append(solution)
        self.world.topic_of[key] = topic.key



def _org_code_check(body: str) -> str:
    """The check character of a national organisation code (GB 11714)."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum((int(ch) if ch.isdigit() else ord(ch) - 55) * w for ch, w in zip(body, weights, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def _patent_check(digits: str) -> str:
    """The check digit after the dot of a Chinese patent application number."""
    weights = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
    total = sum(int(d) * w for d, w in zip(digits, weights, strict=True))
    check = total % 11
    return "X" if check == 10 else str(check)


def _ip_sentence(ip: list[dict[str, str]]) -> str:
    if not ip:
        return "相关专利正在申请中。"
    counts: dict[str, int] = defaultdict(int)
    for item in ip:
        counts[item["type"]] += 1
    words = {
        IPType.INVENTION_PATENT.value: "授权发明专利{}项",
        IPType.UTILITY_MODEL.value: "实用新型专利{}项",
        IPType.DESIGN_PATENT.value: "外观设计专利{}项",
        IPType.SOFTWARE_COPYRIGHT.value: "登记软件著作权{}项",
        IPType.PLANT_VARIETY_RIGHT.value: "获植物新品种权{}项",
    }
    listed = [words[t].format(n) for t, n in counts.items() if t in words]
    sentence = "已" + "、".join(listed) + "。" if listed else ""
    if IPType.TRADE_SECRET.value in counts:
        sentence += "核心工艺以技术秘密形式保护。"
    return sentence


# Everything a template may refer to is checked once, at import.
assert all(t.subfield in SUBFIELDS[t.field] for bank in TOPICS_BY_FIELD.values() for t in bank)
assert len(PROVINCES) > 30 and all(c[0] in PROVINCES for c in _CITIES)
