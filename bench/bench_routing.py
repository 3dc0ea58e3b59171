"""Benchmark of the router (issue 6): quality on real messages, throughput, and the latency of a full decision.

    python bench/bench_routing.py [--data PATH] [--open 100000] [--decisions 1000]

1. Real data: `route train` on the 1,726 labelled public messages of 2020 泰迪杯 C (read from shared/, never
   copied) and `route evaluate --cv 5` on them: macro-F1 and accuracy as mean ± sd over the folds.
2. Throughput: batch classification of those messages on one core (BLAS and OpenMP threads pinned to 1).
3. The default routers of both presets on their corpus' held-back test slice; screening on the corpus.
4. A full decision — screening, four heads with explanations, FAQ ranking, duplicates among 100,000 open
   demands of the same enterprise or area — timed 1,000 times on one core: p50, p95, p99. Demands come and go
   as in a working district: before each decision the index takes in an updated demand (every fifth time also
   a closed and a new one), within the timed part, as the duplicate registry does.

Writes its section of bench/RESULTS.md.
"""

# ruff: noqa: E402 — the thread limits must be in the environment before numpy and scikit-learn are imported.
from __future__ import annotations

import os

# One core: set before numpy and scikit-learn load their thread pools.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import argparse
import gc
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import django

django.setup()

import numpy as np
import yaml
from django.conf import settings
from threadpoolctl import threadpool_limits

from bench.results import write_section
from demandloop.knowledge.handbook import read_handbook
from demandloop.knowledge.search import FaqDocument, FaqIndex
from demandloop.routing import store
from demandloop.routing.classifier import TextClassifier
from demandloop.routing.corpus import in_scope, load_corpus
from demandloop.routing.duplicates import DuplicateIndex, OpenDemand
from demandloop.routing.evaluation import cross_validate, read_labelled, throughput
from demandloop.routing.queries import DistrictContext
from demandloop.routing.screening import ExclusionSpec, screen
from demandloop.routing.service import decide

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "taidi2020c" / "train.csv"
PLACES = [
    "大邱庄",
    "子牙园区",
    "团泊新城",
    "王口镇",
    "独流镇",
    "静海镇",
    "陈官屯",
    "唐官屯",
    "开发区",
    "双塘镇",
]


def preset_context(code: str) -> DistrictContext:
    data = yaml.safe_load((settings.DEMANDLOOP_PRESET_DIR / f"{code}.yaml").read_text(encoding="utf-8"))
    return DistrictContext(
        id=1,
        code=code,
        exclusions=tuple(
            ExclusionSpec(e["code"], e["name"], e["redirect_text"], tuple(e.get("keywords") or ()))
            for e in data["exclusions"]
        ),
        departments={d["code"]: d["name"] for d in data["departments"]},
        domains={d["code"]: d["name"] for d in data["domains"]},
        tiers={t["level"]: t["name"] for t in data["tiers"]},
    )


def faq_index(code: str) -> FaqIndex:
    return FaqIndex(
        [
            FaqDocument(
                i, e["code"], e["question"], e["answer"], tuple(e["keywords"]), e["department"], e["contacts"]
            )
            for i, e in enumerate(read_handbook(code))
        ]
    )


def open_demands(n: int, rng: random.Random) -> list[OpenDemand]:
    """n open demands in 24 areas of 20,000 enterprises, written from the corpus with places, numbers and
    a second demand's clause mixed in, so that no two are alike."""
    texts = [r.text for r in load_corpus("jinghai")] + [r.text for r in load_corpus("nankai")]
    rows = []
    for i in range(n):
        a, b = rng.choice(texts), rng.choice(texts)
        text = f"{rng.choice(PLACES)}{rng.randint(1, 300)}号企业反映：{a}；另外{b[: rng.randint(4, 20)]}"
        rows.append(OpenDemand(i, text, rng.randrange(20_000), rng.randrange(24)))
    return rows


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def learning_curve(
    texts: list[str], labels: list[str], fractions: tuple[float, ...], folds: int
) -> list[tuple[int, float]]:
    """Mean macro-F1 over the same k folds when each fold trains on only a fraction of its training texts
    (stratified): how much the method still gains from more data, i.e. what training on the whole file, as
    `route train` does, may score on unseen messages."""
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    y = np.array(labels, dtype=object)
    rng = np.random.RandomState(0)
    curve = []
    for fraction in fractions:
        scores, sizes = [], []
        for train, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(texts, y):
            keep = [
                i
                for label in np.unique(y[train])
                for i in rng.permutation(train[y[train] == label])[
                    : int((y[train] == label).sum() * fraction + 0.5)
                ]
            ]
            model = TextClassifier().fit([texts[i] for i in keep], {"label": list(y[keep])})
            scores.append(f1_score(y[test], model.predict([texts[i] for i in test]), average="macro"))
            sizes.append(len(keep))
        curve.append((int(np.mean(sizes)), float(np.mean(scores))))
    return curve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--decisions", type=int, default=1_000)
    parser.add_argument("--folds", type=int, default=5)
    args, _others = parser.parse_known_args()
    rng = random.Random(6)
    lines: list[str] = []

    # 1–2. Real messages: k-fold cross-validation, then a model on all of them and its throughput.
    data = read_labelled(args.data, ["text"], ["label"])
    texts, labels = data.texts, data.labels["label"]
    started = time.perf_counter()
    cv = cross_validate(texts, labels, folds=args.folds)
    cv_seconds = time.perf_counter() - started
    started = time.perf_counter()
    with threadpool_limits(1):
        model = TextClassifier().fit(texts, {"label": labels})
    train_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        model.save(tmp)
        size_kib = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 1024
    speed = throughput(model, texts, repeat=5)
    whole_fold = (int(len(texts) * (args.folds - 1) / args.folds), cv["macro_f1_mean"])
    curve = [*learning_curve(texts, labels, (0.5, 0.75), args.folds), whole_fold]
    # Macro-F1 against log(training texts): the slope says what the whole file should add.
    slope, intercept = np.polyfit(np.log([n for n, _ in curve]), [f for _, f in curve], 1)
    extrapolated = slope * np.log(len(texts)) + intercept
    combination = model.meta.get("combination", {}).get("label", {})
    lines += [
        f"### Real messages: 2020 泰迪杯 C, {len(texts):,} labelled messages, 7 labels",
        "",
        f"- `route evaluate --cv {args.folds}`: **macro-F1 {cv['macro_f1_mean']:.4f} ± {cv['macro_f1_sd']:.4f}**, "
        f"accuracy {cv['accuracy_mean']:.4f} ± {cv['accuracy_sd']:.4f} (mean ± sd over folds; {cv_seconds:.0f} s)",
        "- per fold macro-F1: " + ", ".join(f"{f['macro_f1']:.4f}" for f in cv["per_fold"]),
        f"- `route train` on all {len(texts):,}: {train_seconds:.1f} s, model {size_kib:,.0f} KiB; combination "
        f"chosen: {combination.get('chosen', 'plain')} (out-of-fold macro-F1 on the training texts: stacked "
        f"{combination.get('stacked', float('nan')):.4f}, plain {combination.get('plain', float('nan')):.4f})",
        "- learning curve (same folds, each trained on part of its training texts): "
        + ", ".join(f"{n:,} texts → {f:.4f}" for n, f in curve)
        + f"; a log-linear fit puts training on all {len(texts):,} at about **{extrapolated:.3f}**",
        f"- batch classification on one core: **{speed:,.0f} texts/s** "
        f"(mean message length {np.mean([len(t) for t in texts]):.0f} characters)",
        "",
        "| label | precision | recall | F1 | support |",
        "|---|---|---|---|---|",
    ]
    for label, s in cv["per_label"].items():
        lines.append(
            f"| {label} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | {s['support']} |"
        )
    lines.append("")

    # 3. Default routers of the presets on their held-back slices, and screening on the corpora.
    lines += [
        "### Default routers of the presets (project corpus, held-back test slice)",
        "",
        "| preset | train rows | test rows | department | domain | complexity | tier | screening caught | false alarms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        settings.DEMANDLOOP_MODELS_DIR = Path(tmp)
        models = {}
        for code in ("jinghai", "nankai"):
            folder = store.ensure_default_model(code)
            models[code] = (folder.name, TextClassifier.load(folder))
            accuracy = store.test_accuracy(models[code][1], code)
            context = preset_context(code)
            rows = load_corpus(code)
            excluded = [r for r in rows if r.exclusion]
            caught = sum(
                1
                for r in excluded
                if (hit := screen(r.text, context.exclusions).exclusion) is not None
                and hit.code == r.exclusion
            )
            alarms = sum(1 for r in in_scope(rows) if screen(r.text, context.exclusions).out_of_scope)
            lines.append(
                f"| {code} | {len(in_scope(load_corpus(code, 'train')))} | {len(in_scope(load_corpus(code, 'test')))} "
                f"| {accuracy['department']:.3f} | {accuracy['domain']:.3f} | {accuracy['complexity']:.3f} "
                f"| {accuracy['tier']:.3f} | {caught}/{len(excluded)} | {alarms}/{len(in_scope(rows))} |"
            )
    lines.append("")

    # 4. Full decisions over a large open-demand index.
    started = time.perf_counter()
    demands = open_demands(args.open, rng)
    with threadpool_limits(1):
        index = DuplicateIndex.build(demands)
    build_seconds = time.perf_counter() - started
    context, faq = preset_context("jinghai"), faq_index("jinghai")
    for _folder, loaded in models.values():
        loaded.warm()
    # What store.active_model and the duplicate registry do in the platform: long-lived structures leave the
    # collector's generations, so that its full passes do not land inside a decision.
    gc.freeze()
    queries = [r.text for r in load_corpus("jinghai", "test")] + [t[:300] for t in rng.sample(texts, 200)]
    # Some queries repeat an open demand of their own enterprise: the duplicate path does real work.
    probes = [rng.choice(demands) for _ in range(args.decisions)]
    timings: list[float] = []
    # CPU time of the deciding thread as well: on a shared machine, wall time also counts waiting for a core.
    cpu_timings: list[float] = []
    load_before = os.getloadavg()[0]
    found = 0
    with threadpool_limits(1):
        decide(
            context,
            queries[0],
            model=models["jinghai"],
            faq=faq,
            duplicates=index,
            enterprise_id=0,
            area_id=0,
        )
        for i, probe in enumerate(probes):
            text = probe.text if i % 4 == 0 else queries[i % len(queries)]
            updated = rng.choice(demands)
            closed, received = rng.choice(demands), rng.choice(demands)
            started, cpu_started = time.perf_counter(), time.thread_time()
            # What the duplicate registry does first when demands changed since the last decision: here one
            # open demand was updated before every decision, and before every fifth one another was closed and a
            # new one received.
            index.add([updated])
            if i % 5 == 0:
                index.discard([closed.id])
                index.add([received._replace(id=f"new-{i}")])
            decision = decide(
                context,
                text,
                model=models["jinghai"],
                faq=faq,
                duplicates=index,
                enterprise_id=probe.enterprise_id,
                area_id=probe.area_id,
            )
            timings.append((time.perf_counter() - started) * 1000)
            cpu_timings.append((time.thread_time() - cpu_started) * 1000)
            found += bool(decision.duplicates)
    per_area = args.open / 24
    lines += [
        f"### Full decision over {args.open:,} open demands (one core)",
        "",
        f"- index: {args.open:,} open demands of 20,000 enterprises in 24 areas (~{per_area:,.0f} per area), "
        f"built in {build_seconds:.1f} s",
        f"- {args.decisions:,} decisions (screening, department/domain/complexity/tier with explanations, FAQ "
        f"BM25 over {len(faq.documents)} entries, duplicates of the same enterprise or area), each after the "
        f"index took in an updated demand, every fifth also a closed and a new one: "
        f"**p50 {percentile(timings, 50):.2f} ms, p95 {percentile(timings, 95):.2f} ms, "
        f"p99 {percentile(timings, 99):.2f} ms**, max {max(timings):.2f} ms (wall clock; machine load average "
        f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores)",
        f"- CPU time of the same decisions: p50 {percentile(cpu_timings, 50):.2f} ms, "
        f"p95 {percentile(cpu_timings, 95):.2f} ms, **p99 {percentile(cpu_timings, 99):.2f} ms**",
        f"- decisions that found a duplicate to merge: {found:,}",
        "",
    ]
    body = "\n".join(lines)
    write_section(
        "routing",
        "Routing: screening, department, FAQ, duplicates (issue 6)",
        body,
        f"{len(texts):,} real messages; corpora {len(load_corpus('jinghai'))} + {len(load_corpus('nankai'))} rows; "
        f"{args.open:,} open demands",
    )
    print(body)


if __name__ == "__main__":
    main()
