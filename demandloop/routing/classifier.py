"""The learned part of the router: a linear text classifier with one or more heads over one feature space.

Method (docs/routing.md): normalised text → three TF-IDF views (body character 1–3-grams, head character
1–2-grams, words learned by jieba) → for each head (department, domain, complexity, tier, or the single label
of a data set) either one linear SVM over all views or one SVM per view stacked under a learned combination and
folded back into one linear model, whichever scores better out of fold. For macro-F1, per-class offsets to the
margins are fitted on out-of-fold margins; scores are a softmax of the margins with a temperature fitted on the
same out-of-fold margins, so that "0.8" means right about eight times in ten; the explanation of a suggestion is
the features whose weight × value pushed hardest towards it. Pure: no database, no network.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import joblib
import numpy as np
import scipy.sparse as sp
import sklearn
from scipy.optimize import minimize_scalar
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from demandloop.routing.features import VIEW_LEXICON, VIEW_WORD, FeatureSpace, Lexicon, cut
from demandloop.routing.text import normalise, normalise_many

T = TypeVar("T")

MODEL_FILE = "model.joblib"
META_FILE = "meta.json"
FORMAT_VERSION = 1


def _softmax(margins: np.ndarray, temperature: float) -> np.ndarray:
    z = margins * temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    result: np.ndarray = e / e.sum(axis=1, keepdims=True)
    return result


def _as_columns(margins: np.ndarray) -> np.ndarray:
    """A binary SVM gives one margin per text; make it one per class like the multi-class case."""
    return np.column_stack([-margins / 2, margins / 2]) if margins.ndim == 1 else margins


@dataclass
class LinearModel:
    """What a head applies: the classes, one weight row per class (a single row for two classes, pointing at
    the second) and the intercepts — the form of a fitted `LinearSVC`, which can stand in for it."""

    classes_: np.ndarray
    coef_: np.ndarray
    intercept_: np.ndarray


@dataclass
class Head:
    """One learned decision (e.g. the department) over the shared features."""

    name: str
    model: LinearModel | LinearSVC
    temperature: float = 1.0
    # Added to the margins before the argmax: per-class offsets fitted for macro-F1 (see `_fit_offsets`).
    offsets: np.ndarray | None = None

    @property
    def labels(self) -> list[str]:
        return [str(c) for c in self.model.classes_]

    def margins(self, features: sp.csr_matrix) -> np.ndarray:
        # The linear function itself: scikit-learn's decision_function validates its input at a cost that
        # dominates for one text.
        coef_t = self.__dict__.get("_coef_t")
        if coef_t is None:
            # (features, classes), contiguous: `coef_.T` is a strided view that scipy would copy on every call.
            coef_t = self.__dict__["_coef_t"] = np.ascontiguousarray(self.model.coef_.T)
        margins = features @ coef_t + self.model.intercept_
        columns = _as_columns(np.asarray(margins).ravel() if margins.shape[1] == 1 else np.asarray(margins))
        return columns if self.offsets is None else columns + self.offsets

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_coef_t", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Models saved before the views were stacked call their linear model `svm`.
        if "svm" in state:
            state["model"] = state.pop("svm")
        self.__dict__.update(state)

    def coef_for(self, label_index: int) -> np.ndarray:
        coef: np.ndarray = np.asarray(self.model.coef_)
        if coef.shape[0] == 1:  # binary: one weight vector pointing at the second class
            row: np.ndarray = coef[0] if label_index == 1 else -coef[0]
            return row
        chosen: np.ndarray = coef[label_index]
        return chosen


def _macro_f1(truth: np.ndarray, predicted: np.ndarray, n_classes: int) -> float:
    counts = np.bincount(truth * n_classes + predicted, minlength=n_classes * n_classes)
    confusion = counts.reshape(n_classes, n_classes)
    tp = np.diag(confusion).astype(float)
    denominator = confusion.sum(axis=0) + confusion.sum(axis=1)
    return float(np.mean(np.where(denominator > 0, 2 * tp / np.maximum(denominator, 1), 0.0)))


OFFSET_GRID = np.linspace(-0.5, 0.5, 21)


def _fit_offsets(margins: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Per-class offsets to the margins that maximise macro-F1 of out-of-fold predictions.

    A linear SVM trained on unbalanced classes under-predicts the small ones (交通运输: precision 0.94, recall
    0.72 on the real messages); moving each class's threshold, learned on margins of texts the model did not see,
    trades a little precision of the large classes for recall of the small ones. Coordinate search over a
    coarse grid, three passes; in nested cross-validation it adds about one macro-F1 point on every fold.
    """
    n_classes = margins.shape[1]
    offsets = np.zeros(n_classes)
    best = _macro_f1(truth, margins.argmax(axis=1), n_classes)
    for _ in range(3):
        for k in range(n_classes):
            for step in OFFSET_GRID:
                trial = offsets.copy()
                trial[k] = step
                score = _macro_f1(truth, (margins + trial).argmax(axis=1), n_classes)
                if score > best + 1e-9:
                    best, offsets = score, trial
    return offsets


def _fit_temperature(margins: np.ndarray, truth: np.ndarray) -> float:
    """The temperature that makes softmax(margins) best predict the true labels (lowest log loss)."""

    def loss(t: float) -> float:
        p = _softmax(margins, t)
        return float(-np.log(p[np.arange(len(truth)), truth] + 1e-12).mean())

    return float(minimize_scalar(loss, bounds=(0.05, 50.0), method="bounded").x)


# Folds of the out-of-fold margins that the views' combination learns from.
STACK_FOLDS = 5
# Regularisation of the combination (a logistic regression over a few dozen margins).
STACK_C = 1.0


def _linear_svc(C: float) -> LinearSVC:
    return LinearSVC(C=C, max_iter=5000, random_state=0)


def _decision(model: Any, matrix: Any) -> np.ndarray:
    """Decision values as a (texts, rows of coef_) array: one column for two classes, one per class otherwise."""
    values = np.asarray(model.decision_function(matrix))
    return values.reshape(len(values), -1)


def _columns(values: np.ndarray) -> np.ndarray:
    """(texts, 1) decision values of two classes as two columns, like the multi-class case."""
    return _as_columns(values.ravel()) if values.shape[1] == 1 else values


def _weights_of(weights: np.ndarray | None, rows: np.ndarray) -> np.ndarray | None:
    return None if weights is None else weights[rows]


def _out_of_fold(
    make: Any, matrix: Any, y: np.ndarray, weights: np.ndarray | None, splits: Sequence[tuple[Any, Any]]
) -> np.ndarray:
    """Decision values of each text from a model (`make()`) fitted on the folds that leave it out."""
    values: np.ndarray | None = None
    for train, test in splits:
        fold = make().fit(matrix[train], y[train], sample_weight=_weights_of(weights, train))
        decided = _decision(fold, matrix[test])
        if values is None:
            values = np.zeros((len(y), decided.shape[1]))
        values[test] = decided
    assert values is not None
    return values


def _combiner() -> LogisticRegression:
    # A few dozen dense columns of margins: Newton steps with conjugate gradients reach the optimum (to 1e-4 of
    # a coefficient) in a tenth of the time L-BFGS takes to stop short of it (1e-2); training a preset's router
    # went from 11 s to about 4 s, and the combination is the same up to that difference.
    return LogisticRegression(C=STACK_C, max_iter=5000, solver="newton-cg", tol=1e-6)


def _stack_views(
    matrix: sp.csr_matrix,
    y: np.ndarray,
    weights: np.ndarray | None,
    blocks: Sequence[tuple[int, int]],
    C: float,
    splits: Sequence[tuple[Any, Any]],
) -> tuple[LinearModel, np.ndarray]:
    """One linear SVM per view, combined by a logistic regression learned on their out-of-fold margins.

    An SVM over all views side by side lets the largest view (the body's hundred thousand n-grams) set the
    scale; learning per view how much its margin for each class is worth — the head's "交通" against the
    body's "收费" — gains about half a macro-F1 point on the real messages (docs/routing.md). Every step is
    linear, so the combination folds back into one weight row per class: prediction costs what one SVM costs,
    and the explanation is still weight × value of the text's own n-grams and words.

    Returns the folded model and out-of-fold decision values of the combination.
    """
    bases, margins = [], []
    for start, end in blocks:
        view = matrix[:, start:end]
        bases.append(_linear_svc(C).fit(view, y, sample_weight=weights))
        margins.append(_out_of_fold(lambda: _linear_svc(C), view, y, weights, splits))
    stacked = np.hstack(margins)
    combination = _combiner().fit(stacked, y, sample_weight=weights)
    width = bases[0].coef_.shape[0]
    coef = np.zeros((combination.coef_.shape[0], matrix.shape[1]))
    intercept = np.array(combination.intercept_, dtype=float)
    for v, ((start, end), base) in enumerate(zip(blocks, bases, strict=True)):
        mix = combination.coef_[:, v * width : (v + 1) * width]
        coef[:, start:end] = mix @ base.coef_
        intercept = intercept + mix @ base.intercept_
    folded = LinearModel(classes_=combination.classes_, coef_=coef, intercept_=intercept)
    return folded, _out_of_fold(_combiner, stacked, y, weights, splits)


def _score(margins: np.ndarray, truth: np.ndarray, macro: bool) -> float:
    predicted = margins.argmax(axis=1)
    if macro:
        return _macro_f1(truth, predicted, margins.shape[1])
    return float(np.mean(predicted == truth))


@dataclass
class TextClassifier:
    """Feature space + heads, trained together, saved and loaded as one artefact."""

    features: FeatureSpace = field(default_factory=FeatureSpace)
    heads: dict[str, Head] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    C: float = 1.0
    lexicon: dict[str, list[str]] | None = None
    # Fit per-class offsets for macro-F1 (data sets judged by macro-F1); the preset routers, judged by accuracy
    # over many small classes, leave it off.
    balance: bool = True
    # Combine one SVM per view by learned weights (`_stack_views`) rather than one SVM over all views.
    stack: bool = True

    # --- training ---------------------------------------------------------------------------------------
    def fit(
        self,
        texts: Sequence[str],
        labels: Mapping[str, Sequence[str]],
        *,
        sample_weight: Sequence[float] | None = None,
        calibrate: bool = True,
    ) -> TextClassifier:
        """Learn every head in `labels` (head name → one label per text; "" = unknown for that head)."""
        started = time.perf_counter()
        normalised = normalise_many(texts)
        if self.lexicon:
            self.features.lexicon = Lexicon(self.lexicon)
        matrix = self.features.fit(normalised).transform(normalised)
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        self.heads = {}
        for name, column in labels.items():
            y = np.array([str(v) for v in column], dtype=object)
            known = np.flatnonzero(y != "")
            if len(set(y[known])) < 2:
                continue
            w = _weights_of(weights, known)
            head, out_of_fold = self._fit_head(name, matrix[known], y[known], w, calibrate)
            if calibrate and out_of_fold is not None:
                margins, truth = out_of_fold
                if self.balance:
                    head.offsets = _fit_offsets(margins, truth)
                    margins = margins + head.offsets
                head.temperature = _fit_temperature(margins, truth)
            self.heads[name] = head
        self.meta.update(
            {
                "format": FORMAT_VERSION,
                "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "n_texts": len(texts),
                "heads": {name: head.labels for name, head in self.heads.items()},
                "n_features": self.features.n_features,
                "train_seconds": round(time.perf_counter() - started, 2),
                "sklearn": sklearn.__version__,
            }
        )
        return self

    def _fit_head(
        self, name: str, matrix: sp.csr_matrix, y: np.ndarray, weights: np.ndarray | None, calibrate: bool
    ) -> tuple[Head, tuple[np.ndarray, np.ndarray] | None]:
        """The head's linear model — views stacked or one SVM over all, whichever scores better out of fold —
        and out-of-fold margins with the true class indices for offsets and temperature."""
        classes, counts = np.unique(y, return_counts=True)
        truth = np.searchsorted(classes, y)
        folds = int(min(STACK_FOLDS, counts.min()))
        blocks = [(start, end) for _view, start, end in self.features.blocks()]
        stacking = self.stack and len(blocks) > 1

        def plain() -> Head:
            return Head(name, _linear_svc(self.C).fit(matrix, y, sample_weight=weights))

        if folds < 2 or not (calibrate or stacking):
            return plain(), None
        splits = list(StratifiedKFold(folds, shuffle=True, random_state=0).split(np.zeros(len(y)), y))
        plain_margins = _columns(_out_of_fold(lambda: _linear_svc(self.C), matrix, y, weights, splits))
        if not stacking:
            return plain(), (plain_margins, truth)
        stacked, stacked_margins = _stack_views(matrix, y, weights, blocks, self.C, splits)
        stacked_margins = _columns(stacked_margins)
        # With many classes of few texts each (a preset's departments), a weight per view and class is learned
        # from too few margins and the plain SVM wins; with a few large classes the stack does. Let the
        # training texts decide, by the measure the model is judged by.
        stacked_score = _score(stacked_margins, truth, self.balance)
        plain_score = _score(plain_margins, truth, self.balance)
        self.meta.setdefault("combination", {})[name] = {
            "chosen": "stacked" if stacked_score > plain_score else "plain",
            "stacked": round(stacked_score, 4),
            "plain": round(plain_score, 4),
        }
        if stacked_score > plain_score:
            return Head(name, stacked), (stacked_margins, truth)
        return plain(), (plain_margins, truth)

    # --- prediction -------------------------------------------------------------------------------------
    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self.features.transform(normalise_many(texts))

    def predict(self, texts: Sequence[str], head: str | None = None) -> list[str]:
        h = self.heads[head or self.primary_head]
        margins = h.margins(self.transform(texts))
        return [h.labels[i] for i in margins.argmax(axis=1)]

    def predict_proba(self, texts: Sequence[str], head: str | None = None) -> tuple[list[str], np.ndarray]:
        h = self.heads[head or self.primary_head]
        return h.labels, _softmax(h.margins(self.transform(texts)), h.temperature)

    def rank(
        self, features: sp.csr_matrix, head: str, *, top: int = 3, explain: int = 5, text: str | None = None
    ) -> list[dict[str, Any]]:
        """The `top` labels of one text (a 1-row feature matrix) with scores and explanations, best first."""
        h = self.heads[head]
        proba = _softmax(h.margins(features), h.temperature)[0]
        order = np.argsort(-proba)[:top]
        return [
            {
                "label": h.labels[i],
                "score": round(float(proba[i]), 4),
                "because": self.explain(features, head, i, explain, text),
            }
            for i in order
        ]

    def explain(
        self, features: sp.csr_matrix, head: str, label_index: int, k: int = 5, text: str | None = None
    ) -> list[dict[str, Any]]:
        """The features of this text that pushed hardest towards `label_index`: weight × value, largest first.

        Single characters are left out when longer n-grams or words explain the choice: a clerk reads "发票"
        and "增值税", not "票". Given the `text`, a character n-gram is shown only where it lies inside one of
        the words jieba finds in it: "企业反映" weighs through "业反" too, but a clerk reads "反映".
        """
        row = features.getrow(0) if features.shape[0] > 1 else features
        contributions = row.data * self.heads[head].coef_for(label_index)[row.indices]
        order = np.argsort(-contributions)
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        faint = 0.05 * contributions[order[0]] if len(order) else 0.0
        # Lexicon columns come last; below the faint line only they can still be shown.
        lexicon_start = self.features.n_features - (
            len(self.features.lexicon.labels) if self.features.lexicon else 0
        )
        for i in order:
            if contributions[i] <= 0 or len(out) >= k:
                break
            if contributions[i] < faint and row.indices[i] < lexicon_start:
                continue
            view, name = self.features.feature(int(row.indices[i]))
            if view == VIEW_LEXICON and self.features.lexicon is not None and text is not None:
                # A lexicon column is a department's list: show which of its terms occurred.
                terms = self._lexicon_hits(text).get(name, [])
                out.append(
                    {
                        "feature": "、".join(terms) or name,
                        "view": view,
                        "label": name,
                        "weight": round(float(contributions[i]), 4),
                    }
                )
                continue
            # Punctuation n-grams (",多"), n-grams across two words ("业反") and faint contributions explain
            # nothing to a clerk.
            if contributions[i] < faint or len(name) < 2 or not name.isalnum():
                continue
            if view != VIEW_WORD and text is not None and not any(name in w for w in self._words(text)):
                continue
            if name in seen or any(name in s for s in seen):
                continue
            seen.add(name)
            out.append({"feature": name, "view": view, "weight": round(float(contributions[i]), 4)})
        return out

    # What a decision reads of its one text for the explanations of its four heads, computed once: slot → (text,
    # value). Not saved with the model.
    _PER_TEXT = ("_cut", "_hits")

    def _once_per_text(self, slot: str, text: str, compute: Callable[[], T]) -> T:
        cached = self.__dict__.get(slot)
        if cached is not None and cached[0] == text:
            known: T = cached[1]
            return known
        value = compute()
        self.__dict__[slot] = (text, value)
        return value

    def _words(self, text: str) -> list[str]:
        """The words of `text` (normalised) as jieba cuts them."""
        return self._once_per_text("_cut", text, lambda: [w for w in cut(normalise(text)) if len(w) > 1])

    def _lexicon_hits(self, text: str) -> dict[str, list[str]]:
        """label → lexicon terms found in `text`."""
        lexicon = self.features.lexicon
        assert lexicon is not None
        return self._once_per_text("_hits", text, lambda: lexicon.hits(normalise(text)))

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        for slot in self._PER_TEXT:
            state.pop(slot, None)
        return state

    def warm(self) -> None:
        """Build the per-text lookup structures now rather than during the first decision."""
        features = self.transform(["预热"])
        for head in self.heads:
            self.heads[head].margins(features)

    @property
    def primary_head(self) -> str:
        return next(iter(self.heads))

    # --- persistence ------------------------------------------------------------------------------------
    def save(self, directory: str | Path) -> Path:
        """Write the model and its description into `directory`. Each file is written beside its place and then
        renamed into it, the model last: another process that finds `model.joblib` finds it whole, with its
        description, never half written."""
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        staged = path / f".{META_FILE}.{os.getpid()}.tmp"
        staged.write_text(json.dumps(self.meta, ensure_ascii=False, indent=2), encoding="utf-8")
        staged.replace(path / META_FILE)
        staged = path / f".{MODEL_FILE}.{os.getpid()}.tmp"
        joblib.dump(self, staged, compress=3)
        staged.replace(path / MODEL_FILE)
        return path

    @classmethod
    def load(cls, directory: str | Path) -> TextClassifier:
        """Load a model this code saved (a pickle: only ever from the platform's own model folder)."""
        model = joblib.load(Path(directory) / MODEL_FILE)
        if not isinstance(model, cls):
            raise TypeError(f"{directory} does not hold a routing model")
        return model
