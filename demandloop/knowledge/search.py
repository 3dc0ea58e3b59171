"""Ranking of FAQ entries for a demand: jieba tokens and Okapi BM25 (`rank-bm25`), pure and fast.

An entry's document is its question (counted twice: it says what the entry is about), its keywords and its
answer. Stop words and punctuation are dropped so that "怎么办理" in every question does not decide.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import jieba
import numpy as np
from rank_bm25 import BM25Okapi

from demandloop.routing.text import normalise

jieba.setLogLevel(60)

STOP_WORDS = frozenset(
    [
        "的",
        "了",
        "是",
        "我",
        "我们",
        "你",
        "你们",
        "他",
        "她",
        "它",
        "在",
        "有",
        "和",
        "与",
        "及",
        "或",
        "吗",
        "呢",
        "吧",
        "啊",
        "呀",
        "么",
        "什么",
        "怎么",
        "怎样",
        "如何",
        "哪里",
        "哪个",
        "哪些",
        "多少",
        "需要",
        "可以",
        "能",
        "能否",
        "能不能",
        "是否",
        "请问",
        "咨询",
        "问",
        "一下",
        "一个",
        "这个",
        "那个",
        "要",
        "想",
        "就",
        "都",
        "也",
        "还",
        "又",
        "对",
        "把",
        "被",
        "给",
        "让",
        "向",
        "从",
        "到",
        "为",
        "以",
        "等",
        "企业",
        "公司",
        "我司",
        "本",
        "区",
        "办理",
        "办",
        "申请",
        "情况",
        "问题",
        "相关",
        "有关",
        "已经",
        "没有",
        "不",
        "请",
        "帮忙",
        "希望",
        "谢谢",
    ]
)


QUERY_CHARS = 150


def tokens(text: str) -> list[str]:
    """jieba tokens of a normalised text, without stop words, punctuation and single digits."""
    return [
        t
        for t in jieba.lcut_for_search(normalise(text))
        if t not in STOP_WORDS and any(ch.isalnum() for ch in t) and t != "0"
    ]


@dataclass(frozen=True)
class FaqDocument:
    """An entry as the ranking needs it."""

    id: Hashable
    code: str
    question: str
    answer: str = ""
    keywords: tuple[str, ...] = ()
    department: str = ""
    contacts: str = ""


@dataclass(frozen=True)
class FaqMatch:
    """An entry that may answer the demand, with its BM25 score and the words both share."""

    id: Hashable
    code: str
    question: str
    department: str
    score: float
    matched: list[str]
    answer: str = ""
    contacts: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "code": self.code,
            "question": self.question,
            "answer": self.answer,
            "contacts": self.contacts,
            "department": self.department,
            "score": round(self.score, 3),
            "matched": self.matched,
        }


class FaqIndex:
    """BM25 over a district's published entries."""

    def __init__(self, documents: Sequence[FaqDocument]) -> None:
        self.documents = list(documents)
        self.token_lists = [
            tokens(d.question) * 2 + [t for k in d.keywords for t in tokens(k)] * 2 + tokens(d.answer)
            for d in self.documents
        ]
        self.bm25 = BM25Okapi(self.token_lists) if self.documents else None
        self.token_sets = [set(t) for t in self.token_lists]
        # BM25 is a sum over the query's words: each word's scores over the entries, computed once per word of
        # the handbook (rank_bm25 loops over every entry in Python for each word of each query).
        self._word_scores: dict[str, np.ndarray] = {}

    def _scores(self, query: list[str]) -> np.ndarray:
        """`BM25Okapi.get_scores(query)`, from each word's scores; words of no entry score nothing."""
        assert self.bm25 is not None
        scores = np.zeros(len(self.documents))
        for word in query:
            if word not in self.bm25.idf:
                continue
            word_scores = self._word_scores.get(word)
            if word_scores is None:
                word_scores = self._word_scores[word] = self.bm25.get_scores([word])
            scores += word_scores
        return scores

    def search(
        self, text: str, *, limit: int = 3, min_score: float = 3.0, min_shared: int = 2
    ) -> list[FaqMatch]:
        """The best entries for `text`: at least `min_shared` distinct shared words and a BM25 score of
        `min_score` (below that, a match is a coincidence of one common word)."""
        if self.bm25 is None:
            return []
        # A handbook answers the matter a demand opens with; the rest of a long message is detail that only
        # slows the ranking down (one pass over the entries per word).
        query = list(dict.fromkeys(tokens(text[:QUERY_CHARS])))
        if not query:
            return []
        scores = self._scores(query)
        order = sorted(range(len(scores)), key=lambda i: -scores[i])[: max(limit * 3, limit)]
        matches = []
        for i in order:
            shared = [t for t in query if t in self.token_sets[i]]
            if scores[i] < min_score or len(shared) < min_shared:
                continue
            d = self.documents[i]
            matches.append(
                FaqMatch(
                    d.id, d.code, d.question, d.department, float(scores[i]), shared, d.answer, d.contacts
                )
            )
            if len(matches) >= limit:
                break
        return matches
