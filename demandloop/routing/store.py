"""Where the routers of the districts live: `var/models/<district>/<folder>/`, one loaded per process.

Default models are trained from the shipped corpus on first use (about four seconds) and cached under
`default-<fingerprint>/`, the fingerprint covering the corpus, the lexicon and the model format: no binary
artefact in the repository, none that an upgraded scikit-learn could fail to unpickle, and `demandloop init`
stays fast. The fingerprint also covers the feature code, so a change of normalisation retrains the default.
`route retrain` writes `retrained-<time>/` and, unless it routes worse than the model in force, points the
district's `ACTIVE` file at it; every process notices the change on its next decision (one small file read) and
loads the new model once.
"""

from __future__ import annotations

import gc
import hashlib
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import sklearn
from django.conf import settings

from demandloop.lib.locks import file_lock
from demandloop.routing.classifier import FORMAT_VERSION, MODEL_FILE, TextClassifier
from demandloop.routing.corpus import (
    HEADS,
    LEXICON_PATH,
    LabelledDemand,
    corpus_path,
    has_corpus,
    head_labels,
    in_scope,
    load_corpus,
    load_lexicon,
)

ACTIVE_FILE = "ACTIVE"
# The lexicon's terms also train as short documents, lightly: they teach the n-gram views a department's words.
LEXICON_DOC_WEIGHT = 0.3
# A district's own resolved demands count more than the generic corpus: they are its reality.
DISTRICT_ROW_WEIGHT = 2.0

_lock = threading.Lock()
_loaded: dict[str, tuple[str, TextClassifier]] = {}


def models_dir() -> Path:
    return Path(getattr(settings, "DEMANDLOOP_MODELS_DIR", settings.VAR_DIR / "models"))


def district_dir(district_code: str) -> Path:
    return models_dir() / district_code


def fingerprint(district_code: str) -> str:
    digest = hashlib.sha256(f"format {FORMAT_VERSION} scikit-learn {sklearn.__version__}".encode())
    # The code that turns text into features is part of the model: a change there retrains the default.
    code = Path(__file__).resolve().parent
    for path in (
        corpus_path(district_code),
        LEXICON_PATH,
        code / "text.py",
        code / "features.py",
        code / "classifier.py",
    ):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def training_set(
    rows: Sequence[LabelledDemand], district_rows: Iterable[LabelledDemand] = ()
) -> tuple[list[str], dict[str, list[str]], list[float], dict[str, list[str]]]:
    """Texts, head labels, weights and lexicon of a district's router: corpus rows, the lexicon's terms as
    short documents of their department, and the district's own rows (weighted up)."""
    base = in_scope(rows)
    own = in_scope(district_rows)
    departments = {r.department for r in base} | {r.department for r in own}
    lexicon = load_lexicon(departments)
    texts = [r.text for r in base]
    labels = head_labels(base)
    weights = [r.weight for r in base]
    domain_of = {}
    for r in base:
        domain_of.setdefault(r.department, r.domain)
    for code, terms in sorted(lexicon.items()):
        for term in terms:
            texts.append(term)
            weights.append(LEXICON_DOC_WEIGHT)
            labels["department"].append(code)
            labels["domain"].append(domain_of.get(code, ""))
            labels["complexity"].append("")
            labels["tier"].append("")
    own_labels = head_labels(own)
    texts.extend(r.text for r in own)
    weights.extend(DISTRICT_ROW_WEIGHT * r.weight for r in own)
    for head in HEADS:
        labels[head].extend(own_labels[head])
    return texts, labels, weights, lexicon


def train(
    district_code: str,
    district_rows: Iterable[LabelledDemand] = (),
    *,
    calibrate: bool = True,
    balance: bool = False,
) -> TextClassifier:
    """A router for the district: its corpus' training slice, plus its own rows if any."""
    texts, labels, weights, lexicon = training_set(load_corpus(district_code, "train"), district_rows)
    model = TextClassifier(lexicon=lexicon, balance=balance).fit(
        texts, labels, sample_weight=weights, calibrate=calibrate
    )
    model.meta["district"] = district_code
    return model


def test_accuracy(model: TextClassifier, district_code: str) -> dict[str, float]:
    """Accuracy of each head on the corpus' held-back test slice."""
    rows = in_scope(load_corpus(district_code, "test"))
    texts = [r.text for r in rows]
    result = {}
    for head in model.heads:
        predicted = model.predict(texts, head)
        truth = [getattr(r, head) for r in rows]
        result[head] = sum(p == t for p, t in zip(predicted, truth, strict=True)) / len(rows) if rows else 0.0
    return result


def ensure_default_model(district_code: str) -> Path | None:
    """The folder of the district's default model, trained now if absent; None without a corpus."""
    if not has_corpus(district_code):
        return None
    folder = district_dir(district_code) / f"default-{fingerprint(district_code)}"
    if not (folder / MODEL_FILE).is_file():
        with training_lock(district_code):
            # Another process (a second web worker, the task worker) may have trained it while this one waited.
            if not (folder / MODEL_FILE).is_file():
                model = train(district_code)
                model.meta["kind"] = "default"
                model.meta["test_accuracy"] = test_accuracy(model, district_code)
                model.save(folder)
    return folder


@contextmanager
def training_lock(district_code: str) -> Iterator[None]:
    """One process at a time trains a district's default model; the others wait for it and then load it."""
    path = district_dir(district_code)
    path.mkdir(parents=True, exist_ok=True)
    with file_lock(path / ".training.lock"):
        yield


def save_retrained(district_code: str, model: TextClassifier) -> Path:
    """Store a retrained model beside the district's others (`activate` puts it into use)."""
    stem = f"retrained-{time.strftime('%Y%m%d-%H%M%S')}"
    folder, n = district_dir(district_code) / stem, 1
    while folder.exists():  # two trainings within one second
        n += 1
        folder = district_dir(district_code) / f"{stem}-{n}"
    model.save(folder)
    return folder


def activate(district_code: str, folder_name: str) -> None:
    path = district_dir(district_code)
    path.mkdir(parents=True, exist_ok=True)
    tmp = path / f".{ACTIVE_FILE}.tmp"
    tmp.write_text(folder_name, encoding="utf-8")
    tmp.replace(path / ACTIVE_FILE)  # atomic: a reader sees the old name or the new one


def folder_in_use(district_code: str) -> Path | None:
    """The folder of the model in force, without training one: the one ACTIVE names, else the default if it
    has been trained; None otherwise (`demandloop status` reads it)."""
    pointer = district_dir(district_code) / ACTIVE_FILE
    if pointer.is_file():
        folder = district_dir(district_code) / pointer.read_text(encoding="utf-8").strip()
        if (folder / MODEL_FILE).is_file():
            return folder
    default = district_dir(district_code) / f"default-{fingerprint(district_code)}"
    return default if (default / MODEL_FILE).is_file() else None


def active_folder(district_code: str) -> Path | None:
    """The folder of the model in force: the one ACTIVE names, else the default (trained if need be)."""
    return folder_in_use(district_code) or ensure_default_model(district_code)


def active_model(district_code: str) -> tuple[str, TextClassifier] | None:
    """(folder name, model) in force for the district, loaded once per process and per version."""
    folder = active_folder(district_code)
    if folder is None:
        return None
    with _lock:
        cached = _loaded.get(district_code)
        if cached and cached[0] == folder.name:
            return cached
    with _lock:
        # The model's lookup tables hold a few hundred thousand objects; the collector's full passes over them
        # cost tens of milliseconds at random moments, which is the tail of the decision time. Build them now
        # and move everything alive to the permanent generation (a replaced model is released first).
        gc.unfreeze()
        _loaded.pop(district_code, None)
        gc.collect()
        model = TextClassifier.load(folder)
        model.warm()
        _loaded[district_code] = (folder.name, model)
        gc.freeze()
    return folder.name, model


def forget_loaded() -> None:
    """Drop the models loaded by this process (tests)."""
    with _lock:
        _loaded.clear()
