import re

import zhconv
from django.test import SimpleTestCase
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from zhconv.zhconv import getdict as zhconv_table

from lib.keywords import (
    DEFAULT_KEYWORDS,
    L0,
    L1,
    L2,
    L3,
    Hit,
    KeywordMatcher,
    classify,
    default_matcher,
    normalize,
)

BMP_TEXT = st.text(st.characters(max_codepoint=0xFFFF), max_size=4)  # astral capitals stay as they are


def words(text: str, matcher: KeywordMatcher | None = None) -> list[tuple[str, str]]:
    return [(hit.tier, hit.word) for hit in (matcher or default_matcher()).scan(text)]


class KeywordMatcherTests(SimpleTestCase):
    def test_it_finds_each_tier(self):
        self.assertEqual(words("3栋电梯困人了"), [(L0, "电梯困人")])
        self.assertEqual(words("楼上水管爆裂，家里跑水"), [(L1, "水管爆裂"), (L1, "跑水")])
        self.assertEqual(words("再拖我就打市长热线"), [(L2, "市长热线")])
        self.assertEqual(words("客服态度差"), [(L3, "态度差")])

    def test_it_reports_offsets_into_the_normalised_text(self):
        text = "業主說：電梯困人"
        [hit] = default_matcher().scan(text)
        self.assertEqual(hit, Hit(tier=L0, word="电梯困人", start=4, end=8))
        self.assertEqual(normalize(text)[hit.start : hit.end], "电梯困人")

    def test_it_reads_traditional_characters(self):
        self.assertEqual(words("電梯困人"), [(L0, "电梯困人")])
        self.assertEqual(words("廚房著火了"), [(L0, "着火")])  # 著火 is a phrase rule in zhconv
        self.assertEqual(words("樓下火災"), [(L0, "火灾")])
        self.assertEqual(words("燃氣洩漏"), [(L0, "燃气泄漏")])
        self.assertEqual(words("已經找了媒體和記者"), [(L2, "媒体"), (L2, "记者")])
        self.assertEqual(words("我會請律師"), [(L2, "律师")])
        self.assertEqual(words("反覆報修"), [(L3, "反复")])

    def test_it_reads_full_width_digits(self):
        self.assertEqual(words("打了１２３４５"), [(L2, "12345")])
        self.assertEqual(words("拨打１１０"), [(L0, "110")])

    def test_it_prefers_the_longest_match(self):
        matcher = KeywordMatcher({L2: ["满意"], L3: ["不满意"]})
        self.assertEqual(words("我很不满意", matcher), [(L3, "不满意")])
        self.assertEqual(words("我很满意", matcher), [(L2, "满意")])
        self.assertEqual(words("要打市长热线"), [(L2, "市长热线")])

    def test_it_does_not_count_overlapping_words(self):
        matcher = KeywordMatcher({L0: ["高空抛物砸"], L3: ["抛物", "物砸", "砸伤"]})
        self.assertEqual(words("高空抛物砸伤了人", matcher), [(L0, "高空抛物砸")])
        self.assertEqual(words("有人抛物砸伤", matcher), [(L3, "抛物"), (L3, "砸伤")])

    def test_it_keeps_the_most_severe_tier_of_a_word_listed_twice(self):
        matcher = KeywordMatcher({L3: ["漏水"], L1: ["漏水"], L2: ["漏水"]})
        self.assertEqual(words("卫生间漏水", matcher), [(L1, "漏水")])

    def test_it_treats_traditional_and_simplified_spellings_as_one_word(self):
        matcher = KeywordMatcher({L3: ["電梯"], L0: ["电梯"]})
        self.assertEqual(words("電梯", matcher), [(L0, "电梯")])

    def test_it_matches_numbers_only_standing_alone(self):
        self.assertEqual(words("打了12345"), [(L2, "12345")])
        self.assertEqual(words("打110报警"), [(L0, "110"), (L0, "报警")])
        self.assertEqual(words("快叫120。"), [(L0, "120")])
        self.assertEqual(words("联系电话13811012345"), [])
        self.assertEqual(words("已缴1200元"), [])
        self.assertEqual(words("单号11945"), [])

    def test_it_ignores_numbers_that_are_rooms_amounts_or_sizes(self):
        self.assertEqual(words("3栋120室漏水"), [])
        self.assertEqual(words("110号楼"), [])
        self.assertEqual(words("面积120平"), [])
        self.assertEqual(words("面积120.5"), [])
        self.assertEqual(words("退了110元"), [])

    def test_it_drops_negated_life_safety_and_urgent_words(self):
        for text in ["没有漏电", "不是火灾", "无人受伤", "没有人受伤", "并非着火", "没停水", "未发现漏电"]:
            with self.subTest(text=text):
                self.assertEqual(words(text), [])
        self.assertEqual(words("業主說沒有漏電"), [])

    def test_it_keeps_words_a_negator_does_not_reach(self):
        self.assertEqual(words("没有，漏电了"), [(L0, "漏电")])  # punctuation ends the negation
        self.assertEqual(words("没有 漏电"), [(L0, "漏电")])
        self.assertEqual(words("没有想到会漏电"), [(L0, "漏电")])  # three characters between
        self.assertEqual(words("没想到漏电了"), [(L0, "漏电")])  # a surprise, not a denial
        self.assertEqual(words("是不是漏电了"), [(L0, "漏电")])  # a question, not a denial
        self.assertEqual(words("困住了无法报警"), [(L0, "报警")])  # "cannot", not "did not"
        self.assertEqual(words("没有漏电但是着火了"), [(L0, "着火")])

    def test_it_keeps_words_that_start_with_a_negator(self):
        self.assertEqual(words("家里没有暖气"), [(L1, "没有暖气")])
        self.assertEqual(words("报修三天没人管"), [(L3, "没人管")])
        self.assertEqual(words("没人来"), [(L3, "没人来")])

    def test_it_does_not_negate_escalation_or_emotion_words(self):
        self.assertEqual(words("我们不交物业费"), [(L2, "不交物业费")])
        self.assertEqual(words("没有律师"), [(L2, "律师")])
        self.assertEqual(words("不是态度差"), [(L3, "态度差")])

    def test_it_does_not_let_a_keyword_negate_the_next_one(self):
        self.assertEqual(words("没人管受伤"), [(L3, "没人管"), (L0, "受伤")])

    def test_it_does_not_match_across_a_space(self):
        self.assertEqual(words("南京街 道路维修"), [])

    def test_it_answers_nothing_for_empty_text(self):
        self.assertEqual(default_matcher().scan(""), [])
        self.assertEqual(KeywordMatcher({}).scan("火灾"), [])

    def test_it_rejects_unknown_tiers(self):
        with self.assertRaises(ValueError):
            KeywordMatcher({"L9": ["火灾"]})

    def test_it_reuses_the_default_matcher(self):
        self.assertIs(default_matcher(), default_matcher())


class DefaultKeywordsTests(SimpleTestCase):
    def test_it_lists_the_words_of_the_domain_document(self):
        self.assertEqual(
            {tier: len(words) for tier, words in DEFAULT_KEYWORDS.items()}, {L0: 34, L1: 22, L2: 37, L3: 23}
        )
        self.assertIn("电梯停运", DEFAULT_KEYWORDS[L1])
        self.assertIn("没有暖气", DEFAULT_KEYWORDS[L1])

    def test_it_lists_every_word_once_and_already_normalised(self):
        every = [word for words in DEFAULT_KEYWORDS.values() for word in words]
        self.assertEqual(len(every), len(set(every)))
        self.assertEqual([word for word in every if normalize(word) != word], [])


class ClassifyTests(SimpleTestCase):
    def test_it_summarises_life_safety(self):
        result = classify("电梯困人，业主很失望")
        self.assertEqual(result.tiers, {L0, L3})
        self.assertEqual(result.top_tier, L0)
        self.assertTrue(result.is_life_safety)
        self.assertFalse(result.is_urgent)
        self.assertFalse(result.is_escalation)
        self.assertTrue(result.is_emotional)
        self.assertEqual(result.suggested_priority, "p0")

    def test_it_suggests_p1_for_urgent_facilities(self):
        result = classify("整栋停电，要找记者")
        self.assertEqual(result.top_tier, L1)
        self.assertTrue(result.is_urgent)
        self.assertTrue(result.is_escalation)
        self.assertEqual(result.suggested_priority, "p1")

    def test_it_suggests_no_priority_for_escalation_and_emotion(self):
        self.assertIsNone(classify("我要打12345").suggested_priority)
        self.assertIsNone(classify("态度恶劣").suggested_priority)

    def test_it_answers_empty_for_no_hits(self):
        result = classify("")
        self.assertEqual(result.hits, ())
        self.assertEqual(result.tiers, frozenset())
        self.assertIsNone(result.top_tier)
        self.assertIsNone(result.suggested_priority)
        self.assertFalse(result.is_life_safety or result.is_urgent or result.is_escalation or result.is_emotional)
        self.assertEqual(result.to_json(), [])

    def test_it_serialises_each_word_once_in_order(self):
        result = classify("漏水严重，记者来了，又漏水严重")
        self.assertEqual(len(result.hits), 3)
        self.assertEqual(result.to_json(), [{"tier": L1, "word": "漏水严重"}, {"tier": L2, "word": "记者"}])


class NormalizeTests(SimpleTestCase):
    def test_it_converts_traditional_to_simplified(self):
        self.assertEqual(normalize("電梯困人，請盡快處理"), "电梯困人，请尽快处理")

    def test_it_folds_full_width_letters_and_digits_and_lowers_capitals(self):
        self.assertEqual(normalize("Ａ栋１２０１室 ABC"), "a栋1201室 abc")
        self.assertEqual(normalize("ÉTÉ Σ"), "été σ")

    def test_it_keeps_chinese_punctuation_and_spaces(self):
        self.assertEqual(normalize("漏水！ 快来，（急）"), "漏水！ 快来，（急）")

    def test_it_agrees_with_zhconv_on_its_own_examples(self):
        for text in ["乾隆年間", "著名的著火點", "反覆", "公尺", "IP位址", "什么", "𠀾電", "😡電梯壞了", "後來"]:
            with self.subTest(text=text):
                self.assertEqual(normalize(text), zhconv.convert(text, "zh-cn").lower())

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.one_of(st.sampled_from(sorted(zhconv_table("zh-cn"))), BMP_TEXT), max_size=12))
    def test_it_agrees_with_zhconv(self, parts):
        text = "".join(parts)
        assume(not re.search("[０-９Ａ-Ｚａ-ｚ]", text))  # folded to ASCII first
        self.assertEqual(normalize(text), zhconv.convert(text, "zh-cn").lower())

    @settings(max_examples=500, deadline=None)
    @given(st.lists(st.sampled_from(sorted(k for k in zhconv_table("zh-cn") if len(k) > 1)), min_size=1, max_size=8))
    def test_it_agrees_with_zhconv_where_phrases_overlap(self, parts):
        # Phrases back to back overlap at their seams: only leftmost-longest matching gets them right.
        text = "".join(parts)
        assume(not re.search("[０-９Ａ-Ｚａ-ｚA-Z]", text))
        self.assertEqual(normalize(text), zhconv.convert(text, "zh-cn").lower())
