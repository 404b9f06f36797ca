"""Vocabulary and reference tables of the search benchmark's generated newsroom (``search_corpus.py``): dates,
the 41 shooting sites with their offline place records, topics, shot types, projects, people, roads, villages,
companies, tags, and the devices with their recording modes and file-name styles. Data only, built once at
import; the generator draws from it."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import Any

from mam.geodesy import EARTH_RADIUS_M
from mam.metadata.places import Place, place_tags

WEEKLY_SITE = 0  # 雄安站
_WEEKLY_DEVICE = "DJI M300 Zenmuse H20"
TZ_OFFSET_S = 8 * 3600  # China Standard Time: titles, file names and shooting hours are local
START = datetime(2018, 1, 1, tzinfo=UTC)  # captured_at lies in [START, END)
END = datetime(2026, 11, 1, tzinfo=UTC)
_DAY0 = date(2018, 1, 1)  # local day 0
_DAY0_TS = START.timestamp() - TZ_OFFSET_S  # its local midnight, as a UTC timestamp
_NDAYS = (date(2026, 10, 31) - _DAY0).days + 1  # local days ending before END (08:00 local on 1 November)
_WEEKLY_DAY0 = (date(2019, 1, 1) - _DAY0).days  # a Tuesday: the weekly shoot is on Tuesdays
_WEEKLY_EPISODES = (_NDAYS - 1 - _WEEKLY_DAY0) // 7 + 1
_M_PER_DEG = EARTH_RADIUS_M * math.pi / 180  # metres per degree of latitude
_MASK128 = (1 << 128) - 1

# --- places ---------------------------------------------------------------------------------------------------
# name_zh, name_en, lat, lon, ground elevation (m), how often the newsroom shoots there,
# then what mam.metadata.places.reverse_geocode gives for the centre (checked: all 41 equal, 2026-11):
# admin1, admin1_zh, admin2, admin2_zh, city, city_zh, area_zh, adcode, distance_km
_SITE_ROWS: list[tuple[Any, ...]] = [
    ("雄安站", "Xiong'an Railway Station", 39.0465, 116.0190, 9, 30,
     "Hebei", "河北省", "Baoding Shi", "保定市", "Xiongzhou", "雄县", "雄安新区", "130638", 9.322),
    ("雄安市民服务中心", "Xiong'an Civic Service Center", 39.0337, 115.9275, 10, 14,
     "Hebei", "河北省", "Baoding Shi", "保定市", "Rongcheng", "容城县", "雄安新区", "130629", 6.221),
    ("容东片区", "Rongdong District", 39.0620, 115.8960, 11, 10,
     "Hebei", "河北省", "Baoding Shi", "保定市", "Rongcheng", "容城县", "雄安新区", "130629", 3.275),
    ("容城县", "Rongcheng County", 39.0430, 115.8620, 12, 8,
     "Hebei", "河北省", "Baoding Shi", "保定市", "Rongcheng", "容城县", "雄安新区", "130629", 1.127),
    ("雄县", "Xiongxian County", 38.9940, 116.1080, 8, 7,
     "Hebei", "河北省", "Baoding Shi", "保定市", "Xiongzhou", "雄县", "雄安新区", "130638", 0.699),
    ("安新县", "Anxin County", 38.9350, 115.9350, 8, 6,
     "Hebei", "河北省", "Baoding Shi", "保定市", "Rongcheng", "安新县", "雄安新区", "130632", 14.639),
    ("白洋淀", "Baiyangdian Lake", 38.8900, 115.9850, 7, 14,
     "Hebei", "河北省", "Baoding Shi", "保定市", "Xiongzhou", "安新县", "雄安新区", "130632", 15.081),
    ("雄安启动区", "Xiong'an Start-up Area", 39.0080, 115.9650, 9, 9,
     "Hebei", "河北省", "Baoding Shi", "保定市", "Rongcheng", "安新县", "雄安新区", "130632", 10.367),
    ("京雄高速雄安段", "Beijing-Xiong'an Expressway", 39.0850, 116.0400, 10, 5,
     "Hebei", "河北省", "Baoding Shi", "保定市", "Xiongzhou", "雄县", "雄安新区", "130638", 11.628),
    ("霸州北站", "Bazhou North Station", 39.1480, 116.4380, 8, 3,
     "Hebei", "河北省", "Langfang Shi", "廊坊市", "Bazhou", "霸州市", None, "131081", 5.9),
    ("固安东站", "Gu'an East Station", 39.4180, 116.3800, 20, 3,
     "Hebei", "河北省", "Langfang Shi", "廊坊市", "Gu’an", "固安县", None, "131022", 6.897),
    ("大兴机场", "Daxing International Airport", 39.5090, 116.4100, 25, 8,
     "Hebei", "河北省", "Langfang Shi", "廊坊市", "Gu’an", "固安县", None, "131022", 12.186),
    ("北京西站", "Beijing West Railway Station", 39.8945, 116.3215, 50, 6,
     "Beijing", "北京市", "Beijing", "北京市", "Jinrongjie", "西城区", None, "110102", 3.552),
    ("天安门广场", "Tian'anmen Square", 39.9055, 116.3976, 45, 3,
     "Beijing", "北京市", None, "北京市", "Beijing", "西城区", None, "110102", 0.225),
    ("北京城市副中心", "Beijing Sub-centre", 39.9090, 116.6570, 20, 3,
     "Beijing", "北京市", "Beijing", "北京市", "Tongzhou", "通州区", None, "110112", 0.696),
    ("石家庄", "Shijiazhuang", 38.0420, 114.5150, 80, 14,
     "Hebei", "河北省", "Shijiazhuang Shi", "石家庄市", "Chang’an", "长安区", None, "130102", 1.597),
    ("石家庄站", "Shijiazhuang Railway Station", 38.0110, 114.4800, 78, 4,
     "Hebei", "河北省", "Shijiazhuang Shi", "石家庄市", "Qiaoxi", "桥西区", None, "130104", 3.286),
    ("正定古城", "Zhengding Ancient City", 38.1460, 114.5700, 70, 6,
     "Hebei", "河北省", "Shijiazhuang Shi", "石家庄市", "Zhengding", "正定县", None, "130123", 0.404),
    ("正定国际机场", "Shijiazhuang Zhengding Airport", 38.2810, 114.6970, 70, 2,
     "Hebei", "河北省", "Shijiazhuang Shi", "石家庄市", "Xinle", "新乐市", None, "130184", 7.628),
    ("塔元庄村", "Tayuanzhuang Village", 38.1700, 114.5600, 72, 3,
     "Hebei", "河北省", "Shijiazhuang Shi", "石家庄市", "Zhengding", "正定县", None, "130123", 2.821),
    ("西柏坡", "Xibaipo", 38.3460, 113.9330, 190, 2,
     "Hebei", "河北省", "Shijiazhuang Shi", "石家庄市", "Pingshan", "平山县", None, "130131", 24.856),
    ("保定", "Baoding", 38.8740, 115.4640, 17, 8,
     "Hebei", "河北省", "Baoding Shi", "保定市", "Baoding", "竞秀区", None, "130602", 0.182),
    ("保定东站", "Baoding East Station", 38.8610, 115.5520, 16, 3,
     "Hebei", "河北省", "Baoding Shi", "保定市", "Lianchi", "莲池区", None, "130606", 5.717),
    ("白沟", "Baigou", 39.1270, 116.0300, 9, 2,
     "Hebei", "河北省", "Baoding Shi", "保定市", "Xiongzhou", "雄县", "雄安新区", "130638", 16.242),
    ("高碑店", "Gaobeidian", 39.3260, 115.8740, 22, 2,
     "Hebei", "河北省", "Baoding Shi", "保定市", "Gaobeidian", "高碑店市", None, "130684", 0.448),
    ("涿州", "Zhuozhou", 39.4860, 115.9740, 40, 3,
     "Hebei", "河北省", "Baoding Shi", "保定市", "Zhuozhou", "涿州市", None, "130681", 2.636),
    ("野三坡", "Yesanpo", 39.6680, 115.4300, 450, 2,
     "Hebei", "河北省", "Baoding Shi", "保定市", "Yi Xian", "易县", None, "130633", 35.402),
    ("廊坊", "Langfang", 39.5380, 116.6840, 13, 5,
     "Hebei", "河北省", None, "廊坊市", "Guangyang", "广阳区", None, "131003", 2.425),
    ("唐山", "Tangshan", 39.6300, 118.1800, 25, 4,
     "Hebei", "河北省", "Tangshan Shi", "唐山市", "Tangshan", "路北区", None, "130203", 1.56),
    ("秦皇岛", "Qinhuangdao", 39.9350, 119.6000, 10, 3,
     "Hebei", "河北省", "Qinhuangdao Shi", "秦皇岛市", "Qinhuangdao", "海港区", None, "130302", 1.129),
    ("北戴河", "Beidaihe", 39.8350, 119.4860, 15, 2,
     "Hebei", "河北省", None, "秦皇岛市", "Beidaihe", "北戴河区", None, "130304", 0.333),
    ("张家口", "Zhangjiakou", 40.7680, 114.8860, 720, 3,
     "Hebei", "河北省", "Zhangjiakou Shi", "张家口市", "Zhangjiakou", "桥东区", None, "130702", 2.109),
    ("崇礼", "Chongli", 40.9740, 115.2820, 1300, 3,
     "Hebei", "河北省", "Zhangjiakou Shi", "张家口市", "Chongli", "崇礼区", None, "130709", 0.639),
    ("承德避暑山庄", "Chengde Mountain Resort", 40.9930, 117.9370, 350, 2,
     "Hebei", "河北省", None, "承德市", "Shuangqiao", "双桥区", None, "130802", 1.483),
    ("塞罕坝", "Saihanba", 42.3500, 117.3000, 1500, 2,
     "Hebei", "河北省", "Chengde Prefecture", "承德市", "Weichang", "围场满族蒙古族自治县", None, "130828", 58.536),
    ("沧州", "Cangzhou", 38.3040, 116.8390, 10, 3,
     "Hebei", "河北省", None, "沧州市", "Yunhe", "运河区", None, "130903", 0.843),
    ("黄骅港", "Huanghua Port", 38.3200, 117.8700, 3, 1,
     "Hebei", "河北省", "Cangzhou Shi", "沧州市", "Haixing", "海兴县", None, "130924", 38.617),
    ("衡水湖", "Hengshui Lake", 37.6300, 115.6200, 20, 2,
     "Hebei", "河北省", "Hengshui Shi", "衡水市", "Jizhou", "冀州区", None, "131103", 9.924),
    ("邢台", "Xingtai", 37.0700, 114.5040, 75, 2,
     "Hebei", "河北省", "Xingtai County", "邢台市", "Xiangdu", "襄都区", None, "130502", 0.333),
    ("邯郸", "Handan", 36.6250, 114.5390, 60, 2,
     "Hebei", "河北省", "Handan Shi", "邯郸市", "Congtai", "邯山区", None, "130402", 4.512),
    ("赵州桥", "Zhaozhou Bridge", 37.7100, 114.7700, 40, 1,
     "Hebei", "河北省", "Shijiazhuang Shi", "石家庄市", "Zhaozhou", "赵县", None, "130133", 4.766),
]  # fmt: skip

SITES: list[dict[str, Any]] = [{"name_zh": r[0], "name_en": r[1], "lat": r[2], "lon": r[3]} for r in _SITE_ROWS]
_PLACES = [
    Place(country_code="CN", country="China", country_zh="中国", admin1=r[6], admin1_zh=r[7], admin2=r[8],
          admin2_zh=r[9], city=r[10], city_zh=r[11], area_zh=r[12], adcode=r[13], distance_km=r[14])
    for r in _SITE_ROWS
]  # fmt: skip
_PLACE_DICTS = [asdict(p) for p in _PLACES]
_PLACE_TAGS = [place_tags(p) for p in _PLACES]
_SITE_CUM = list(accumulate(r[5] for r in _SITE_ROWS))
_SITE_PLANS = [max(1, min(6, r[5] // 4)) for r in _SITE_ROWS]  # flight plans per site: 57 in all
_SITE_DEG_PER_M = [(1 / _M_PER_DEG, 1 / (_M_PER_DEG * math.cos(math.radians(r[2])))) for r in _SITE_ROWS]

# Places named in text only (no position): counties and cities of Hebei, with pinyin.
_TEXT_PLACES = [
    ("雄安新区", "Xiong'an New Area"), ("石家庄", "Shijiazhuang"), ("保定", "Baoding"), ("河北", "Hebei"),
    ("容城", "Rongcheng"), ("雄县", "Xiongxian"), ("安新", "Anxin"), ("白洋淀", "Baiyangdian"), ("廊坊", "Langfang"),
    ("正定", "Zhengding"), ("京津冀", "Beijing-Tianjin-Hebei"), ("唐山", "Tangshan"), ("北京", "Beijing"),
    ("邯郸", "Handan"), ("邢台", "Xingtai"), ("衡水", "Hengshui"), ("沧州", "Cangzhou"), ("承德", "Chengde"),
    ("张家口", "Zhangjiakou"), ("秦皇岛", "Qinhuangdao"), ("定州", "Dingzhou"), ("辛集", "Xinji"),
    ("涿州", "Zhuozhou"), ("高碑店", "Gaobeidian"), ("霸州", "Bazhou"), ("三河", "Sanhe"), ("固安", "Gu'an"),
    ("永清", "Yongqing"), ("徐水", "Xushui"), ("满城", "Mancheng"), ("清苑", "Qingyuan"), ("易县", "Yixian"),
    ("涞水", "Laishui"), ("阜平", "Fuping"), ("平山", "Pingshan"), ("井陉", "Jingxing"), ("赞皇", "Zanhuang"),
    ("元氏", "Yuanshi"), ("栾城", "Luancheng"), ("藁城", "Gaocheng"), ("鹿泉", "Luquan"), ("晋州", "Jinzhou"),
    ("无极", "Wuji"), ("行唐", "Xingtang"), ("灵寿", "Lingshou"), ("曲阳", "Quyang"), ("蠡县", "Lixian"),
    ("博野", "Boye"), ("高阳", "Gaoyang"), ("任丘", "Renqiu"), ("河间", "Hejian"), ("泊头", "Botou"),
    ("黄骅", "Huanghua"), ("迁安", "Qian'an"), ("遵化", "Zunhua"), ("滦州", "Luanzhou"), ("丰宁", "Fengning"),
    ("围场", "Weichang"), ("蔚县", "Yuxian"), ("怀来", "Huailai"), ("武安", "Wu'an"), ("涉县", "Shexian"),
]  # fmt: skip

# --- topics, shots, programmes ----------------------------------------------------------------------------------
# (zh, en, [(scene zh, scene en), ...]) roughly by how often the newsroom covers them
_TOPICS: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("铁路建设", "railway construction", [("架桥机架梁", "girder erection"), ("轨道铺设", "track laying"),
                                       ("施工人员作业", "workers on site")]),
    ("雄安新区建设", "building Xiong'an", [("塔吊林立", "tower cranes"), ("新建楼宇", "new buildings"),
                                       ("道路施工", "road works")]),
    ("高铁", "high-speed rail", [("复兴号列车驶过", "a Fuxing train passing"), ("列车进站", "a train arriving"),
                               ("候车大厅", "the waiting hall")]),
    ("乡村振兴", "rural revitalisation", [("村民采摘", "villagers picking fruit"),
                                     ("大棚蔬菜", "greenhouse vegetables"), ("村容村貌", "village streets")]),
    ("两会", "the Two Sessions", [("代表委员发言", "deputies speaking"), ("会场全景", "the conference hall"),
                                ("记者采访代表", "reporters interviewing deputies")]),
    ("交通", "transport", [("车流", "traffic"), ("立交桥", "an interchange"), ("公交站台", "bus stops")]),
    ("桥梁", "bridges", [("桥墩浇筑", "pier casting"), ("钢箱梁吊装", "steel girder hoisting"),
                       ("大桥合龙", "the bridge closure")]),
    ("防汛", "flood control", [("巡堤查险", "levee patrols"), ("抢险队伍", "emergency crews"),
                             ("河道水位", "river levels")]),
    ("疫情防控", "epidemic control", [("核酸检测点", "testing stations"), ("医护人员", "medical workers"),
                                  ("社区志愿者", "community volunteers")]),
    ("天气", "weather", [("降雪", "snowfall"), ("雾霾", "haze"), ("暴雨", "a rainstorm"), ("晚霞", "sunset glow")]),
    ("文旅", "culture and tourism", [("游客参观", "visitors"), ("古城夜景", "the old town at night"),
                                  ("非遗展演", "folk art performances")]),
    ("生态治理", "ecological restoration", [("芦苇荡", "reed beds"), ("湿地水鸟", "wetland birds"),
                                        ("河道清淤", "river dredging")]),
    ("招商引资", "investment promotion", [("签约仪式", "a signing ceremony"), ("项目推介会", "a project fair")]),
    ("教育", "education", [("学生上课", "pupils in class"), ("开学典礼", "the opening ceremony"),
                         ("新校区", "the new campus")]),
    ("医疗", "healthcare", [("医院门诊", "the outpatient hall"), ("远程会诊", "remote consultations")]),
    ("环保", "environmental protection", [("植树造林", "tree planting"), ("污水处理厂", "a sewage plant"),
                                       ("蓝天白云", "blue skies")]),
    ("隧道", "tunnels", [("盾构机始发", "the tunnel boring machine setting off"),
                       ("隧道贯通", "the tunnel breakthrough")]),
    ("城市建设", "urban development", [("老旧小区改造", "renovated housing estates"), ("城市绿道", "greenways")]),
    ("安置房", "resettlement housing", [("回迁居民入住", "residents moving in"), ("小区配套", "estate facilities")]),
    ("高速公路", "expressways", [("通车仪式", "the opening ceremony"), ("收费站", "a toll station")]),
    ("机场", "airports", [("航站楼", "the terminal"), ("飞机起降", "take-offs and landings")]),
    ("冬奥会", "the Winter Olympics", [("雪场", "ski slopes"), ("赛事保障", "event support")]),
    ("农业", "agriculture", [("小麦收割", "the wheat harvest"), ("春耕", "spring ploughing")]),
    ("民生", "livelihoods", [("便民服务", "community services"), ("菜市场", "a food market")]),
    ("营商环境", "business environment", [("政务服务大厅", "the government service hall")]),
    ("科技创新", "innovation", [("实验室", "laboratories"), ("无人驾驶", "self-driving vehicles")]),
    ("京津冀协同发展", "Beijing-Tianjin-Hebei integration", [("产业园区", "industrial parks")]),
    ("新能源", "new energy", [("光伏电站", "a solar farm"), ("风电场", "a wind farm")]),
    ("消防", "fire safety", [("消防演练", "a fire drill")]),
    ("安全生产", "work safety", [("安全检查", "safety inspections")]),
    ("春节", "Spring Festival", [("灯笼", "lanterns"), ("庙会", "a temple fair")]),
    ("国庆", "National Day", [("升旗仪式", "the flag-raising ceremony")]),
    ("体育", "sports", [("马拉松", "a marathon"), ("全民健身", "public fitness")]),
    ("就业", "employment", [("招聘会", "a job fair")]),
    ("养老", "elderly care", [("养老院", "a care home")]),
    ("文物保护", "heritage conservation", [("古建修缮", "restoration of old buildings")]),
    ("大运河", "the Grand Canal", [("运河游船", "canal boats")]),
    ("物流", "logistics", [("港口集装箱", "container terminals")]),
    ("供暖", "winter heating", [("换热站", "a heat exchange station")]),
    ("党建", "Party building", [("主题党日", "a Party activity day")]),
]  # fmt: skip
_SHOTS = [
    ("航拍", "aerial view"), ("采访", "interview"), ("空镜", "B-roll"), ("现场", "on-site footage"),
    ("延时摄影", "time-lapse"), ("同期声", "sync sound"), ("全景", "wide shot"), ("素材", "raw footage"),
    ("特写", "close-up"), ("夜景", "night view"), ("直播", "live feed"), ("花絮", "behind the scenes"),
    ("发布会", "press conference"), ("跟拍", "follow shot"), ("慢镜头", "slow motion"), ("街采", "vox pop"),
]  # fmt: skip
_PHOTO_SHOTS = [_SHOTS[i] for i in (3, 6, 8, 9, 2, 1, 12, 11)]  # 现场 全景 特写 夜景 空镜 采访 发布会 花絮
_EVENTS = ["开幕", "开工仪式", "通车仪式", "开通运营", "竣工验收", "签约仪式", "新闻发布会", "现场会", "观摩会",
           "启动仪式", "揭牌仪式", "表彰大会", "座谈会", "调研"]
_HEADLINES = ["{}按下快进键", "{}跑出加速度", "{}交出亮眼成绩单", "{}迈出新步伐", "{}见闻", "聚焦{}", "{}进行时",
              "直击{}一线", "探访{}现场", "{}这一年", "{}新变化", "一线直击：{}"]
# project name (the column), English name, index of its usual topic (or None)
_PROJECTS: list[tuple[str, str, int | None]] = [
    ("京雄城际铁路", "Beijing-Xiong'an Intercity Railway", 0), ("冀云新闻", "Jiyun News", None),
    ("河北新闻联播", "Hebei News", None), ("雄安新区建设", "Building Xiong'an", 1),
    ("乡村振兴专题", "Rural Revival", 3), ("Xiong'an Weekly", "Xiong'an Weekly", 1),
    ("早安河北", "Good Morning Hebei", None),
    ("防汛抗旱 2021", "Flood Season 2021", 7), ("两会特别报道 2023", "Two Sessions 2023", 4),
    ("直播石家庄", "Shijiazhuang Live", None), ("雄安站枢纽", "Xiong'an Station Hub", 0),
    ("白洋淀生态治理", "Baiyangdian Restoration", 11), ("疫情防控 2022", "COVID-19 Response 2022", 8),
    ("京津冀协同发展", "Jing-Jin-Ji Integration", 26), ("大兴机场建设", "Daxing Airport", 20),
    ("新闻天天看", "Daily News", None), ("民生关注", "Livelihood Watch", 23), ("文旅河北", "Visit Hebei", 10),
    ("京雄高速", "Beijing-Xiong'an Expressway", 19), ("两会特别报道 2021", "Two Sessions 2021", 4),
    ("两会特别报道 2022", "Two Sessions 2022", 4), ("全国两会 2024", "Two Sessions 2024", 4),
    ("北京冬奥 2022", "Beijing 2022", 21), ("疫情防控 2020", "COVID-19 Response 2020", 8),
    ("Hebei Today", "Hebei Today", None), ("保定新闻", "Baoding News", None), ("廊坊新闻", "Langfang News", None),
    ("石家庄新闻", "Shijiazhuang News", None), ("长城新媒体", "Great Wall New Media", None),
    ("燕赵都市报", "Yanzhao Metropolis Daily", None), ("2023 京津冀暴雨", "2023 Floods", 7),
    ("防汛抗旱 2023", "Flood Season 2023", 7), ("重点项目集中开工", "Major Projects", 12),
    ("项目建设大观摩", "Project Review", 12), ("招商引资", "Investment Drive", 12), ("正定古城", "Zhengding", 10),
    ("这么近 那么美 周末到河北", "Weekend in Hebei", 10), ("塞罕坝精神", "Saihanba", 15),
    ("脱贫攻坚", "Poverty Alleviation", 3), ("美丽乡村", "Beautiful Villages", 3), ("开学季", "Back to School", 13),
    ("高考 2023", "Gaokao 2023", 13), ("健康河北", "Healthy Hebei", 14), ("蓝天保卫战", "Blue Sky Campaign", 15),
    ("春运 2024", "Spring Travel 2024", 5), ("国庆 70 周年", "70th Anniversary", 31), ("建党百年", "CPC Centenary", 39),
    ("城市更新", "Urban Renewal", 17), ("老旧小区改造", "Estate Renovation", 17), ("天气预警", "Weather Alerts", 9),
    ("河北广电纪录片", "Hebei Documentary", None), ("雄安宣传片", "Xiong'an Promo", 1),
    ("历史影像档案", "Archive Footage", None), ("Winter Olympics 2022", "Winter Olympics 2022", 21),
    ("京石高铁", "Beijing-Shijiazhuang HSR", 2), ("雄忻高铁", "Xiong'an-Xinzhou HSR", 0),
    ("大运河文化带", "Grand Canal", 36), ("新能源", "New Energy", 27), ("消防安全月", "Fire Safety Month", 28),
    ("短视频 冀有料", "Short Video", None),
]  # fmt: skip
_ROLES = [
    ("总工程师", "chief engineer"), ("项目经理", "project manager"), ("村党支部书记", "village Party secretary"),
    ("村民", "villager"), ("市民", "resident"), ("游客", "visitor"), ("医生", "doctor"), ("教师", "teacher"),
    ("志愿者", "volunteer"), ("记者", "reporter"), ("主持人", "presenter"), ("副市长", "deputy mayor"),
    ("人大代表", "NPC deputy"), ("政协委员", "CPPCC member"), ("企业负责人", "company head"),
    ("施工队长", "site foreman"), ("技术员", "technician"), ("民警", "police officer"), ("消防员", "firefighter"),
    ("专家", "expert"), ("学生", "student"), ("列车长", "train conductor"), ("护士", "nurse"), ("县长", "county head"),
]  # fmt: skip
_SURNAMES = [
    ("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"), ("杨", "Yang"), ("赵", "Zhao"),
    ("黄", "Huang"), ("周", "Zhou"), ("吴", "Wu"), ("徐", "Xu"), ("孙", "Sun"), ("胡", "Hu"), ("朱", "Zhu"),
    ("高", "Gao"), ("林", "Lin"), ("何", "He"), ("郭", "Guo"), ("马", "Ma"), ("罗", "Luo"), ("梁", "Liang"),
    ("宋", "Song"), ("郑", "Zheng"), ("谢", "Xie"), ("韩", "Han"), ("唐", "Tang"), ("冯", "Feng"), ("于", "Yu"),
    ("董", "Dong"), ("程", "Cheng"), ("曹", "Cao"), ("袁", "Yuan"), ("邓", "Deng"), ("傅", "Fu"), ("沈", "Shen"),
    ("曾", "Zeng"), ("彭", "Peng"), ("吕", "Lyu"), ("苏", "Su"), ("卢", "Lu"), ("蒋", "Jiang"), ("蔡", "Cai"),
    ("贾", "Jia"), ("丁", "Ding"), ("魏", "Wei"), ("薛", "Xue"), ("叶", "Ye"), ("阎", "Yan"), ("耿", "Geng"),
    ("邢", "Xing"), ("白", "Bai"), ("崔", "Cui"), ("田", "Tian"), ("霍", "Huo"), ("齐", "Qi"), ("边", "Bian"),
]  # fmt: skip
_GIVEN = [
    ("伟", "Wei"), ("娜", "Na"), ("芳", "Fang"), ("敏", "Min"), ("静", "Jing"), ("丽", "Li"), ("强", "Qiang"),
    ("磊", "Lei"), ("军", "Jun"), ("洋", "Yang"), ("勇", "Yong"), ("艳", "Yan"), ("杰", "Jie"), ("娟", "Juan"),
    ("涛", "Tao"), ("明", "Ming"), ("超", "Chao"), ("秀英", "Xiuying"), ("霞", "Xia"), ("平", "Ping"),
    ("刚", "Gang"), ("桂英", "Guiying"), ("建华", "Jianhua"), ("志强", "Zhiqiang"), ("海燕", "Haiyan"),
    ("建国", "Jianguo"), ("晓东", "Xiaodong"), ("丽华", "Lihua"), ("红梅", "Hongmei"), ("国庆", "Guoqing"),
    ("子涵", "Zihan"), ("浩然", "Haoran"), ("雨萱", "Yuxuan"), ("欣怡", "Xinyi"), ("俊杰", "Junjie"),
    ("文博", "Wenbo"), ("立新", "Lixin"), ("振华", "Zhenhua"), ("春生", "Chunsheng"), ("淑珍", "Shuzhen"),
    ("玉兰", "Yulan"), ("志刚", "Zhigang"), ("宏伟", "Hongwei"), ("鹏", "Peng"), ("辉", "Hui"), ("斌", "Bin"),
    ("宇", "Yu"), ("晨", "Chen"), ("博", "Bo"), ("倩", "Qian"), ("永利", "Yongli"), ("金龙", "Jinlong"),
]  # fmt: skip
_USAGES = ["新闻报道", "专题片制作", "短视频发布", "宣传片剪辑", "资料存档", "直播连线", "客户端推送"]
_WORKS = ["钢筋绑扎", "混凝土浇筑", "架梁", "铺轨", "路基填筑", "管线迁改", "绿化栽植", "钢结构吊装", "防水"]
_ACTIVITIES = ["在田间忙着收割小麦", "在大棚里采摘蔬菜", "参加电商直播培训", "在村口扭秧歌", "在合作社分拣鲜桃",
               "排队办理社保", "在广场上观看演出", "清理房前屋后"]
_WEATHER = [("晴", "sunny"), ("多云", "cloudy"), ("阴", "overcast"), ("小雨", "light rain"), ("小雪", "light snow"),
            ("有雾", "foggy"), ("大风", "windy")]
_SLOGANS = ["奋力建设雄安新区", "建设经济强省 美丽河北", "安全第一 质量第一", "创新 协调 绿色 开放 共享", "冀云",
            "河北新闻网", "长城网", "雄安发布", "千年大计 国家大事", "为人民服务", "高标准 高质量建设雄安新区"]

_COLOURS = ["grey", "blue", "green", "white", "black", "brown", "yellow", "red", "orange", "purple", "pink"]
_EXTRA_TAGS_EN = ["drone", "4K", "interview", "timelapse", "b-roll", "aerial", "night", "HDR", "S-Log3", "vertical",
                  "live", "archive", "1080p", "HLG", "50fps", "ProRes", "sync-sound", "stock", "exclusive", "web",
                  "short-video", "slow-motion", "raw", "graded", "Xiong'an", "railway", "press", "wide", "close-up"]
_WORKFLOW_TAGS = ["素材", "成片", "待审", "已审", "精选", "独家", "首发", "原创", "可公开", "内部", "存档", "待剪辑",
                  "已发布", "抖音", "快手", "视频号", "微博", "头条", "冀云", "学习强国", "重点", "备用", "已下载",
                  "需授权"]


def _build_names() -> tuple[list[tuple[str, str]], list[str], list[str], list[str]]:
    """Person names (zh, pinyin), road, village and company names: fixed long tails, independent of the seed."""
    rng = random.Random(20170401)  # the day 雄安新区 was announced
    n_sur = len(_SURNAMES)
    people: dict[str, str] = {}
    while len(people) < 400:
        s_zh, s_en = _SURNAMES[int((n_sur + 1) ** rng.random()) - 1]  # common surnames first
        g_zh, g_en = rng.choice(_GIVEN)
        people.setdefault(s_zh + g_zh, f"{s_en} {g_en}")
    roads_core = ("建设 中华 裕华 和平 胜利 友谊 东风 人民 解放 新华 长安 槐安 体育 北二环 南二环 珠峰 红旗 育才 联盟 "
                  "翟营 石清 朝阳 复兴 天山 奥体 容易 津海 金湖 乐安 京广 保津 七一 五四 学府 兴华 北国 丰收 光明 "
                  "团结 迎宾 世纪 滨河 淀南 雄州 容和 白洋 秀兰 奥威 昝岗 燕南").split()
    roads = [c + s for c in roads_core for s in ("路", "大街", "大道", "北路", "南路", "东路", "西路", "街")]
    rng.shuffle(roads)
    villages: set[str] = set()
    while len(villages) < 200:
        villages.add(rng.choice("东西南北大小前后上下中新老") + rng.choice("张王李刘赵孙马杨辛高石柳杏枣梨沙桥")
                     + rng.choice("庄村 营村 屯 寨 堡村 家务村 各庄 口村 店村 坨村 官庄".split()))
    firms = ["中铁十二局", "中铁三局", "中铁十四局", "中铁电气化局", "中交一公局", "中建三局", "中建八局", "河北建工",
             "中国雄安集团", "河北建设集团", "北京城建", "中国铁建", "中铁建工", "河北交投"]
    trades = ["科技", "建材", "物流", "食品", "纺织", "箱包", "电子", "新能源", "生物医药", "农业", "智能装备", "文旅"]
    cos = [f"{f}{p}项目部" for f in firms for p in ("京雄城际", "雄安站", "容东", "启动区")]
    cities = ["石家庄", "保定", "雄安", "廊坊", "唐山", "白沟", "衡水", "正定"]
    cos += [f"{rng.choice(cities)}{a}{rng.choice(trades)}有限公司"
            for a in ("华远", "瑞丰", "鑫源", "泰和", "博远", "宏达", "天成", "汇通", "众和", "恒信", "利民", "德隆",
                      "智达", "远航", "北辰", "凯瑞", "冀安", "永盛", "金穗", "安泰", "嘉禾", "同创", "盛华", "启明")
            for _ in range(5)]
    people_list = list(people.items())
    return people_list, list(dict.fromkeys(roads))[:300], sorted(villages), list(dict.fromkeys(cos))


_PEOPLE, _ROADS, _VILLAGES, _COMPANIES = _build_names()


def _build_tags() -> list[str]:
    """About 400 user tags, most common first."""
    head = ["素材", "航拍", "雄安", "4K", "采访", "空镜", "京雄城际", "新闻", "drone", "石家庄", "保定", "高铁", "施工",
            "延时", "夜景", "interview", "两会", "白洋淀", "乡村振兴", "防汛", "成片", "雄安站", "铁路", "无人机"]
    pool = head + [t[0] for t in _TOPICS] + [s[0] for s in _SHOTS] + [r[0] for r in _SITE_ROWS]
    pool += [p[0] for p in _TEXT_PLACES] + _EXTRA_TAGS_EN + _WORKFLOW_TAGS + [s for t in _TOPICS for s, _ in t[2]]
    pool += _EVENTS + [r[0] for r in _ROLES] + [f"{y}年" for y in range(2018, 2027)]
    pool += [p[0] for p in _PEOPLE[:60]] + _VILLAGES[:40] + _ROADS[:30] + _COMPANIES[:20]
    return list(dict.fromkeys(pool))[:400]


_TAGS = _build_tags()

# name, on sale from (year, month), drone, file naming, P(position recorded), audio codec of its videos, phone,
# video modes "WxH@fps codec weight", photo sizes "WxH"
_DEVICE_ROWS: list[tuple[str, tuple[int, int], bool, str, float, str | None, bool, str, str]] = [
    ("DJI FC220", (2016, 10), True, "dji", 0.95, None, False, "3840x2160@25 h264 2, 1920x1080@50 h264 1",
     "4000x3000"),
    ("DJI FC6310", (2016, 11), True, "dji", 0.97, None, False, "3840x2160@25 h264 3, 4096x2160@25 hevc 1",
     "5472x3648"),
    ("DJI Inspire 2 Zenmuse X5S", (2016, 11), True, "dji_mov", 0.95, None, False,
     "3840x2160@25 prores 1, 3840x2160@25 h264 2", "5280x3956"),
    ("DJI FC3170", (2020, 5), True, "dji", 0.97, None, False,
     "3840x2160@29.97 h264 3, 3840x2160@25 hevc 2, 1920x1080@59.94 h264 1", "4000x3000 8000x6000"),
    ("DJI M300 Zenmuse H20", (2020, 5), True, "dji_h20", 0.99, None, False,
     "1920x1080@29.97 h264 2, 3840x2160@29.97 h264 1", "5184x3888 4056x3040"),
    ("DJI FC7303", (2020, 11), True, "dji", 0.95, None, False,
     "3840x2160@29.97 h264 2, 2720x1530@29.97 h264 1, 1920x1080@50 h264 1", "4000x3000"),
    ("DJI FC3411", (2021, 4), True, "dji", 0.97, None, False,
     "3840x2160@25 hevc 3, 5472x3078@25 hevc 1, 1920x1080@50 h264 1", "5472x3648"),
    ("DJI Mavic 3", (2021, 11), True, "dji_new", 0.98, None, False,
     "3840x2160@25 hevc 3, 5120x2700@25 hevc 1, 3840x2160@50 h264 2", "5280x3956"),
    ("DJI FC8482", (2023, 9), True, "dji_new", 0.98, None, False, "3840x2160@25 hevc 3, 2160x3840@30 h264 1",
     "4032x3024 8064x6048"),
    ("DJI Osmo Pocket 3", (2023, 10), False, "dji_new", 0.3, "aac", False,
     "3840x2160@25 hevc 2, 1080x1920@30 h264 1", "3840x2160"),
    ("GoPro HERO9 Black", (2020, 9), False, "gopro", 0.6, "aac", False, "3840x2160@50 hevc 2, 1920x1080@100 h264 1",
     "5184x3888"),
    ("Sony ILCE-7SM2", (2015, 10), False, "sony", 0.3, "pcm_s16be", False, "3840x2160@25 h264 2, 1920x1080@50 h264 1",
     "4240x2832"),
    ("Sony ILCE-7SM3", (2020, 9), False, "sony", 0.4, "pcm_s16be", False,
     "3840x2160@25 h264 3, 3840x2160@50 hevc 2, 1920x1080@100 h264 1", "4240x2832"),
    ("Sony ILCE-7M4", (2021, 12), False, "sony", 0.4, "pcm_s16be", False, "3840x2160@25 h264 3, 1920x1080@50 h264 1",
     "7008x4672"),
    ("Sony ILME-FX3", (2021, 3), False, "sony", 0.3, "pcm_s24be", False, "3840x2160@25 h264 2, 3840x2160@50 hevc 1",
     "4240x2832"),
    ("Sony PXW-FX9", (2019, 12), False, "sony_mxf", 0.4, "pcm_s24le", False,
     "3840x2160@25 h264 3, 1920x1080@25 h264 2", ""),
    ("Sony PXW-Z280", (2017, 12), False, "sony_mxf", 0.4, "pcm_s24le", False,
     "1920x1080@25 h264 3, 1920x1080@25 mpeg2video 1, 3840x2160@25 h264 1", ""),
    ("Canon EOS 5D Mark IV", (2016, 9), False, "canon_dslr", 0.3, "pcm_s16le", False, "1920x1080@25 h264 1",
     "6720x4480 4480x6720"),
    ("Canon EOS C300 Mark III", (2020, 8), False, "canon_cine", 0.3, "pcm_s24le", False,
     "3840x2160@25 h264 2, 4096x2160@25 h264 1", ""),
    ("Canon EOS C70", (2020, 11), False, "canon_c70", 0.3, "aac", False, "3840x2160@25 hevc 1, 3840x2160@50 h264 1",
     ""),
    ("Canon EOS R5", (2020, 7), False, "canon", 0.4, "aac", False, "3840x2160@25 h264 2", "8192x5464 5464x8192"),
    ("NIKON Z 6_2", (2020, 11), False, "nikon", 0.4, "pcm_s16le", False, "3840x2160@25 h264 1",
     "6048x4024 4024x6048"),
    ("Blackmagic URSA Mini Pro 4.6K G2", (2019, 5), False, "bmd", 0.0, "pcm_s24le", False,
     "3840x2160@25 prores 3, 4608x2592@25 prores 1", ""),
    ("ARRI ALEXA Mini", (2015, 1), False, "arri", 0.0, "pcm_s24le", False,
     "3200x1800@25 prores 1, 3840x2160@25 prores 1", ""),
    ("Apple iPhone X", (2017, 11), False, "iphone", 0.85, "aac", True, "3840x2160@30 hevc 1, 1920x1080@30 h264 2",
     "4032x3024"),
    ("Apple iPhone 13 Pro", (2021, 9), False, "iphone", 0.85, "aac", True,
     "3840x2160@30 hevc 2, 1920x1080@30 hevc 3, 1920x1080@25 h264 1", "4032x3024"),
    ("Apple iPhone 15 Pro Max", (2023, 9), False, "iphone", 0.85, "aac", True,
     "3840x2160@30 hevc 3, 3840x2160@60 hevc 1", "5712x4284 4032x3024"),
    ("HUAWEI P20 Pro", (2018, 4), False, "android", 0.85, "aac", True, "1920x1080@30 h264 3, 3840x2160@30 h264 1",
     "3648x2736"),
    ("HUAWEI Mate 40 Pro", (2020, 10), False, "android", 0.85, "aac", True,
     "1920x1080@30 h264 3, 3840x2160@30 hevc 1", "4096x3072"),
    ("Xiaomi 13 Ultra", (2023, 4), False, "android", 0.85, "aac", True, "3840x2160@30 hevc 1, 1920x1080@60 h264 1",
     "4080x3072"),
    ("Zoom H6", (2013, 10), False, "zoom", 0.0, "pcm_s24le", False, "", ""),
    ("TASCAM DR-40X", (2018, 1), False, "tascam", 0.0, "pcm_s16le", False, "", ""),
    ("Sony PCM-D10", (2017, 6), False, "sony_pcm", 0.0, "pcm_s24le", False, "", ""),
]


def _modes(spec: str) -> list[tuple[int, int, float, str, int]]:
    out = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        size_fps, codec, weight = part.split()
        size, fps = size_fps.split("@")
        w, h = map(int, size.split("x"))
        out.append((w, h, float(fps), codec, int(weight)))
    return out


_DEVICES: dict[str, dict[str, Any]] = {
    name: {"drone": drone, "files": files, "loc": loc, "audio": audio, "phone": phone, "video": _modes(video),
           "photo": [tuple(map(int, p.split("x"))) for p in photo.split()], "from_day": (date(*ym, 1) - _DAY0).days}
    for name, ym, drone, files, loc, audio, phone, video, photo in _DEVICE_ROWS
}  # fmt: skip
_KIND_DEVICES = {
    "video": {"DJI FC220": 2, "DJI FC6310": 3, "DJI Inspire 2 Zenmuse X5S": 1, "DJI FC3170": 5, "DJI FC7303": 2,
              "DJI FC3411": 4, "DJI Mavic 3": 7, "DJI FC8482": 3, "DJI M300 Zenmuse H20": 3, "DJI Osmo Pocket 3": 4,
              "GoPro HERO9 Black": 2, "Sony ILCE-7SM2": 4, "Sony ILCE-7SM3": 12, "Sony ILCE-7M4": 5,
              "Sony ILME-FX3": 4, "Sony PXW-FX9": 9, "Sony PXW-Z280": 12, "Canon EOS 5D Mark IV": 1,
              "Canon EOS C300 Mark III": 5, "Canon EOS C70": 3, "Canon EOS R5": 1, "NIKON Z 6_2": 1,
              "Blackmagic URSA Mini Pro 4.6K G2": 3, "ARRI ALEXA Mini": 1, "Apple iPhone X": 3,
              "Apple iPhone 13 Pro": 7, "Apple iPhone 15 Pro Max": 5, "HUAWEI P20 Pro": 3, "HUAWEI Mate 40 Pro": 7,
              "Xiaomi 13 Ultra": 3},
    "image": {"DJI FC220": 1, "DJI FC6310": 3, "DJI FC3170": 3, "DJI FC3411": 3, "DJI Mavic 3": 5, "DJI FC8482": 2,
              "DJI M300 Zenmuse H20": 2, "DJI FC7303": 1, "Sony ILCE-7SM2": 1, "Sony ILCE-7SM3": 2,
              "Sony ILCE-7M4": 6, "Canon EOS 5D Mark IV": 4, "Canon EOS R5": 8, "NIKON Z 6_2": 5,
              "GoPro HERO9 Black": 1, "DJI Osmo Pocket 3": 1, "Apple iPhone X": 4, "Apple iPhone 13 Pro": 10,
              "Apple iPhone 15 Pro Max": 8, "HUAWEI P20 Pro": 4, "HUAWEI Mate 40 Pro": 10, "Xiaomi 13 Ultra": 5},
    "audio": {"Zoom H6": 8, "TASCAM DR-40X": 4, "Sony PCM-D10": 4, "HUAWEI Mate 40 Pro": 3, "Apple iPhone 13 Pro": 2},
}  # fmt: skip
# what is picked instead of a device not yet on sale on the shooting day (after a few redraws of the same sort)
_FALLBACK = {"drone": "DJI FC6310", "phone": "Apple iPhone X", "video": "Sony PXW-Z280",
             "image": "Canon EOS 5D Mark IV", "audio": "Zoom H6"}


def _cum(weights: Sequence[float]) -> list[float]:
    return list(accumulate(weights))


_KIND_TABLE = {k: (list(d), _cum(list(d.values()))) for k, d in _KIND_DEVICES.items()}


def _group_table() -> dict[tuple[str, str], tuple[list[str], list[float]]]:
    out = {}
    for kind, weights in _KIND_DEVICES.items():
        for group in ("drone", "phone", kind):
            names = [n for n in weights
                     if ("drone" if _DEVICES[n]["drone"] else "phone" if _DEVICES[n]["phone"] else kind) == group]
            out[kind, group] = (names, _cum([weights[n] for n in names]))
    return out


_GROUP_TABLE = _group_table()
_VIDEO_MODES = {n: (d["video"], _cum([m[4] for m in d["video"]])) for n, d in _DEVICES.items() if d["video"]}
_CONTENT_TYPES = {"MP4": "video/mp4", "MOV": "video/quicktime", "MXF": "application/mxf", "JPG": "image/jpeg",
                  "HEIC": "image/heic", "PNG": "image/png", "WAV": "audio/wav", "M4A": "audio/mp4", "MP3": "audio/mpeg"}

# --- dates ---------------------------------------------------------------------------------------------------------
_DAYS = [(d.year, d.month, d.day, d.isocalendar()[1]) for d in (_DAY0 + timedelta(days=i) for i in range(_NDAYS))]
_MONTHS_EN = ["", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December"]
