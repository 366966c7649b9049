"""Escalation keywords (DOMAIN.md §6.5) found in work-order text, voice-to-text output and 回访 comments.

Text is normalised first (traditional → simplified with zhconv, full-width digits and letters →
ASCII, Latin lower case); hit positions refer to ``normalize(text)``. Spaces are kept: callers join
fields (title, description) with one, and a keyword never matches across it.
"""

import functools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

import ahocorasick
from zhconv.zhconv import getdict as zhconv_table

L0 = "L0"  # life safety → P0, page the on-duty manager and security, open an incident
L1 = "L1"  # urgent facilities → P1
L2 = "L2"  # outside escalation / public opinion → flag escalated, notify 项目经理 + 品质部
L3 = "L3"  # emotion / service failure → priority bump + supervisor review
TIERS = (L0, L1, L2, L3)  # most severe first

DEFAULT_KEYWORDS: dict[str, tuple[str, ...]] = {
    L0: (
        "电梯困人", "困电梯", "关在电梯", "火灾", "着火", "起火", "冒烟", "烧焦味", "燃气泄漏", "煤气泄漏",
        "燃气味", "煤气中毒", "爆炸", "触电", "漏电", "坍塌", "塌了", "高空坠物", "高空抛物砸", "坠楼",
        "跳楼", "轻生", "溺水", "昏迷", "晕倒", "窒息", "流血", "受伤", "打架", "持刀", "报警",
        "110", "119", "120",
    ),
    L1: (
        "爆管", "水管爆裂", "跑水", "漏水严重", "淹了", "泡水", "倒灌", "污水冒溢", "化粪池满", "停水",
        "停电", "跳闸", "整栋没电", "井盖丢失", "门禁打不开", "出不去", "进不来", "消防通道堵",
        "占用消防通道", "电梯坏了", "电梯停运", "没有暖气",
    ),
    L2: (
        "12345", "市长热线", "热线", "住建局", "住建委", "房管局", "街道", "居委会", "社区", "信访",
        "12315", "消协", "市场监管", "媒体", "记者", "电视台", "报社", "曝光", "热搜", "抖音", "微博",
        "小红书", "朋友圈", "业主群", "律师", "起诉", "法院", "仲裁", "派出所", "集体投诉", "联名",
        "业委会", "拒交物业费", "不交物业费", "换物业", "赔偿", "索赔",
    ),
    L3: (
        "态度差", "态度恶劣", "骂人", "辱骂", "吼", "不理", "推诿", "踢皮球", "没人管", "没人来",
        "一直没修", "又坏了", "反复", "多次报修", "第二次", "第三次", "说了好几次", "再不处理",
        "忍无可忍", "太差", "垃圾物业", "失望", "退费",
    ),
}  # fmt: skip

# "没有漏电", "不是火灾", "无人受伤": a negator up to NEGATION_GAP characters before an L0/L1 word
# (no punctuation between) cancels it. L2/L3 words are never negated ("不交物业费" is one).
NEGATORS = ("没有", "没", "无", "不是", "并非", "未")
NEGATION_GAP = 2
NEGATED_TIERS = frozenset({L0, L1})
# Contain a negator but do not deny that the thing happened ("是不是漏电了", "无法报警").
NOT_NEGATIONS = ("无法", "没法", "无论", "未来", "没想到", "没多久", "是不是")
# A number word (110, 120, 12345) followed by one of these is a room, an amount or a size, not a call.
NUMBER_UNITS = frozenset("室号栋幢座楼层单户平米元块万千百岁年月日天次个斤分秒%")

PRIORITY_BY_TIER = {L0: "p0", L1: "p1"}


#
# Normalisation
#

_FULLWIDTH = "０-９Ａ-Ｚａ-ｚ"
_CAPITALS = "".join(char for char in map(chr, range(0x10000)) if char.lower() != char)
# One character class (not "[...]+"), so that re can test each character against a bitmap.
_NEEDS_FOLDING = re.compile(f"[{_FULLWIDTH}{re.escape(_CAPITALS)}]")
_FULLWIDTH_RUN = re.compile(f"[{_FULLWIDTH}]+")


def normalize(text: str) -> str:
    """``zhconv.convert(text, "zh-cn").lower()`` after full-width digits and letters become ASCII.

    Capitals outside the Basic Multilingual Plane (Deseret, Adlam) are left as they are.
    """
    if not _NEEDS_FOLDING.search(text):  # most texts: zhconv adds no capitals of its own
        return _simplifier().convert(text)
    text = _FULLWIDTH_RUN.sub(_to_halfwidth, text)
    return _simplifier().convert(text).lower()  # lower only now: zhconv has phrases like "IP位址"


def _to_halfwidth(match: re.Match[str]) -> str:
    return "".join(chr(ord(char) - 0xFEE0) for char in match[0])


class _Simplifier:
    """``zhconv.convert(text, "zh-cn")``, skipping zhconv's slow per-character loop when it would change nothing.

    zhconv changes text only where one of its rewrites occurs: a single character (後, 電) or a
    phrase (著火 → 着火, 反覆 → 反复, 公尺 → 米). Each phrase rewrite is filed under one of its
    characters, its "anchor", picked to be rare. Text holding no single-character rewrite and none
    of the phrases filed under the anchors it holds is returned as is; anything else goes through
    zhconv's rules, so the result is always zhconv's (converted by ``_convert``, several times
    faster than ``zhconv.convert`` on traditional text).
    """

    def __init__(self, table: Mapping[str, str]) -> None:
        singles = {source for source, target in table.items() if len(source) == 1 and source != target}
        phrases = {source: target for source, target in table.items() if len(source) > 1 and source != target}
        usage = Counter(char for phrase in phrases for char in set(phrase))
        by_anchor: dict[str, list[str]] = defaultdict(list)
        for phrase, target in phrases.items():
            by_anchor[_anchor(phrase, target, singles, usage)].append(phrase)
        self._by_anchor = {anchor: tuple(filed) for anchor, filed in by_anchor.items()}
        # zhconv's own table, phrases kept as they are (乾隆 stays) included: they block characters.
        self._single_table = _translate_table({source: target for source, target in table.items() if len(source) == 1})
        self._phrases = ahocorasick.Automaton()
        for source, target in table.items():
            if len(source) > 1:
                self._phrases.add_word(source, (len(source), target))
        self._phrases.make_automaton()
        self._singles = _char_class(singles)
        self._anchors = _char_class(set(by_anchor))
        # Phrases zhconv keeps as they are (乾隆, 乾坤) matter only by shielding a character that
        # would convert (乾 → 干), so each is filed under the rarest such character it holds.
        kept: dict[str, list[str]] = defaultdict(list)
        for source, target in table.items():
            shielded = [char for char in source if char in singles]
            if len(source) > 1 and source == target and shielded:
                kept[min(shielded, key=lambda char: (usage[char], char))].append(source)
        self._kept = {anchor: tuple(filed) for anchor, filed in kept.items()}
        self._kept_anchors = _char_class(set(kept))

    def convert(self, text: str) -> str:
        if self._has_phrase(text):
            return self._convert(text)
        if self._singles.search(text):
            if self._shields(text):
                return self._convert(text)
            return text.translate(self._single_table)  # characters only: no phrase outranks them
        return text

    def _convert(self, text: str) -> str:
        """zhconv's maximum forward matching, in C: the phrases by leftmost-longest Aho-Corasick,
        the characters between them by ``str.translate`` (a phrase always outranks a character,
        which is all zhconv's greedy scan decides). Property-tested equal to ``zhconv.convert``."""
        out, last = [], 0
        for end, (length, target) in self._phrases.iter_long(text):
            start = end - length + 1
            if start > last:
                out.append(text[last:start].translate(self._single_table))
            out.append(target)
            last = end + 1
        out.append(text[last:].translate(self._single_table))
        return "".join(out)

    def _has_phrase(self, text: str) -> bool:
        for anchor in set(self._anchors.findall(text)):
            for phrase in self._by_anchor.get(anchor, ()):
                if phrase in text:
                    return True
        return False

    def _shields(self, text: str) -> bool:
        for char in set(self._kept_anchors.findall(text)):
            for phrase in self._kept.get(char, ()):
                if phrase in text:
                    return True
        return False


def _translate_table(mapping: Mapping[str, str]) -> tuple[str, ...] | dict[int, str]:
    """A ``str.translate`` table: a tuple indexed by code point (about twice as fast as a dict)
    when every source is in the Basic Multilingual Plane; characters beyond it stay as they are."""
    if any(source > "\uffff" for source in mapping):
        return str.maketrans(dict(mapping))
    return tuple(mapping.get(chr(i), chr(i)) for i in range(0x10000))


def _anchor(phrase: str, target: str, singles: set[str], usage: Counter[str]) -> str:
    changed = {s for s, t in zip(phrase, target, strict=False) if s != t} if len(phrase) == len(target) else set(phrase)

    def rank(char: str) -> tuple[bool, bool, bool, bool, int]:
        is_common = char in _COMMON or not char.isalpha()  # digits and punctuation too
        return (char not in singles, not _is_rare(char), is_common, char not in changed, usage[char])

    return min(phrase, key=rank)


# The 500 most frequent characters of modern Chinese (Jun Da's frequency list): poor anchors, as
# nearly every text holds some of them.
_COMMON = frozenset(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多"
    "定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由"
    "其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问"
    "意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图"
    "山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海"
    "口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至"
    "达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低"
    "持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值"
    "号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁"
    "价严龙飞"
)


def _is_rare(char: str) -> bool:
    """Outside GB2312 or in its second level (lead byte ≥ 0xD8, characters not in everyday use)."""
    try:
        return char.encode("gb2312")[0] >= 0xD8
    except UnicodeEncodeError:
        return True


def _char_class(chars: Iterable[str]) -> re.Pattern[str]:
    # Only BMP characters compile to a bitmap, so every astral character (emoji, CJK extension B)
    # matches: a few texts take zhconv's path for nothing, none skips it wrongly.
    bmp = "".join(sorted(char for char in chars if char <= "\uffff"))
    return re.compile(f"[{re.escape(bmp)}\U00010000-\U0010ffff]")


@functools.cache
def _simplifier() -> _Simplifier:
    return _Simplifier(zhconv_table("zh-cn"))


#
# Matching
#


class Hit(NamedTuple):  # a tuple: built for every match, several times cheaper than a frozen dataclass
    tier: str
    word: str
    start: int  # offsets into normalize(text)
    end: int


@dataclass(frozen=True, slots=True)
class _Entry:
    tier: str
    word: str
    length: int
    is_number: bool
    negatable: bool


@dataclass(frozen=True)
class KeywordResult:
    hits: tuple[Hit, ...]
    tiers: frozenset[str]

    @property
    def top_tier(self) -> str | None:
        return next((tier for tier in TIERS if tier in self.tiers), None)

    @property
    def is_life_safety(self) -> bool:
        return L0 in self.tiers

    @property
    def is_urgent(self) -> bool:
        return L1 in self.tiers

    @property
    def is_escalation(self) -> bool:
        return L2 in self.tiers

    @property
    def is_emotional(self) -> bool:
        return L3 in self.tiers

    @property
    def suggested_priority(self) -> str | None:
        top = self.top_tier
        return PRIORITY_BY_TIER.get(top) if top else None

    def to_json(self) -> list[dict[str, str]]:
        """One {"tier", "word"} per distinct word, in order of first appearance."""
        pairs = dict.fromkeys((hit.tier, hit.word) for hit in self.hits)
        return [{"tier": tier, "word": word} for tier, word in pairs]


_NO_HITS = KeywordResult(hits=(), tiers=frozenset())


class KeywordMatcher:
    """Leftmost-longest, non-overlapping keyword hits over ``normalize(text)``.

    A word listed under several tiers keeps the most severe one. Number words (110, 12345) count
    only standing alone: not inside a longer number ("13811012345", "1200元") and not as a room,
    amount or size ("120室", "110平"). An L0/L1 word shortly after a negator ("没有漏电") is dropped.
    """

    def __init__(self, keywords: Mapping[str, Iterable[str]]) -> None:
        self._automaton = ahocorasick.Automaton()
        for word, tier in _most_severe_tiers(keywords).items():
            self._automaton.add_word(word, _entry(word, tier))
        self._empty = not len(self._automaton)
        if not self._empty:
            self._automaton.make_automaton()

    def scan(self, text: str) -> list[Hit]:
        text = normalize(text)
        if self._empty or not text:
            return []
        hits = []
        end = 0
        for start, _, entry in sorted(self._candidates(text)):  # leftmost first, then longest
            if start < end:
                continue  # overlaps the previous (longer or earlier) match
            floor, end = end, start + entry.length  # a negator must not be part of the previous match
            if not (entry.negatable and _is_negated(text, start, floor)):
                hits.append(Hit(entry.tier, entry.word, start, end))
        return hits

    def classify(self, text: str) -> KeywordResult:
        hits = self.scan(text)
        if not hits:
            return _NO_HITS
        return KeywordResult(hits=tuple(hits), tiers=frozenset(hit.tier for hit in hits))

    def _candidates(self, text: str) -> list[tuple[int, int, _Entry]]:
        # (start, -length, entry): no two words share start and length, so entries are never compared
        found = []
        for last, entry in self._automaton.iter(text):
            start = last + 1 - entry.length
            if not entry.is_number or _is_standalone_number(text, start, last + 1):
                found.append((start, -entry.length, entry))
        return found


def _most_severe_tiers(keywords: Mapping[str, Iterable[str]]) -> dict[str, str]:
    unknown = set(keywords) - set(TIERS)
    if unknown:
        raise ValueError(f"Unknown keyword tiers: {sorted(unknown)}")
    tiers: dict[str, str] = {}
    for tier in reversed(TIERS):  # least severe first, so a more severe tier overwrites
        for word in keywords.get(tier, ()):
            if normalized := normalize(word):
                tiers[normalized] = tier
    return tiers


def _entry(word: str, tier: str) -> _Entry:
    negatable = tier in NEGATED_TIERS and not word.startswith(NEGATORS)  # "没有暖气" is itself a keyword
    return _Entry(tier=tier, word=word, length=len(word), is_number=word.isdigit(), negatable=negatable)


def _is_standalone_number(text: str, start: int, end: int) -> bool:
    before = text[start - 1 : start]
    after = text[end : end + 1]
    if before.isdigit() or after.isdigit() or after in NUMBER_UNITS:
        return False
    is_fraction = before == "." and text[start - 2 : start - 1].isdigit()  # "1.120"
    has_fraction = after == "." and text[end + 1 : end + 2].isdigit()  # "120.5平"
    return not (is_fraction or has_fraction)


def _is_negated(text: str, start: int, floor: int) -> bool:
    lowest = max(floor, start - _NEGATION_REACH)
    if _NEGATOR_CHARS.isdisjoint(text[lowest:start]):
        return False
    for i in range(start - 1, lowest - 1, -1):
        if not text[i].isalnum():
            return False  # punctuation or a space ends the clause
        for negator in _NEGATORS_BY_FIRST.get(text[i], ()):  # only those that can start here
            if _negates_at(text, i, start, negator):
                return True
    return False


def _negates_at(text: str, i: int, start: int, negator: str) -> bool:
    gap = start - (i + len(negator))
    if not 0 <= gap <= NEGATION_GAP or not text.startswith(negator, i):
        return False
    return not any(offset <= i and text.startswith(phrase, i - offset) for phrase, offset in _NOT_NEGATIONS[negator])


_NEGATION_REACH = NEGATION_GAP + max(len(negator) for negator in NEGATORS)
_NEGATOR_CHARS = frozenset("".join(NEGATORS))
_NEGATORS_BY_FIRST: dict[str, tuple[str, ...]] = {
    first: tuple(negator for negator in NEGATORS if negator[0] == first) for first in {n[0] for n in NEGATORS}
}
_NOT_NEGATIONS = {
    negator: tuple((phrase, phrase.index(negator)) for phrase in NOT_NEGATIONS if negator in phrase)
    for negator in NEGATORS
}


@functools.cache
def default_matcher() -> KeywordMatcher:
    return KeywordMatcher(DEFAULT_KEYWORDS)


def classify(text: str) -> KeywordResult:
    return default_matcher().classify(text)
