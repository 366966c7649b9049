"""Realistic Chinese personal names for demo and benchmark data.

Surnames carry rough population weights (王、李、张、刘、陈 are each about 5–7 % of people);
given names mix the common full given names of several generations (建国, 秀英, 子涵) with
one- and two-character names composed from frequent characters.
"""

import random

# (surname, weight per mille), the hundred most common surnames
SURNAMES: list[tuple[str, float]] = [
    ("王", 72),
    ("李", 71),
    ("张", 68),
    ("刘", 54),
    ("陈", 47),
    ("杨", 31),
    ("黄", 23),
    ("赵", 23),
    ("吴", 21),
    ("周", 20),
    ("徐", 17),
    ("孙", 15),
    ("马", 15),
    ("朱", 14),
    ("胡", 13),
    ("郭", 12),
    ("何", 12),
    ("林", 12),
    ("高", 12),
    ("罗", 11),
    ("郑", 11),
    ("梁", 10),
    ("谢", 8),
    ("宋", 8),
    ("唐", 8),
    ("许", 7),
    ("韩", 7),
    ("冯", 7),
    ("邓", 7),
    ("曹", 7),
    ("彭", 7),
    ("曾", 6),
    ("肖", 6),
    ("田", 6),
    ("董", 6),
    ("袁", 5),
    ("潘", 5),
    ("于", 5),
    ("蒋", 5),
    ("蔡", 5),
    ("余", 5),
    ("杜", 5),
    ("叶", 5),
    ("程", 5),
    ("苏", 4),
    ("魏", 4),
    ("吕", 4),
    ("丁", 4),
    ("任", 4),
    ("沈", 4),
    ("姚", 4),
    ("卢", 4),
    ("姜", 4),
    ("崔", 4),
    ("钟", 4),
    ("谭", 3),
    ("陆", 3),
    ("汪", 3),
    ("范", 3),
    ("金", 3),
    ("石", 3),
    ("廖", 3),
    ("贾", 3),
    ("夏", 3),
    ("韦", 3),
    ("付", 3),
    ("方", 3),
    ("白", 3),
    ("邹", 3),
    ("孟", 3),
    ("熊", 3),
    ("秦", 3),
    ("邱", 3),
    ("江", 3),
    ("尹", 2),
    ("薛", 2),
    ("闫", 2),
    ("段", 2),
    ("雷", 2),
    ("侯", 2),
    ("龙", 2),
    ("史", 2),
    ("陶", 2),
    ("黎", 2),
    ("贺", 2),
    ("顾", 2),
    ("毛", 2),
    ("郝", 2),
    ("龚", 2),
    ("邵", 2),
    ("万", 2),
    ("钱", 2),
    ("严", 2),
    ("覃", 1),
    ("武", 2),
    ("戴", 2),
    ("莫", 1),
    ("孔", 1),
    ("向", 1),
    ("欧阳", 0.5),
    ("司马", 0.2),
    ("诸葛", 0.1),
]

MALE_GIVEN = [
    "建国",
    "建华",
    "建军",
    "志强",
    "志明",
    "志刚",
    "国强",
    "国平",
    "海涛",
    "海波",
    "永刚",
    "永明",
    "文斌",
    "俊杰",
    "家豪",
    "浩然",
    "子轩",
    "宇轩",
    "梓豪",
    "博文",
    "一鸣",
    "天佑",
    "明辉",
    "晓东",
    "卫东",
    "红军",
    "德华",
    "振华",
    "立新",
    "新民",
    "少华",
    "春生",
    "金龙",
    "宏伟",
    "鹏飞",
    "思远",
    "睿",
    "伟",
    "强",
    "磊",
    "军",
    "勇",
    "杰",
    "涛",
    "斌",
    "超",
    "刚",
    "辉",
    "鹏",
    "飞",
    "鑫",
    "波",
    "凯",
    "健",
    "峰",
    "亮",
    "帆",
]
FEMALE_GIVEN = [
    "秀英",
    "桂英",
    "秀兰",
    "玉兰",
    "桂兰",
    "淑珍",
    "丽娟",
    "丽华",
    "海燕",
    "晓燕",
    "晓红",
    "春梅",
    "红梅",
    "美玲",
    "慧敏",
    "雅琴",
    "婷婷",
    "静怡",
    "欣怡",
    "梓涵",
    "子涵",
    "雨桐",
    "可馨",
    "诗琪",
    "思雨",
    "一诺",
    "佳怡",
    "梦琪",
    "嘉欣",
    "晓婷",
    "雪梅",
    "玉珍",
    "月华",
    "凤英",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "艳",
    "娟",
    "霞",
    "燕",
    "玲",
    "丹",
    "萍",
    "红",
    "莉",
    "婷",
    "雪",
    "慧",
    "琳",
    "颖",
    "倩",
    "洁",
    "欣",
    "悦",
]
# Characters for composed two-character names: (first, second) for men, then for women.
MALE_COMPOSED = (list("志建晓文明海永国立宏家俊子天浩宇金振德"), list("华明强伟刚杰涛辉平军东林峰宁然轩博豪阳"))
FEMALE_COMPOSED = (list("晓文春雨思佳梦嘉雅欣诗玉秀丽美婉若紫"), list("华红萍兰英芳慧敏静涵琪婷怡雯洁琳悦娜"))

# Lookup tables so a name costs two ``random()`` calls (gen_scale draws hundreds of thousands).
_SURNAME_TABLE = [s for s, w in SURNAMES for _i in range(max(1, round(w * 2)))]
_COMPOSED = {
    female: [a + b for a in first for b in second]
    for female, (first, second) in ((False, MALE_COMPOSED), (True, FEMALE_COMPOSED))
}


def _given_table(female: bool) -> list[str]:
    full, composed = (FEMALE_GIVEN if female else MALE_GIVEN), _COMPOSED[female]
    # 70 % common full given names, 30 % composed ones
    return [full[i % len(full)] for i in range(700)] + [composed[i * 7 % len(composed)] for i in range(300)]


_GIVEN_TABLE = {female: _given_table(female) for female in (False, True)}
_ANY_GIVEN_TABLE = _GIVEN_TABLE[False] + _GIVEN_TABLE[True]


def surname(rng: random.Random) -> str:
    return _SURNAME_TABLE[int(rng.random() * len(_SURNAME_TABLE))]


def given_name(rng: random.Random, *, female: bool | None = None) -> str:
    table = _ANY_GIVEN_TABLE if female is None else _GIVEN_TABLE[female]
    return table[int(rng.random() * len(table))]


def person_name(rng: random.Random, *, female: bool | None = None) -> str:
    return surname(rng) + given_name(rng, female=female)


# Mobile prefixes of the three carriers; 138/139 stay free for the fixed demo accounts.
MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "177",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
]


def mobile_phone(rng: random.Random, n: int) -> str:
    """The n-th phone of a run: the suffix is a bijection of n, so numbers never repeat."""
    prefix = MOBILE_PREFIXES[int(rng.random() * len(MOBILE_PREFIXES))]
    return f"{prefix}{(n * 61_803_399 + 7_654_321) % 100_000_000:08d}"
