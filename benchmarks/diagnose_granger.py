"""Diagnostic measurements behind GrangerGRNGC's defaults (docs/granger.md).

Two parts, both printing Markdown tables (run from the repository root, one
thread)::

    python benchmarks/diagnose_granger.py path       # ranking along training
    python benchmarks/diagnose_granger.py ceilings   # what the data carry

``path``: GrangerGRNGC (``lag=1``, no early stopping, 256 epochs) records
its per-effect normalised strengths along training; the table gives the
off-diagonal AUROC of the record nearest below each epoch, for development
families (3 graphs each), and the epoch early stopping would have kept.

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
                row.append(_off_auroc(truth, record.numpy().sum(axis=1).T))
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["path", "ceilings"])
    parser.add_argument(
        "--families",
        nargs="+",
        default=["fmri-10", "fmri-15", "gene-fast", "gene-relax", "var-tanh"],
    )
    parser.add_argument("--graphs", type=int, default=3)
    args = parser.parse_args(argv)
    if args.part == "path":
        training_path(args.families, args.graphs)
    else:
        ceilings(args.graphs)


if __name__ == "__main__":
    main()
