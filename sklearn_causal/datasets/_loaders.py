"""Loaders of the small benchmark data sets bundled with the package."""

from __future__ import annotations

import csv
import io
from functools import lru_cache

import numpy as np
from scipy.io import loadmat
from sklearn.utils import Bunch

from ._base import _check_int, _data_path, _load_descr, _to_frame

__all__ = ["load_dream4", "load_netsim", "load_sachs"]

_DREAM4_N_GENES = 100
_DREAM4_N_TRAJECTORIES = 10
_DREAM4_N_TIMEPOINTS = 21
_NETSIM_N_SUBJECTS = 50
_NETSIM_N_TIMEPOINTS = 200


def _check_bool(value: object, name: str) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be a bool, got {value!r}.")
    return bool(value)


def _read_mat(filename: str) -> dict:
    with _data_path(filename).open("rb") as fh:
        return loadmat(fh)


def load_dream4(network: int = 1, *, as_frame: bool = False) -> Bunch:
    """Load a DREAM4 in-silico size-100 time-series data set.

    Parameters
    ----------
    network : int, default=1
        Which of the five networks to load, in ``1..5``.
    as_frame : bool, default=False
        If True, ``frame`` is a pandas DataFrame of ``data`` with the gene
        names as columns (requires pandas).

    Returns
    -------
    dataset : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes

        data : ndarray of shape (210, 100)
            Expression levels; 10 independent trajectories of 21 time points
            stacked along axis 0 (rows ``21 * k .. 21 * k + 20`` are
            trajectory ``k``).
        groups : ndarray of int of shape (210,)
            Trajectory label ``0..9`` of each row. A lag window must never
            span two trajectories.
        graph : ndarray of bool of shape (100, 100)
            Gold-standard regulatory network, ``graph[i, j]`` is True iff gene
            ``i`` regulates gene ``j`` (row = regulator/cause, column =
            target/effect, as a networkx adjacency matrix). Zero diagonal.
        feature_names : list of str
            ``["G1", ..., "G100"]``.
        frame : pandas.DataFrame of shape (210, 100) or None
            ``data`` as a DataFrame when ``as_frame=True``, else None.
        DESCR : str
            Description of the data set.

    Notes
    -----
    DREAM4 in-silico network challenge (Marbach et al., PNAS 2010;
    Marbach et al., Bioinformatics 2009), size-100 networks, time-series
    data, as redistributed in the public repository MeiliangLiu/GCD. The
    numbers of true edges of networks 1..5 are 176, 249, 195, 211 and 193;
    predictions are scored on the 100 x 99 off-diagonal pairs (use
    ``include_diagonal=False`` in :func:`sklearn_causal.metrics.graph_auroc`).

    Examples
    --------
    >>> from sklearn_causal.datasets import load_dream4
    >>> dream = load_dream4(network=1)
    >>> dream.data.shape, dream.graph.shape, int(dream.graph.sum())
    ((210, 100), (100, 100), 176)
    """
    network = _check_int(network, "network", min_val=1, max_val=5)
    as_frame = _check_bool(as_frame, "as_frame")

    data = _read_mat(f"insilico_size100_{network}_timeseries.mat")["data"]
    data = np.asarray(data, dtype=np.float64)
    expected = (_DREAM4_N_TRAJECTORIES * _DREAM4_N_TIMEPOINTS, _DREAM4_N_GENES)
    if data.shape != expected:  # pragma: no cover - bundled file
        raise ValueError(f"unexpected DREAM4 data shape {data.shape}.")
    groups = np.repeat(np.arange(_DREAM4_N_TRAJECTORIES), _DREAM4_N_TIMEPOINTS)
    feature_names = [f"G{k}" for k in range(1, _DREAM4_N_GENES + 1)]

    graph = np.zeros((_DREAM4_N_GENES, _DREAM4_N_GENES), dtype=bool)
    text = _data_path(f"insilico_size100_{network}_goldstandard.tsv").read_text(
        encoding="ascii"
    )
    for line in text.splitlines():
        if not line.strip():
            continue
        source, target, label = line.split("\t")
        if int(label) == 1:
            graph[int(source[1:]) - 1, int(target[1:]) - 1] = True

    frame = _to_frame(data, feature_names) if as_frame else None
    return Bunch(
        data=data,
        groups=groups,
        graph=graph,
        feature_names=feature_names,
        frame=frame,
        DESCR=_load_descr("dream4.rst"),
    )


@lru_cache(maxsize=1)
def _netsim_raw() -> tuple[np.ndarray, np.ndarray]:
    mat = _read_mat("sim3.mat")
    ts = np.asarray(mat["ts"], dtype=np.float64)
    net = np.asarray(mat["net"], dtype=np.float64)
    ts.setflags(write=False)
    net.setflags(write=False)
    return ts, net


def load_netsim(subject: int = 1, *, as_frame: bool = False) -> Bunch:
    """Load one subject of the NetSim fMRI simulation 3 (15 nodes).

    Parameters
    ----------
    subject : int, default=1
        One-based subject number in ``1..50``.
    as_frame : bool, default=False
        If True, ``frame`` is a pandas DataFrame of ``data`` (requires
        pandas).

    Returns
    -------
    dataset : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes

        data : ndarray of shape (200, 15)
            Simulated BOLD time series of the subject (time along axis 0).
        graph : ndarray of bool of shape (15, 15)
            Ground-truth network, ``graph[i, j]`` is True iff node ``i``
            drives node ``j`` (row = cause, column = effect, as a networkx
            adjacency matrix): the off-diagonal non-zeros of ``weights``.
            18 edges, zero diagonal.
        weights : ndarray of shape (15, 15)
            The raw NetSim network ``net[subject - 1]`` (same orientation);
            its diagonal of -1 is a self-decay term, not an edge.
        feature_names : list of str
            ``["X1", ..., "X15"]``.
        frame : pandas.DataFrame of shape (200, 15) or None
            ``data`` as a DataFrame when ``as_frame=True``, else None.
        DESCR : str
            Description of the data set.

    Notes
    -----
    NetSim simulation 3 (Smith et al., "Network modelling methods for FMRI",
    NeuroImage 54, 2011), file ``sim3.mat`` from FMRIB, as redistributed in
    the public repository MeiliangLiu/GCD. The usual benchmark uses subjects
    1..5 and scores the off-diagonal entries.

    Examples
    --------
    >>> from sklearn_causal.datasets import load_netsim
    >>> netsim = load_netsim(subject=1)
    >>> netsim.data.shape, int(netsim.graph.sum())
    ((200, 15), 18)
    """
    subject = _check_int(subject, "subject", min_val=1, max_val=_NETSIM_N_SUBJECTS)
    as_frame = _check_bool(as_frame, "as_frame")
    ts, net = _netsim_raw()
    start = (subject - 1) * _NETSIM_N_TIMEPOINTS
    data = ts[start : start + _NETSIM_N_TIMEPOINTS].copy()
    weights = net[subject - 1].copy()
    graph = weights != 0
    np.fill_diagonal(graph, False)
    feature_names = [f"X{k}" for k in range(1, data.shape[1] + 1)]
    frame = _to_frame(data, feature_names) if as_frame else None
    return Bunch(
        data=data,
        graph=graph,
        weights=weights,
        feature_names=feature_names,
        frame=frame,
        DESCR=_load_descr("netsim.rst"),
    )


def _read_edge_list(
    filename: str, names: list[str], cause: str, effect: str
) -> np.ndarray:
    index = {name: k for k, name in enumerate(names)}
    graph = np.zeros((len(names), len(names)), dtype=bool)
    text = _data_path(filename).read_text(encoding="utf-8")
    for row in csv.DictReader(io.StringIO(text)):
        graph[index[row[cause]], index[row[effect]]] = True
    return graph


def load_sachs(*, as_frame: bool = False) -> Bunch:
    """Load the Sachs et al. (2005) protein-signalling flow cytometry data.

    Parameters
    ----------
    as_frame : bool, default=False
        If True, ``frame`` is a pandas DataFrame of ``data`` (requires
        pandas).

    Returns
    -------
    dataset : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes

        data : ndarray of shape (7466, 11)
            Raw intensities of 11 phosphorylated proteins and phospholipids;
            the rows pool several experimental conditions.
        graph : ndarray of bool of shape (11, 11)
            The 18-edge consensus network, ``graph[i, j]`` is True iff
            ``feature_names[i]`` causes ``feature_names[j]`` (row = cause,
            column = effect, as a networkx adjacency matrix). It is *not*
            acyclic: it contains the feedback loop
            ``plcg -> PIP2 -> PIP3 -> plcg``.
        graph_bnlearn : ndarray of bool of shape (11, 11)
            The 17-arc network of the bnlearn repository (a DAG), same
            orientation and variable order. It shares 13 directed edges with
            ``graph``.
        feature_names : list of str
            ``["praf", "pmek", "plcg", "PIP2", "PIP3", "p44/42", "pakts473",
            "PKA", "PKC", "P38", "pjnk"]``.
        frame : pandas.DataFrame of shape (7466, 11) or None
            ``data`` as a DataFrame when ``as_frame=True``, else None.
        DESCR : str
            Description of the data set.

    Notes
    -----
    Sachs, Perez, Pe'er, Lauffenburger and Nolan, "Causal protein-signaling
    networks derived from multiparameter single-cell data", Science 308,
    2005. The data and the 18-edge graph ship with the Causal Discovery
    Toolbox (PyPI package cdt 0.6.0, MIT licence); the 17-arc graph is the
    ``sachs`` network of the bnlearn repository as shipped with pgmpy
    1.1.2 (MIT licence). Markov blankets are usually scored against the
    18-edge graph.

    Examples
    --------
    >>> from sklearn_causal.datasets import load_sachs
    >>> sachs = load_sachs()
    >>> sachs.data.shape, int(sachs.graph.sum()), int(sachs.graph_bnlearn.sum())
    ((7466, 11), 18, 17)
    """
    as_frame = _check_bool(as_frame, "as_frame")
    with _data_path("cyto_full_data.csv").open("r", encoding="utf-8") as fh:
        header = fh.readline().strip()
        data = np.loadtxt(fh, delimiter=",", dtype=np.float64, ndmin=2)
    feature_names = header.split(",")
    graph = _read_edge_list("cyto_full_target.csv", feature_names, "Cause", "Effect")
    graph_bnlearn = _read_edge_list(
        "sachs_consensus_17edges_bnlearn.csv", feature_names, "Cause", "Effect"
    )
    frame = _to_frame(data, feature_names) if as_frame else None
    return Bunch(
        data=data,
        graph=graph,
        graph_bnlearn=graph_bnlearn,
        feature_names=feature_names,
        frame=frame,
        DESCR=_load_descr("sachs.rst"),
    )
