"""Running benchmark fits in isolated processes and printing one table.

Every fit runs in a fresh worker process (one task per process), so the peak
resident memory reported for it is the fit's own (plus the interpreter and
the imported libraries), and one fit's caches never speed up the next.
Each worker uses one thread for torch and for numpy's BLAS, so that two
workers share a 2-core machine without oversubscription.
"""

import os
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

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
    return {"group": task.group, "method": task.method, **result}


def run_tasks(tasks: list[Task], n_jobs: int = 2) -> list[dict]:
    """Run every task in its own process, ``n_jobs`` at a time, in order."""
    results = []
    with ProcessPoolExecutor(max_workers=n_jobs, max_tasks_per_child=1) as pool:
        for task, result in zip(tasks, pool.map(_run, tasks), strict=True):
            results.append(result)
            measured = ", ".join(
                f"{key}={value:.3f}"
                for key, value in result.items()
                if isinstance(value, float) and key not in ("seconds", "peak_mb")
            )
            status = result.get("error", measured)
            print(
                f"  [{len(results)}/{len(tasks)}] {task.group} / {task.method}: "
                f"{status} ({result['seconds']:.1f} s, {result['peak_mb']:.0f} MB)",
                file=sys.stderr,
                flush=True,
            )
    return results


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
