"""Running benchmark fits in isolated processes and printing one table.

Every fit runs in a fresh worker process (one task per process), so the peak
resident memory reported for it is the fit's own (plus the interpreter and
the imported libraries), and one fit's caches never speed up the next.
Each worker uses one thread for torch and for numpy's BLAS, so that two
workers share a 2-core machine without oversubscription.
"""

import json
import os
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")


@dataclass
class Task:
    """One fit: ``function(**kwargs)`` must return a dict of measurements."""

    group: str
    method: str
    function: object
    kwargs: dict = field(default_factory=dict)


def _run(task: Task) -> dict:
    import torch

    torch.set_num_threads(1)
    start = time.perf_counter()
    try:
        result = task.function(**task.kwargs)
    except Exception as exc:  # reported in the table, never hidden
        result = {"error": f"{type(exc).__name__}: {exc}"}
    result.setdefault("seconds", time.perf_counter() - start)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if torch.cuda.is_initialized():
        result["gpu_peak_mb"] = torch.cuda.max_memory_allocated() / 2**20
    return {"group": task.group, "method": task.method, **result}


def _scalar(value):
    """numpy scalars as Python numbers, anything else as text (for JSON)."""
    return value.item() if hasattr(value, "item") else str(value)


def _plain(value):
    """A JSON round trip, so that fresh and reloaded arguments compare equal."""
    return json.loads(json.dumps(value, default=_scalar))


def _key(group: str, method: str, kwargs: dict) -> str:
    return json.dumps([group, method, _plain(kwargs)], sort_keys=True)


def _task_key(task: Task) -> str:
    return _key(task.group, task.method, task.kwargs)


def _load_records(path: Path | None) -> dict[str, dict]:
    if path is None or not path.exists():
        return {}
    records = (json.loads(line) for line in path.read_text().splitlines() if line)
    return {_key(r["group"], r["method"], r["task"]): r for r in records}


def run_tasks(
    tasks: list[Task], n_jobs: int = 2, records: Path | None = None
) -> list[dict]:
    """Run every task in its own process, ``n_jobs`` at a time, in order.

    With ``records``, each result (with the task's arguments under "task") is
    appended to that JSON-lines file as soon as it is measured, and tasks
    already recorded there (same data label, method and arguments) are not
    run again: an interrupted benchmark resumes where it stopped.
    """
    done = _load_records(records)
    pending = [task for task in tasks if _task_key(task) not in done]
    if len(pending) < len(tasks):
        print(
            f"  {len(tasks) - len(pending)} fits taken from {records}",
            file=sys.stderr,
        )
    with ProcessPoolExecutor(max_workers=n_jobs, max_tasks_per_child=1) as pool:
        for count, (task, result) in enumerate(
            zip(pending, pool.map(_run, pending), strict=True), start=1
        ):
            result["task"] = _plain(task.kwargs)
            done[_task_key(task)] = result
            if records is not None:
                with records.open("a") as file:
                    file.write(json.dumps(result, default=_scalar) + "\n")
            measured = ", ".join(
                f"{key}={value:.3f}"
                for key, value in result.items()
                if isinstance(value, float) and key not in ("seconds", "peak_mb")
            )
            status = result.get("error", measured)
            print(
                f"  [{count}/{len(pending)}] {task.group} / {task.method}: "
                f"{status} ({result['seconds']:.1f} s, {result['peak_mb']:.0f} MB)",
                file=sys.stderr,
                flush=True,
            )
    return [done[_task_key(task)] for task in tasks]


def recorded_results(tasks: list[Task], records: Path) -> list[dict]:
    """Results of the tasks already in ``records``, in task order."""
    done = _load_records(records)
    return [done[_task_key(task)] for task in tasks if _task_key(task) in done]


def add_arguments(parser, *, estimator_options: bool = False) -> None:
    """Options shared by the benchmark scripts (``--device`` and ``--params``
    where the script passes them on to GrangerGRNGC:
    ``estimator_options=True``)."""
    parser.add_argument(
        "--jobs",
        type=int,
        default=2,
        help="fits run at once, one thread each (default 2)",
    )
    parser.add_argument(
        "--groups",
        nargs="+",
        help="run only the data sets whose label contains one of these",
    )
    parser.add_argument(
        "--records",
        type=Path,
        help="JSON-lines file of results: appended as fits finish, and fits "
        "already there are not run again",
    )
    if estimator_options:
        parser.add_argument(
            "--device",
            help="torch device of the package's estimators (default: theirs, "
            '"auto"); on a GPU, run with --jobs 1 so that fits do not share it',
        )
        parser.add_argument(
            "--params",
            type=json.loads,
            help="GrangerGRNGC parameters changed from the default, as JSON "
            "(e.g. '{\"hidden_units\": 512}'; in bench_granger.py every grngc "
            "fit but the grid search's); the output says so",
        )
    parser.add_argument(
        "--table-only",
        action="store_true",
        help="run nothing; print the table of the fits found in --records",
    )


def collect(tasks: list[Task], args) -> list[dict]:
    """Run (or, with --table-only, look up) the selected tasks."""
    tasks = select_tasks(tasks, args.groups)
    if args.table_only and args.records is None:
        raise SystemExit("--table-only needs --records FILE")
    if args.table_only:
        results = recorded_results(tasks, args.records)
        print(
            f"{len(results)} of {len(tasks)} fits found in {args.records}",
            file=sys.stderr,
        )
        return results
    print(
        f"{len(tasks)} fits, {args.jobs} at a time, one thread each",
        file=sys.stderr,
    )
    return run_tasks(tasks, n_jobs=args.jobs, records=args.records)


def estimator_options(args) -> dict:
    """The task arguments ``device`` and ``params`` of --device and --params.

    Only a given option enters a task's arguments, so that the records of
    runs without it still match."""
    options = {} if args.device is None else {"device": args.device}
    if args.params:
        options["params"] = args.params
    return options


def estimator_params(device=None, params=None) -> dict:
    """GrangerGRNGC's arguments from a task's ``device`` and ``params``."""
    return {**(params or {}), **({} if device is None else {"device": device})}


def select_tasks(tasks: list[Task], groups: list[str] | None) -> list[Task]:
    """Tasks whose data label contains one of ``groups`` (all when None)."""
    if not groups:
        return tasks
    return [task for task in tasks if any(g in task.group for g in groups)]


def graph_scores(truth, scores, full: bool) -> dict:
    """AUROC/AUPRC of a score matrix off the diagonal, and with ``full`` also
    on the whole matrix (where the truth counts self-loops)."""
    from sklearn_causal.metrics import graph_auprc, graph_auroc

    result = {
        "auroc": graph_auroc(truth, scores, include_diagonal=False),
        "auprc": graph_auprc(truth, scores, include_diagonal=False),
    }
    if full:
        result["auroc_full"] = graph_auroc(truth, scores, include_diagonal=True)
        result["auprc_full"] = graph_auprc(truth, scores, include_diagonal=True)
    return result


def instantaneous_parts(estimator, truth) -> dict:
    """For a ``GrangerGRNGC`` fitted with the instantaneous coupling, the
    off-diagonal AUROC of its strengths at lag 0 alone and at lags 1..
    alone (``causal_matrix_`` weighs the two as equals; docs/granger.md
    2.19, 2.21); empty without the coupling."""
    if not estimator.instantaneous_:
        return {}
    return {
        "auroc_lag0": graph_scores(truth, estimator.instantaneous_matrix_, False)[
            "auroc"
        ],
        "auroc_lagged": graph_scores(truth, estimator.causal_lags_.sum(axis=0), False)[
            "auroc"
        ],
    }


def mean_std(values) -> str:
    """``"mean ± std"`` of the values that are not None ("" when none is)."""
    import numpy as np

    values = [v for v in values if v is not None]
    if not values:
        return ""
    return f"{np.mean(values):.3f} ± {np.std(values):.3f}"


def summarise(results: list[dict], keys, extra=None) -> list[dict]:
    """One row per data label and method, in order of first appearance.

    A row holds the label (as "family"), the method, the number of fits
    without error, ``mean_std`` of each of ``keys`` over those fits, the
    columns ``extra(fits)`` returns (when given), and the first error.
    """
    rows = []
    for group, method in dict.fromkeys((r["group"], r["method"]) for r in results):
        mine = [r for r in results if r["group"] == group and r["method"] == method]
        fits = [r for r in mine if "error" not in r]
        row = {"family": group, "method": method, "fits": len(fits)}
        row.update({key: mean_std([r.get(key) for r in fits]) for key in keys})
        if extra is not None:
            row.update(extra(fits))
        errors = [r["error"] for r in mine if "error" in r]
        if errors:
            row["error"] = errors[0]
        rows.append(row)
    return rows


def print_table(rows: list[dict], columns: list[tuple[str, str, str]]) -> None:
    """Print rows as a Markdown table; ``columns`` = (key, header, format)."""
    header = "| " + " | ".join(title for _, title, _ in columns) + " |"
    print(header)
    print("|" + "|".join("---" for _ in columns) + "|")
    for row in rows:
        cells = []
        for key, _, fmt in columns:
            value = row.get(key)
            if value is None:
                cells.append("")
            elif isinstance(value, str):
                cells.append(value)
            else:
                cells.append(format(value, fmt))
        print("| " + " | ".join(cells) + " |")
