"""Keyword tiers (DOMAIN §6.5) over any text: one rule per tier, each optionally with extra words
and words to ignore. Text is normalised by lib.keywords (traditional → simplified), so 電梯困人
fires the L0 rule like 电梯困人.

One alert per tier and subject: ``kw:<tier>:<subject type>:<subject id>`` (an order's own text,
its comments, its rating and its follow-up all add to its alert of that tier).
"""

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext_noop

from alerts.choices import RuleKind
from alerts.rules.base import Candidate, Ref, RuleBook
from lib.keywords import DEFAULT_KEYWORDS, Hit, KeywordMatcher, default_matcher, normalize

ORDER_SUMMARY = gettext_noop("Order {code}: keywords {words} ({tier})")
TEXT_SUMMARY = gettext_noop("{label}: keywords {words} ({tier})")
WORD_SEPARATOR = "、"


@dataclass
class Text:
    """A text to scan and what an alert about it concerns."""

    company_id: int
    project_id: int | None
    subject_type: str
    subject_id: int | None
    text: str
    refs: set[Ref]
    department_id: int | None = None
    source: str = ""  # order, comment, rating, follow_up, or the caller's word
    label: str = ""  # the subject as people quote it (an order's code)
    message: str = TEXT_SUMMARY
    stored_hits: list[dict] | None = None  # an order's keyword_hits, from the default list
    facts: dict = field(default_factory=dict)


@functools.lru_cache(maxsize=256)
def _matcher(tier: str, extra: tuple[str, ...], ignore: tuple[str, ...]) -> KeywordMatcher:
    """The default list with the rule's extra words added to its tier. Words to ignore are added
    too, so that the longest match wins over a default word inside them (社区医院 hides 社区), and
    then dropped from the hits."""
    words = {tier_name: list(listed) for tier_name, listed in DEFAULT_KEYWORDS.items()}
    words[tier] = [*words[tier], *extra, *ignore]
    return KeywordMatcher(words)


@functools.lru_cache(maxsize=256)
def _normalized(words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(normalize(w) for w in words)


class Scanner:
    """Scans texts for the keyword rules of a pass; the default list scans each text once however
    many tier rules look at it."""

    def __init__(self) -> None:
        self._default: dict[int, list[Hit]] = {}

    def words(self, params: dict, text: Text) -> list[str]:
        tier, extra, ignore = params["tier"], params["extra_words"], params["ignore_words"]
        if not extra and not ignore:
            if text.stored_hits is not None:  # the order's own text, scanned when it was reported
                return _unique(h["word"] for h in text.stored_hits if h.get("tier") == tier)
            hits = self._default.get(id(text))
            if hits is None:
                hits = self._default[id(text)] = default_matcher().scan(text.text)
            return _unique(h.word for h in hits if h.tier == tier)
        dropped = _normalized(tuple(ignore))
        hits = _matcher(tier, tuple(extra), tuple(ignore)).scan(text.text)
        return _unique(h.word for h in hits if h.tier == tier and h.word not in dropped)


def _unique(words: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(words))


def keyword_candidates(texts: Iterable[Text], book: RuleBook) -> list[Candidate]:
    scanner = Scanner()
    found = []
    for text in texts:
        if not text.text and not text.stored_hits:
            continue
        for rule in book.rules_for(text.company_id, RuleKind.KEYWORD, text.project_id):
            params = book.params(rule)
            words = scanner.words(params, text)
            if words:
                found.append(_candidate(rule, params["tier"], words, text))
    return found


def _candidate(rule, tier: str, words: list[str], text: Text) -> Candidate:
    shown = WORD_SEPARATOR.join(words)
    params = {"code": text.label, "label": text.label, "words": shown, "tier": tier}
    return Candidate(
        rule=rule,
        key=f"kw:{tier}:{text.subject_type}:{text.subject_id}",
        subject_type=text.subject_type,
        subject_id=text.subject_id,
        project_id=text.project_id,
        department_id=text.department_id,
        refs=set(text.refs),
        facts={"tier": tier, "words": words, "source": text.source, **text.facts},
        summary=(text.message, params),
    )
