"""The results table and figure of the README, from benchmark records.

Reads the ``--records`` files written by ``bench_granger.py`` and
``bench_markov_blanket.py``, prints one Markdown table (accuracy of each
estimator next to its peers, mean ± std over the estimator's 5 seeds) and,
with ``--figure``, draws the same numbers as two bar charts::

    python benchmarks/summary.py --granger granger.jsonl \\
        --markov-blanket mb.jsonl --figure docs/_static/results.png

Several record files may be given per estimator: for a (data, method) pair
recorded in more than one, the last file wins (a re-run of some rows).
Nothing is fitted here.
"""

import argparse
import json
from collections import defaultdict

import numpy as np
from harness import mean_std, print_table

# (label, record groups, score key) of each row; the groups of a row are
# averaged per seed (e.g. the five NetSim subjects) before the seeds are.
GRANGER_ROWS = [
    *[(f"DREAM4-{k}", [f"DREAM4-{k}"], "auroc") for k in range(1, 6)],
    *[(f"Lorenz-96 F={f}", [f"Lorenz-96 F={f}"], "auroc") for f in (10, 20, 40)],
    (
        "NetSim sim3 (full matrix)",
        [f"NetSim sim3 subject {s}" for s in range(1, 6)],
        "auroc_full",
    ),
]
GRANGER_METHODS = [
    ("grngc", "GrangerGRNGC"),
    ("lagcorr", "lag-1 corr."),
    ("ridge-var", "ridge VAR"),
    ("pcmci", "PCMCI"),
]
BLANKET_ROWS = [
    ("Sachs (17-arc graph)", ["sachs"], "f1 17-arc graph"),
    ("linear Gaussian d=50", ["linear d=50"], "f1"),
    ("ANM-GP d=50", ["anm_gp d=50"], "f1"),
    ("ANM-GP d=200", ["anm_gp d=200"], "f1"),
]
BLANKET_METHODS = [
    ("gcfs", "MarkovBlanketGCFS"),
    ("iamb", "IAMB"),
    ("l1-selector", "L1 selector"),
]


def load(paths) -> dict:
    """{(group, method): [record, ...]}, a later file replacing a pair."""
    records = {}
    for path in paths:
        mine = defaultdict(list)
        with open(path) as handle:
            for line in handle:
                record = json.loads(line)
                if "error" not in record:
                    mine[record["group"], record["method"]].append(record)
        records.update(mine)
    return records


def _seed(record) -> int:
    return record.get("seed", record.get("task", {}).get("seed", 0))


def seed_scores(records, groups, method, key) -> np.ndarray:
    """One score per seed: the mean over the groups' fits of that seed."""
    by_seed = defaultdict(list)
    for group in groups:
        for record in records.get((group, method), []):
            if record.get(key) is not None:
                by_seed[_seed(record)].append(record[key])
    return np.array([np.mean(v) for _, v in sorted(by_seed.items())])


def print_summary(records, rows, methods, score_name) -> None:
    """One Markdown table: a row per data set, a column per method."""
    table = []
    for label, groups, key in rows:
        row = {"data": label}
        for method, _ in methods:
            scores = seed_scores(records, groups, method, key)
            row[method] = f"{scores[0]:.3f}" if scores.size == 1 else mean_std(scores)
        table.append(row)
    print_table(
        table,
        [("data", f"data ({score_name})", "s")]
        + [(method, name, "s") for method, name in methods],
    )


def draw(panels, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(panels), figsize=(13, 4.2), squeeze=False)
    for ax, (title, records, rows, methods, ylabel, bottom) in zip(
        axes[0], panels, strict=True
    ):
        width = 0.8 / len(methods)
        for m, (method, name) in enumerate(methods):
            means, stds = [], []
            for _, groups, key in rows:
                scores = seed_scores(records, groups, method, key)
                means.append(scores.mean() if scores.size else np.nan)
                stds.append(scores.std() if scores.size > 1 else 0.0)
            positions = np.arange(len(rows)) + (m - (len(methods) - 1) / 2) * width
            ax.bar(positions, means, width, yerr=stds, label=name, capsize=2)
        ax.set_xticks(np.arange(len(rows)))
        ax.set_xticklabels([label for label, _, _ in rows], rotation=30, ha="right")
        ax.set_ylim(bottom, 1.0)
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--granger", nargs="+", required=True)
    parser.add_argument("--markov-blanket", nargs="+", required=True)
    parser.add_argument("--figure", help="where to write the PNG figure")
    args = parser.parse_args()
    granger, blanket = load(args.granger), load(args.markov_blanket)
    print_summary(granger, GRANGER_ROWS, GRANGER_METHODS, "AUROC")
    print()
    print_summary(blanket, BLANKET_ROWS, BLANKET_METHODS, "blanket F1")
    if args.figure:
        draw(
            [
                (
                    "Granger causality (AUROC)",
                    granger,
                    GRANGER_ROWS,
                    GRANGER_METHODS,
                    "AUROC",
                    0.5,
                ),
                (
                    "Markov blanket (F1)",
                    blanket,
                    BLANKET_ROWS,
                    BLANKET_METHODS,
                    "F1",
                    0.0,
                ),
            ],
            args.figure,
        )


if __name__ == "__main__":
    main()
