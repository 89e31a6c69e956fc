"""GrangerGRNGC as the number of series grows: time, peak memory, accuracy.

Lorenz-96 with F = 10 and T = 2000 (data random_state 0) at p = 100, 300
and 1000 series. Each fit runs in a fresh process with one torch thread
(two at a time with ``--jobs 2``); its peak resident memory includes
the interpreter and the imported libraries (about 0.4 GB). Methods:

- ``grngc``: the default estimator (the sampled penalty: 32 rows of the
  Jacobian on 16 windows of each batch);
- ``grngc-exact``: the same with the exact penalty (``penalty_rows=None,
  penalty_windows=None``),
  to show what the sampled one changes (default: p = 100 only);
- ``pcmci``: tigramite PCMCI + ParCorr, ``tau_max=1`` (default: up to p = 300).

AUROC/AUPRC off the diagonal and on the full matrix (the Lorenz graph
includes self-loops). Nothing is tuned.

Run from the repository root::

    python benchmarks/bench_granger_scale.py --records scale.jsonl --jobs 2
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    Task,
    add_arguments,
    collect,
    estimator_options,
    estimator_params,
    graph_scores,
    print_table,
)

SIZES = [100, 300, 1000]
METHODS = ["grngc", "grngc-exact", "pcmci"]


def _data(n_series):
    from sklearn_causal.datasets import make_lorenz96

    return make_lorenz96(n_series, 2000, 10.0, random_state=0)


def fit(n_series, method, seed, device=None, params=None):
    X, graph = _data(n_series)
    if method == "pcmci":
        import peers

        scores, seconds = peers.pcmci_parcorr_scores(X, tau_max=1)
        return {**graph_scores(graph, scores, full=True), "seconds": seconds}
    from sklearn_causal import GrangerGRNGC

    exact = {"penalty_rows": None, "penalty_windows": None}
    # --params override the exact penalty's two settings where they name them.
    params = {
        **(exact if method == "grngc-exact" else {}),
        **estimator_params(device, params),
    }
    start = time.perf_counter()
    estimator = GrangerGRNGC(random_state=seed, **params).fit(X)
    seconds = time.perf_counter() - start
    return {
        **graph_scores(graph, estimator.causal_matrix_, full=True),
        "seconds": seconds,
        "lag": estimator.lag_,
        "epochs": len(estimator.net_.history),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=SIZES)
    parser.add_argument("--methods", nargs="+", default=METHODS, choices=METHODS)
    parser.add_argument(
        "--exact-max-p",
        type=int,
        default=100,
        help="largest p for grngc-exact (default 100)",
    )
    parser.add_argument(
        "--pcmci-max-p", type=int, default=300, help="largest p for pcmci (default 300)"
    )
    parser.add_argument("--seeds", type=int, default=1, help="GRNGC seeds")
    add_arguments(parser, estimator_options=True)
    args = parser.parse_args(argv)
    largest = {"grngc": max(args.sizes), "grngc-exact": args.exact_max_p}
    largest["pcmci"] = args.pcmci_max_p
    # Largest p first, so that the longest fit starts at once.
    options = estimator_options(args)
    tasks = [
        Task(
            f"p={p}",
            method,
            fit,
            {"n_series": p, "method": method, "seed": seed, **options},
        )
        for p in sorted(args.sizes, reverse=True)
        for method in args.methods
        if p <= largest[method]
        for seed in range(1 if method == "pcmci" else args.seeds)
    ]
    results = collect(tasks, args)
    print(
        "\nLorenz-96 F=10, T=2000, data random_state=0; one fit per process, one "
        "torch thread; peak MB includes the interpreter and libraries. Nothing "
        "is tuned."
    )
    if args.device is not None:
        print(f"Device: {args.device}; GPU MB is torch's peak allocation there.")
    if args.params:
        print(f"GrangerGRNGC parameters changed from the default: {args.params}")
    print()
    print_table(
        results,
        [
            ("group", "p", "s"),
            ("method", "method", "s"),
            ("auroc", "AUROC", ".4f"),
            ("auprc", "AUPRC", ".4f"),
            ("auroc_full", "AUROC full", ".4f"),
            ("auprc_full", "AUPRC full", ".4f"),
            ("seconds", "fit s", ".1f"),
            ("peak_mb", "peak MB", ".0f"),
            ("gpu_peak_mb", "GPU MB", ".0f"),
            ("lag", "lag_", "d"),
            ("epochs", "epochs (kept lag)", "d"),
            ("error", "error", "s"),
        ],
    )


if __name__ == "__main__":
    main()
