"""Hand-written technology results (科技成果) and needs (技术需求) the matcher's tests share.

None of them comes from the evaluation data.
"""

from __future__ import annotations

from typing import Any

RESULTS: list[dict[str, Any]] = [
    {
        "id": "r-battery",
        "title": "高镍三元锂离子电池正极材料",
        "keywords": ["锂离子电池", "正极材料", "高镍三元"],
        "field": "new_energy",
        "text": "本成果提供一种高镍三元正极材料的包覆改性工艺，"
        "通过氧化铝包覆抑制正极与电解液的副反应，"
        "提高锂离子电池的循环寿命和热稳定性，适用于动力电池和储能电池的规模化生产。",
    },
    {
        "id": "r-solid",
        "title": "硫化物固态电解质及全固态电池",
        "keywords": "固态电池;固态电解质",
        "field": "new_energy",
        "text": "开发了高离子电导率的硫化物固态电解质，解决了固态电池界面阻抗大的问题，"
        "全固态电池能量密度高、安全性好，不易起火。",
    },
    {
        "id": "r-vision",
        "title": "基于机器视觉的钢板表面缺陷在线检测系统",
        "keywords": ["机器视觉", "缺陷检测", "深度学习"],
        "field": "advanced_manufacturing",
        "text": "采用工业相机和深度学习算法，"
        "对轧制钢板表面的划痕、裂纹、氧化皮等缺陷进行在线识别与分类，"
        "检测速度快，漏检率低，可与生产线控制系统联动报警。",
    },
    {
        "id": "r-robot",
        "title": "六轴工业机器人精密减速器",
        "keywords": ["工业机器人", "减速器"],
        "field": "advanced_manufacturing",
        "text": "研制了用于工业机器人关节的高精度RV减速器，传动精度高、回差小、寿命长，"
        "可替代进口产品，已在焊接和搬运机器人上应用。",
    },
    {
        "id": "r-sic",
        "title": "碳化硅功率器件及模块封装",
        "keywords": ["碳化硅", "功率器件", "SiC"],
        "field": "electronic_information",
        "text": "掌握SiC MOSFET芯片设计与模块封装工艺，器件耐压1200V，开关损耗低，"
        "适用于新能源汽车电机控制器和光伏逆变器。",
    },
    {
        "id": "r-water",
        "title": "膜生物反应器处理高浓度工业废水",
        "keywords": ["污水处理", "膜生物反应器", "工业废水"],
        "field": "resources_environment",
        "text": "将膜分离与活性污泥法结合处理印染和化工废水，出水化学需氧量和氨氮稳定达标，"
        "占地面积小，污泥产量少，膜污染可通过在线清洗控制。",
    },
    {
        "id": "r-tcm",
        "title": "中药有效成分超临界萃取工艺",
        "keywords": ["中药", "提取工艺", "超临界萃取"],
        "field": "bio_medicine",
        "text": "采用超临界二氧化碳萃取中药材中的挥发油和黄酮类有效成分，提取率高，无有机溶剂残留，"
        "可用于中成药和保健食品生产。",
    },
    {
        "id": "r-uav",
        "title": "植保无人机自主飞行控制系统",
        "keywords": ["无人机", "飞行控制", "植保"],
        "field": "aerospace",
        "text": "研制了多旋翼植保无人机的飞控系统，结合卫星导航和惯性导航实现厘米级定位，"
        "能够按规划航线自主喷洒农药，具备断点续喷和避障功能。",
    },
    {
        "id": "r-5g",
        "title": "5G基站大规模天线阵列",
        "keywords": ["5G", "天线阵列", "波束成形"],
        "field": "electronic_information",
        "text": "设计了面向5G通信的64通道大规模天线阵列与波束成形算法，"
        "提高了基站覆盖范围和频谱效率。",
    },
    {
        "id": "r-crispr",
        "title": "CRISPR-Cas9水稻基因编辑育种",
        "keywords": ["基因编辑", "CRISPR-Cas9", "分子育种"],
        "field": "bio_medicine",
        "text": "利用CRISPR-Cas9技术定点编辑水稻抗病基因，培育出抗稻瘟病的新品系，缩短了育种周期。",
    },
    {
        "id": "r-pm25",
        "title": "PM2.5与挥发性有机物网格化监测",
        "keywords": ["环境监测", "PM2.5", "挥发性有机物"],
        "field": "resources_environment",
        "text": "布设低成本传感器网络，对城市PM2.5、臭氧和挥发性有机物浓度进行网格化实时监测，"
        "结合大数据分析溯源污染来源。",
    },
    {
        "id": 12,
        "title": "钙钛矿太阳能电池稳定性提升",
        "keywords": ["钙钛矿", "太阳能电池", "光伏"],
        "field": "new_energy",
        "text": "通过界面钝化和封装改进，提升钙钛矿太阳能电池在湿热环境下的稳定性，"
        "光电转换效率超过百分之二十。",
    },
]

# A need and the result that clearly answers it.
NEEDS: list[tuple[str, str | int]] = [
    ("我公司生产动力电池，需要提高锂电池正极材料的循环寿命", "r-battery"),
    ("寻求安全性更好、不会起火的固态电池技术", "r-solid"),
    ("钢厂希望用视觉自动检测钢板表面的划痕和裂纹", "r-vision"),
    ("工业机器人关节用的高精度减速器国产替代", "r-robot"),
    ("电机控制器需要耐高压、低损耗的碳化硅器件", "r-sic"),
    ("印染厂废水氨氮超标，寻求污水处理方案", "r-water"),
    ("中药材有效成分提取，不想有溶剂残留", "r-tcm"),
    ("农业合作社需要能自主喷洒农药的无人机", "r-uav"),
    ("提高5G基站覆盖范围的天线技术", "r-5g"),
    ("用基因编辑培育抗病水稻品种", "r-crispr"),
    ("城市空气PM2.5实时监测与污染溯源", "r-pm25"),
    ("提升钙钛矿光伏电池的稳定性", 12),
]
