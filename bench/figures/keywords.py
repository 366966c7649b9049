"""Keyword figure: how many texts a second the §6.5 keyword tiers scan on one core.

Runs in this process (no database): `lib.keywords.classify` over generated owner texts of 50–200
characters, one in five written in traditional characters, with the full default keyword list.
"""

import random
import time

from bench.context import BenchContext
from bench.registry import Measurement, figure, format_value

# texts per run; the figure is the best of 3 runs
SIZES = {"full": 100_000, "small": 30_000, "tiny": 2_000}
TRADITIONAL_SHARE = 0.2
# Sentences owners write (some with keywords of every tier, most with none), joined and cut to length.
SENTENCES = [
    "业主反映楼上装修噪音很大，已经说了好几次，再不处理就打12345投诉。",
    "厨房水管爆裂跑水严重，楼下也淹了，请尽快派人维修。",
    "电梯困人，里面有老人和小孩，请马上处理！",
    "小区门口垃圾桶满了没人清理，味道很大，希望物业重视一下。",
    "停车场照明灯坏了好几盏，晚上很黑，存在安全隐患。",
    "物业服务态度差，前台推诿，问题一直没修，非常失望。",
    "建议在南门增设快递柜，方便业主取件。",
    "表扬保安小王，帮忙把老人送回家，服务很好。",
    "3栋2单元1502卫生间地漏返臭味，师傅约明天下午两点上门。",
    "地下车库B1有车辆占用消防通道，联系电话13912345678。",
    "没有漏水，只是墙面有点发霉，想请师傅来看看。",
    "楼道里有烧焦味，好像是电表箱冒烟了，赶紧来人！",
    "草坪很久没修剪了，杂草丛生，蚊虫很多。",
    "上周报修的门禁到现在还没修好，进不来出不去，太差了。",
]


@figure("keyword_scan_texts_per_s", unit="texts/s", target=">=50000")
def keyword_scan_texts_per_s(ctx: BenchContext) -> Measurement:
    """`lib.keywords.classify` (normalise traditional → simplified, full-width → ASCII, then the
    leftmost-longest Aho-Corasick scan of the DOMAIN §6.5 tiers with negation) over 100,000 texts
    of 50–200 characters, 20 % of them in traditional characters; one thread, best of 3 runs.
    The run checks that the texts with keywords were found (a scan that matched nothing would be fast).
    """
    import zhconv

    from lib.keywords import classify

    rng = random.Random(2026)
    texts = [_text(rng) for _ in range(SIZES[ctx.scale])]
    texts = [zhconv.convert(t, "zh-tw") if rng.random() < TRADITIONAL_SHARE else t for t in texts]
    classify(texts[0])  # builds the automaton and the conversion tables once
    runs, hits = [], 0
    for _ in range(3):
        started = time.perf_counter()
        hits = sum(1 for text in texts if classify(text).hits)
        runs.append(time.perf_counter() - started)
    if hits < len(texts) // 2:
        raise AssertionError(f"only {hits} of {len(texts)} texts had a keyword: the scan is not matching")
    best = min(runs)
    detail = f"{len(texts)} texts ({format_value(sum(map(len, texts)) / len(texts))} characters on average, "
    detail += f"{int(TRADITIONAL_SHARE * 100)} % traditional), {hits} with keywords; "
    detail += f"runs {format_value(len(texts) / max(runs))}–{format_value(len(texts) / best)} texts/s"
    return Measurement(len(texts) / best, detail)


def _text(rng: random.Random) -> str:
    joined = ""
    while len(joined) < 200:
        joined += rng.choice(SENTENCES)
    return joined[: rng.randint(50, 200)]
