"""Hooks of the example gallery (``sphinx_gallery_conf`` in ``conf.py``).

The gallery runs its examples two at a time, each in a worker process of
joblib's loky backend. Such a worker makes ``"loky"`` the default start
method of :mod:`multiprocessing`, which a process it spawns cannot set up:
a dask ``LocalCluster`` started by an example would fail. Before each
example the worker's default is set back to ``"spawn"``, and torch gets one
thread, its share of two cores.
"""

import multiprocessing


def reset_worker(gallery_conf, fname, when):
    """Run by sphinx-gallery before each example (``reset_modules``)."""
    import torch

    multiprocessing.set_start_method("spawn", force=True)
    torch.set_num_threads(1)
