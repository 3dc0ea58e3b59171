"""The routing corpora the project wrote for its presets, and the training rows of a district (pure).

`corpus/<preset>.csv` holds realistic enterprise demands with their department, domain, complexity (simple /
complex) and starting tier, plus out-of-scope examples (column `exclusion`). The `split` column fixes a held-back
test slice once and for all: default models train on `train` rows only, and are scored on `test` rows.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
HEADS = ("department", "domain", "complexity", "tier")


@dataclass(frozen=True)
class LabelledDemand:
    """One training or test row: a demand's text and what it should have been routed to."""

    text: str
    department: str = ""
    domain: str = ""
    complexity: str = ""
    tier: str = ""
    exclusion: str = ""
    split: str = "train"
    weight: float = 1.0


def corpus_path(district_code: str) -> Path:
    return CORPUS_DIR / f"{district_code}.csv"


def has_corpus(district_code: str) -> bool:
    return corpus_path(district_code).is_file()


def load_corpus(district_code: str, split: str | None = None) -> list[LabelledDemand]:
    """Rows of a preset's corpus, optionally only one split ("train" or "test")."""
    with open(corpus_path(district_code), encoding="utf-8", newline="") as fh:
        rows = [
            LabelledDemand(
                text=row["text"],
                department=row["department"],
                domain=row["domain"],
                complexity=row["complexity"],
                tier=row["tier"],
                exclusion=row["exclusion"],
                split=row["split"],
            )
            for row in csv.DictReader(fh)
        ]
    return [r for r in rows if split is None or r.split == split]


def in_scope(rows: Iterable[LabelledDemand]) -> list[LabelledDemand]:
    """Rows the router learns from: those with a department (out-of-scope rows are screening's)."""
    return [r for r in rows if r.department and not r.exclusion]


def head_labels(rows: Sequence[LabelledDemand]) -> dict[str, list[str]]:
    """The label columns of the router's heads, department first (the primary head)."""
    return {head: [getattr(r, head) for r in rows] for head in HEADS}


LEXICON_PATH = CORPUS_DIR / "lexicon.yaml"


def load_lexicon(department_codes: Iterable[str]) -> dict[str, list[str]]:
    """The lexicon entries of the given departments (a district's model knows its own departments only)."""
    from demandloop.lib.yamlfile import load_yaml

    with open(LEXICON_PATH, encoding="utf-8") as fh:
        data = load_yaml(fh) or {}
    wanted = set(department_codes)
    return {code: [str(t) for t in terms] for code, terms in data.items() if code in wanted}
