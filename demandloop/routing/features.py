"""Sparse TF-IDF features of Chinese text, computed with array operations (pure, no database).

scikit-learn's `TfidfVectorizer(analyzer="char")` builds every n-gram as a Python string, about 500 texts per
second for messages of 400 characters; the router must classify 2,000 per second on one core. Here a text is an
array of code points, every n-gram one 64-bit key (a polynomial hash of its code points, salted with n), and the
vocabulary a sorted key array searched with `numpy.searchsorted` — the same features and weights as
scikit-learn's sublinear, smoothed, l2-normalised TF-IDF (a test checks this), fifty times faster.

A view with a fixed `vocabulary` (the words jieba found in the training texts) counts those words wherever
they occur as substrings: word features without segmenting at prediction time, which jieba cannot do at the
required rate.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice

import numpy as np
import scipy.sparse as sp

from demandloop.routing.text import head

_MULT = np.uint64(0x9E3779B97F4A7C15)


def _code_points(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """All texts' code points in one array, and the row (text index) of each position."""
    joined = "".join(texts)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    rows = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    return codes, rows


def _ngram_keys(codes: np.ndarray, rows: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keys, rows and start positions of every n-gram that lies inside one text."""
    count = len(codes) - n + 1
    if count <= 0:
        empty = np.empty(0, dtype=np.int64)
        return np.empty(0, dtype=np.uint64), empty, empty
    keys = np.full(count, n, dtype=np.uint64)
    # Unsigned arithmetic wraps modulo 2**64: the hash relies on it.
    with np.errstate(over="ignore"):
        for k in range(n):
            keys = keys * _MULT + codes[k : k + count] + np.uint64(1)
    inside = rows[:count] == rows[n - 1 : n - 1 + count]
    positions = np.flatnonzero(inside)
    return keys[inside], rows[:count][inside], positions


_FIB = np.uint64(0x9E3779B97F4A7C15)


class KeyTable:
    """An open-addressing hash table from n-gram keys to column indices, probed for many keys at once.

    `numpy.searchsorted` costs some twenty random reads per key; a half-empty table costs one or two, which is
    what makes 2,000 texts per second possible.
    """

    def __init__(self, keys: np.ndarray) -> None:
        # At most a quarter full: a miss (most n-grams of a new text) usually ends at its first, empty slot.
        self.bits = max(4, int(np.ceil(np.log2(max(len(keys), 1) * 4 + 1))))
        size = 1 << self.bits
        self.mask = np.int64(size - 1)
        self.table_keys = np.zeros(size, dtype=np.uint64)
        self.table_values = np.full(size, -1, dtype=np.int64)
        pending = np.arange(len(keys), dtype=np.int64)
        home = self._home(keys)
        probe = 0
        while len(pending):
            slots = (home[pending] + probe) & self.mask
            free = self.table_values[slots] < 0
            # Several keys may want the same free slot in one round: the first of each wins it.
            _taken, winners = np.unique(slots[free], return_index=True)
            placed = pending[free][winners]
            self.table_keys[slots[free][winners]] = keys[placed]
            self.table_values[slots[free][winners]] = placed
            placed_mask = np.zeros(len(keys), dtype=bool)
            placed_mask[placed] = True
            pending = pending[~placed_mask[pending]]
            probe += 1
        self.max_probe = probe

    def _home(self, keys: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return ((keys * _FIB) >> np.uint64(64 - self.bits)).astype(np.int64)

    # Below this many keys (one short text), a dict beats a round of array operations per probe.
    SMALL = 512

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state.pop("_dict", None)  # rebuilt on demand, not stored
        return state

    def _as_dict(self) -> dict[int, int]:
        table = self.__dict__.get("_dict")
        if table is None:
            used = self.table_values >= 0
            table = dict(zip(self.table_keys[used].tolist(), self.table_values[used].tolist(), strict=True))
            self.__dict__["_dict"] = table
        return table

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """The index of each key, or -1 where it is not in the table."""
        if len(keys) <= self.SMALL:
            get = self._as_dict().get
            return np.fromiter((get(k, -1) for k in keys.tolist()), dtype=np.int64, count=len(keys))
        result = np.full(len(keys), -1, dtype=np.int64)
        home = self._home(keys)
        pending = np.arange(len(keys), dtype=np.int64)
        for probe in range(self.max_probe):
            slots = (home[pending] + probe) & self.mask
            values = self.table_values[slots]
            hit = (values >= 0) & (self.table_keys[slots] == keys[pending])
            result[pending[hit]] = values[hit]
            pending = pending[~hit & (values >= 0)]
            if not len(pending):
                break
        return result


def word_key(word: str) -> int:
    """The key of one n-gram, as `_ngram_keys` computes it."""
    codes = np.frombuffer(word.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    key = np.uint64(len(word))
    with np.errstate(over="ignore"):
        for code in codes:
            key = key * _MULT + code + np.uint64(1)
    return int(key)


@dataclass
class NgramTfidf:
    """Sublinear TF-IDF over character n-grams of `ngram_range`, or over a fixed `vocabulary` of words."""

    ngram_range: tuple[int, int] = (1, 3)
    min_df: int = 1
    max_df: float = 1.0
    vocabulary: Sequence[str] | None = None
    keys: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint64), repr=False)
    idf: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)
    names: list[str] = field(default_factory=list, repr=False)
    lengths: tuple[int, ...] = ()
    table: KeyTable | None = field(default=None, repr=False)

    def _lengths(self) -> tuple[int, ...]:
        if self.vocabulary is not None:
            return tuple(sorted({len(w) for w in self.vocabulary if w}))
        low, high = self.ngram_range
        return tuple(range(low, high + 1))

    def fit(self, texts: Sequence[str]) -> NgramTfidf:
        texts = list(texts)
        codes, rows = _code_points(texts)
        self.lengths = self._lengths()
        allowed: np.ndarray | None = None
        if self.vocabulary is not None:
            words = sorted({w for w in self.vocabulary if w})
            allowed = np.array([word_key(w) for w in words], dtype=np.uint64)
            order = np.argsort(allowed)
            allowed, word_by_key = allowed[order], [words[i] for i in order]
        key_parts, doc_parts, name_parts = [], [], []
        for n in self.lengths:
            keys, docs, positions = _ngram_keys(codes, rows, n)
            if allowed is not None:
                found = np.searchsorted(allowed, keys).clip(max=max(len(allowed) - 1, 0))
                hit = allowed[found] == keys if len(allowed) else np.zeros(len(keys), dtype=bool)
                keys, docs, positions = keys[hit], docs[hit], positions[hit]
            key_parts.append(keys)
            doc_parts.append(docs)
            # One occurrence of each key gives its readable name (for explanations).
            unique_keys, first = np.unique(keys, return_index=True)
            name_parts.append((unique_keys, positions[first], n))
        keys = np.concatenate(key_parts) if key_parts else np.empty(0, dtype=np.uint64)
        docs = np.concatenate(doc_parts) if doc_parts else np.empty(0, dtype=np.int64)
        order = np.lexsort((docs, keys))
        keys, docs = keys[order], docs[order]
        first_in_doc = np.ones(len(keys), dtype=bool)
        first_in_doc[1:] = (keys[1:] != keys[:-1]) | (docs[1:] != docs[:-1])
        vocab, df = np.unique(keys[first_in_doc], return_counts=True)
        n_docs = len(texts)
        keep = (df >= self.min_df) & (df <= self.max_df * n_docs)
        self.keys, df = vocab[keep], df[keep]
        self.idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
        joined = "".join(texts)
        name_of: dict[int, str] = {}
        for unique_keys, starts, n in name_parts:
            for key, start in zip(unique_keys.tolist(), starts.tolist(), strict=True):
                name_of[key] = joined[start : start + n]
        if allowed is not None:
            # The vocabulary spells its own words (the joined text would give the same string).
            name_of.update({int(k): w for k, w in zip(allowed.tolist(), word_by_key, strict=True)})
        self.names = [name_of[k] for k in self.keys.tolist()]
        self.table = KeyTable(self.keys)
        return self

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        texts = list(texts)
        shape = (len(texts), len(self.keys))
        if not len(self.keys) or not texts:
            return sp.csr_matrix(shape, dtype=np.float64)
        codes, rows = _code_points(texts)
        row_parts, col_parts = [], []
        assert self.table is not None
        for n in self.lengths:
            keys, docs, _positions = _ngram_keys(codes, rows, n)
            found = self.table.lookup(keys)
            hit = found >= 0
            row_parts.append(docs[hit])
            col_parts.append(found[hit])
        # One sort of (row, column) codes gives the counts already in CSR order, which is cheaper than letting
        # scipy sum duplicates and sort each row's indices.
        n_cols = np.int64(len(self.keys))
        codes = np.concatenate(row_parts) * n_cols + np.concatenate(col_parts)
        codes.sort()
        starts = np.flatnonzero(np.diff(codes, prepend=np.int64(-1)))
        counts = np.diff(np.append(starts, len(codes))).astype(np.float64)
        unique = codes[starts]
        row_of = unique // n_cols
        indptr = np.searchsorted(row_of, np.arange(len(texts) + 1))
        data = (1.0 + np.log(counts)) * self.idf[unique % n_cols]
        _to_unit_rows(data, row_of, len(texts))
        return sp.csr_matrix((data, unique % n_cols, indptr), shape=shape)

    def fit_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self.fit(texts).transform(texts)


def _to_unit_rows(data: np.ndarray, row_of: np.ndarray, n_rows: int) -> None:
    """Scale the stored values of each row (`row_of[i]` = row of `data[i]`) to unit length, in place: what
    sklearn's `normalize` does, without its input validation (a millisecond of a decision's ten). Every value
    here is positive (sublinear tf × idf ≥ 1), so a row that has values has a norm; an empty row has none."""
    norms = np.sqrt(np.bincount(row_of, weights=data * data, minlength=n_rows))
    data /= norms[row_of]


@dataclass
class HashedNgramTfidf:
    """Sublinear TF-IDF of character n-grams hashed into 2**bits columns: no vocabulary to outgrow.

    For duplicate search over demands that keep arriving: a demand received after the index was built still
    gets all its n-grams, and an n-gram never seen at build time weighs as much as the rarest seen.
    """

    ngram_range: tuple[int, int] = (2, 2)
    bits: int = 20
    idf: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)

    def _counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        codes, rows = _code_points(list(texts))
        mask = np.uint64((1 << self.bits) - 1)
        row_parts, col_parts = [], []
        for n in range(self.ngram_range[0], self.ngram_range[1] + 1):
            keys, docs, _positions = _ngram_keys(codes, rows, n)
            row_parts.append(docs)
            col_parts.append((keys & mask).astype(np.int64))
        r = np.concatenate(row_parts) if row_parts else np.empty(0, dtype=np.int64)
        c = np.concatenate(col_parts) if col_parts else np.empty(0, dtype=np.int64)
        counts = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(texts), 1 << self.bits))
        counts.sum_duplicates()
        return counts

    def fit(self, texts: Sequence[str]) -> HashedNgramTfidf:
        counts = self._counts(texts)
        df = np.bincount(counts.indices, minlength=1 << self.bits)
        self.idf = (np.log((1.0 + len(texts)) / (1.0 + df)) + 1.0).astype(np.float32)
        return self

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        counts = self._counts(texts)
        counts.data = (1.0 + np.log(counts.data)) * self.idf[counts.indices]
        _to_unit_rows(
            counts.data, np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr)), counts.shape[0]
        )
        return counts


def is_word(token: str) -> bool:
    """Whether a jieba token can be a word feature: two to six characters, letters only (no digits or marks)."""
    return 2 <= len(token) <= 6 and all(ch.isalpha() for ch in token)


def cut(text: str) -> list[str]:
    """jieba's tokens of a text (jieba is imported, and silenced, on first use: loading its dictionary takes a
    second that a process which never cuts need not pay)."""
    import jieba

    jieba.setLogLevel(60)
    tokens: list[str] = jieba.lcut(text)
    return tokens


# Parts of speech that say what a matter is about (jieba's tags): nouns, verbs, adjectives, names, idioms,
# abbreviations, place and organisation words. Numerals, quantifiers, pronouns, adverbs, locality words and
# particles ("三个", "几天", "哪些", "我们", "一直", "附近") are not.
_TOPIC_TAGS = ("n", "v", "a", "l", "i", "j", "s", "eng")


@lru_cache(maxsize=65536)
def word_tags(word: str) -> tuple[str, ...]:
    """jieba's part-of-speech tags of the pieces of a word. (Cached: the clusters of a period share many
    candidate words, and tagging one costs a tenth of a ms.)"""
    import jieba.posseg

    cut(word)  # loads and silences jieba first
    return tuple(pair.flag for pair in jieba.posseg.lcut(word))


def is_topic_word(word: str) -> bool:
    """Whether a word can name what a group of demands is about: some part of it is a noun, verb, adjective …"""
    return any(tag.startswith(_TOPIC_TAGS) for tag in word_tags(word))


# Of those, the tags of things a problem is about: nouns (names of places, organisations, things), verbal and
# adjectival nouns ("投资", "咨询"), English words ("VOCs"), abbreviations, set phrases and idioms ("招工难").
_NOUN_TAGS = ("n", "vn", "an", "eng", "j", "l", "i")
# How much a word that is not noun-like counts towards naming a group, against a noun of the same weight: a
# verb can be the matter ("社保转移接续"), but more often it is how it was asked ("提供", "加快"), or a piece
# jieba cut out of a phrase ("没收" from "没收到").
_OTHER_WORD_FACTOR = 0.7
# Words of nearly every demand: they name no group ("企业反映……希望相关部门协调解决").
GENERIC_WORDS = frozenset(
    [
        "企业",
        "公司",
        "部门",
        "问题",
        "情况",
        "事项",
        "相关",
        "有关",
        "希望",
        "协调",
        "提供",
        "支持",
        "加快",
        "尽快",
        "需要",
        "要求",
        "反映",
        "了解",
        "遇到",
        "帮助",
        "解决",
        "影响",
        "能否",
        "是否",
        "已经",
        "没有",
        "目前",
        "现在",
        "明确",
    ]
)
# What a demand says did not happen ("没拨到账", "没收到通知", "没人来", "未到账"): jieba cuts the negation with
# the verb ("没拨", "没收", "未到"); the group is named by what did not come, not by its absence.
NEGATIONS = ("没", "未")


def is_noun_word(word: str) -> bool:
    """Whether jieba tags some part of the word as a noun-like word (`_NOUN_TAGS`): "变压器", "招工难", not
    "明确", "提供", "加快"."""
    return any(tag.startswith(_NOUN_TAGS) for tag in word_tags(word))


def heading_words(scored: Iterable[tuple[str, float]], count: int) -> list[str]:
    """The `count` words that best name a group of demands, from its candidate words and their weights best
    first: topic words (`is_topic_word`) that are not generic (`GENERIC_WORDS`) nor negated (`NEGATIONS`), a
    noun-like word counting fully, another `_OTHER_WORD_FACTOR` of its weight."""
    candidates = islice(
        (
            (w, x)
            for w, x in scored
            if w not in GENERIC_WORDS and not w.startswith(NEGATIONS) and is_topic_word(w)
        ),
        count * 4,
    )
    rescored = [(w, x if is_noun_word(w) else x * _OTHER_WORD_FACTOR) for w, x in candidates]
    rescored.sort(key=lambda pair: -pair[1])  # stable: equal weights keep the ranking's order
    return [word for word, _weight in rescored[:count]]


def learn_words(texts: Iterable[str]) -> list[str]:
    """The words jieba finds in the training texts, the vocabulary of the word view."""
    words: set[str] = set()
    for text in dict.fromkeys(texts):  # each distinct text cut once
        words.update(token for token in cut(text) if is_word(token))
    return sorted(words)


# One text up to this long (a decision's) is counted by dict lookups rather than by hashing in numpy.
ONE_TEXT_CHARS = 2_000


@dataclass
class Lexicon:
    """Terms that point to a label (the words of a department's duties), counted per label.

    Unlike the TF-IDF views, whose weights come only from the training texts, a lexicon carries knowledge to
    words the training texts never used: the SVM learns how much "one of this department's terms occurs" is
    worth, and that holds for every term of the list. The feature of label L is log(1 + hits of L's terms).
    """

    terms_by_label: dict[str, list[str]]
    labels: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    table: KeyTable | None = field(default=None, repr=False)
    term_to_label: sp.csr_matrix | None = field(default=None, repr=False)
    lengths: tuple[int, ...] = ()
    labels_of_term: list[list[int]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        from demandloop.routing.text import normalise

        self.labels = sorted(self.terms_by_label)
        by_term: dict[str, set[int]] = {}
        for j, label in enumerate(self.labels):
            for term in self.terms_by_label[label]:
                key = normalise(str(term))
                if key:
                    by_term.setdefault(key, set()).add(j)
        self.terms = sorted(by_term)
        keys = np.array([word_key(t) for t in self.terms], dtype=np.uint64)
        self.table = KeyTable(keys)
        rows = [i for i, t in enumerate(self.terms) for _ in by_term[t]]
        cols = [j for t in self.terms for j in sorted(by_term[t])]
        self.term_to_label = sp.csr_matrix(
            (np.ones(len(rows)), (rows, cols)), shape=(len(self.terms), len(self.labels))
        )
        self.lengths = tuple(sorted({len(t) for t in self.terms}))
        self.labels_of_term = [sorted(by_term[t]) for t in self.terms]

    def term_counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        texts = list(texts)
        # A decision counts one text's terms twice (features, then the explanation's matched terms).
        last = self.__dict__.get("_last")
        if len(texts) == 1 and last is not None and last[0] == texts[0]:
            return last[1]
        counts = self._term_counts(texts)
        if len(texts) == 1:
            self.__dict__["_last"] = (texts[0], counts)
        return counts

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state.pop("_last", None)
        state.pop("_column_of", None)
        return state

    def _term_counts(self, texts: list[str]) -> sp.csr_matrix:
        if len(texts) == 1 and len(texts[0]) <= ONE_TEXT_CHARS:
            return self._one_text_counts(texts[0])
        codes, rows = _code_points(texts)
        row_parts, col_parts = [], []
        assert self.table is not None
        for n in self.lengths:
            keys, docs, _positions = _ngram_keys(codes, rows, n)
            found = self.table.lookup(keys)
            hit = found >= 0
            row_parts.append(docs[hit])
            col_parts.append(found[hit])
        r = np.concatenate(row_parts) if row_parts else np.empty(0, dtype=np.int64)
        c = np.concatenate(col_parts) if col_parts else np.empty(0, dtype=np.int64)
        return sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(texts), len(self.terms)))

    def _one_text_counts(self, text: str) -> sp.csr_matrix:
        """The same counts for one text of a decision, by looking its substrings up in a dict: hashing every
        n-gram for nine lengths costs more in numpy calls than the lookups themselves (1.6 → 0.5 ms)."""
        column_of = self.__dict__.get("_column_of")
        if column_of is None:
            column_of = self.__dict__["_column_of"] = {t: i for i, t in enumerate(self.terms)}
        found = (column_of.get(text[i : i + n]) for n in self.lengths for i in range(len(text) - n + 1))
        columns = [c for c in found if c is not None]
        indptr = np.array([0, len(columns)])
        counts = sp.csr_matrix(
            (np.ones(len(columns)), np.array(columns, dtype=np.int32), indptr), shape=(1, len(self.terms))
        )
        counts.sum_duplicates()  # one entry per term, in column order, as the batch path gives
        return counts

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        assert self.term_to_label is not None
        per_label = (self.term_counts(texts) @ self.term_to_label).tocsr()
        per_label.data = np.log1p(per_label.data)
        return per_label

    def hits(self, text: str) -> dict[str, list[str]]:
        """label → the terms of that label found in one normalised text."""
        assert self.term_to_label is not None
        counts = self.term_counts([text])
        found: dict[str, list[str]] = {}
        for term_index in counts.indices:
            for label_index in self.labels_of_term[term_index]:
                found.setdefault(self.labels[label_index], []).append(self.terms[term_index])
        return found


VIEW_BODY = "body"
VIEW_HEAD = "head"
VIEW_WORD = "word"
VIEW_LEXICON = "lexicon"


@dataclass
class FeatureSpace:
    """Three views of a normalised text, each l2-normalised, side by side.

    - body: character 1–3-grams of the whole text (robust to unseen words and typos);
    - head: character 1–2-grams of the first 30 characters, where the subject line is (the single largest gain
      on real messages: +1.5 macro-F1 points in cross-validation);
    - word: the words of the training texts, found as substrings.
    """

    body: NgramTfidf = field(default_factory=lambda: NgramTfidf((1, 3)))
    head: NgramTfidf = field(default_factory=lambda: NgramTfidf((1, 2)))
    word: NgramTfidf | None = None
    lexicon: Lexicon | None = None
    weights: tuple[float, float, float] = (1.0, 1.0, 1.0)
    lexicon_weight: float = 1.0

    def fit(self, texts: Sequence[str]) -> FeatureSpace:
        texts = list(texts)
        # Trigrams seen in one text only are noise in a large training set, and half the signal in a small one.
        self.body.min_df = 2 if len(texts) >= 1000 else 1
        self.body.fit(texts)
        self.head.fit([head(t) for t in texts])
        self.word = NgramTfidf(vocabulary=learn_words(texts)).fit(texts)
        return self

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        texts = list(texts)
        assert self.word is not None, "fit the feature space first"
        body_w, head_w, word_w = self.weights
        parts = [
            self.body.transform(texts) * body_w,
            self.head.transform([head(t) for t in texts]) * head_w,
            self.word.transform(texts) * word_w,
        ]
        if self.lexicon is not None:
            parts.append(self.lexicon.transform(texts) * self.lexicon_weight)
        return sp.hstack(parts, format="csr")

    def feature(self, index: int) -> tuple[str, str]:
        """The view and the readable n-gram or word of column `index`."""
        assert self.word is not None
        for view, part in ((VIEW_BODY, self.body), (VIEW_HEAD, self.head), (VIEW_WORD, self.word)):
            if index < len(part.names):
                return view, part.names[index]
            index -= len(part.names)
        if self.lexicon is not None and index < len(self.lexicon.labels):
            return VIEW_LEXICON, self.lexicon.labels[index]
        raise IndexError(index)

    def blocks(self) -> list[tuple[str, int, int]]:
        """The views' column ranges in `transform`'s output: (view, start, end), in order."""
        assert self.word is not None
        sizes = [
            (VIEW_BODY, len(self.body.keys)),
            (VIEW_HEAD, len(self.head.keys)),
            (VIEW_WORD, len(self.word.keys)),
        ]
        if self.lexicon is not None:
            sizes.append((VIEW_LEXICON, len(self.lexicon.labels)))
        out, start = [], 0
        for view, size in sizes:
            out.append((view, start, start + size))
            start += size
        return out

    @property
    def n_features(self) -> int:
        assert self.word is not None
        lexicon = len(self.lexicon.labels) if self.lexicon is not None else 0
        return len(self.body.keys) + len(self.head.keys) + len(self.word.keys) + lexicon
