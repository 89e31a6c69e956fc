"""GrangerGRNGC on the paper's benchmarks, 5 seeds, baselines side by side.

DREAM4 1-5, Lorenz-96 (p = 100, T = 1000, F = 10 / 20 / 40) and NetSim sim3
subjects 1-5. Every GrangerGRNGC row is a mean ± std over ``--seeds`` values
of ``random_state`` (default 5) on the same data; the baselines are
deterministic and fitted once per data set. Run from the repository root
(peers: see benchmarks/README.md)::

    python benchmarks/bench_granger.py --records granger.jsonl --jobs 1
    python benchmarks/bench_granger.py --data netsim --methods grngc lagcorr
    python benchmarks/bench_granger.py --methods grngc-kan --data lorenz

``grngc`` is the estimator's default configuration; ``grngc-<backbone>``
changes only ``model``; ``grngc-gridsearch`` chooses ``lam`` by
GridSearchCV on the forecast score. The defaults were chosen on the
development suite (``dev_granger.py``), with these data sets in view as the
reported table; nothing is tuned per data set and nothing reads a true
graph except the scoring.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    Task,
    add_arguments,
    collect,
    estimator_options,
    estimator_params,
    graph_scores,
    instantaneous_parts,
    print_table,
)

DREAM4_TARGETS = {1: 0.782, 2: 0.718, 3: 0.670, 4: 0.683, 5: 0.701}
LORENZ_TARGETS = {10.0: (0.999, None), 20.0: (0.999, None), 40.0: (0.997, 0.975)}
NETSIM_TARGETS = (0.841, 0.712)  # the paper's full-matrix AUROC / AUPRC
SECONDS_TARGETS = {"DREAM4": 30.0, "Lorenz": 120.0}
LAMBDA_GRID = [0.03, 0.1, 0.3]
BACKBONES = ["kan", "lstm", "tcn"]
BASELINES = ["lagcorr", "ridge-var", "pcmci", "cmlp"]
METHODS = ["grngc", *(f"grngc-{m}" for m in BACKBONES), "grngc-gridsearch", *BASELINES]
DEFAULT_METHODS = ["grngc", "lagcorr", "ridge-var", "pcmci"]


def _load(family, key):
    """(X, groups, true graph with self-loops where they are true)."""
    from sklearn_causal.datasets import load_dream4, load_netsim, make_lorenz96

    if family == "dream4":
        bunch = load_dream4(key)
        return bunch.data, bunch.groups, bunch.graph
    if family == "lorenz":
        X, graph = make_lorenz96(100, 1000, key, random_state=0)
        return X, None, graph
    bunch = load_netsim(key)
    # NetSim's -1 diagonal is each node's self-decay: a true self-loop in
    # the paper's full-matrix convention (15 + 18 of 225 entries).
    graph = bunch.graph | np.eye(len(bunch.graph), dtype=bool)
    return bunch.data, None, graph


def _scores(family, graph, scores):
    """Off-diagonal AUROC/AUPRC; full-matrix ones where self-loops are true."""
    return graph_scores(graph, scores, full=family != "dream4")


def fit_grngc(family, key, model, seed, device=None, params=None):
    from sklearn_causal import GrangerGRNGC

    X, groups, graph = _load(family, key)
    start = time.perf_counter()
    estimator = GrangerGRNGC(
        **{"model": model, "random_state": seed, **estimator_params(device, params)}
    )
    estimator.fit(X, groups=groups)
    seconds = time.perf_counter() - start
    return {
        **_scores(family, graph, estimator.causal_matrix_),
        "seconds": seconds,
        "lag": estimator.lag_,
        "model": estimator.model_,
        "linear_trained": estimator.linear_penalties_ is not None,
        "ridge_averaged": bool(estimator.ridge_averaged_),
        "long_training": bool(estimator.long_training_),
        "instantaneous": bool(estimator.instantaneous_),
        "explained_shares": estimator.explained_shares_,
        **instantaneous_parts(estimator, graph),
    }


def fit_grngc_gridsearch(family, key, seed, device=None):
    """``lam`` in LAMBDA_GRID chosen by CV forecast score, refit on all."""
    import sklearn
    from sklearn.model_selection import GridSearchCV, GroupKFold, TimeSeriesSplit

    from sklearn_causal import GrangerGRNGC

    X, groups, graph = _load(family, key)
    start = time.perf_counter()
    with sklearn.config_context(enable_metadata_routing=True):
        estimator = (
            GrangerGRNGC(random_state=seed, **estimator_params(device))
            .set_fit_request(groups=True)
            .set_score_request(groups=True)
        )
        cv = GroupKFold(5) if groups is not None else TimeSeriesSplit(3)
        search = GridSearchCV(estimator, {"lam": LAMBDA_GRID}, cv=cv)
        search.fit(X, groups=groups)
    seconds = time.perf_counter() - start
    return {
        **_scores(family, graph, search.best_estimator_.causal_matrix_),
        "seconds": seconds,
        "lam": search.best_params_["lam"],
    }


def fit_baseline(family, key, method):
    import peers

    X, groups, graph = _load(family, key)
    if method == "lagcorr":
        scores, seconds = peers.lagged_correlation_scores(X, groups)
    elif method == "ridge-var":
        scores, seconds = peers.ridge_var_scores(X, groups, lag=2)
    elif method == "pcmci":
        scores, seconds = peers.pcmci_parcorr_scores(X, groups, tau_max=2)
    else:
        scores, seconds = peers.cmlp_scores(X, groups)
    return {**_scores(family, graph, scores), "seconds": seconds}


def build_tasks(families, methods, n_seeds, options=None):
    """The fits; ``options`` (``harness.estimator_options``) go to every
    GrangerGRNGC fit, but ``params`` not to the grid search's."""
    options = options or {}
    search_options = {k: v for k, v in options.items() if k != "params"}
    datasets = {
        "dream4": [("dream4", k, f"DREAM4-{k}") for k in range(1, 6)],
        "lorenz": [("lorenz", F, f"Lorenz-96 F={F:g}") for F in LORENZ_TARGETS],
        "netsim": [("netsim", s, f"NetSim sim3 subject {s}") for s in range(1, 6)],
    }
    tasks = []
    for family in families:
        for fam, key, label in datasets[family]:
            for method in methods:
                data = {"family": fam, "key": key}
                if method in BASELINES:
                    tasks.append(
                        Task(label, method, fit_baseline, {**data, "method": method})
                    )
                    continue
                for seed in range(n_seeds):
                    if method == "grngc-gridsearch":
                        tasks.append(
                            Task(
                                label,
                                method,
                                fit_grngc_gridsearch,
                                {**data, "seed": seed, **search_options},
                            )
                        )
                    else:
                        model = method.removeprefix("grngc").removeprefix("-") or "mlp"
                        tasks.append(
                            Task(
                                label,
                                method,
                                fit_grngc,
                                {
                                    **data,
                                    "model": model,
                                    "seed": seed,
                                    **options,
                                },
                            )
                        )
    return tasks


def _mean_std(values):
    values = [v for v in values if v is not None]
    if not values:
        return None, ""
    return float(np.mean(values)), f"{np.mean(values):.3f} ± {np.std(values):.3f}"


def _verdict(value, bound):
    gap = value - bound
    return "met" if gap >= 0 else f"MISSED by {-gap:.3f}"


def _row(group, method, fits):
    row = {"group": group, "method": method, "fits": len(fits)}
    means = {}
    for key in ("auroc", "auprc", "auroc_full", "auprc_full", "seconds"):
        means[key], row[key] = _mean_std([f.get(key) for f in fits])
    lags = sorted({f["lag"] for f in fits if "lag" in f})
    lams = sorted({f["lam"] for f in fits if "lam" in f})
    notes = []
    if lags:
        notes.append(f"lag_ chosen: {lags}")
    if lams:
        notes.append(f"lam chosen: {lams}")
    row["note"] = ", ".join(notes)
    if method != "grngc":
        return row
    verdicts = []
    if group.startswith("DREAM4"):
        target = DREAM4_TARGETS[int(group.split("-")[1])]
        row["target"] = f"AUROC>={target}, <30 s"
        verdicts.append(_verdict(means["auroc"], target))
    elif group.startswith("Lorenz"):
        auroc, auprc = LORENZ_TARGETS[float(group.split("=")[1])]
        row["target"] = f"AUROC>={auroc}" + (f", AUPRC>={auprc}" if auprc else "")
        row["target"] += ", <120 s"
        verdicts.append(_verdict(means["auroc_full"], auroc))
        if auprc:
            verdicts.append(_verdict(means["auprc_full"], auprc))
    elif "mean" in group:
        auroc, auprc = NETSIM_TARGETS
        row["target"] = f"full AUROC>={auroc}, AUPRC>={auprc}"
        verdicts.append(_verdict(means["auroc_full"], auroc))
        verdicts.append(_verdict(means["auprc_full"], auprc))
    for prefix, bound in SECONDS_TARGETS.items():
        if group.startswith(prefix):
            verdicts.append(
                "time met" if max(f["seconds"] for f in fits) < bound else "time MISSED"
            )
    row["verdict"] = "; ".join(verdicts)
    return row


def summarise(results):
    """Rows per data set and method, plus the NetSim mean over subjects."""
    ok = [r for r in results if "error" not in r]
    rows = []
    keys = dict.fromkeys((r["group"], r["method"]) for r in results)
    for group, method in keys:
        fits = [r for r in ok if r["group"] == group and r["method"] == method]
        row = _row(group, method, fits)
        errors = [
            r["error"]
            for r in results
            if r["group"] == group and r["method"] == method and "error" in r
        ]
        if errors:
            row["error"] = errors[0]
        rows.append(row)
    netsim = [r for r in ok if r["group"].startswith("NetSim")]
    for method in dict.fromkeys(r["method"] for r in netsim):
        fits = [r for r in netsim if r["method"] == method]
        subjects = len({r["group"] for r in fits})
        rows.append(_row(f"NetSim sim3 mean of {subjects} subjects", method, fits))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data",
        nargs="+",
        default=["dream4", "lorenz", "netsim"],
        choices=["dream4", "lorenz", "netsim"],
    )
    parser.add_argument(
        "--methods", nargs="+", default=DEFAULT_METHODS, choices=METHODS
    )
    parser.add_argument("--seeds", type=int, default=5, help="GRNGC seeds per data set")
    add_arguments(parser, estimator_options=True)
    args = parser.parse_args(argv)

    import sklearn_causal

    print(f"sklearn-causal {sklearn_causal.__version__}", file=sys.stderr)
    tasks = build_tasks(args.data, args.methods, args.seeds, estimator_options(args))
    results = collect(tasks, args)
    print(
        "\nGrangerGRNGC benchmark: DREAM4 (off-diagonal AUROC/AUPRC, the "
        "challenge's convention), Lorenz-96 (p=100, T=1000, data "
        "random_state=0; the graph includes self-loops), NetSim sim3 subjects "
        "1-5 (AUROC/AUPRC off the diagonal, and on the full matrix with the "
        "15 self-loops counted as true, the GRNGC paper's convention: its "
        "'true variable usage' 14.67% = 33/225). GrangerGRNGC rows: mean ± "
        f"std over random_state 0..{args.seeds - 1} (NetSim mean row: over "
        "subjects and seeds); targets are on the mean. Baselines, one fit "
        "per data set: lagcorr |corr(x_{t-1,i}, x_{t,j})|, ridge-var RidgeCV "
        "on 2 lags, pcmci tigramite ParCorr tau_max=2, cmlp Neural-GC (demo "
        "settings, 2000 ISTA iterations). Seconds: wall time of one fit on "
        "one core; 'time met' asks every seed's fit to be under the bound."
        + ("" if args.device is None else f" GrangerGRNGC on device {args.device}.")
        + ("" if not args.params else f" GrangerGRNGC parameters: {args.params}.")
        + "\n"
    )
    print_table(
        summarise(results),
        [
            ("group", "data", "s"),
            ("method", "method", "s"),
            ("fits", "fits", "d"),
            ("auroc", "AUROC", "s"),
            ("auprc", "AUPRC", "s"),
            ("auroc_full", "AUROC full", "s"),
            ("auprc_full", "AUPRC full", "s"),
            ("seconds", "fit s", "s"),
            ("target", "target", "s"),
            ("verdict", "verdict", "s"),
            ("note", "note", "s"),
            ("error", "error", "s"),
        ],
    )


if __name__ == "__main__":
    main()
