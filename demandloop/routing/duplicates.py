"""Duplicates and common problems (pure: rows in, suggestions out).

- A duplicate is an open demand of the same enterprise or the same area that says the same thing: cosine
  similarity of character 2–3-gram TF-IDF vectors (robust to re-ordering, typos and different word choice of the
  same clerk) above a threshold. The officer is offered a merge, never a silent one.
- A common problem (共性问题) is a cluster of similar demands from several enterprises in a period: DBSCAN over
  the same vectors (cosine distance, given as a sparse graph of the pairs close enough), kept when at least
  `min_enterprises` different enterprises raised it, labelled with the words that weigh most in it.

The index holds every open demand of a district once, vectorised at build time; a query compares one vector with
the rows of its enterprise and area only, so a decision over 100,000 open demands stays within milliseconds.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp

from demandloop.routing.features import HashedNgramTfidf, NgramTfidf, heading_words, learn_words
from demandloop.routing.text import normalise, normalise_many

DUPLICATE_THRESHOLD = 0.5


class OpenDemand(NamedTuple):
    """What the duplicate finder needs of an open demand."""

    id: Hashable
    text: str
    enterprise_id: Hashable | None = None
    area_id: Hashable | None = None


@dataclass(frozen=True)
class DuplicateCandidate:
    """An open demand that may say the same thing as the new one."""

    id: Hashable
    similarity: float
    same_enterprise: bool
    same_area: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "similarity": round(self.similarity, 4),
            "same_enterprise": self.same_enterprise,
            "same_area": self.same_area,
        }


@dataclass
class DuplicateIndex:
    """Vectors of a district's open demands, with their rows grouped by enterprise and by area."""

    vectoriser: HashedNgramTfidf = field(default_factory=lambda: HashedNgramTfidf((2, 2)))
    ids: list[Hashable] = field(default_factory=list)
    enterprises: list[Hashable | None] = field(default_factory=list)
    areas: list[Hashable | None] = field(default_factory=list)
    matrix: sp.csr_matrix | None = None
    by_enterprise: dict[Hashable, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_area: dict[Hashable, list[int]] = field(default_factory=lambda: defaultdict(list))
    row_of: dict[Hashable, int] = field(default_factory=dict)
    # Rows indexed since `matrix` was last extended: kept apart (`_tail`) so that a demand received or updated
    # does not copy the whole matrix; folded in once they are many (`_rows_for`).
    _pending: list[sp.csr_matrix] = field(default_factory=list)
    _tail: sp.csr_matrix | None = None
    # Each area's rows by column, built once and kept while its demands come and go: rows indexed since are
    # read apart (`AreaRows.recent`), rows forgotten since are skipped, and the block is built again only when
    # either is a sizeable share of it.
    _areas: dict[Hashable, AreaRows] = field(default_factory=dict)
    # A query updates that lazy state too: one index serves every thread of a process (DuplicateRegistry).
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    @classmethod
    def build(cls, rows: Iterable[OpenDemand | Sequence[Any]]) -> DuplicateIndex:
        """An index of `rows` ((id, text, enterprise_id, area_id) tuples or `OpenDemand`s)."""
        demands = [OpenDemand(*row) for row in rows]
        index = cls()
        texts = normalise_many(d.text for d in demands)
        index.vectoriser.fit(texts or [""])
        index.matrix = sp.csr_matrix((0, 1 << index.vectoriser.bits))
        index._append(demands, texts)
        # Every area's block now, with the index, rather than in the first decision of each area; a block is
        # built again (about 5 ms for 4,000 demands) by the first decision after a demand of its area came or went.
        for area_id, area_rows in index.by_area.items():
            if area_rows:
                index._area_rows(area_id)
        return index

    def _append(self, demands: Sequence[OpenDemand], texts: Sequence[str]) -> None:
        if not demands:
            return
        start = len(self.ids)
        for offset, demand in enumerate(demands):
            row = start + offset
            self.ids.append(demand.id)
            self.enterprises.append(demand.enterprise_id)
            self.areas.append(demand.area_id)
            self.row_of[demand.id] = row
            if demand.enterprise_id is not None:
                self.by_enterprise[demand.enterprise_id].append(row)
            if demand.area_id is not None:
                self.by_area[demand.area_id].append(row)
                area = self._areas.get(demand.area_id)
                if area is not None:
                    area.recent.append(row)
                    area.recent_block = None
        self._pending.append(self.vectoriser.transform(texts))

    def add(self, rows: Iterable[OpenDemand | Sequence[Any]]) -> None:
        """Index newly received demands (their words count with the document frequencies of the build)."""
        demands = [OpenDemand(*row) for row in rows]
        texts = normalise_many(d.text for d in demands)
        with self._lock:
            self.discard(d.id for d in demands if d.id in self.row_of)
            self._append(demands, texts)

    def discard(self, ids: Iterable[Hashable]) -> None:
        """Forget demands that were closed, merged or withdrawn (their rows stay, unreachable)."""
        with self._lock:
            self._discard(list(ids))

    def _discard(self, ids: list[Hashable]) -> None:
        for demand_id in ids:
            row = self.row_of.pop(demand_id, None)
            if row is None:
                continue
            for groups, key in ((self.by_enterprise, self.enterprises[row]), (self.by_area, self.areas[row])):
                if key is not None and row in groups.get(key, ()):
                    groups[key].remove(row)

    def _rows_for(self, rows: np.ndarray) -> sp.csr_matrix:
        """The vectors of `rows` (ascending), wherever they are stored."""
        assert self.matrix is not None
        if self._pending:
            pending = sum(p.shape[0] for p in self._pending) + (
                0 if self._tail is None else self._tail.shape[0]
            )
            if pending > max(TAIL_ROWS, self.matrix.shape[0] // 20):
                # Copying the matrix (15 ms at 100,000 demands) once every few thousand new rows.
                self.matrix = sp.vstack([self.matrix, *self._stored_tail(), *self._pending], format="csr")
                self._pending, self._tail = [], None
            else:
                self._tail = sp.vstack([*self._stored_tail(), *self._pending], format="csr")
                self._pending = []
        split = int(np.searchsorted(rows, self.matrix.shape[0]))
        if split == len(rows):
            return self.matrix[rows]
        assert self._tail is not None
        tail = self._tail[rows[split:] - self.matrix.shape[0]]
        return sp.vstack([self.matrix[rows[:split]], tail], format="csr") if split else tail

    def _stored_tail(self) -> list[sp.csr_matrix]:
        return [] if self._tail is None else [self._tail]

    def _alive(self, row: int, area_id: Hashable) -> bool:
        return self.areas[row] == area_id and self.row_of.get(self.ids[row]) == row

    def __len__(self) -> int:
        return len(self.row_of)

    def find(
        self,
        text: str,
        *,
        enterprise_id: Hashable | None = None,
        area_id: Hashable | None = None,
        exclude_id: Hashable | None = None,
        threshold: float = DUPLICATE_THRESHOLD,
        limit: int = 5,
    ) -> list[DuplicateCandidate]:
        """Open demands of the same enterprise or area at least `threshold` similar to `text`, most similar first."""
        if enterprise_id is None and area_id is None:
            return []
        query = self.vectoriser.transform([normalise(text)])
        with self._lock:
            return self._find(query, enterprise_id, area_id, exclude_id, threshold, limit)

    def _find(
        self,
        query: sp.csr_matrix,
        enterprise_id: Hashable | None,
        area_id: Hashable | None,
        exclude_id: Hashable | None,
        threshold: float,
        limit: int,
    ) -> list[DuplicateCandidate]:
        similarity: dict[int, float] = {}
        if area_id is not None and self.by_area.get(area_id):
            area = self._area_rows(area_id)
            blocks = [area.block, self._recent_block(area)] if area.recent else [area.block]
            for block in blocks:
                cosines = block.cosines(query)
                # Only the rows above the threshold become Python objects: an area holds thousands.
                above = np.flatnonzero(cosines >= threshold)
                for row, value in zip(block.rows[above].tolist(), cosines[above].tolist(), strict=True):
                    if self._alive(row, area_id):
                        similarity[row] = value
        # The enterprise's demands elsewhere (those of the area are scored above).
        own = [
            r
            for r in self.by_enterprise.get(enterprise_id, ())
            if self.areas[r] != area_id or area_id is None
        ]
        if enterprise_id is not None and own:
            rows = np.array(own, dtype=np.int64)
            cosines = AreaBlock.of(rows, self._rows_for(rows)).cosines(query)
            similarity.update(zip(own, cosines.tolist(), strict=True))
        if exclude_id is not None and exclude_id in self.row_of:
            similarity.pop(self.row_of[exclude_id], None)
        best = sorted((r for r, v in similarity.items() if v >= threshold), key=lambda r: -similarity[r])[
            :limit
        ]
        return [
            DuplicateCandidate(
                id=self.ids[r],
                similarity=float(similarity[r]),
                same_enterprise=enterprise_id is not None and self.enterprises[r] == enterprise_id,
                same_area=area_id is not None and self.areas[r] == area_id,
            )
            for r in best
        ]

    def _area_rows(self, area_id: Hashable) -> AreaRows:
        area = self._areas.get(area_id)
        live = len(self.by_area[area_id])
        if area is not None:
            stored = len(area.block.rows) + len(area.recent)
            few_new = len(area.recent) <= max(TAIL_ROWS, stored // 16)
            few_gone = stored - live <= max(TAIL_ROWS, stored // 4)
            if few_new and few_gone:
                return area
        rows = np.array(sorted(self.by_area[area_id]), dtype=np.int64)
        area = self._areas[area_id] = AreaRows(AreaBlock.of(rows, self._rows_for(rows)))
        return area

    def _recent_block(self, area: AreaRows) -> AreaBlock:
        if area.recent_block is None:
            rows = np.array(area.recent, dtype=np.int64)
            area.recent_block = AreaBlock.of(rows, self._rows_for(rows))
        return area.recent_block


# Rows an index or an area takes in apart before they are folded in (at least; or a 20th / 16th of the rows).
TAIL_ROWS = 64


@dataclass
class AreaRows:
    """An area's block, the area's rows indexed since it was built, and those rows' own small block."""

    block: AreaBlock
    recent: list[int] = field(default_factory=list)
    recent_block: AreaBlock | None = None


# Below this many stored entries (a few dozen demands) sorting them is cheaper than a pass over the hashed space.
SMALL_BLOCK = 20_000


@dataclass(frozen=True)
class AreaBlock:
    """The open demands of one area stored by column: for each n-gram their texts use, which rows hold it and
    with what weight.

    An area holds thousands of demands and some 190,000 stored n-grams; a query has a few dozen, and only the
    rows sharing one of them can be similar. Reading just those columns touches a fifth of the entries, and
    never the million-wide hashed space: 0.45 ms a query where gathering every entry's partner from a dense
    copy of the query took 2 ms (4,184 demands; docs/routing.md).
    """

    rows: np.ndarray  # the index rows of the area's demands, ascending
    columns: np.ndarray  # the hashed n-grams present in them, ascending
    by_column: sp.csc_matrix  # (rows, columns)

    @classmethod
    def of(cls, rows: np.ndarray, block: sp.csr_matrix) -> AreaBlock:
        if block.nnz < SMALL_BLOCK:
            columns, compact = np.unique(block.indices, return_inverse=True)
            compact = compact.ravel()
        else:
            # Sorting an area's ~190,000 entries to find its distinct n-grams took 13 ms; marking them in the
            # hashed space and numbering the marks takes 2.
            width = block.shape[1]
            mark = np.zeros(width, dtype=bool)
            mark[block.indices] = True
            columns = np.flatnonzero(mark)
            number = np.empty(width, dtype=np.int32)
            number[columns] = np.arange(len(columns), dtype=np.int32)
            compact = number[block.indices]
        narrow = sp.csr_matrix((block.data, compact, block.indptr), shape=(block.shape[0], len(columns)))
        return cls(rows, columns, narrow.tocsc())

    def cosines(self, query: sp.csr_matrix) -> np.ndarray:
        """Dot product of each row with the one-row `query` (both l2-normalised: cosines), in `rows` order."""
        at = np.searchsorted(self.columns, query.indices)
        present = at < len(self.columns)
        present[present] = self.columns[at[present]] == query.indices[present]
        at, weights = at[present], query.data[present]
        starts = self.by_column.indptr[at]
        lengths = self.by_column.indptr[at + 1] - starts
        # Every touched entry's position: each column's run of entries, one run after another.
        positions = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(int(lengths.sum()))
        products = self.by_column.data[positions] * np.repeat(weights, lengths)
        return np.bincount(self.by_column.indices[positions], weights=products, minlength=len(self.rows))


class DemandForClustering(NamedTuple):
    """What the common-problem finder needs of a demand."""

    id: Hashable
    text: str
    enterprise_id: Hashable | None
    received_at: datetime | None = None
    department: str = ""


@dataclass(frozen=True)
class CommonProblem:
    """Similar demands of several enterprises: a 共性问题 for the hub and the meeting agenda."""

    keywords: list[str]
    demand_ids: list[Hashable]
    enterprise_count: int
    representative_id: Hashable
    representative_text: str
    departments: dict[str, int]

    @property
    def count(self) -> int:
        return len(self.demand_ids)

    def as_dict(self) -> dict[str, Any]:
        return {
            "keywords": self.keywords,
            "count": self.count,
            "enterprise_count": self.enterprise_count,
            "demand_ids": self.demand_ids,
            "representative_id": self.representative_id,
            "representative_text": self.representative_text,
            "departments": self.departments,
        }


# How many similarities `neighbourhoods` holds at once (8 bytes each): a block of rows against all rows.
SIMILARITY_BLOCK = 8_000_000


def neighbourhoods(matrix: sp.csr_matrix, eps: float) -> sp.csr_matrix:
    """The cosine distances of the l2-normalised rows of `matrix` that are at most `eps`, as a sparse graph for
    DBSCAN's `metric="precomputed"`: the same neighbourhoods as `metric="cosine"`, whose brute force holds all
    n² distances in memory and clips them (a month of a large district: 8,000 texts, 64 million distances,
    3.3 s; this 0.7 s in blocks of rows). A distance of 0 (the same text twice) is kept as a tiny positive
    number, since a sparse graph cannot store an explicit 0 as a neighbour."""
    n = matrix.shape[0]
    columns = matrix.T.tocsc()
    step = max(1, SIMILARITY_BLOCK // max(n, 1))
    rows, cols, distances = [], [], []
    for first in range(0, n, step):
        distance = 1.0 - (matrix[first : first + step] @ columns).toarray()
        r, c = np.nonzero(distance <= eps)
        rows.append(r + first)
        cols.append(c)
        distances.append(np.maximum(distance[r, c], 1e-12))
    return sp.csr_matrix(
        (np.concatenate(distances), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)
    )


def find_common_problems(
    demands: Iterable[DemandForClustering | Sequence[Any]],
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    min_enterprises: int = 2,
    similarity: float = 0.3,
    keywords: int = 5,
) -> list[CommonProblem]:
    """Clusters of similar demands received in [start, end) from at least `min_enterprises` enterprises.

    Largest first. A demand belongs to at most one cluster; the representative is the one most similar to the
    rest of its cluster.
    """
    rows = [DemandForClustering(*d) for d in demands]
    rows = [
        r
        for r in rows
        if (start is None or (r.received_at is not None and r.received_at >= start))
        and (end is None or (r.received_at is not None and r.received_at < end))
    ]
    if len(rows) < 2:
        return []
    texts = normalise_many(r.text for r in rows)
    matrix = HashedNgramTfidf((2, 2)).fit(texts).transform(texts)
    # scikit-learn is imported here, not with the module: every process that loads the URLs (the web workers,
    # every management command's checks) reaches this module, and importing sklearn costs about 1.5 s.
    from sklearn.cluster import DBSCAN

    labels = DBSCAN(eps=1.0 - similarity, min_samples=2, metric="precomputed").fit_predict(
        neighbourhoods(matrix, 1.0 - similarity)
    )
    clusters = []
    for label in set(labels) - {-1}:
        members = np.flatnonzero(labels == label)
        enterprises = {rows[i].enterprise_id for i in members if rows[i].enterprise_id is not None}
        if len(enterprises) >= min_enterprises:
            clusters.append((members, enterprises))
    if not clusters:
        return []
    # The keywords' vocabulary: the words jieba finds in the clusters' own texts (cutting is most of the time
    # here, and most demands of a period belong to no cluster); their weights still count every text.
    clustered = np.concatenate([members for members, _ in clusters])
    member_texts = [texts[i] for i in clustered]
    words = NgramTfidf(vocabulary=learn_words(member_texts)).fit(texts)
    # All clusters at once, over the members in cluster order: row c of `assign` sums cluster c's rows.
    cluster_of = np.repeat(np.arange(len(clusters)), [len(members) for members, _ in clusters])
    assign = sp.csr_matrix(
        (np.ones(len(clustered)), (cluster_of, np.arange(len(clustered)))),
        shape=(len(clusters), len(clustered)),
    )
    # A member's centrality: its summed similarity to its cluster (itself included), row · Σ cluster rows.
    member_rows = matrix[clustered]
    centrality = np.asarray(member_rows.multiply((assign @ member_rows)[cluster_of]).sum(axis=1)).ravel()
    # The keywords: the words of largest mean weight over the cluster's members (sums rank as means do), each
    # weighed by the share of the members that use it: a group is named by what its demands have in common.
    member_words = words.transform(member_texts)
    weights = (assign @ member_words).tocsr()
    shares = (assign @ (member_words > 0).astype(np.float64)).tocsr()
    weights = weights.multiply(shares).tocsr()
    weights.sort_indices()  # ties keep the vocabulary's order
    problems = []
    offset = 0
    for c, (members, enterprises) in enumerate(clusters):
        row = weights[c]
        order = np.argsort(-row.data, kind="stable")
        top = heading_words(
            ((words.names[i], float(x)) for i, x in zip(row.indices[order], row.data[order], strict=True)),
            keywords,
        )
        best = members[int(np.argmax(centrality[offset : offset + len(members)]))]
        offset += len(members)
        problems.append(
            CommonProblem(
                keywords=top,
                demand_ids=[rows[i].id for i in members],
                enterprise_count=len(enterprises),
                representative_id=rows[best].id,
                representative_text=rows[best].text,
                departments=dict(Counter(rows[i].department for i in members if rows[i].department)),
            )
        )
    problems.sort(key=lambda p: (-p.enterprise_count, -p.count))
    return problems
