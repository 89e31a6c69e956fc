"""Diagnostic measurements behind GrangerGRNGC's defaults (docs/granger.md).

Eight parts, each printing Markdown tables (run from the repository root, one
thread)::

    python benchmarks/diagnose_granger.py path        # ranking along training
    python benchmarks/diagnose_granger.py ceilings    # what the data carry
    python benchmarks/diagnose_granger.py readouts    # which epochs to read
    python benchmarks/diagnose_granger.py lags        # how lag="auto" chooses
    python benchmarks/diagnose_granger.py restricted  # a held-out test of a ranking
    python benchmarks/diagnose_granger.py ridge-gate  # the ridge VAR, gated
    python benchmarks/diagnose_granger.py race        # the candidate lags raced
    python benchmarks/diagnose_granger.py shares      # the present's share, held out

``path``: GrangerGRNGC (``lag=1``, no early stopping, 256 epochs) records
its per-effect normalised strengths along training; the table gives the
off-diagonal AUROC of the record nearest below each epoch, for development
families (3 graphs each), and the epoch early stopping would have kept.

``readouts``: which epochs of the training path to read, without the
truth (docs/granger.md 2.8), for 128 and 512 hidden units. First table:
the default fit's ``causal_matrix_`` (records averaged up to the epoch
early stopping keeps) against the average of every record, the last and
the best single record, and the record whose off-diagonal log-strengths are
most bimodal. Second table: two more fits, each on one half of the data
(the two halves of the series, or alternate trajectories), 150 epochs
without early stopping; the epoch whose strengths agree most between the
halves (Spearman) ends the path average of a full-data fit trained alike.
About 30 minutes on one core::

    python benchmarks/diagnose_granger.py readouts

``lags``: the default estimator (or ``--params``) on development families
(``--graphs`` graphs), DREAM4 1-5 and NetSim sim3 subjects 1-5, with
``random_state`` 0..``--seeds``-1; every candidate lag's held-out errors and
strengths are recorded (``--records``, JSON lines; an existing file is
read, not refitted), and the off-diagonal AUROC is read for several lag
rules on the same networks: two standard errors alone, with the 1 % margin
of the default (docs/granger.md 2.11), and three averages over lags: of the
lags not clearly worse by two standard errors, of all, and the default's
``average_lags`` (docs/granger.md 2.18; the records keep the trajectory
lengths its rule needs). The
truth only scores; no rule sees it. About 30 minutes on two cores for the
whole set with 3 graphs and 5 seeds (``--jobs 2``)::

    python benchmarks/diagnose_granger.py lags --seeds 5 --jobs 2 --records r.jsonl

``restricted``: two read-outs of each data set, the ``causal_matrix_`` of
the early-stopped network (``long_training=False``: early) and that of a
1024-unit network trained 150 epochs without early stopping at the lag the
first fit kept (late, its whole path averaged; docs/granger.md 2.16-2.17),
are tested on held-out data without the truth
(``sklearn_causal._restricted_forecast.restricted_forecast_errors``, the
test of ``long_training="auto"``): for every effect, a small MLP on its own
latest value and the 3 inputs a read-out ranks highest is trained on the
first 80 % of every trajectory's transitions and scored on the rest. The
truth's ranking and a random one are scored alike for reference only.
Development families, Lorenz-96 with 100 series (``l96-20``, ``l96-40``: F
= 20 and 40, T = 1000, data ``random_state`` 100 + graph, not the
benchmark's), and the benchmark's ``dream4`` networks and ``netsim``
subjects (graph ``k``: network or subject ``k + 1``). About 15 minutes on
one core for the default families with one graph::

    python benchmarks/diagnose_granger.py restricted --graphs 1

``ridge-gate``: the default fit, and where it neither averages the ridge
VAR in nor adds the map nor keeps the long network, the ridge VAR of
``lag_`` (its ranking ``_ridge_ranking``) averaged with ``causal_lags_``;
the two rankings' restricted forecasts (``_ranking_errors``, the test of
``long_training="auto"``) and their off-diagonal AUROC, for a gate that
would average where the average's errors are not clearly worse
(docs/granger.md 2.26: measured, not adopted). ``random_state=0``;
development families (``--graphs`` graphs) and DREAM4 networks 1-5. About
15 minutes on one core for the default families::

    python benchmarks/diagnose_granger.py ridge-gate

``race``: the default fit (``random_state=0``) of the development families
(``--graphs`` graphs), DREAM4 networks 1-5, NetSim sim3 subjects 1-5 and
the benchmark's Lorenz-96 (100 series, F = 10, 20, 40), with every
candidate lag's held-out loss per epoch and seconds (``--records``, JSON
lines; an existing file is read, not refitted). For every longer lag, its
lowest held-out loss up to epochs 25, 50, 100 and 200 over the shorter
lags' lowest up to the same epoch; then, for a race that would stop a
longer lag where that ratio exceeds 1 + margin, the lags the default kept
or averaged that it would have stopped and the training seconds it would
have saved (docs/granger.md 2.28: measured, not adopted). About 30 minutes
on two cores::

    python benchmarks/diagnose_granger.py race --jobs 2 --records race.jsonl

``shares``: the statistic by which ``instantaneous="auto"`` adds the map of
the present (the other series' present values' held-out share minus their
past's, linear), held out on the tail of every trajectory, as the estimator
does, and on each of 5 contiguous blocks of every trajectory in turn
(docs/granger.md 2.32: measured, not adopted). Seconds::

    python benchmarks/diagnose_granger.py shares --families fmri-5 fmri-10 --graphs 10

``ceilings``: simple statistics of the data itself on development families
(``--families``, default fmri-10 fmri-15) and on NetSim sim3 subjects 1-5:
the off-diagonal AUROC of the lag-1 correlation, the contemporaneous
correlation and partial correlation, the instantaneous partial correlation
(of the residuals of a VAR(1)), and the bivariate Granger statistic
(partial correlation of ``x_{i,t-1}`` and ``x_{j,t}`` given
``x_{j,t-1}``), with the share of true links the lag-1 correlation orients
the right way; then statistics that need no truth: autocorrelations at lags
1-3, mean absolute (partial) correlations, and the held-out shares of
variance explained by the past and further by the other series at ``t``
(docs/granger.md 2.7). Seconds.
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dev_granger import FAMILIES
from harness import print_table

EPOCHS = [1, 2, 4, 8, 16, 32, 64, 128, 256]


def _off_auroc(truth, scores):
    from sklearn_causal.metrics import graph_auroc

    return graph_auroc(truth, scores, include_diagonal=False)


def training_path(families, n_graphs):
    import torch
    from dev_granger import load

    from sklearn_causal import GrangerGRNGC

    torch.set_num_threads(1)
    rows = []
    for family in families:
        aurocs, kept = [], []
        for graph in range(n_graphs):
            X, groups, truth, _ = load(family, graph)
            early = GrangerGRNGC(lag=1, random_state=0).fit(X, groups=groups)
            history = early.net_.history
            kept.append(int(np.argmin(history[:, "valid_loss"])) + 1)
            gc = GrangerGRNGC(
                lag=1, patience=None, max_epochs=max(EPOCHS), random_state=0
            )
            net = gc.fit(X, groups=groups).net_
            recorded = np.array(net.path_epochs_)
            row = []
            for epoch in EPOCHS:
                record = net.path_records_[
                    int(np.searchsorted(recorded, epoch, "right")) - 1
                ]
                row.append(_off_auroc(truth, gc._by_lag(record).sum(axis=0)))
            aurocs.append(row)
        means = np.mean(aurocs, axis=0)
        rows.append(
            {
                "family": family,
                **{f"e{e}": v for e, v in zip(EPOCHS, means, strict=True)},
                "kept": f"{np.mean(kept):.0f}",
            }
        )
    print(
        "\nOff-diagonal AUROC of the strengths recorded along training (lag=1, "
        f"seed 0, mean over {n_graphs} graphs; after epoch 19 the record "
        "nearest below the epoch), and the epoch early stopping keeps.\n"
    )
    print_table(
        rows,
        [("family", "family", "s")]
        + [(f"e{e}", f"epoch {e}", ".3f") for e in EPOCHS]
        + [("kept", "kept by early stopping", "s")],
    )


def _bivariate_granger(past, present):
    """|partial corr(x_{i,t-1}, x_{j,t} | x_{j,t-1})| for every pair."""
    p = past.shape[1]
    scores = np.zeros((p, p))
    for j in range(p):
        design = np.column_stack([np.ones(len(past)), past[:, j]])
        residual = present[:, j] - design @ np.linalg.lstsq(design, present[:, j])[0]
        for i in range(p):
            if i != j:
                r_i = past[:, i] - design @ np.linalg.lstsq(design, past[:, i])[0]
                scores[i, j] = abs(np.corrcoef(r_i, residual)[0, 1])
    return scores


def _partial_correlations(values):
    """|partial correlation| of every pair of columns given all the others
    (the scaled precision matrix, a small ridge for stability)."""
    precision = np.linalg.inv(np.cov(values.T) + 1e-3 * np.eye(values.shape[1]))
    scale = np.sqrt(np.diag(precision))
    return np.abs(precision / np.outer(scale, scale))


def _pairs_with_tail(X, groups, share=0.8):
    """Lag-1 pairs of the standardised series (``peers._lagged_pairs``) and
    whether each is in the last ``1 - share`` of its trajectory's pairs."""
    import peers

    past, present = peers._lagged_pairs(X, groups, 1)
    tail = [
        np.arange(len(t) - 1) >= share * (len(t) - 1)
        for t in peers._split_trajectories(X, groups)
    ]
    return past, present, np.concatenate(tail)


def _explained(X, groups, share=0.8):
    """Held-out shares of each series' variance (mean over series) that a
    ridge VAR(1) forecast explains, and that the other series' VAR residuals
    at the same time explain further: what the past explains, and what is
    left to instantaneous coupling. Fitted on the first ``share`` of every
    trajectory's transitions, scored on the rest; no truth."""
    from sklearn.linear_model import RidgeCV

    past, present, tail = _pairs_with_tail(X, groups, share)
    past = past[:, 0]
    alphas = np.logspace(-3, 3, 13)
    var = RidgeCV(alphas=alphas).fit(past[~tail], present[~tail])
    residuals = present - var.predict(past)

    # Shares of each series' variance (on the training rows), so that the
    # two compare: a held-out tail near a steady state has little variance
    # of its own.
    scale = present[~tail].var(axis=0)
    lagged = 1 - (residuals[tail] ** 2).mean(axis=0) / scale
    instantaneous = []
    for j in range(X.shape[1]):
        others = np.delete(residuals, j, axis=1)
        model = RidgeCV(alphas=alphas).fit(others[~tail], residuals[~tail, j])
        left = residuals[tail, j] - model.predict(others[tail])
        instantaneous.append(
            ((residuals[tail, j] ** 2).mean() - (left**2).mean()) / scale[j]
        )
    return lagged.mean(), np.mean(instantaneous)


def _data_sets(families, n_graphs):
    """{name: [(X, groups, truth), ...]}: ``n_graphs`` members of each
    development family, and NetSim sim3 subjects 1-5."""
    from bench_granger import _load
    from dev_granger import load

    sets = {
        family: [load(family, g)[:3] for g in range(n_graphs)] for family in families
    }
    sets["NetSim sim3 1-5"] = [_load("netsim", s) for s in range(1, 6)]
    return sets


def _mean_row(name, columns, values) -> dict:
    """A table row: the means over members of each column of ``values``."""
    return {"data": name, **dict(zip(columns, np.mean(values, axis=0), strict=True))}


def ceilings(families, n_graphs):
    import peers

    sets = _data_sets(families, n_graphs)
    rows = []
    for name, members in sets.items():
        values = []
        for X, groups, truth in members:
            past, present = peers._lagged_pairs(X, groups, 1)
            past = past[:, 0]
            lagged, _ = peers.lagged_correlation_scores(X, groups)
            design = np.column_stack([np.ones(len(past)), past])
            residuals = present - design @ np.linalg.lstsq(design, present)[0]
            links = np.argwhere(truth & ~np.eye(len(truth), dtype=bool))
            off = ~np.eye(X.shape[1], dtype=bool)
            contemporaneous = np.abs(np.corrcoef(present.T))
            partial = _partial_correlations(present)
            far, now = peers._lagged_pairs(X, groups, 3)
            autocorrelations = [
                np.mean(
                    [
                        np.corrcoef(far[:, k, j], now[:, j])[0, 1]
                        for j in range(X.shape[1])
                    ]
                )
                for k in range(3)
            ]
            values.append(
                [
                    *autocorrelations,
                    contemporaneous[off].mean(),
                    partial[off].mean(),
                    *_explained(X, groups),
                    _off_auroc(truth, lagged),
                    _off_auroc(truth, contemporaneous),
                    _off_auroc(truth, partial),
                    _off_auroc(truth, _partial_correlations(residuals)),
                    _off_auroc(truth, _bivariate_granger(past, present)),
                    np.mean([lagged[i, j] > lagged[j, i] for i, j in links]),
                ]
            )
        columns = [
            "ac1",
            "ac2",
            "ac3",
            "corr",
            "pcorr",
            "lagged_r2",
            "instant_r2",
            "lagged",
            "contemporaneous",
            "partial",
            "instant",
            "bivariate",
            "oriented",
        ]
        rows.append(_mean_row(name, columns, values))
    print(
        "\nOff-diagonal AUROC of statistics of the data: lag-1 correlation, "
        "contemporaneous correlation, contemporaneous partial correlation "
        "(given all other series), instantaneous partial correlation (of the "
        "residuals of a VAR(1): given all other series and the past), "
        "bivariate Granger partial correlation; share of true links the lag-1 "
        "correlation orients the right way. Symmetric scores rank a link and "
        "its reverse alike.\n"
    )
    print_table(
        rows,
        [
            ("data", "data", "s"),
            ("lagged", "lag-1 corr", ".3f"),
            ("contemporaneous", "contemporaneous corr", ".3f"),
            ("partial", "contemporaneous partial corr", ".3f"),
            ("instant", "instantaneous partial corr", ".3f"),
            ("bivariate", "bivariate Granger", ".3f"),
            ("oriented", "lag-1 corr oriented right", ".2f"),
        ],
    )
    print(
        "\nStatistics that need no truth (means over series, pairs and "
        "members): autocorrelation at lags 1-3, |contemporaneous "
        "correlation|, |contemporaneous partial correlation|; held-out shares "
        "of each series' variance (last 20 % of every trajectory) explained by "
        "a ridge VAR(1) forecast, and further by the other series' VAR "
        "residuals at t.\n"
    )
    print_table(
        rows,
        [
            ("data", "data", "s"),
            ("ac1", "autocorr lag 1", ".3f"),
            ("ac2", "lag 2", ".3f"),
            ("ac3", "lag 3", ".3f"),
            ("corr", "mean abs corr", ".3f"),
            ("pcorr", "mean abs partial corr", ".3f"),
            ("lagged_r2", "explained by the past", ".3f"),
            ("instant_r2", "further by the others at t", ".3f"),
        ],
    )


def _records(estimator) -> dict:
    """{epoch: strengths summed over lags (cause, effect)} along the path."""
    return {
        epoch: estimator._by_lag(record).sum(axis=0)
        for epoch, record in zip(
            estimator.net_.path_epochs_, estimator.net_.path_records_, strict=True
        )
    }


def _bimodality(values) -> float:
    """Share of the variance of log10(values) between Otsu's two classes."""
    v = np.sort(np.log10(np.maximum(values, 1e-12)))
    total = v.var() * v.size
    between = max(
        k * (v.size - k) / v.size * (v[:k].mean() - v[k:].mean()) ** 2
        for k in range(1, v.size)
    )
    return between / total if total > 0 else 0.0


def _halves(X, groups):
    if groups is None:
        half = len(X) // 2
        return [(X[:half], None), (X[half:], None)]
    first = np.isin(groups, np.unique(groups)[::2])
    return [(X[first], groups[first]), (X[~first], groups[~first])]


def readouts(families, n_graphs, widths=(128, 512), epochs=150):
    import warnings

    import torch
    from dev_granger import load
    from scipy.stats import spearmanr

    from sklearn_causal import GrangerGRNGC

    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    path_rows, half_rows = [], []
    for width in widths:
        for family in families:
            path, half = [], []
            for graph in range(n_graphs):
                X, groups, truth, _ = load(family, graph)
                off = ~np.eye(X.shape[1], dtype=bool)
                fit = GrangerGRNGC(random_state=0, hidden_units=width)
                fit.fit(X, groups=groups)
                records = _records(fit)
                aurocs = [_off_auroc(truth, m) for m in records.values()]
                bimodal = max(records, key=lambda e: _bimodality(records[e][off]))
                path.append(
                    [
                        _off_auroc(truth, fit.causal_matrix_),
                        _off_auroc(truth, sum(records.values()) / len(records)),
                        aurocs[-1],
                        max(aurocs),
                        _off_auroc(truth, records[bimodal]),
                        int(np.argmin(fit.net_.history[:, "valid_loss"])) + 1,
                    ]
                )
                lag = 3 if family == "var-tanh" else 1
                common = {"random_state": 0, "hidden_units": width, "lag": lag}
                kept = GrangerGRNGC(**common).fit(X, groups=groups)
                long = {**common, "max_epochs": epochs, "patience": None}
                full = _records(GrangerGRNGC(**long).fit(X, groups=groups))
                a, b = (
                    _records(GrangerGRNGC(**long).fit(x, groups=g))
                    for x, g in _halves(X, groups)
                )
                shared = sorted(set(a) & set(b) & set(full))
                agreement = [spearmanr(a[e][off], b[e][off])[0] for e in shared]
                chosen = shared[int(np.argmax(agreement))]
                upto = [full[e] for e in shared if e <= chosen]
                half.append(
                    (
                        _off_auroc(truth, kept.causal_matrix_),
                        _off_auroc(truth, sum(upto) / len(upto)),
                        max(agreement),
                        chosen,
                    )
                )
            p = np.mean(path, axis=0)
            path_rows.append(
                {
                    "family": family,
                    "width": str(width),
                    "causal": f"{p[0]:.3f} (epoch {p[5]:.0f})",
                    "all": p[1],
                    "last": p[2],
                    "best": p[3],
                    "bimodal": p[4],
                }
            )
            h = np.mean([row[:3] for row in half], axis=0)
            half_rows.append(
                {
                    "family": family,
                    "width": str(width),
                    "kept": h[0],
                    "agreeing": h[1],
                    "agreement": h[2],
                    "epochs": ", ".join(str(row[3]) for row in half),
                }
            )
    print(
        "\nOff-diagonal AUROC of read-outs of the training path (estimator "
        f"seed 0, mean over {n_graphs} graphs).\n"
    )
    print_table(
        path_rows,
        [
            ("family", "family", "s"),
            ("width", "width", "s"),
            ("causal", "causal_matrix_ (kept epoch)", "s"),
            ("all", "average of every record", ".3f"),
            ("last", "last record", ".3f"),
            ("best", "best single record", ".3f"),
            ("bimodal", "most bimodal record", ".3f"),
        ],
    )
    print(
        "\nThe epoch where two half-data fits agree most ends the path "
        f"average ({epochs} epochs, no early stopping; kept: the same "
        "configuration with early stopping).\n"
    )
    print_table(
        half_rows,
        [
            ("family", "family", "s"),
            ("width", "width", "s"),
            ("kept", "kept", ".3f"),
            ("agreeing", "average up to the agreeing epoch", ".3f"),
            ("agreement", "best agreement", ".2f"),
            ("epochs", "agreeing epoch per graph", "s"),
        ],
    )


def _load_any(family, key):
    """(X, groups, truth) of the benchmark's ``dream4`` / ``netsim`` data set
    ``key``, its Lorenz-96 (p = 100) at forcing ``key`` (``lorenz``), or of
    graph ``key`` of a development family."""
    from bench_granger import _load
    from dev_granger import load

    if family in ("dream4", "netsim", "lorenz"):
        return _load(family, key)
    X, groups, truth, _ = load(family, key)
    return X, groups, truth


def _benchmark_keys(families, n_graphs):
    """(family, key) of ``n_graphs`` graphs of each development family, then
    DREAM4 networks 1-5 and NetSim sim3 subjects 1-5."""
    keys = [(f, g) for f in families for g in range(n_graphs)]
    return keys + [(d, k) for d in ("dream4", "netsim") for k in range(1, 6)]


def _lag_task(family, key, seed, params):
    """Fit one default estimator; every candidate lag's errors and strengths."""
    import torch

    from sklearn_causal import GrangerGRNGC
    from sklearn_causal._windows import trajectory_rows

    torch.set_num_threads(1)

    class Recording(GrangerGRNGC):
        def _choose_lag(self, fits):
            self.candidate_fits_ = fits
            return GrangerGRNGC._choose_lag(fits)

    X, groups, truth = _load_any(family, key)
    estimator = Recording(random_state=seed, **params).fit(X, groups=groups)
    return {
        "family": family,
        "key": key,
        "seed": seed,
        "lag": int(estimator.lag_),
        "candidate_lags": estimator.candidate_lags_.tolist(),
        "truth": np.asarray(truth, dtype=int).tolist(),
        "lengths": [int(r.size) for r in trajectory_rows(groups, X.shape[0])],
        "errors": [
            e.tolist() for e in GrangerGRNGC._window_errors(estimator.candidate_fits_)
        ],
        "strengths": [
            estimator._by_lag(net.path_strengths(outcome.best_epoch))
            .sum(axis=0)
            .tolist()
            for _, net, outcome, _ in estimator.candidate_fits_
        ],
    }


def _recorded_or_fitted(task, arguments, path, jobs) -> list[dict]:
    """The records in ``path`` (JSON lines) where it exists; otherwise
    ``task(*args)`` for each of ``arguments``, ``jobs`` at a time, written
    there when ``path`` is given."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if path is not None and path.exists():
        return [json.loads(line) for line in path.read_text().splitlines()]
    with ProcessPoolExecutor(
        jobs, mp_context=multiprocessing.get_context("spawn")
    ) as pool:
        results = list(pool.map(task, *zip(*arguments, strict=True)))
    if path is not None:
        path.write_text("".join(json.dumps(r) + "\n" for r in results))
    return results


def lag_rules(families, n_graphs, n_seeds, params, records, jobs):
    from sklearn_causal.granger import (
        _LAG_ERROR_MARGIN,
        _averaged_lags,
        _first_sufficient,
        _sufficient,
    )

    keys = _benchmark_keys(families, n_graphs)
    tasks = [(f, k, seed, params) for f, k in keys for seed in range(n_seeds)]
    path = Path(records) if records else None
    results = _recorded_or_fitted(_lag_task, tasks, path, jobs)
    groups, changed = {}, 0
    for result in results:
        errors = [np.asarray(e) for e in result["errors"]]
        strengths = [np.asarray(s) for s in result["strengths"]]
        truth = np.asarray(result["truth"])
        old, new = (
            _first_sufficient(errors, 0.0),
            _first_sufficient(errors, _LAG_ERROR_MARGIN),
        )
        lags = result["candidate_lags"]
        if lags[new] != result["lag"]:
            raise RuntimeError(
                f"{path}: a fit kept lag {result['lag']}, not the lag the "
                "default rule keeps from its errors (records of other code?)"
            )
        changed += old != new
        not_worse = _sufficient(errors, 0.0)
        if "lengths" not in result:
            raise RuntimeError(
                f"{path}: records without trajectory lengths (older code); "
                "run the fits again"
            )
        averaged = _averaged_lags(errors, lags, lags[new], result["lengths"])
        name = result["family"]
        if name in ("dream4", "netsim"):
            name = f"{name} {result['key']}" if name == "dream4" else "netsim 1-5"
        row = groups.setdefault(name, {"family": name, "n": 0, "lags": []})
        row["n"] += 1
        row["lags"].append(lags[new])
        for column, scores in [
            ("two_se", strengths[old]),
            ("margin", strengths[new]),
            ("not_worse", sum(strengths[i] for i in not_worse)),
            ("all", sum(strengths)),
            ("average_lags", sum(strengths[i] for i in averaged)),
        ]:
            row.setdefault(column, []).append(_off_auroc(truth, scores))
    rows = []
    for row in groups.values():
        kept = np.bincount(row.pop("lags"))
        rows.append(
            {
                **{
                    k: f"{np.mean(v):.3f} ± {np.std(v):.3f}"
                    if isinstance(v, list)
                    else v
                    for k, v in row.items()
                },
                "n": str(row["n"]),
                "kept": " ".join(f"{k}:{c}" for k, c in enumerate(kept) if c),
            }
        )
    print(
        f"\nOff-diagonal AUROC (mean ± std over graphs and seeds) of the lag "
        f"each rule keeps, read from the same fits (params {params}); "
        f"{changed} of {len(results)} fits keep another lag with the margin.\n"
    )
    print_table(
        rows,
        [
            ("family", "family", "s"),
            ("n", "fits", "s"),
            ("two_se", "two standard errors", "s"),
            ("margin", "and the 1 % margin (lag_)", "s"),
            ("not_worse", "average of the lags not clearly worse", "s"),
            ("all", "average of all lags", "s"),
            ("average_lags", "average_lags (default)", "s"),
            ("kept", "lags kept (default)", "s"),
        ],
    )


def _race_task(family, key):
    """The default fit (``random_state=0``) with every candidate lag's
    held-out loss curve and seconds."""
    import time
    import warnings

    import torch

    from sklearn_causal import GrangerGRNGC

    torch.set_num_threads(1)
    nets = []

    class Timed(GrangerGRNGC):
        def _fit_lag(self, Z, groups, lag, valid_rows, long=False, **kwargs):
            start = time.perf_counter()
            fit = super()._fit_lag(Z, groups, lag, valid_rows, long=long, **kwargs)
            if not long and kwargs.get("model", self.model_) == "mlp":
                nets.append(
                    {
                        "lag": lag,
                        "instantaneous": bool(self.instantaneous_),
                        "valid": list(fit[1].history[:, "valid_loss"]),
                        "seconds": time.perf_counter() - start,
                    }
                )
            return fit

    X, groups, _ = _load_any(family, key)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator = Timed(random_state=0).fit(X, groups=groups)
    return {
        "family": family,
        "key": key,
        "seconds": time.perf_counter() - start,
        "lag": int(estimator.lag_),
        "averaged": estimator.averaged_lags_.tolist(),
        "nets": nets,
    }


def _race_ratios(nets, epochs):
    """For each longer lag among ``nets`` (one training of the candidate
    lags): its lowest held-out loss up to each epoch over the shorter lags'
    lowest up to the same epoch (None once its training has ended), and at
    the end; and its net."""
    best = {n["lag"]: np.minimum.accumulate(n["valid"]) for n in nets}
    for net in nets:
        curve = best[net["lag"]]
        shorter = [c for lag, c in best.items() if lag < net["lag"]]
        if not shorter:
            continue
        ratios = [
            curve[epoch - 1] / min(c[min(epoch, c.size) - 1] for c in shorter)
            if curve.size >= epoch
            else None
            for epoch in epochs
        ]
        yield net, ratios, curve[-1] / min(c[-1] for c in shorter)


def race(families, n_graphs, records, jobs, epochs=(25, 50, 100, 200)):
    """Replay of a race between the candidate lags (docs/granger.md 2.28)."""
    keys = _benchmark_keys(families, n_graphs)
    keys += [("lorenz", forcing) for forcing in (10.0, 20.0, 40.0)]
    results = _recorded_or_fitted(
        _race_task, keys, Path(records) if records else None, jobs
    )
    total = sum(r["seconds"] for r in results)
    margins = (0.02, 0.05, 0.1, 0.2)
    lost = {(e, m): [] for e in epochs for m in margins}
    saved = dict.fromkeys(lost, 0.0)
    table = []
    for result in results:
        final = result["nets"][-1]["instantaneous"]
        # Each training of the candidate lags (twice where the map of the
        # present is added; the second is the one the default reads).
        for instantaneous in {n["instantaneous"] for n in result["nets"]}:
            nets = [n for n in result["nets"] if n["instantaneous"] == instantaneous]
            for net, ratios, end in _race_ratios(nets, epochs):
                name = f"{result['family']} {result['key']} lag {net['lag']}"
                role = ""
                if instantaneous == final:
                    if net["lag"] == result["lag"]:
                        role = "kept"
                    elif net["lag"] in result["averaged"]:
                        role = "averaged"
                    table.append(
                        {
                            "data": name,
                            **{
                                str(e): f"{r:.3f}"
                                for e, r in zip(epochs, ratios, strict=True)
                                if r is not None
                            },
                            "end": f"{end:.3f}",
                            "used": role,
                        }
                    )
                for epoch, ratio in zip(epochs, ratios, strict=True):
                    for margin in margins:
                        if ratio is None or ratio <= 1 + margin:
                            continue
                        saved[epoch, margin] += net["seconds"] * (
                            1 - epoch / len(net["valid"])
                        )
                        if role:
                            lost[epoch, margin].append(name)
    print(
        "\nA longer lag's lowest held-out loss up to each epoch over the shorter "
        "lags' lowest up to the same epoch, and at the end of training; whether "
        "the default kept or averaged that lag (random_state=0).\n"
    )
    print_table(
        table,
        [("data", "data", "s")]
        + [(str(e), f"epoch {e}", "s") for e in epochs]
        + [("end", "end", "s"), ("used", "default", "s")],
    )
    print(
        f"\nA race that stops a longer lag at an epoch where its ratio exceeds "
        f"1 + margin: the lags the default kept or averaged that it would have "
        f"stopped, and the training seconds saved (of {total:.0f} s, "
        f"{len(results)} fits).\n"
    )
    print_table(
        [
            {
                "epoch": e,
                "margin": f"{100 * m:.0f} %",
                "lost": f"{len(lost[e, m])}: " + ", ".join(lost[e, m])
                if lost[e, m]
                else "0",
                "saved": f"{saved[e, m]:.0f} s ({100 * saved[e, m] / total:.1f} %)",
            }
            for e, m in lost
        ],
        [
            ("epoch", "epoch", "d"),
            ("margin", "margin", "s"),
            ("lost", "kept or averaged lags stopped", "s"),
            ("saved", "seconds saved", "s"),
        ],
    )


LATE = {
    "hidden_units": 1024,
    "patience": None,
    "max_epochs": 150,
    "long_training": False,
}


def _restricted_load(family, graph):
    """(X, groups, truth) of a development family, of ``l96-F`` (p = 100),
    or of the benchmark's ``dream4`` / ``netsim`` data set ``graph + 1``."""
    from sklearn_causal.datasets import make_lorenz96

    if family.startswith("l96-"):
        X, truth = make_lorenz96(100, 1000, float(family[4:]), random_state=100 + graph)
        return X, None, truth
    return _load_any(family, graph + 1 if family in ("dream4", "netsim") else graph)


def _transitions(X, groups, share=0.8):
    """Standardised (x_{t-1}, x_t) pairs and the held-out mask: the last
    ``1 - share`` of every trajectory's transitions are held out."""
    import torch
    from peers import _split_trajectories

    X = (X - X.mean(axis=0)) / (X.std(axis=0) + 1e-12)
    latest, targets, valid = [], [], []
    for Z in _split_trajectories(X, groups):
        cut = round((len(Z) - 1) * share)
        latest.append(Z[:-1])
        targets.append(Z[1:])
        valid.append(np.arange(len(Z) - 1) >= cut)
    return (
        torch.tensor(np.concatenate(latest), dtype=torch.float32),
        torch.tensor(np.concatenate(targets), dtype=torch.float32),
        np.concatenate(valid),
    )


def restricted(families, n_graphs):
    import warnings

    import torch

    from sklearn_causal import GrangerGRNGC
    from sklearn_causal._restricted_forecast import restricted_forecast_errors

    torch.set_num_threads(1)
    rows = []
    for family in families:
        for graph in range(n_graphs):
            X, groups, truth = _restricted_load(family, graph)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                early = GrangerGRNGC(random_state=0, long_training=False)
                early.fit(X, groups=groups)
                late = GrangerGRNGC(random_state=0, lag=early.lag_, **LATE)
                late.fit(X, groups=groups)
            readouts = {"early": early.causal_matrix_, "late": late.causal_matrix_}
            rng = np.random.RandomState(0)
            transitions = _transitions(X, groups)
            rankings = {
                **readouts,
                "truth": truth + 1e-3 * rng.rand(*truth.shape),
                "random": rng.rand(*truth.shape),
            }
            errors = dict(
                zip(
                    rankings,
                    restricted_forecast_errors(
                        list(rankings.values()), *transitions
                    ).mean(axis=1),
                    strict=True,
                )
            )
            rows.append(
                {
                    "family": f"{family} (graph {graph})",
                    "auroc": f"{_off_auroc(truth, readouts['early']):.3f} / "
                    f"{_off_auroc(truth, readouts['late']):.3f}",
                    **{name: f"{value:.4f}" for name, value in errors.items()},
                    "gain": f"{100 * (1 - errors['late'] / errors['early']):+.1f} %",
                }
            )
    print(
        "\nHeld-out MSE of per-effect MLPs on each read-out's top 3 inputs "
        "(and the effect's own latest value); AUROC off the diagonal, early / "
        "late; gain: how much lower the late read-out's error is. The truth "
        "and random rows are references; no read-out sees the truth.\n"
    )
    print_table(
        rows,
        [
            ("family", "data", "s"),
            ("auroc", "AUROC early / late", "s"),
            ("early", "MSE early", "s"),
            ("late", "MSE late", "s"),
            ("gain", "late lower by", "s"),
            ("truth", "MSE truth", "s"),
            ("random", "MSE random", "s"),
        ],
    )


def ridge_gate(families, n_graphs):
    import warnings

    import torch

    from sklearn_causal import GrangerGRNGC
    from sklearn_causal._ridge_var import ridge_var
    from sklearn_causal.granger import _LAG_ERROR_MARGIN, _sufficient

    torch.set_num_threads(1)
    rows = []
    for family in families:
        for graph in range(5 if family == "dream4" else n_graphs):
            X, groups, truth = _restricted_load(family, graph)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                estimator = GrangerGRNGC(random_state=0).fit(X, groups=groups)
            row = {
                "data": f"{family} {graph + (family == 'dream4')}",
                "default": _off_auroc(truth, estimator.causal_matrix_),
            }
            if not (
                estimator.ridge_averaged_
                or estimator.instantaneous_
                or estimator.long_training_
            ):
                # The fit's own standardised data, groups and held-out rows.
                Z = estimator.scaler_.transform(X)
                groups = estimator._check_groups(groups, X)
                valid_rows = estimator._validation_rows(
                    groups, X.shape[0], int(estimator.candidate_lags_.max())
                )
                ridge = estimator._ridge_ranking(
                    ridge_var(Z, groups, valid_rows, int(estimator.lag_))
                )
                average = estimator._lag_average([estimator.causal_lags_, ridge])
                windows = estimator._windows(Z, int(estimator.lag_), groups)
                mlp, averaged = estimator._ranking_errors(
                    windows, valid_rows, [estimator.causal_lags_, average]
                )
                difference = (averaged - mlp) / mlp.mean()
                row.update(
                    averaged=_off_auroc(truth, average.sum(axis=0)),
                    ridge=_off_auroc(truth, ridge.sum(axis=0)),
                    difference=f"{100 * difference.mean():+.1f} ± "
                    f"{100 * difference.std(ddof=1) / np.sqrt(difference.size):.1f} %",
                    gate="average"
                    if 1 in _sufficient([mlp, averaged], _LAG_ERROR_MARGIN)
                    else "keep",
                )
            rows.append(row)
    print(
        "\nOff-diagonal AUROC of the default, of its ranking averaged with the "
        "ridge VAR's, and of the ridge VAR's; the averaged ranking's held-out "
        "restricted error relative to the default's (± one standard error) "
        "and the gate's choice. Blank: the default averages, adds the map or "
        "keeps the long network. No choice sees the truth.\n"
    )
    print_table(
        rows,
        [
            ("data", "data", "s"),
            ("default", "default", ".3f"),
            ("averaged", "averaged", ".3f"),
            ("ridge", "ridge VAR", ".3f"),
            ("difference", "averaged's error", "s"),
            ("gate", "gate", "s"),
        ],
    )


def _blocks(groups, n_rows, n_blocks):
    """``n_blocks`` lists of rows: the k-th contiguous block of every
    trajectory."""
    labels = np.zeros(n_rows, dtype=int) if groups is None else np.asarray(groups)
    trajectories = [np.flatnonzero(labels == label) for label in np.unique(labels)]
    return [
        np.concatenate([np.array_split(rows, n_blocks)[k] for rows in trajectories])
        for k in range(n_blocks)
    ]


def held_out_shares(families, n_graphs, n_blocks=5):
    """The linear shares that ``instantaneous="auto"`` compares, held out on
    the tail of every trajectory (the estimator's rows) and on each of
    ``n_blocks`` contiguous blocks of every trajectory in turn."""
    from dev_granger import load
    from sklearn.preprocessing import StandardScaler

    from sklearn_causal import GrangerGRNGC
    from sklearn_causal._instantaneous import explained_shares

    rows = []
    for family in families:
        for graph in range(n_graphs):
            X, groups = load(family, graph)[:2]
            Z = StandardScaler().fit_transform(X)
            Z = Z[:, Z.std(axis=0) > 1e-8]
            # The default's held-out rows: counted on its longest candidate lag.
            default = GrangerGRNGC()
            longest = max(default._candidate_lags(groups, len(Z)))
            tail = default._validation_rows(groups, len(Z), longest)
            lagged, present = explained_shares(Z, groups, tail)
            blocks = np.array(
                [
                    np.subtract(*explained_shares(Z, groups, rows_k)[::-1])
                    for rows_k in _blocks(groups, len(Z), n_blocks)
                ]
            )
            rows.append(
                {
                    "data": f"{family} {graph}",
                    "tail": present - lagged,
                    "blocks": blocks.mean(),
                    "first": blocks[0],
                    "range": f"{blocks.min():+.3f}..{blocks.max():+.3f}",
                }
            )
    print(
        "\nThe present's share minus the past's (linear, explained_shares), "
        f"held out on the tail of every trajectory and on {n_blocks} contiguous "
        "blocks of every trajectory in turn: their mean, the first block's, "
        "and their range. No truth.\n"
    )
    print_table(
        rows,
        [
            ("data", "data", "s"),
            ("tail", "tail", "+.3f"),
            ("blocks", "blocks: mean", "+.3f"),
            ("first", "first block", "+.3f"),
            ("range", "blocks: range", "s"),
        ],
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "part",
        choices=[
            "path",
            "ceilings",
            "readouts",
            "lags",
            "restricted",
            "ridge-gate",
            "race",
            "shares",
        ],
    )
    parser.add_argument(
        "--families",
        nargs="+",
        help="development families (default: fmri-10 fmri-15 gene-fast "
        "gene-relax var-tanh, lorenz-40 added for readouts, fmri-10 fmri-15 "
        "alone for ceilings)",
    )
    parser.add_argument("--graphs", type=int, default=3)
    parser.add_argument("--widths", type=int, nargs="+", default=[128, 512])
    parser.add_argument("--seeds", type=int, default=1, help="lags: seeds per fit")
    parser.add_argument(
        "--params", default="{}", help="lags: GrangerGRNGC parameters (JSON)"
    )
    parser.add_argument("--records", help="lags, race: JSON-lines file of the fits")
    parser.add_argument(
        "--jobs", type=int, default=1, help="lags, race: fits at a time"
    )
    args = parser.parse_args(argv)
    default = ["fmri-10", "fmri-15", "gene-fast", "gene-relax", "var-tanh"]
    if args.part == "path":
        training_path(args.families or default, args.graphs)
    elif args.part == "lags":
        lag_rules(
            args.families or list(FAMILIES),
            args.graphs,
            args.seeds,
            json.loads(args.params),
            args.records,
            args.jobs,
        )
    elif args.part == "restricted":
        restricted(
            args.families
            or [
                "l96-40",
                "l96-20",
                "fmri-15",
                "fmri-50",
                "gene-fast",
                "gene-relax",
                "gene-release",
                "var-tanh",
            ],
            args.graphs,
        )
    elif args.part == "ridge-gate":
        ridge_gate(
            args.families
            or [
                "var-sin",
                "lorenz-10",
                "lorenz-40",
                "gene-release",
                "gene-dense",
                "dream4",
            ],
            args.graphs,
        )
    elif args.part == "race":
        race(args.families or list(FAMILIES), args.graphs, args.records, args.jobs)
    elif args.part == "shares":
        held_out_shares(args.families or list(FAMILIES), args.graphs)
    elif args.part == "readouts":
        readouts(args.families or [*default, "lorenz-40"], args.graphs, args.widths)
    else:
        ceilings(args.families or ["fmri-10", "fmri-15"], args.graphs)


if __name__ == "__main__":
    main()
