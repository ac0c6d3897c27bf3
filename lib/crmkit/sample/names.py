"""Chinese names, places and codes for the synthetic portfolio (vectorised with pyarrow).

Company names are ``city + two-character trade name + industry word + legal form``; the name
of the client with global index ``g`` comes from a seeded permutation of every combination, so
names are unique across chunks (for up to :data:`NAME_CAPACITY` clients; beyond that a
``（二）``-style suffix keeps them unique).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "CITIES", "RMS", "NAME_CAPACITY", "ids", "join", "company_names", "person_names",
    "credit_codes", "pick", "group_names",
]

#: (city, province, region code, administrative division code; "" abroad).
CITIES: tuple[tuple[str, str, str, str], ...] = tuple(
    (c, p, r, a) for r, rows in {
        "east": "上海 上海 310000|南京 江苏 320100|无锡 江苏 320200|苏州 江苏 320500|"
                "南通 江苏 320600|杭州 浙江 330100|宁波 浙江 330200|温州 浙江 330300|"
                "合肥 安徽 340100|芜湖 安徽 340200|福州 福建 350100|厦门 福建 350200|"
                "泉州 福建 350500|南昌 江西 360100|赣州 江西 360700|济南 山东 370100|"
                "青岛 山东 370200|烟台 山东 370600|潍坊 山东 370700",
        "south": "广州 广东 440100|深圳 广东 440300|珠海 广东 440400|佛山 广东 440600|"
                 "东莞 广东 441900|惠州 广东 441300|南宁 广西 450100|柳州 广西 450200|"
                 "海口 海南 460100|三亚 海南 460200",
        "north": "北京 北京 110000|天津 天津 120000|石家庄 河北 130100|唐山 河北 130200|"
                 "太原 山西 140100|大同 山西 140200|呼和浩特 内蒙古 150100|包头 内蒙古 150200|"
                 "鄂尔多斯 内蒙古 150600",
        "central": "郑州 河南 410100|洛阳 河南 410300|武汉 湖北 420100|宜昌 湖北 420500|"
                   "襄阳 湖北 420600|长沙 湖南 430100|株洲 湖南 430200|岳阳 湖南 430600",
        "southwest": "重庆 重庆 500000|成都 四川 510100|绵阳 四川 510700|宜宾 四川 511500|"
                     "贵阳 贵州 520100|遵义 贵州 520300|昆明 云南 530100|曲靖 云南 530300|"
                     "拉萨 西藏 540100",
        "northwest": "西安 陕西 610100|榆林 陕西 610800|宝鸡 陕西 610300|兰州 甘肃 620100|"
                     "酒泉 甘肃 620900|西宁 青海 630100|银川 宁夏 640100|乌鲁木齐 新疆 650100|"
                     "克拉玛依 新疆 650200",
        "northeast": "沈阳 辽宁 210100|大连 辽宁 210200|长春 吉林 220100|吉林 吉林 220200|"
                     "哈尔滨 黑龙江 230100|大庆 黑龙江 230600",
        "overseas": "香港 香港 -|新加坡 新加坡 -|雅加达 印度尼西亚 -",
    }.items() for c, p, a in (row.split() for row in rows.split("|"))
    for a in [a.replace("-", "")]
)

_TRADE1 = ("华中泰恒瑞鑫盛隆宏远达通安信德金海天东新兴昌丰富永嘉和祥鼎润汇博"
           "创联凯腾佳明光辉星峰川江山源宇航众诚益荣茂康宁正长万国晟誉锦福利")
_TRADE2 = ("邦泽晖辰颐豪杰坤岳淼睿铭弘毅科能程跃澜璟霖骏启迪图方圆盈合阳晨欣"
           "昊曜泓湛琪珩瀚翔麟朗禾峻彤舟焱楷炜恺沣湘闽粤骐煜旗森诺维拓驰勤俊")
_FORMS = ("有限公司", "股份有限公司", "集团有限公司", "集团股份有限公司")
_GROUP_FORMS = ("控股集团有限公司", "投资集团有限公司", "实业集团有限公司")
NAME_CAPACITY = len(CITIES) * len(_TRADE1) * len(_TRADE2) * len(_FORMS)

#: Industry words per industry code, chosen at random within the industry.
INDUSTRY_WORDS: dict[str, tuple[str, ...]] = {
    "energy": ("能源", "电力", "热电", "能源投资"),
    "renewables": ("新能源", "光伏", "风电", "储能科技"),
    "infrastructure": ("基础设施建设", "城市建设投资", "交通建设"),
    "transport": ("物流", "港口", "航运", "交通投资"),
    "manufacturing": ("机械制造", "精密制造", "装备", "汽车零部件"),
    "real_estate": ("置业", "房地产开发", "地产"),
    "construction": ("建筑工程", "建设", "路桥工程"),
    "mining": ("矿业", "有色金属", "钢铁"),
    "chemicals": ("化工", "新材料", "石化"),
    "agriculture": ("农业发展", "农牧", "食品"),
    "technology": ("信息技术", "科技", "数据科技", "软件"),
    "healthcare": ("医药", "医疗器械", "生物科技"),
    "retail": ("商贸", "供应链管理", "百货"),
    "utilities": ("燃气", "水务", "环保"),
}

_SURNAMES = tuple("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁"
                  "潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦")
_GIVEN = tuple("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文辉力鹏宇浩凯健俊帆"
               "旭宁龙林欣晨斌波峰飞鑫玉红梅海志亮成东新春光荣兵晓")

#: Relationship managers and their slowness (adds to the service latent s; > 0 is slower).
RMS: tuple[tuple[str, float], ...] = (
    ("王晓明", -0.8), ("李静", -0.5), ("张伟", -0.3), ("刘洋", 0.0), ("陈思远", 0.2),
    ("杨帆", -0.2), ("赵敏", 1.2), ("黄志强", 0.4), ("周婷", -0.6), ("吴昊", 0.1),
    ("孙丽华", 1.0), ("郑凯", 0.5),
)

# GB 32100 (unified social credit code) and GB 11714 (organisation code) check digits.
_USCC_ALPHABET = np.frombuffer(b"0123456789ABCDEFGHJKLMNPQRTUWXY", dtype=np.uint8)
_USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])


def ids(prefix: str, start: int, count: int, width: int) -> pa.Array:
    """``count`` ids ``prefix`` + zero-padded numbers from ``start`` (e.g. ``C0000001``)."""
    nums = pa.array(np.arange(start, start + count, dtype=np.int64)).cast(pa.string())
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(nums, width, "0"), "")


def pick(values: tuple[str, ...] | list[str], idx: np.ndarray) -> pa.Array:
    """``values[idx]`` as a pyarrow string array (``idx < 0`` gives null)."""
    idx = np.asarray(idx)
    arr = pa.array(list(values), type=pa.string())
    return arr.take(pa.array(idx, mask=idx < 0))


def join(*parts: pa.Array | str) -> pa.Array:
    """Element-wise concatenation of string arrays (and scalars)."""
    return pc.binary_join_element_wise(*parts, "")


@lru_cache(maxsize=4)
def _name_permutation(seed: int) -> np.ndarray:
    rng = np.random.default_rng([seed, 0x5A3E])
    return rng.permutation(NAME_CAPACITY).astype(np.int64)


def _name_digits(g: np.ndarray, seed: int) -> tuple[np.ndarray, ...]:
    j = _name_permutation(seed)[g % NAME_CAPACITY]
    j, form = np.divmod(j, len(_FORMS))
    j, t2 = np.divmod(j, len(_TRADE2))
    city, t1 = np.divmod(j, len(_TRADE1))
    return city, t1, t2, form


def company_names(g: np.ndarray, seed: int, industry: np.ndarray,
                  rng: np.random.Generator) -> tuple[np.ndarray, pa.Array]:
    """City index and unique company name of the clients with global indices ``g``.

    ``industry`` holds industry-code indices (order of ``INDUSTRY_WORDS``).
    """
    city, t1, t2, form = _name_digits(g, seed)
    codes = list(INDUSTRY_WORDS)
    n_words = np.array([len(INDUSTRY_WORDS[c]) for c in codes])
    flat = [w for c in codes for w in INDUSTRY_WORDS[c]]
    first = np.concatenate([[0], np.cumsum(n_words)[:-1]])
    word = first[industry] + (rng.random(len(g)) * n_words[industry]).astype(np.int64)
    name = join(pick([c[0] for c in CITIES], city), pick(tuple(_TRADE1), t1),
                pick(tuple(_TRADE2), t2), pick(flat, word), pick(_FORMS, form))
    lap = g // NAME_CAPACITY
    if lap.max(initial=0) > 0:  # beyond capacity: （二）, （三）, ...
        suffix = pick(["", *[f"（{i + 1}）" for i in range(1, int(lap.max()) + 1)]], lap)
        name = join(name, suffix)
    return city, name


def group_names(leader_g: np.ndarray, seed: int, rng: np.random.Generator) -> pa.Array:
    """Parent-group names built from each group leader's city and trade name."""
    city, t1, t2, _ = _name_digits(leader_g, seed)
    form = rng.integers(0, len(_GROUP_FORMS), len(leader_g))
    return join(pick([c[0] for c in CITIES], city), pick(tuple(_TRADE1), t1),
                pick(tuple(_TRADE2), t2), pick(_GROUP_FORMS, form))


def person_names(n: int, rng: np.random.Generator) -> pa.Array:
    """Chinese personal names: a surname and a one- or two-character given name."""
    sur = pick(_SURNAMES, rng.integers(0, len(_SURNAMES), n))
    g1 = pick(_GIVEN, rng.integers(0, len(_GIVEN), n))
    g2 = rng.integers(0, len(_GIVEN), n)
    g2[rng.random(n) < 0.4] = -1
    return join(sur, g1, pc.fill_null(pick(_GIVEN, g2), ""))


def credit_codes(g: np.ndarray, seed: int, admin: np.ndarray) -> pa.Array:
    """18-character unified social credit codes with valid check characters.

    ``admin`` holds 6-digit division codes (0 = abroad, giving null). The 8-digit
    organisation body is a bijection of the global index, so codes are unique.
    """
    n = len(g)
    body = (g.astype(np.int64) * 61_803_399 + 12_345_678 + seed * 7_777_777) % 10**8
    org = np.stack([(body // 10 ** (7 - i)) % 10 for i in range(8)], axis=1)
    c9 = 11 - (org @ _ORG_WEIGHTS) % 11
    c9_val = np.where(c9 == 10, 29, np.where(c9 == 11, 0, c9))   # 'X' is value 29
    adm = np.stack([(admin // 10 ** (5 - i)) % 10 for i in range(6)], axis=1)
    vals = np.concatenate([np.tile([9, 1], (n, 1)), adm, org, c9_val[:, None]], axis=1)
    check = (31 - (vals @ _USCC_WEIGHTS) % 31) % 31
    chars = _USCC_ALPHABET[np.concatenate([vals, check[:, None]], axis=1)]
    out = pa.array(np.ascontiguousarray(chars).view("S18").ravel()).cast(pa.string())
    return pc.if_else(pa.array(admin > 0), out, pa.nulls(n, pa.string()))
