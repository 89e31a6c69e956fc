"""Diagnostic measurements behind GrangerGRNGC's defaults (docs/granger.md).

Three parts, both printing Markdown tables (run from the repository root, one
thread)::

    python benchmarks/diagnose_granger.py path       # ranking along training
    python benchmarks/diagnose_granger.py ceilings   # what the data carry
    python benchmarks/diagnose_granger.py readouts   # which epochs to read

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

``ceilings``: simple statistics of the data itself on the fMRI-like family
and on NetSim sim3 subjects 1-5: the lag-1 correlation, the contemporaneous
correlation, and the bivariate Granger statistic (partial correlation of
``x_{i,t-1}`` and ``x_{j,t}`` given ``x_{j,t-1}``), with the share of true
links the lag-1 correlation orients the right way.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

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


def ceilings(n_graphs):
    import peers
    from dev_granger import load

    from sklearn_causal.datasets import load_netsim

    sets = {
        family: [load(family, g)[::2] for g in range(n_graphs)]
        for family in ("fmri-10", "fmri-15")
    }
    sets["NetSim sim3 1-5"] = [
        (load_netsim(s).data, load_netsim(s).graph) for s in range(1, 6)
    ]
    rows = []
    for name, members in sets.items():
        values = []
        for X, truth in members:
            past, present = peers._lagged_pairs(X, None, 1)
            past = past[:, 0]
            lagged, _ = peers.lagged_correlation_scores(X)
            links = np.argwhere(truth & ~np.eye(len(truth), dtype=bool))
            values.append(
                [
                    _off_auroc(truth, lagged),
                    _off_auroc(truth, np.abs(np.corrcoef(X.T))),
                    _off_auroc(truth, _bivariate_granger(past, present)),
                    np.mean([lagged[i, j] > lagged[j, i] for i, j in links]),
                ]
            )
        lagged, contemporaneous, bivariate, oriented = np.mean(values, axis=0)
        rows.append(
            {
                "data": name,
                "lagged": lagged,
                "contemporaneous": contemporaneous,
                "bivariate": bivariate,
                "oriented": oriented,
            }
        )
    print(
        "\nOff-diagonal AUROC of statistics of the data: lag-1 correlation, "
        "contemporaneous correlation, bivariate Granger partial correlation; "
        "share of true links the lag-1 correlation orients the right way.\n"
    )
    print_table(
        rows,
        [
            ("data", "data", "s"),
            ("lagged", "lag-1 corr", ".3f"),
            ("contemporaneous", "contemporaneous corr", ".3f"),
            ("bivariate", "bivariate Granger", ".3f"),
            ("oriented", "lag-1 corr oriented right", ".2f"),
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["path", "ceilings", "readouts"])
    parser.add_argument(
        "--families",
        nargs="+",
        help="development families (default: fmri-10 fmri-15 gene-fast "
        "gene-relax var-tanh, and lorenz-40 for readouts)",
    )
    parser.add_argument("--graphs", type=int, default=3)
    parser.add_argument("--widths", type=int, nargs="+", default=[128, 512])
    args = parser.parse_args(argv)
    default = ["fmri-10", "fmri-15", "gene-fast", "gene-relax", "var-tanh"]
    if args.part == "path":
        training_path(args.families or default, args.graphs)
    elif args.part == "readouts":
        readouts(args.families or [*default, "lorenz-40"], args.graphs, args.widths)
    else:
        ceilings(args.graphs)


if __name__ == "__main__":
    main()
