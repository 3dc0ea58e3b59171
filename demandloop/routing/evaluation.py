"""Measure a classifier honestly: held-out scores, k-fold cross-validation, throughput on one core (pure)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.utils.translation import gettext as _
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from demandloop.lib.tabular import TableReadError, read_table
from demandloop.routing.classifier import TextClassifier
from demandloop.routing.text import join_title


@dataclass(frozen=True)
class LabelledData:
    """The labelled rows of a file: one text each, the labels per label column ("" where a row has none)."""

    texts: list[str]
    labels: dict[str, list[str]]
    # Row numbers as a spreadsheet shows them (the header is row 1) left out, and why: no text, or no label.
    skipped: dict[int, str] = field(default_factory=dict)


def _cell_text(value: Any) -> str:
    """A cell as text: an Excel number that is a whole number reads as a CSV file would write it (3, not 3.0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_labelled(
    path: str | Path, text_columns: Sequence[str], label_columns: Sequence[str]
) -> LabelledData:
    """Texts and labels of a CSV (UTF-8 or GBK, comma, tab or semicolon) or XLSX file.

    Several text columns (a title and the details, as 留言主题 and 留言详情) are joined title first, as a
    demand's title and content are. A row needs a text and at least one label to be used; the others are
    reported in `skipped`. Raises `ValueError` with a message naming the missing column or the file's problem,
    so a clerk's typo in `--label-column` reads as one.
    """
    try:
        table = read_table(path)
    except TableReadError as error:
        # The imports' wording for an unreadable file (imported here: that module needs the models loaded).
        from demandloop.core.imports import table_error_message

        raise ValueError(f"{path}: {table_error_message(error)}") from error
    wanted = [*text_columns, *label_columns]
    index: dict[str, int] = {}
    for column in wanted:
        found = table.column([column])
        if found is None:
            raise ValueError(
                _("Column %(column)s not found; the file has: %(columns)s.")
                % {"column": column, "columns": ", ".join(table.header)}
            )
        index[column] = found
    texts: list[str] = []
    labels: dict[str, list[str]] = {column: [] for column in label_columns}
    skipped: dict[int, str] = {}
    for row in table.rows:
        text = ""
        for column in text_columns:
            text = join_title(text, _cell_text(row.get(index[column])))
        row_labels = {column: _cell_text(row.get(index[column])) for column in label_columns}
        if not text:
            skipped[row.number] = _("no text")
        elif not any(row_labels.values()):
            skipped[row.number] = _("no label")
        else:
            texts.append(text)
            for column, label in row_labels.items():
                labels[column].append(label)
    return LabelledData(texts, labels, skipped)


def skipped_note(skipped: dict[int, str], shown: int = 10) -> str:
    """One line naming the rows left out and why, for the terminal ("" when none was)."""
    if not skipped:
        return ""
    rows = "、".join(
        _("row %(n)s (%(why)s)") % {"n": n, "why": why} for n, why in list(skipped.items())[:shown]
    )
    more = _(" and %(k)s more") % {"k": len(skipped) - shown} if len(skipped) > shown else ""
    return _("%(n)s rows left out: %(rows)s%(more)s.") % {"n": len(skipped), "rows": rows, "more": more}


def throughput(
    model: TextClassifier, texts: Sequence[str], head: str | None = None, repeat: int = 3
) -> float:
    """Texts per second of batch classification on one core (best of `repeat`: others share the machine)."""
    best = float("inf")
    with threadpool_limits(1):
        for _ in range(repeat):
            started = time.perf_counter()
            model.predict(texts, head)
            best = min(best, time.perf_counter() - started)
    return len(texts) / best if best > 0 else float("inf")


def scores(truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """Accuracy, macro-F1, per-label precision/recall/F1/support and the confusion matrix (rows = truth)."""
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=list(labels), zero_division=0
    )
    return {
        "n": len(truth),
        "accuracy": float(accuracy_score(truth, predicted)),
        "macro_f1": float(f1_score(truth, predicted, labels=list(labels), average="macro", zero_division=0)),
        "labels": list(labels),
        "per_label": {
            label: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "confusion": confusion_matrix(truth, predicted, labels=list(labels)).tolist(),
    }


def evaluate(
    model: TextClassifier, texts: Sequence[str], truth: Sequence[str], head: str | None = None
) -> dict[str, Any]:
    """Scores of a trained model on held-out texts, and its throughput on them."""
    head = head or model.primary_head
    predicted = model.predict(texts, head)
    labels = sorted(set(model.heads[head].labels) | set(truth))
    report = scores(truth, predicted, labels)
    report["head"] = head
    report["texts_per_second"] = throughput(model, texts, head)
    return report


def cross_validate(
    texts: Sequence[str], labels: Sequence[str], *, folds: int = 5, seed: int = 0, head: str = "label"
) -> dict[str, Any]:
    """Stratified k-fold: each fold trains on the rest and is scored unseen; mean ± sd and the pooled matrix."""
    texts = list(texts)
    y = np.array(labels, dtype=object)
    predicted = np.empty(len(y), dtype=object)
    per_fold: list[dict[str, float]] = []
    speeds: list[float] = []
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(texts, y):
        # The whole method, offsets included: each fold fits them on its own training texts only.
        model = TextClassifier().fit([texts[i] for i in train], {head: list(y[train])})
        fold_texts = [texts[i] for i in test]
        predicted[test] = model.predict(fold_texts, head)
        per_fold.append(
            {
                "accuracy": float(accuracy_score(y[test], predicted[test])),
                "macro_f1": float(f1_score(y[test], predicted[test], average="macro")),
            }
        )
        speeds.append(throughput(model, fold_texts, head, repeat=1))
    report = scores(list(y), list(predicted), sorted(set(labels)))
    f1s = [f["macro_f1"] for f in per_fold]
    accs = [f["accuracy"] for f in per_fold]
    report.update(
        {
            "folds": folds,
            "seed": seed,
            "per_fold": per_fold,
            "macro_f1_mean": float(np.mean(f1s)),
            "macro_f1_sd": float(np.std(f1s, ddof=1)) if folds > 1 else 0.0,
            "accuracy_mean": float(np.mean(accs)),
            "accuracy_sd": float(np.std(accs, ddof=1)) if folds > 1 else 0.0,
            "texts_per_second": float(np.median(speeds)),
        }
    )
    return report


def format_report(report: dict[str, Any]) -> str:
    """The report as plain text for a terminal: figures, per-label table, confusion matrix."""
    lines = []
    if "folds" in report:
        lines.append(
            _(
                "%(folds)s-fold cross-validation, %(n)s texts: macro-F1 %(f1)s ± %(f1sd)s, "
                "accuracy %(acc)s ± %(accsd)s"
            )
            % {
                "folds": report["folds"],
                "n": report["n"],
                "f1": f"{report['macro_f1_mean']:.4f}",
                "f1sd": f"{report['macro_f1_sd']:.4f}",
                "acc": f"{report['accuracy_mean']:.4f}",
                "accsd": f"{report['accuracy_sd']:.4f}",
            }
        )
    lines.append(
        _("accuracy %(acc)s, macro-F1 %(f1)s, %(n)s texts")
        % {"acc": f"{report['accuracy']:.4f}", "f1": f"{report['macro_f1']:.4f}", "n": report["n"]}
    )
    lines.append(
        _("throughput: %(speed)s texts per second (batch, one core)")
        % {"speed": f"{report['texts_per_second']:.0f}"}
    )
    width = max([len(label) for label in report["labels"]] + [8]) + 2
    lines.append("")
    header = (_("label"), _("precision"), _("recall"), _("F1"), _("support"))
    lines.append(f"{header[0]:<{width}}{header[1]:>10}{header[2]:>8}{header[3]:>7}{header[4]:>9}")
    for label, s in report["per_label"].items():
        lines.append(
            f"{label:<{width}}{s['precision']:10.3f}{s['recall']:8.3f}{s['f1']:7.3f}{s['support']:9d}"
        )
    lines.append("")
    lines.append(_("confusion matrix (rows: true label, columns: predicted label, in the same order):"))
    for label, row in zip(report["labels"], report["confusion"], strict=True):
        lines.append(f"{label:<{width}}" + " ".join(f"{v:5d}" for v in row))
    return "\n".join(lines)
