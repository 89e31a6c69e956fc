"""MarkovBlanketGCFS against IAMB and an L1 selector: Markov-blanket F1 and time.

Run from the repository root (peers: see benchmarks/README.md)::

    python benchmarks/bench_markov_blanket.py --records mb.jsonl   # everything
    python benchmarks/bench_markov_blanket.py --data sachs         # one part
    python benchmarks/bench_markov_blanket.py --data headline --jobs 1

Every GCFS row uses the estimator's default configuration; nothing is tuned
per data set (the defaults were fixed on the wider development suite of
``dev_markov_blanket.py``). Each synthetic row draws 5 data sets (seeds
0-4: a new graph, mechanisms and noise each) and 10 targets of each; Sachs
is one data set, fitted with 5 seeds of the estimator. F1 is reported as
the mean +- standard deviation over the seeds of the per-seed mean over
targets. The downstream and headline rows choose ``mb__lam`` by
GridSearchCV on the Pipeline's cross-validated accuracy (no ground truth),
and say so. The headline row runs GridSearchCV with ``n_jobs=2`` and must
run alone (``--jobs 1``): it measures the two-core wall time.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Task, add_arguments, collect, print_table

N_SEEDS = 5
N_TARGETS = 10
N_TARGETS_D200 = 5
N_TARGETS_SCALING = 2
TARGETS = {
    "sachs (17-arc graph)": 0.67,
    "linear d=50": 0.93,
    "anm_gp d=50": 0.60,
}
SPEED_TARGET_SECONDS = 20.0
HEADLINE_TARGET_SECONDS = 120.0
LAM_GRID = [0.005, 0.015, 0.05]


def _dag_targets(graph, n_targets, seed):
    """Targets with a non-empty Markov blanket, drawn with a fixed seed."""
    from sklearn_causal.metrics import markov_blanket

    eligible = [j for j in range(len(graph)) if markov_blanket(graph, j).size]
    rng = np.random.RandomState(seed)
    return sorted(rng.choice(eligible, min(n_targets, len(eligible)), replace=False))


def _data(family, n_nodes, n_samples, seed):
    """(data, {graph name: graph}) of one seed of a family."""
    from sklearn_causal.datasets import load_sachs, make_dag_data

    if family == "sachs":
        bunch = load_sachs()
        return bunch.data, {
            "17-arc graph": bunch.graph_bnlearn,
            "18-edge graph": bunch.graph,
        }
    data, graph = make_dag_data(
        n_nodes, n_samples=n_samples, mechanism=family, random_state=seed
    )
    return data, {"": graph}


def _targets(family, n_nodes, n_samples, seed, n_targets):
    if family == "sachs":
        return list(range(11))
    graph = _data(family, n_nodes, n_samples, seed)[1][""]
    return _dag_targets(graph, n_targets, seed=1000 + seed)


def fit_target(method, family, n_nodes, n_samples, seed, target):
    """Fit one method for one target; score against every graph of the data."""
    import peers

    from sklearn_causal import MarkovBlanketGCFS
    from sklearn_causal.metrics import markov_blanket, selection_scores

    data, graphs = _data(family, n_nodes, n_samples, seed)
    columns = np.delete(np.arange(data.shape[1]), target)
    X, y = data[:, columns], data[:, target]
    start = time.perf_counter()
    if method == "gcfs":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            selected = MarkovBlanketGCFS(random_state=seed).fit(X, y).markov_blanket_
    elif method == "iamb":
        selected, _ = peers.iamb_markov_blanket(np.column_stack([X, y]), X.shape[1])
    else:
        selected, _ = peers.l1_selector_markov_blanket(X, y)
    result = {"seconds": time.perf_counter() - start, "seed": seed}
    for name, graph in graphs.items():
        truth = np.searchsorted(columns, markov_blanket(graph, target))
        precision, recall, f1 = selection_scores(set(truth), set(selected))
        suffix = f" {name}" if name else ""
        result.update(
            {
                f"f1{suffix}": f1,
                f"precision{suffix}": precision,
                f"recall{suffix}": recall,
            }
        )
    return result


class _IAMBSelector:
    """IAMB's blanket as a scikit-learn selector (benchmark peer)."""

    def __init__(self, alpha=0.01):
        self.alpha = alpha

    def get_params(self, deep=True):
        return {"alpha": self.alpha}

    def set_params(self, **params):
        self.alpha = params.get("alpha", self.alpha)
        return self

    def fit(self, X, y):
        import peers

        data = np.column_stack([X, y])
        self.selected_, _ = peers.iamb_markov_blanket(
            data, X.shape[1], alpha=self.alpha
        )
        if len(self.selected_) == 0:
            self.selected_ = np.array([0])
        return self

    def transform(self, X):
        return np.asarray(X)[:, self.selected_]

    def fit_transform(self, X, y):
        return self.fit(X, y).transform(X)


def _classification_problem(n_nodes, n_irrelevant, n_samples, mechanism, seed):
    from sklearn_causal.datasets import make_dag_classification

    return make_dag_classification(
        n_nodes=n_nodes,
        n_samples=n_samples,
        mechanism=mechanism,
        n_irrelevant=n_irrelevant,
        random_state=seed,
    )


def fit_downstream(method, seed):
    """Test accuracy with 100 irrelevant features added to a 20-node DAG."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, train_test_split
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from sklearn_causal import MarkovBlanketGCFS
    from sklearn_causal.metrics import markov_blanket, selection_scores

    X, y, graph, target = _classification_problem(20, 100, 2000, "anm_gp", seed)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.5, random_state=seed
    )
    classifier = [("scale", StandardScaler()), ("clf", LogisticRegression())]
    if method == "logistic-all":
        model = Pipeline(classifier)
    elif method == "iamb+logistic":
        model = Pipeline([("mb", _IAMBSelector()), *classifier])
    else:
        model = Pipeline([("mb", MarkovBlanketGCFS(random_state=seed)), *classifier])
        if method == "gcfs+logistic-gridsearch":
            model = GridSearchCV(model, {"mb__lam": LAM_GRID}, cv=3)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    fitted = model.best_estimator_ if hasattr(model, "best_estimator_") else model
    truth = markov_blanket(graph, target)
    result = {"accuracy": model.score(X_test, y_test), "seconds": seconds, "seed": seed}
    if "mb" in fitted.named_steps:
        step = fitted.named_steps["mb"]
        selected = getattr(step, "selected_", None)
        if selected is None:
            selected = np.flatnonzero(step.support_)
        result["f1"] = selection_scores(set(truth), set(selected))[2]
    if hasattr(model, "best_params_"):
        result["note"] = f"mb__lam={model.best_params_['mb__lam']} by CV accuracy"
    return result


def fit_headline(seed):
    """GridSearchCV of the Pipeline over 3 lam values, 3 folds, 2 cores."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import Pipeline

    from sklearn_causal import MarkovBlanketGCFS

    X, y, _, _ = _classification_problem(21, 40, 1000, "linear", seed)
    pipe = Pipeline(
        [("mb", MarkovBlanketGCFS(random_state=seed)), ("clf", LogisticRegression())]
    )
    search = GridSearchCV(pipe, {"mb__lam": LAM_GRID}, cv=3, n_jobs=2)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)
    return {
        "seconds": time.perf_counter() - start,
        "seed": seed,
        "accuracy": search.best_score_,
        "note": f"{X.shape[1]} features, n={len(X)}; "
        f"mb__lam={search.best_params_['mb__lam']}",
    }


SYNTHETIC = [
    ("linear", 50, 1000, "linear d=50", N_TARGETS),
    ("anm_gp", 50, 1000, "anm_gp d=50", N_TARGETS),
    ("anm_gp", 200, 1000, "anm_gp d=200", N_TARGETS_D200),
]


def build_tasks(parts):
    tasks = []
    methods = ["gcfs", "iamb", "l1-selector"]
    problems = []
    if "sachs" in parts:
        problems += [
            ("sachs", "sachs", 11, 7466, seed, t)
            for seed in range(N_SEEDS)
            for t in range(11)
        ]
    for family, n_nodes, n_samples, label, n_targets in SYNTHETIC:
        if family.split("_")[0] not in [p.split("_")[0] for p in parts]:
            continue
        for seed in range(N_SEEDS):
            for target in _targets(family, n_nodes, n_samples, seed, n_targets):
                problems.append((label, family, n_nodes, n_samples, seed, target))
    for label, family, n_nodes, n_samples, seed, target in problems:
        for method in methods:
            kwargs = {
                "method": method,
                "family": family,
                "n_nodes": n_nodes,
                "n_samples": n_samples,
                "seed": seed,
                "target": target,
            }
            tasks.append(Task(label, method, fit_target, kwargs))
    if "scaling" in parts:
        for n_nodes, n_samples in [(100, 1000), (200, 1000), (50, 5000)]:
            for target in _targets("anm_gp", n_nodes, n_samples, 0, N_TARGETS_SCALING):
                kwargs = {
                    "method": "gcfs",
                    "family": "anm_gp",
                    "n_nodes": n_nodes,
                    "n_samples": n_samples,
                    "seed": 0,
                    "target": target,
                }
                label = f"time anm_gp d={n_nodes} n={n_samples}"
                tasks.append(Task(label, "gcfs", fit_target, kwargs))
    if "downstream" in parts:
        for method in [
            "logistic-all",
            "iamb+logistic",
            "gcfs+logistic",
            "gcfs+logistic-gridsearch",
        ]:
            for seed in range(N_SEEDS):
                tasks.append(
                    Task(
                        "downstream 20-node DAG + 100 noise",
                        method,
                        fit_downstream,
                        {"method": method, "seed": seed},
                    )
                )
    if "headline" in parts:
        tasks.append(
            Task(
                "headline: GridSearchCV(Pipeline), 3 lam x 3 folds, 2 cores",
                "gcfs+logistic",
                fit_headline,
                {"seed": 0},
            )
        )
    return tasks


def _mean_std(values):
    return f"{np.mean(values):.3f} ± {np.std(values):.3f}"


def summarise(results):
    """Per (data, method): mean +- std over seeds of the per-seed means."""
    rows = []
    groups = list(dict.fromkeys(r["group"] for r in results))
    expanded = []
    for group in groups:
        fits = [r for r in results if r["group"] == group]
        names = sorted({k[3:] for r in fits for k in r if k.startswith("f1 ")})
        for name in names or [""]:
            expanded.append((group, name, fits))
    for group, name, fits in expanded:
        label = f"{group} ({name})" if name else group
        suffix = f" {name}" if name else ""
        for method in dict.fromkeys(r["method"] for r in fits):
            mine = [r for r in fits if r["method"] == method]
            ok = [r for r in mine if "error" not in r]
            row = {"group": label, "method": method, "fits": f"{len(ok)}/{len(mine)}"}
            if len(ok) < len(mine):
                row["error"] = next(r["error"] for r in mine if "error" in r)
            for key in ("f1", "accuracy"):
                values = [r for r in ok if f"{key}{suffix}" in r or key in r]
                if not values:
                    continue
                per_seed = {}
                for r in values:
                    value = r.get(f"{key}{suffix}", r.get(key))
                    per_seed.setdefault(r["seed"], []).append(value)
                row[key] = _mean_std([np.mean(v) for v in per_seed.values()])
                row[f"_{key}"] = np.mean([np.mean(v) for v in per_seed.values()])
            for key in ("precision", "recall"):
                values = [r[f"{key}{suffix}"] for r in ok if f"{key}{suffix}" in r]
                if values:
                    row[key] = float(np.mean(values))
            if ok:
                row["seconds"] = float(np.mean([r["seconds"] for r in ok]))
                row["seconds_max"] = max(r["seconds"] for r in ok)
                row["peak_mb"] = max(r["peak_mb"] for r in ok)
            row["note"] = next((r["note"] for r in ok if "note" in r), None)
            row["verdict"] = _verdict(label, method, row)
            rows.append(row)
    return rows


def _verdict(label, method, row):
    verdicts = []
    target = TARGETS.get(label)
    if target is not None and method == "gcfs" and "_f1" in row:
        gap = row["_f1"] - target
        verdicts.append(
            f"F1>={target}: " + ("met" if gap >= 0 else f"MISSED by {-gap:.3f}")
        )
    if (
        method == "gcfs"
        and label in ("linear d=50", "anm_gp d=50")
        and row.get("seconds_max")
    ):
        slowest = row["seconds_max"]
        verdicts.append(
            f"time<{SPEED_TARGET_SECONDS:g}s: "
            + (
                "met"
                if slowest < SPEED_TARGET_SECONDS
                else f"MISSED (max {slowest:.1f} s)"
            )
        )
    if label.startswith("headline") and row.get("seconds"):
        seconds = row["seconds"]
        verdicts.append(
            f"<{HEADLINE_TARGET_SECONDS:g}s: "
            + ("met" if seconds < HEADLINE_TARGET_SECONDS else "MISSED")
        )
    return "; ".join(verdicts) or None


def main(argv=None):
    parts_all = ["sachs", "linear", "anm_gp", "scaling", "downstream", "headline"]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data",
        nargs="+",
        default=parts_all[:-1],
        choices=parts_all,
        help="parts to run (default: all but headline, which must run alone)",
    )
    add_arguments(parser)
    args = parser.parse_args(argv)

    import sklearn_causal

    print(f"sklearn-causal {sklearn_causal.__version__}", file=sys.stderr)
    results = collect(build_tasks(args.data), args)
    print(
        "\nMarkovBlanketGCFS benchmark: Markov-blanket F1 (mean ± std over "
        f"{N_SEEDS} seeds of the mean over targets), mean precision and recall, "
        "against the true blanket (parents, children, spouses). Sachs: all 11 "
        "targets, against the 17-arc consensus graph the GCFS paper uses and "
        "the 18-edge graph, 5 estimator seeds. Synthetic: Erdos-Renyi, 2d "
        f"edges, n=1000, {N_TARGETS} targets with a non-empty blanket per seed "
        f"({N_TARGETS_D200} for d=200). gcfs: default configuration, "
        "random_state = seed. Peers: IAMB (causal-learn, Fisher-z, alpha=0.01) "
        "and SelectFromModel(LassoCV). Seconds: mean (and max) wall time per "
        "fit, one thread, two fits at a time; peak MB: the largest peak "
        "resident memory of a fit process.\n"
    )
    print_table(
        summarise(results),
        [
            ("group", "data", "s"),
            ("method", "method", "s"),
            ("fits", "fits", "s"),
            ("f1", "F1", "s"),
            ("precision", "precision", ".3f"),
            ("recall", "recall", ".3f"),
            ("accuracy", "test acc.", "s"),
            ("seconds", "s / fit", ".1f"),
            ("seconds_max", "max s", ".1f"),
            ("peak_mb", "peak MB", ".0f"),
            ("verdict", "verdict", "s"),
            ("note", "note", "s"),
            ("error", "error", "s"),
        ],
    )


if __name__ == "__main__":
    main()
