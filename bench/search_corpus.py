"""Deterministic generator of realistic catalog assets for the search benchmark (up to 1,000,000 and more).

``generate_assets(n, seed)`` yields plain dicts shaped like the product's ``mam.models.Asset`` columns: a
newsroom's footage of Hebei, Beijing and Xiong'an (Chinese titles mostly, some English), tags, places, OCR,
transcripts, shots and drone flight tracks. One ``random.Random(seed)`` drives every asset in order, so a seed
always gives the same assets and the first k assets do not depend on ``n``.

Flight tracks come from the product's own ``summarise`` / ``encode_points`` over ``TelemetryPoint`` flights
(orbit, straight pass, lawnmower survey; 5-15 m/s, 60-300 m; 1 point per second, 3-s steps past 300 s so at
most 301 points). Those two functions take milliseconds per flight, far too slow to call for every asset, so
each site has a small pool of flight plans (1-6, more where the newsroom flies more; each seeded on its own, so
the pool does not depend on the order of use), summarised once; an asset flies one plan moved by a whole
number of 1e-7 degrees (up to 2 km). The record then equals what the product computes for the moved points,
except that ``distance_m`` and the choice of simplified ``line`` vertices are those of the unmoved plan (a 2 km
move changes lengths by < 0.03 %). Weekly-shoot clips repeat three fixed missions over 雄安站 each week.

Usage: python bench/search_corpus.py [N]   (default 20000: prints the rate and a few samples as JSON)
"""

from __future__ import annotations

import json
import math
import random
import sys
import time
from bisect import bisect
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import Any

from mam.metadata.dji_srt import TelemetryPoint
from mam.metadata.places import Place, place_tags
from mam.metadata.track import EARTH_RADIUS_M, encode_points, summarise

__all__ = ["SITES", "generate_assets"]

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


# --- flights --------------------------------------------------------------------------------------------------------
def _flight(rng: random.Random, pattern: str, lat0: float, lon0: float, elev: float, duration: int,
            heading: float | None = None) -> list[TelemetryPoint]:
    """A flight near (lat0, lon0): one point a second (every 3 s past 300 s), positions on the 1e-7 degree grid."""
    step = 1 if duration <= 300 else 3
    m_lat = 1 / _M_PER_DEG
    m_lon = m_lat / math.cos(math.radians(lat0))
    hd = math.radians(rng.uniform(0, 360) if heading is None else heading)
    ux, uy = math.sin(hd), math.cos(hd)  # along-track unit vector (east, north)
    wobble = rng.uniform(1, 6)
    alt = rng.uniform(60 + wobble, 300 - wobble)  # 60-300 m above take-off
    off_x, off_y = rng.uniform(-300, 300), rng.uniform(-300, 300)
    if pattern == "orbit":
        v, radius = rng.uniform(5, 12), rng.uniform(80, 450)
        omega, th0 = v / radius * rng.choice((-1, 1)), rng.uniform(0, 2 * math.pi)
    elif pattern == "pass":  # straight over a bridge or along a line, turning back after 3 km
        v = rng.uniform(8, 15)
        half = min(1500.0, v * duration / 2 + 20)
    else:  # lawnmower survey
        v, leg, spacing = rng.uniform(5, 12), rng.uniform(200, 800), rng.uniform(40, 100)
        cycle = leg + spacing
        rows = v * duration / cycle
    pts = []
    for t in range(0, duration + 1, step):
        if pattern == "orbit":
            th = th0 + omega * t
            x, y = off_x + radius * math.sin(th), off_y + radius * math.cos(th)
        else:
            if pattern == "pass":
                u = (v * t) % (4 * half)
                a, c = (u - half if u < 2 * half else 3 * half - u), 4 * math.sin(t / 30)
            else:
                s = v * t
                k, rem = divmod(s, cycle)
                if rem < leg:
                    a, c = (rem if k % 2 == 0 else leg - rem), k * spacing
                else:
                    a, c = (leg if k % 2 == 0 else 0.0), k * spacing + rem - leg
                a, c = a - leg / 2, c - rows * spacing / 2
            x, y = off_x + a * ux + c * uy, off_y + a * uy - c * ux
        x += (rng.random() - 0.5) * 0.6  # GPS noise
        y += (rng.random() - 0.5) * 0.6
        h = alt + wobble * math.sin(t / 45)
        pts.append(TelemetryPoint(t_s=float(t), lat=round(lat0 + y * m_lat, 7), lon=round(lon0 + x * m_lon, 7),
                                  rel_alt_m=round(h, 1), abs_alt_m=round(h + elev, 1), time=None))
    return pts


class _Plan:
    """A flight summarised and encoded once by the product; `place` moves it by whole 1e-7 degrees."""

    __slots__ = ("duration", "summary", "encoded", "bbox7", "ends7", "line7", "shots")

    def __init__(self, points: list[TelemetryPoint], shots: int = 0) -> None:
        summary = summarise(points).to_dict()
        self.encoded = encode_points(points)
        self.duration = int(points[-1].t_s)
        self.summary = summary
        self.bbox7 = [round(v * 1e7) for v in summary["bbox"]]
        ends = (summary["start"], summary["end"])
        self.ends7 = [(round(e["lat"] * 1e7), round(e["lon"] * 1e7), e["t_s"]) for e in ends]
        self.line7 = [(round(lo * 1e7), round(la * 1e7)) for lo, la in summary["line"]]
        self.shots = shots

    def place(self, dlat7: int, dlon7: int) -> dict[str, Any]:
        """The telemetry record of this flight moved north by dlat7 and east by dlon7 (1e-7 degrees)."""
        s, e = self.summary, self.encoded
        w, so, ea, n = self.bbox7
        (la0, lo0, t0), (la1, lo1, t1) = self.ends7
        lat_e7, lon_e7 = e["lat_e7"], e["lon_e7"]
        return {
            "points": s["points"], "duration_s": s["duration_s"],
            "bbox": ((w + dlon7) / 1e7, (so + dlat7) / 1e7, (ea + dlon7) / 1e7, (n + dlat7) / 1e7),
            "start": {"lat": (la0 + dlat7) / 1e7, "lon": (lo0 + dlon7) / 1e7, "t_s": t0},
            "end": {"lat": (la1 + dlat7) / 1e7, "lon": (lo1 + dlon7) / 1e7, "t_s": t1},
            "distance_m": s["distance_m"], "max_rel_alt_m": s["max_rel_alt_m"],
            "line": [[(lo + dlon7) / 1e7, (la + dlat7) / 1e7] for lo, la in self.line7],
            "dropped_spikes": s["dropped_spikes"], "warnings": list(s["warnings"]),
            "encoded": {
                "v": e["v"], "n": e["n"], "t_cs": list(e["t_cs"]),
                "lat_e7": [lat_e7[0] + dlat7, *lat_e7[1:]], "lon_e7": [lon_e7[0] + dlon7, *lon_e7[1:]],
                "rel_dm": list(e["rel_dm"]), "abs_dm": list(e["abs_dm"]), "time0": e["time0"],
            },
        }  # fmt: skip


class _Plans:
    """Flight plans, built on first use, each from its own seeded RNG (so the pool never depends on the order)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.by_site: dict[tuple[int, int], _Plan] = {}
        self.weekly: list[_Plan] = []

    def get(self, site: int, variant: int) -> _Plan:
        plan = self.by_site.get((site, variant))
        if plan is None:
            rng = random.Random(f"plan:{self.seed}:{site}:{variant}")
            row = _SITE_ROWS[site]
            duration = min(900, int(8 * 112.5 ** (rng.random() ** 1.4)))  # 8..900 s, median ~50 s
            pattern = rng.choice(("orbit", "orbit", "pass", "survey"))
            plan = self.by_site[(site, variant)] = _Plan(_flight(rng, pattern, row[2], row[3], row[4], duration))
        return plan

    def weekly_missions(self) -> list[_Plan]:
        """Three fixed missions over 雄安站: survey of the site, pass along the line (NNE), orbit of the station."""
        if not self.weekly:
            row = _SITE_ROWS[WEEKLY_SITE]
            for name, duration, heading, shots in (("survey", 600, 25.0, 6), ("pass", 240, 35.0, 4),
                                                   ("orbit", 180, None, 3)):
                rng = random.Random(f"weekly:{self.seed}:{name}")
                self.weekly.append(_Plan(_flight(rng, name, row[2], row[3], row[4], duration, heading), shots))
        return self.weekly


def _flip(h: int, rng: random.Random) -> str:
    for _ in range(rng.randrange(5)):  # 0-4 bits
        h ^= 1 << rng.randrange(64)
    return f"{h:016x}"


def _asset_id(i: int, salt: int) -> str:
    """A bijection of the index (xor, odd multiply, xorshift on 128 bits): unique, random-looking hex."""
    x = ((i ^ salt) * 0x9E3779B97F4A7C15F39CC0605CEDC835) & _MASK128
    return f"{x ^ (x >> 64):032x}"


# --- text -------------------------------------------------------------------------------------------------------------
def _title_zh(r: Any, c: dict[str, Any]) -> str:
    place, topic, shot = c["place_zh"], c["topic"][0], c["shot"][0]
    y, m, d, wk = c["ymdw"]
    k = int(13 ** r()) - 1  # the first templates are the most used
    if k == 0:
        return f"{place}{topic}{shot}"
    if k == 1:
        return f"{place}{shot} 第{wk}周"
    if k == 2:
        return f"{c['project_zh']} 专题：{topic}"
    if k == 3:
        return f"{place}{topic} 现场直击"
    if k == 4:
        return f"采访：{c['role'][0]}{c['person'][0]}谈{topic}"
    if k == 5:
        return f"{y}年{m}月 {place}{topic}素材"
    if k == 6:
        return f"{place}{c['road']}{topic}{shot}"
    if k == 7:
        return f"{place}{c['village']}{topic} {shot}"
    if k == 8:
        return f"{c['company']}{topic}现场 {shot}"
    if k == 9:
        return f"{place}{topic}{_EVENTS[int(15 ** r()) - 1]}"
    if k == 10:
        return f"{c['project_zh']}｜{place}：{_HEADLINES[int(13 ** r()) - 1].format(topic)}"
    return f"{place}{shot} {y}{m:02d}{d:02d} #{int(30 ** r())}"


def _title_en(r: Any, c: dict[str, Any]) -> str:
    place, topic, shot = c["place_en"], c["topic"][1], c["shot"][1]
    y, m, _, wk = c["ymdw"]
    k = int(9 ** r()) - 1
    if k == 0:
        return f"{shot[0].upper()}{shot[1:]}: {topic} in {place}"
    if k == 1:
        return f"Weekly {shot} of the {place} site, week {wk}"
    if k == 2:
        return f"Interview: {c['role'][1]} on {topic}"
    if k == 3:
        return f"{place}: {topic} ({shot})"
    if k == 4:
        return f"{c['project_en']} - {topic} in {place}"
    if k == 5:
        return f"{topic[0].upper()}{topic[1:]} update, {_MONTHS_EN[m]} {y}"
    if k == 6:
        return f"{c['person'][1]}, {c['role'][1]}, {place}"
    return f"{place} {shot} {y}-{m:02d}"


def _desc_zh(r: Any, c: dict[str, Any]) -> str:
    y, m, d, wk = c["ymdw"]
    place, topic, shot = c["place_zh"], c["topic"][0], c["shot"][0]
    scenes = c["topic"][2]
    j = int(r() * len(scenes))
    s1, s2 = scenes[j][0], scenes[j - 1][0]
    kind = c["kind"]
    out: list[str] = []
    size, want, k0 = 0, 1 + int(r() * 3), int(r() * 10)
    for j in range(10):  # sentence templates in a random rotation, none twice
        if len(out) >= want and size >= 40:
            break
        k = (k0 + 3 * j) % 10
        if k == 0:
            s = f"{y}年{m}月{d}日，{place}{topic}工作持续推进。"
        elif k == 1 and kind == "audio":
            s = f"录音内容为{c['role'][0]}{c['person'][0]}介绍{topic}情况。"
        elif k == 1:
            s = f"画面包括{s1}、{s2}等镜头。" if s1 != s2 else f"画面包括{s1}等镜头。"
        elif k == 2 and kind == "audio":
            s = f"{place}{topic}现场同期声，音质清晰。"
        elif k == 2:
            s = f"{shot}记录了{place}{s1}的场景。"
        elif k == 3:
            s = f"{c['role'][0]}{c['person'][0]}介绍了{topic}的最新进展。"
        elif k == 4:
            s = f"拍摄地点位于{place}{c['road']}附近。"
        elif k == 5:
            s = f"本素材为{c['project_zh']}拍摄，可用于{_USAGES[int(r() * len(_USAGES))]}。"
        elif k == 6:
            s = f"{c['company']}施工人员正在进行{_WORKS[int(r() * len(_WORKS))]}作业。"
        elif k == 7:
            s = f"{c['village']}村民{_ACTIVITIES[int(r() * len(_ACTIVITIES))]}。"
        elif k == 8:
            s = f"当天天气{_WEATHER[int(r() * len(_WEATHER))][0]}，拍摄于{y}年第{wk}周。"
        elif kind == "video":
            s = f"{place}{topic}{shot}素材，共{1 + int(r() * 40)}个镜头。"
        elif kind == "image":
            s = f"{place}{topic}{shot}组图，共{2 + int(r() * 30)}张。"
        else:
            s = f"{place}{topic}{shot}录音，时长约{1 + int(r() * 30)}分钟。"
        out.append(s)
        size += len(s)
    text = "".join(out)
    return text if len(text) <= 200 else text[: text.rfind("。", 0, 200) + 1]


def _desc_en(r: Any, c: dict[str, Any]) -> str:
    y, m, d, _ = c["ymdw"]
    place, topic, shot = c["place_en"], c["topic"][1], c["shot"][1]
    scenes = c["topic"][2]
    j = int(r() * len(scenes))
    s1, s2 = scenes[j][1], scenes[j - 1][1]
    out: list[str] = []
    size, want, k0 = -1, 1 + int(r() * 3), int(r() * 7)
    for j in range(7):  # sentence templates in a random rotation, none twice
        if len(out) >= want and size >= 40:
            break
        k = (k0 + 3 * j) % 7
        if k == 0:
            s = f"{shot[0].upper()}{shot[1:]}: {topic} in {place}, shot on {d} {_MONTHS_EN[m]} {y}."
        elif k == 1 and c["kind"] == "audio":
            s = f"Recording of the {c['role'][1]} {c['person'][1]} on {topic}."
        elif k == 1:
            s = f"Includes {s1} and {s2}." if s1 != s2 else f"Includes {s1}."
        elif k == 2:
            s = f"The {c['role'][1]} {c['person'][1]} talks about progress on {topic}."
        elif k == 3:
            s = f"Footage for {c['project_en']}, cleared for news use."
        elif k == 4:
            s = f"Weather: {_WEATHER[int(r() * len(_WEATHER))][1]}."
        elif k == 5:
            s = f"Filmed in {place} by the convergence media centre crew."
        else:
            s = f"{topic[0].upper()}{topic[1:]}: {s1}."
        if size + 1 + len(s) > 200:
            break
        out.append(s)
        size += 1 + len(s)
    return " ".join(out)


def _ocr_line(r: Any, c: dict[str, Any]) -> str:
    k = int(r() * 8)
    if k == 0:
        return f"{c['place_zh']}{c['topic'][0]} 施工现场"
    if k == 1:
        return f"{c['role'][0]} {c['person'][0]}"
    if k == 2:
        return f"记者 {c['person'][0]}"
    if k == 3:
        return c["project_zh"]
    if k == 4:
        y, m, d, _ = c["ymdw"]
        return f"{y}年{m}月{d}日"
    if k == 5:
        return f"{c['place_zh']}融媒体中心"
    if k == 6:
        return c["company"]
    return _SLOGANS[int(12 ** r()) - 1]


def _speech(r: Any, c: dict[str, Any], k: int) -> str:
    """Spoken sentence number k (0-9) about the asset's topic."""
    topic, place = c["topic"][0], c["place_zh"]
    if k == 0:
        return f"我们现在是在{place}的{topic}现场。"
    if k == 1:
        return f"目前项目已经完成了总工程量的{10 + int(r() * 89)}%。"
    if k == 2:
        return f"预计到{c['ymdw'][0] + 1 + int(r() * 2)}年底全面建成投用。"
    if k == 3:
        return f"{c['role'][0]}{c['person'][0]}告诉记者，{topic}的进展非常顺利。"
    if k == 4:
        return f"这几年咱们{place}的变化特别大。"
    if k == 5:
        return f"下一步我们将继续做好{topic}工作。"
    if k == 6:
        return f"现场有{2 + int(r() * 8)}百多名工人在同时施工。"
    if k == 7:
        return f"大家好，欢迎收看{c['project_zh']}。"
    if k == 8:
        return f"今天是{c['ymdw'][1]}月{c['ymdw'][2]}日，天气{_WEATHER[int(r() * len(_WEATHER))][0]}。"
    return "感谢大家的关注，我们下期再见。"


_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


# --- file names -------------------------------------------------------------------------------------------------------
def _filename(rr: Any, kind: str, style: str, lt: tuple[int, int, int, int, int, int]) -> tuple[str, str]:
    """(original file name, upper-case extension) for a device's naming style at local time lt."""
    y, mo, d, hh, mi, ss = lt
    n = 1 + rr(9999)
    if kind == "audio":
        if style == "zoom":
            return f"ZOOM{n:04d}_LR.WAV", "WAV"
        if style == "tascam":
            return f"TASCAM_{n:04d}.wav", "WAV"
        if style == "sony_pcm":
            return f"{y % 100:02d}{mo:02d}{d:02d}_{n % 1000:04d}.WAV", "WAV"
        if style == "iphone":
            return f"新录音 {n % 300}.m4a", "M4A"
        return f"录音_{mo:02d}{d:02d}.WAV", "WAV"
    if kind == "image":
        if style in ("dji", "dji_mov"):
            return f"DJI_{n:04d}.JPG", "JPG"
        if style == "dji_new":
            return f"DJI_{y}{mo:02d}{d:02d}{hh:02d}{mi:02d}{ss:02d}_{n:04d}_D.JPG", "JPG"
        if style == "dji_h20":
            return f"DJI_{y}{mo:02d}{d:02d}{hh:02d}{mi:02d}{ss:02d}_{n:04d}_{'WZ'[n % 2]}.JPG", "JPG"
        if style == "gopro":
            return f"GOPR{n:04d}.JPG", "JPG"
        if style == "sony":
            return f"DSC{n:05d}.JPG", "JPG"
        if style == "nikon":
            return f"DSC_{n:04d}.JPG", "JPG"
        if style in ("canon", "canon_dslr"):
            return f"IMG_{n:04d}.JPG", "JPG"
        if style == "iphone":
            return (f"IMG_{n:04d}.HEIC", "HEIC") if n % 5 else (f"IMG_{n:04d}.JPG", "JPG")
        return f"IMG_{y}{mo:02d}{d:02d}_{hh:02d}{mi:02d}{ss:02d}.jpg", "JPG"
    if style == "dji":
        return f"DJI_{n:04d}.MP4", "MP4"
    if style == "dji_mov":
        return f"DJI_{n:04d}.MOV", "MOV"
    if style == "dji_new":
        return f"DJI_{y}{mo:02d}{d:02d}{hh:02d}{mi:02d}{ss:02d}_{n:04d}_D.MP4", "MP4"
    if style == "dji_h20":
        return f"DJI_{y}{mo:02d}{d:02d}{hh:02d}{mi:02d}{ss:02d}_{n:04d}_{'WZ'[n % 2]}.MP4", "MP4"
    if style == "gopro":
        return f"GX01{n:04d}.MP4", "MP4"
    if style == "sony":
        return f"C{n:04d}.MP4", "MP4"
    if style == "sony_mxf":
        return f"C{n:04d}.MXF", "MXF"
    reel_clip = f"A{1 + n % 40:03d}C{n % 1000:03d}_{y % 100:02d}{mo:02d}{d:02d}"  # Canon / ARRI names
    if style in ("canon_cine", "canon_c70"):
        ext = "MXF" if style == "canon_cine" else "MP4"
        return f"{reel_clip}{_LETTERS[n % 8]}{_LETTERS[n % 7]}_CANON.{ext}", ext
    if style == "canon":
        return f"MVI_{n:04d}.MP4", "MP4"
    if style == "canon_dslr":
        return f"MVI_{n:04d}.MOV", "MOV"
    if style == "nikon":
        return f"DSC_{n:04d}.MOV", "MOV"
    if style == "bmd":
        return f"A{1 + n % 40:03d}_{mo:02d}{d:02d}{hh:02d}{mi:02d}_C{n % 1000:03d}.MOV", "MOV"
    if style == "arri":
        return f"{reel_clip}_R{n % 36:02d}{_LETTERS[n % 8]}.MOV", "MOV"
    if style == "iphone":
        return f"IMG_{n:04d}.MOV", "MOV"
    return f"VID_{y}{mo:02d}{d:02d}_{hh:02d}{mi:02d}{ss:02d}.mp4", "MP4"


# --- the generator ------------------------------------------------------------------------------------------------
def generate_assets(n: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """n asset records, deterministic for a seed (the first k records do not depend on n)."""
    rng = random.Random(seed)
    r, rr, bits = rng.random, rng.randrange, rng.getrandbits
    salt = random.Random(f"id:{seed}").getrandbits(128)
    plans = _Plans(seed)
    weekly_bases = [[random.Random(f"phash:{seed}:{m}:{i}").getrandbits(64) for i in range(12)] for m in range(3)]
    n_shots1, n_photo_shots1 = len(_SHOTS), len(_PHOTO_SHOTS) + 1
    n_topics1, n_proj1, n_tags1 = len(_TOPICS) + 1, len(_PROJECTS) + 1, len(_TAGS) + 1
    n_people1, n_roads1, n_vill1, n_cos1 = len(_PEOPLE) + 1, len(_ROADS) + 1, len(_VILLAGES) + 1, len(_COMPANIES) + 1
    n_text_places1, n_roles1, n_col1 = len(_TEXT_PLACES) + 1, len(_ROLES) + 1, len(_COLOURS) + 1
    site_total = _SITE_CUM[-1]
    for i in range(n):
        # kind, status, device
        x = r()
        kind = "video" if x < 0.70 else "image" if x < 0.95 else "audio"
        x = r()
        status = "ready" if x < 0.97 else "failed" if x < 0.982 else "processing" if x < 0.99 else "pending"
        export = r() < (0.035 if kind != "audio" else 0.06)  # edited / exported files: no capture metadata
        metadata_read = status != "pending"
        day = int(_NDAYS * r() ** 0.8)  # more footage in later years
        sec = 25200 + int(r() * 43200) if r() < 0.85 else (68400 + int(r() * 36000)) % 86400  # local time of day
        if export:
            device, dev = None, None
        else:
            names, cum = _KIND_TABLE[kind]
            device = names[bisect(cum, r() * cum[-1])]
            dev = _DEVICES[device]
            if dev["from_day"] > day:  # not on sale yet: another of the same sort (drone, phone, camera) that was
                group = "drone" if dev["drone"] else "phone" if dev["phone"] else kind
                names, cum = _GROUP_TABLE[kind, group]
                for _ in range(3):
                    device = names[bisect(cum, r() * cum[-1])]
                    if _DEVICES[device]["from_day"] <= day:
                        break
                else:
                    device = _FALLBACK[group]
                dev = _DEVICES[device]
        drone = dev is not None and dev["drone"]
        weekly = drone and kind == "video" and r() < 0.05
        if weekly:  # Tuesdays 09:00-11:30, the same aircraft every week (a Phantom 4 Pro until the M300 came)
            episode = 1 + rr(_WEEKLY_EPISODES)
            day = _WEEKLY_DAY0 + 7 * (episode - 1)
            sec = 32400 + rr(9000)
            device = _WEEKLY_DEVICE if day >= _DEVICES[_WEEKLY_DEVICE]["from_day"] + 30 else "DJI FC6310"
            dev = _DEVICES[device]

        # when
        if day == 0 and sec < TZ_OFFSET_S:
            sec = TZ_OFFSET_S  # not before 2018-01-01 00:00 UTC
        ts = _DAY0_TS + day * 86400 + sec
        created_ts = ts + (300 + r() * (86400 if weekly or r() < 0.6 else 14 * 86400))
        y, mo, d, wk = _DAYS[day]
        captured = None if export or not metadata_read or r() < 0.005 else datetime.fromtimestamp(ts, UTC)

        # where
        located = metadata_read and dev is not None and r() < dev["loc"]
        site = WEEKLY_SITE if weekly else bisect(_SITE_CUM, r() * site_total)
        telemetry: dict[str, Any] = {}
        plan = None
        if weekly:
            located = metadata_read
            m = 0 if r() < 0.5 else 1 if r() < 0.6 else 2
            plan = plans.weekly_missions()[m]
            if metadata_read:
                telemetry = plan.place(rr(-30, 31), rr(-30, 31))  # the same mission within ~3 m
        elif drone and kind == "video" and metadata_read and r() < 0.6:
            located = True
            plan = plans.get(site, rr(_SITE_PLANS[site]))
            dist, ang = 2e10 * math.sqrt(r()), 6.283185307179586 * r()  # up to 2 km, in 1e-7 m
            k_lat, k_lon = _SITE_DEG_PER_M[site]
            telemetry = plan.place(int(dist * math.cos(ang) * k_lat), int(dist * math.sin(ang) * k_lon))
        capture: dict[str, Any] = {}
        if metadata_read:
            capture["device"] = device
            if telemetry:
                capture["location"] = {"lat": telemetry["start"]["lat"], "lon": telemetry["start"]["lon"]}
            elif located:
                row, (k_lat, k_lon) = _SITE_ROWS[site], _SITE_DEG_PER_M[site]
                dist, ang = 3000 * math.sqrt(r()), 6.283185307179586 * r()  # up to 3 km
                capture["location"] = {"lat": round(row[2] + dist * math.cos(ang) * k_lat, 6),
                                       "lon": round(row[3] + dist * math.sin(ang) * k_lon, 6)}

        # what about
        project_row = _PROJECTS[int(n_proj1 ** r()) - 1]
        if weekly:
            project_row = _PROJECTS[0]
        project = None if r() < 0.10 and not weekly else project_row[0]
        topic_i = project_row[2] if project_row[2] is not None and r() < 0.6 else int(n_topics1 ** r()) - 1
        topic = _TOPICS[topic_i]
        if drone:
            shot = _SHOTS[0] if weekly or r() < 0.8 else _SHOTS[4 if kind == "video" and r() < 0.5 else 6]
        elif kind == "video":
            shot = _SHOTS[int(n_shots1 ** r())]  # anything but 航拍
        elif kind == "image":
            shot = _PHOTO_SHOTS[int(n_photo_shots1 ** r()) - 1]
        else:
            shot = _SHOTS[1] if r() < 0.6 else _SHOTS[5 if r() < 0.7 else 15]
        if located or r() < 0.5:
            place_zh, place_en = _SITE_ROWS[site][0], _SITE_ROWS[site][1]
        else:
            place_zh, place_en = _TEXT_PLACES[int(n_text_places1 ** r()) - 1]
        c = {
            "place_zh": place_zh, "place_en": place_en, "topic": topic, "shot": shot, "ymdw": (y, mo, d, wk),
            "project_zh": project_row[0], "project_en": project_row[1], "role": _ROLES[int(n_roles1 ** r()) - 1],
            "person": _PEOPLE[int(n_people1 ** r()) - 1], "road": _ROADS[int(n_roads1 ** r()) - 1],
            "village": _VILLAGES[int(n_vill1 ** r()) - 1], "company": _COMPANIES[int(n_cos1 ** r()) - 1],
            "kind": kind,
        }  # fmt: skip
        english = not weekly and r() < 0.2
        if weekly:
            title = f"京雄铁路雄安站 每周航拍 第{episode}期"
            phase = "站房主体结构" if day < 800 else "站房装修与配套" if day < 1100 else "枢纽片区"
            description = (f"第{episode}期每周航拍，{y}年{mo}月{d}日按固定航线拍摄，"
                           f"记录京雄城际铁路雄安站{phase}施工进展。")
        else:
            title = _title_en(r, c) if english else _title_zh(r, c)
            description = "" if r() < 0.2 else _desc_en(r, c) if english else _desc_zh(r, c)

        # tags
        tags: list[str] = []
        k = (0, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 6)[rr(13)]
        if k:
            if r() < 0.5:
                tags.append(topic[0])
            if r() < 0.3:
                tags.append(shot[0])
            if weekly:
                tags += ["京雄城际", "每周航拍"]
            while len(tags) < k:
                tags.append(_TAGS[int(n_tags1 ** r()) - 1])
            tags = list(dict.fromkeys(tags))[:6]
        auto_tags: list[dict[str, str]] = []
        if metadata_read:
            if drone:
                auto_tags.append({"name": "aerial", "source": "metadata"})
            if located:
                auto_tags += [{"name": t, "source": "metadata"} for t in _PLACE_TAGS[site]]

        # file and technical record
        lt = (y, mo, d, sec // 3600, sec // 60 % 60, sec % 60)
        if export:
            ext = {"video": "MP4", "image": "JPG", "audio": "MP3"}[kind]
            stem = ("序列 01", f"{topic[0]}{shot[0]}_成片_v{1 + rr(5)}", f"{project_row[0]}_{1 + rr(99)}",
                    f"{place_zh}{topic[0]}")[rr(4)]
            filename = f"{stem}.{ext.lower()}"
        else:
            filename, ext = _filename(rr, kind, dev["files"] if kind != "audio" or not dev["phone"]
                                      else ("iphone" if "iPhone" in device else "phone"), lt)
        content_type = _CONTENT_TYPES[ext]
        technical: dict[str, Any] = {}
        duration = 0.0
        if metadata_read:
            if kind == "video":
                if export:
                    w, h, fps, vcodec, acodec = 1920, 1080, 25.0, "h264", "aac"
                else:
                    modes, cum = _VIDEO_MODES[device]
                    w, h, fps, vcodec, _ = modes[bisect(cum, r() * cum[-1])]
                    acodec = dev["audio"]
                if plan is not None:
                    duration = plan.duration + r() * (3 if plan.duration > 300 else 1)
                elif drone:
                    duration = 8 * 112.5 ** (r() ** 1.4) * (1 + 3 * r() if r() < 0.02 else 1)  # rarely > 900 s
                else:
                    duration = 5 * 720 ** (r() ** 1.6)  # 5..3600 s, median ~45 s
                frames = max(1, int(min(duration, 3600) * fps))
                duration = round(frames / fps, 3)
                dw, dh = (h, w) if dev is not None and dev["phone"] and w > h and r() < 0.4 else (w, h)
                technical = {"duration_s": duration, "width": w, "height": h, "display_width": dw, "display_height": dh,
                             "fps": fps, "video_codec": vcodec, "audio_codec": acodec}
            elif kind == "image":
                if export:
                    w, h = (1080, 1920) if r() < 0.5 else (1920, 1080)
                else:
                    photos = dev["photo"]
                    w, h = photos[int(r() * len(photos))]
                dw, dh = (h, w) if r() < 0.15 else (w, h)  # portrait via EXIF orientation
                technical = {"duration_s": None, "width": w, "height": h, "display_width": dw, "display_height": dh,
                             "fps": None, "video_codec": "hevc" if ext == "HEIC" else "mjpeg", "audio_codec": None}
            else:
                duration = round(10 * 180 ** (r() ** 1.3), 3)  # 10..1800 s
                acodec = "mp3" if export else dev["audio"] if ext == "WAV" else "aac"
                technical = {"duration_s": duration, "width": None, "height": None, "display_width": None,
                             "display_height": None, "fps": None, "video_codec": None, "audio_codec": acodec}

        # analysis products (ready assets only)
        shots: list[dict[str, Any]] = []
        ocr: list[dict[str, Any]] = []
        transcript: list[dict[str, Any]] = []
        if status == "ready" and kind == "video":
            if weekly:
                count = plan.shots - (1 if r() < 0.2 else 0)
                bases = weekly_bases[m]
                bounds = [0.0, *(round(duration * (j + (r() - 0.5) * 0.04) / count, 3) for j in range(1, count)),
                          duration]
            else:
                count = min(12, 1 + int(r() * r() * duration / 15))
                bases = None
                if count == 1:
                    bounds = [0.0, duration]
                else:
                    acc, cuts = 0.0, []
                    for _ in range(count):
                        acc += 0.3 + r()
                        cuts.append(acc)
                    bounds = [0.0, *(round(duration * v / acc, 3) for v in cuts[:-1]), duration]
            shots = [{"index": j + 1, "start_s": bounds[j], "end_s": bounds[j + 1],
                      "phash": _flip(bases[j], rng) if bases else f"{bits(64):016x}"} for j in range(count)]
            night = shot[0] == "夜景" or sec >= 68400 or sec < 21600
            auto_tags.append({"name": "night" if night else "day", "source": "analysis"})
            auto_tags.append({"name": _COLOURS[int(n_col1 ** r()) - 1], "source": "analysis"})
            if r() < 0.5:
                auto_tags.append({"name": ("zoom", "pan", "tilt")[int(r() * r() * 3)], "source": "analysis"})
            if shot[0] in ("采访", "同期声", "街采", "发布会") or r() < 0.15:
                auto_tags.append({"name": "faces", "source": "analysis"})
            if not drone and r() < 0.01:
                auto_tags.append({"name": "aerial", "source": "analysis"})
            if r() < 0.3:
                for _ in range(1 + int(r() * r() * 4)):
                    start = round(r() * duration * 0.9, 3)
                    ocr.append({"start_s": start, "end_s": round(min(duration, start + 2 + r() * 6), 3),
                                "text": _ocr_line(r, c)})
                ocr.sort(key=lambda line: line["start_s"])  # as the product lists them: by first appearance
        if status == "ready" and technical.get("audio_codec") and r() < (0.18 if kind == "video" else 0.45):
            t, k0 = r() * min(30.0, duration * 0.3), rr(10)
            for j in range(1 + int(r() * 8)):
                if t >= duration - 1:
                    break
                end = min(duration, t + 2 + r() * 5)
                text = _speech(r, c, (k0 + j) % 10)  # no sentence twice
                transcript.append({"start_s": round(t, 3), "end_s": round(end, 3), "text": text})
                t = end + r() * 3

        yield {
            "id": _asset_id(i, salt),
            "status": status,
            "kind": kind,
            "title": title,
            "description": description,
            "project": project,
            "tags": tags,
            "auto_tags": auto_tags,
            "original_filename": filename,
            "content_type": content_type,
            "captured_at": captured,
            "created_at": datetime.fromtimestamp(created_ts, UTC),
            "capture": capture,
            "technical": technical,
            "telemetry": telemetry,
            "places": [dict(_PLACE_DICTS[site])] if located else [],
            "ocr": ocr,
            "transcript": transcript,
            "shots": shots,
        }


def _abridged(asset: dict[str, Any]) -> dict[str, Any]:
    """For printing: long telemetry columns and map lines cut to a few values."""
    tele = asset["telemetry"]
    if not tele:
        return asset
    enc = {k: (v[:4] + ["..."] if isinstance(v, list) and len(v) > 4 else v) for k, v in tele["encoded"].items()}
    line = tele["line"][:3] + [["..."]] if len(tele["line"]) > 3 else tele["line"]
    return {**asset, "telemetry": {**tele, "line": line, "encoded": enc}}


def main(argv: list[str]) -> None:
    n = int(argv[1]) if len(argv) > 1 else 20_000
    picks: list[dict[str, Any]] = []
    flown: dict[str, Any] | None = None
    t0 = time.perf_counter()
    for a in generate_assets(n):  # streamed, as a loader would: nothing kept but the samples
        if len(picks) < 3:
            picks.append(a)
        elif flown is None and a["telemetry"]:
            flown = a
    dt = time.perf_counter() - t0
    print(f"{n} assets in {dt:.2f} s: {n / dt:,.0f} assets/s (seed 7, one process, flight plans included)")
    checks = {
        "video": lambda a: a["kind"] == "video", "ready": lambda a: a["status"] == "ready",
        "english": lambda a: a["title"].isascii(), "located": lambda a: bool(a["places"]),
        "telemetry": lambda a: bool(a["telemetry"]), "no captured_at": lambda a: a["captured_at"] is None,
        "weekly": lambda a: "每周航拍" in a["title"], "ocr": lambda a: bool(a["ocr"]),
        "transcript": lambda a: bool(a["transcript"]), "no project": lambda a: a["project"] is None,
    }  # fmt: skip
    m = min(n, 100_000)
    counts = dict.fromkeys(checks, 0)
    for a in generate_assets(m):
        for name, check in checks.items():
            counts[name] += check(a)
    print(f"shares of the first {m}:", json.dumps({k: f"{v / m:.1%}" for k, v in counts.items()}, ensure_ascii=False))
    for a in picks + ([flown] if flown else []):
        print(json.dumps(_abridged(a), ensure_ascii=False, default=str))


if __name__ == "__main__":
    main(sys.argv)
