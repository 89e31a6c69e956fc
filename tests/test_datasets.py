"""Tests of the data set generators and bundled loaders."""

import itertools

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from sklearn_causal.datasets import (
    load_dream4,
    load_netsim,
    load_sachs,
    make_dag,
    make_dag_classification,
    make_dag_data,
    make_fmri_bold,
    make_gene_regulatory_series,
    make_lorenz96,
    make_nonlinear_var,
)
from sklearn_causal.datasets._dag import _topological_order
from sklearn_causal.metrics import markov_blanket


def _is_acyclic(graph):
    try:
        _topological_order(graph)
    except ValueError:
        return False
    return True


# Cheap calls of every generator, used by the generic tests below.
GENERATORS = {
    "lorenz96": lambda rs: make_lorenz96(6, 50, burn_in=20, random_state=rs),
    "nonlinear_var": lambda rs: make_nonlinear_var(6, 50, random_state=rs),
    "gene_regulatory": lambda rs: make_gene_regulatory_series(
        8, 2, 6, duration=100.0, random_state=rs
    ),
    "fmri_bold": lambda rs: make_fmri_bold(5, 20, random_state=rs),
    "dag": lambda rs: (make_dag(8, random_state=rs),),
    "dag_linear": lambda rs: make_dag_data(8, n_samples=50, random_state=rs),
    "dag_anm_gp": lambda rs: make_dag_data(
        8, n_samples=50, mechanism="anm_gp", random_state=rs
    ),
    "dag_additive_gp": lambda rs: make_dag_data(
        8, n_samples=50, mechanism="additive_gp", random_state=rs
    ),
    "dag_classification": lambda rs: make_dag_classification(
        8, n_samples=50, n_irrelevant=2, random_state=rs
    )[:3],
}


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generators_reproducible_and_seed_dependent(name):
    generate = GENERATORS[name]
    first, second, other = generate(0), generate(0), generate(1)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    assert any(
        a.shape != c.shape or not np.array_equal(a, c)
        for a, c in zip(first, other, strict=True)
    )
    # A RandomState instance is accepted as well.
    from_instance = generate(np.random.RandomState(0))
    for a, b in zip(first, from_instance, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generators_leave_global_rng_alone(name):
    # random_state=None means the global RandomState (scikit-learn
    # convention); ints and RandomState instances must leave it alone.
    before = np.random.get_state()  # noqa: NPY002
    GENERATORS[name](3)
    GENERATORS[name](np.random.RandomState(4))
    after = np.random.get_state()  # noqa: NPY002
    assert before[0] == after[0]
    np.testing.assert_array_equal(before[1], after[1])
    assert before[2:] == after[2:]


# --------------------------------------------------------------------------
# Lorenz-96


def test_lorenz96_shapes_and_graph():
    p = 7
    X, graph = make_lorenz96(p, 120, burn_in=50, random_state=0)
    assert X.shape == (120, p)
    assert X.dtype == np.float64
    assert np.isfinite(X).all()
    assert graph.shape == (p, p)
    assert graph.dtype == bool
    np.testing.assert_array_equal(graph.sum(axis=0), np.full(p, 4))
    for j in range(p):
        expected = sorted({(j - 2) % p, (j - 1) % p, j, (j + 1) % p})
        np.testing.assert_array_equal(np.flatnonzero(graph[:, j]), expected)


def test_lorenz96_dynamics():
    # Without observation noise, a finite-difference derivative of the
    # samples must match the Lorenz-96 right-hand side (row = cause).
    forcing, step = 8.0, 0.01
    X, _ = make_lorenz96(
        5, 300, forcing, sampling_step=step, burn_in=200, noise=0.0, random_state=0
    )
    derivative = (X[2:] - X[:-2]) / (2 * step)
    x = X[1:-1]
    rhs = (
        (np.roll(x, -1, axis=1) - np.roll(x, 2, axis=1)) * np.roll(x, 1, axis=1)
        - x
        + forcing
    )
    assert np.abs(derivative - rhs).max() < 0.05 * np.abs(rhs).max()
    # The trajectory has left the neighbourhood of the initial state.
    assert X.std() > 1.0


def test_lorenz96_noise_level():
    kwargs = dict(n_series=5, n_timepoints=200, burn_in=50, random_state=2)
    clean, _ = make_lorenz96(noise=0.0, **kwargs)
    noisy, _ = make_lorenz96(noise=0.5, **kwargs)
    assert abs((noisy - clean).std() - 0.5) < 0.05


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"n_series": 3}, ValueError),
        ({"n_series": 4.0}, TypeError),
        ({"n_timepoints": 0}, ValueError),
        ({"noise": -1.0}, ValueError),
        ({"sampling_step": 0.0}, ValueError),
        ({"burn_in": -1}, ValueError),
        ({"forcing": np.nan}, ValueError),
        ({"forcing": "10"}, TypeError),
    ],
)
def test_lorenz96_bad_input(kwargs, error):
    with pytest.raises(error, match=next(iter(kwargs))):
        make_lorenz96(**kwargs)


# --------------------------------------------------------------------------
# Nonlinear VAR


def test_nonlinear_var_shapes_and_graph():
    p, lag, k = 8, 3, 2
    X, graph, lag_graph = make_nonlinear_var(
        p, 150, lag=lag, n_parents=k, random_state=0, return_lag_graph=True
    )
    assert X.shape == (150, p)
    assert X.dtype == np.float64
    assert np.isfinite(X).all()
    assert graph.dtype == bool and graph.shape == (p, p)
    assert lag_graph.dtype == bool and lag_graph.shape == (lag, p, p)
    assert graph.diagonal().all()
    np.testing.assert_array_equal(graph.sum(axis=0), np.full(p, k + 1))
    np.testing.assert_array_equal(lag_graph.any(axis=0), graph)
    assert lag_graph[1:].any()  # not every edge lives at lag 1 only

    X2, graph2 = make_nonlinear_var(p, 150, lag=lag, n_parents=k, random_state=0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(graph, graph2)


@pytest.mark.parametrize("nonlinearity", ["tanh", "sin"])
def test_nonlinear_var_bounded_and_predictable(nonlinearity):
    lag, n_parents = 2, 2
    X, _, lag_graph = make_nonlinear_var(
        6,
        600,
        lag=lag,
        n_parents=n_parents,
        nonlinearity=nonlinearity,
        noise=0.1,
        random_state=0,
        return_lag_graph=True,
    )
    # |g| <= 1 and |A| <= 1: the deterministic part is bounded.
    assert np.abs(X).max() <= lag * (n_parents + 1) + 6 * 0.1
    # The true lagged parents, through g, explain almost all the variance.
    g = np.tanh if nonlinearity == "tanh" else np.sin
    for j in range(X.shape[1]):
        lagged = [
            g(X[lag - k : len(X) - k][:, lag_graph[k - 1, :, j]])
            for k in range(1, lag + 1)
        ]
        Z, y = np.hstack(lagged), X[lag:, j]
        assert LinearRegression().fit(Z, y).score(Z, y) > 0.9


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n_series": 3, "n_parents": 3}, ValueError, "n_parents"),
        ({"n_parents": -1}, ValueError, "n_parents"),
        ({"lag": 0}, ValueError, "lag"),
        ({"nonlinearity": "relu"}, ValueError, "nonlinearity"),
        ({"noise": -0.1}, ValueError, "noise"),
        ({"n_series": 0}, ValueError, "n_series"),
        ({"n_timepoints": 2.5}, TypeError, "n_timepoints"),
    ],
)
def test_nonlinear_var_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_nonlinear_var(**kwargs)


# --------------------------------------------------------------------------
# Gene regulatory time courses (DREAM-like)


@pytest.mark.parametrize("protocol", ["release", "relax"])
def test_gene_regulatory_shapes_and_graph(protocol):
    p, n_courses, n_points = 30, 3, 11
    X, graph, groups = make_gene_regulatory_series(
        p, n_courses, n_points, protocol=protocol, random_state=0
    )
    assert X.shape == (n_courses * n_points, p)
    assert np.isfinite(X).all()
    assert X.min() >= 0.0
    assert X.max() == pytest.approx(1.0)
    np.testing.assert_array_equal(groups, np.repeat(np.arange(n_courses), n_points))
    assert graph.dtype == bool and graph.shape == (p, p)
    assert not graph.diagonal().any()
    # Only the transcription factors (30% of the genes) regulate, and every
    # other gene has at least one regulator.
    regulators = graph.any(axis=1)
    assert 0 < regulators.sum() <= round(0.3 * p)
    assert graph[:, ~regulators].any(axis=0).all()


def test_gene_regulatory_hubs_and_density():
    _, graph, _ = make_gene_regulatory_series(
        100, 1, 3, mean_in_degree=2.0, random_state=0
    )
    out_degree = graph.sum(axis=1)
    # A heavy-tailed out-degree: the largest hub regulates far more genes
    # than the typical regulator.
    assert out_degree.max() >= 4 * np.median(out_degree[out_degree > 0])
    assert 1.2 < graph.sum() / 100 < 2.5


def test_gene_regulatory_protocols():
    common = dict(n_genes=40, n_trajectories=8, random_state=1, measurement_noise=0.0)
    X, _, _ = make_gene_regulatory_series(
        protocol="release", molecular_noise=0.0, **common
    )
    courses = X.reshape(8, 21, 40)
    steps = np.abs(np.diff(courses, axis=1)).mean(axis=(0, 2))
    # Perturbation at t=0 and release at t=500 (between samples 10 and 11)
    # move the levels; in between they settle.
    assert steps[0] > 3 * steps[8]
    assert steps[10] > 3 * steps[8]
    # Every course starts from the same (wild-type) state.
    assert courses[:, 0].std(axis=0).max() < 1e-9

    X, _, _ = make_gene_regulatory_series(
        protocol="relax", molecular_noise=0.0, **common
    )
    courses = X.reshape(8, 21, 40)
    # Relaxation from different perturbed states towards one steady state.
    assert courses[:, -1].std(axis=0).mean() < 0.2 * courses[:, 0].std(axis=0).mean()


def test_gene_regulatory_fast_rates_leave_little_lag():
    # With rates ten times faster, the genes have settled long before the
    # next sample: after the first interval, the relaxation is over.
    common = dict(
        n_genes=30,
        n_trajectories=6,
        protocol="relax",
        molecular_noise=0.0,
        measurement_noise=0.0,
        random_state=5,
    )
    slow, _, _ = make_gene_regulatory_series(**common)
    fast, _, _ = make_gene_regulatory_series(degradation_rates=(0.1, 0.8), **common)
    for X, settled in ((slow, False), (fast, True)):
        steps = np.abs(np.diff(X.reshape(6, 21, 30), axis=1)).mean(axis=(0, 2))
        assert (steps[1] < 0.1 * steps[0]) == settled


def test_gene_regulatory_regulators_drive_their_targets():
    # With little noise, a target's change is better predicted from its
    # regulators' levels than from random non-regulators.
    X, graph, groups = make_gene_regulatory_series(
        40, 20, random_state=2, molecular_noise=0.0, measurement_noise=0.0
    )
    first = np.concatenate([np.flatnonzero(groups == g)[:-1] for g in range(20)])
    past, change = X[first], X[first + 1] - X[first]
    rng = np.random.RandomState(0)
    gains = []
    for j in np.flatnonzero(graph.any(axis=0)):
        parents = np.flatnonzero(graph[:, j])
        others = np.setdiff1d(np.arange(40), [*parents, j])
        decoys = rng.choice(others, size=parents.size, replace=False)
        r2 = [
            LinearRegression()
            .fit(past[:, [j, *cols]], change[:, j])
            .score(past[:, [j, *cols]], change[:, j])
            for cols in (parents, decoys)
        ]
        gains.append(r2[0] - r2[1])
    gains = np.array(gains)
    assert gains.mean() > 0.02
    assert (gains > 0).mean() > 0.7


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n_genes": 1}, ValueError, "n_genes"),
        ({"n_trajectories": 0}, ValueError, "n_trajectories"),
        ({"n_timepoints": 1}, ValueError, "n_timepoints"),
        ({"protocol": "knockout"}, ValueError, "protocol"),
        ({"regulator_fraction": 0.0}, ValueError, "regulator_fraction"),
        ({"mean_in_degree": -1.0}, ValueError, "mean_in_degree"),
        ({"n_modules": 0}, ValueError, "n_modules"),
        ({"perturbed_fraction": 1.5}, ValueError, "perturbed_fraction"),
        ({"molecular_noise": -0.1}, ValueError, "molecular_noise"),
        ({"measurement_noise": -0.1}, ValueError, "measurement_noise"),
        ({"duration": 0.0}, ValueError, "duration"),
        ({"degradation_rates": (0.1, 0.01)}, ValueError, "degradation_rates"),
        ({"degradation_rates": (0.0, 0.1)}, ValueError, "degradation_rates"),
        ({"n_genes": 5.0}, TypeError, "n_genes"),
    ],
)
def test_gene_regulatory_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_gene_regulatory_series(**kwargs)


# --------------------------------------------------------------------------
# fMRI BOLD (NetSim-like)


@pytest.mark.parametrize("n_nodes, n_links", [(5, 5), (10, 11), (15, 18), (50, 62)])
def test_fmri_bold_shapes_and_graph(n_nodes, n_links):
    X, graph = make_fmri_bold(n_nodes, 150, random_state=0)
    assert X.shape == (150, n_nodes)
    np.testing.assert_allclose(X.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(X.std(axis=0), 1.0)
    assert graph.dtype == bool and graph.diagonal().all()
    off_diagonal = graph & ~np.eye(n_nodes, dtype=bool)
    # Modules of five nodes with five links each, one link into every
    # module but the first, one more per three modules; no 2-cycles.
    assert off_diagonal.sum() == n_links
    assert not (off_diagonal & off_diagonal.T).any()


def test_fmri_bold_is_slow_and_coupled():
    X, graph = make_fmri_bold(15, 400, noise=0.5, random_state=3)
    # The haemodynamic filter makes every series smooth at TR = 3 s.
    autocorrelation = [np.corrcoef(X[:-1, j], X[1:, j])[0, 1] for j in range(15)]
    assert min(autocorrelation) > 0.2
    # Linked regions are more correlated than unlinked ones.
    corr = np.abs(np.corrcoef(X.T))
    links = graph | graph.T
    np.fill_diagonal(links, False)
    unlinked = ~links & ~np.eye(15, dtype=bool)
    assert corr[links].mean() > 2 * corr[unlinked].mean()


def test_fmri_bold_response_shape():
    def autocorrelation(X, lag):
        return np.mean([np.corrcoef(X[:-lag, j], X[lag:, j])[0, 1] for j in range(10)])

    canonical, graph = make_fmri_bold(10, 400, noise=0.0, random_state=5)
    fast, fast_graph = make_fmri_bold(
        10, 400, noise=0.0, response_shape=(3.5, 8.0, 0.35), random_state=5
    )
    np.testing.assert_array_equal(graph, fast_graph)
    # The canonical response still correlates samples 6 s apart; the faster
    # one with its deeper undershoot has turned negative by then.
    assert autocorrelation(canonical, 2) > 0.1
    assert autocorrelation(fast, 2) < 0.0
    assert autocorrelation(fast, 1) < autocorrelation(canonical, 1)


def test_fmri_bold_noise_level():
    clean, _ = make_fmri_bold(5, 100, noise=0.0, random_state=4)
    noisy, _ = make_fmri_bold(5, 100, noise=1.0, random_state=4)
    # Equal noise and signal variances: half the standardised variance is
    # shared with the clean series.
    shared = [np.corrcoef(clean[:, j], noisy[:, j])[0, 1] ** 2 for j in range(5)]
    assert 0.3 < np.mean(shared) < 0.7


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n_nodes": 1}, ValueError, "n_nodes"),
        ({"n_timepoints": 1}, ValueError, "n_timepoints"),
        ({"repetition_time": 0.0}, ValueError, "repetition_time"),
        ({"neural_step": -1.0}, ValueError, "neural_step"),
        ({"neural_time_constant": 0.01}, ValueError, "neural_time_constant"),
        ({"coupling": (0.5, 0.2)}, ValueError, "coupling"),
        ({"haemodynamic_jitter": -1.0}, ValueError, "haemodynamic_jitter"),
        ({"response_shape": (6.0, 16.0)}, ValueError, "response_shape"),
        ({"response_shape": (1.0, 16.0, 0.2)}, ValueError, "response_shape"),
        ({"response_shape": (6.0, 16.0, -0.1)}, ValueError, "response_shape"),
        ({"noise": -1.0}, ValueError, "noise"),
        ({"n_nodes": 5.5}, TypeError, "n_nodes"),
    ],
)
def test_fmri_bold_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_fmri_bold(**kwargs)


# --------------------------------------------------------------------------
# DREAM4


@pytest.mark.parametrize(
    "network, n_edges", [(1, 176), (2, 249), (3, 195), (4, 211), (5, 193)]
)
def test_load_dream4(network, n_edges):
    dream = load_dream4(network)
    assert dream.data.shape == (210, 100)
    assert dream.data.dtype == np.float64
    assert np.isfinite(dream.data).all()
    assert dream.data.min() >= 0.0 and dream.data.max() < 1.0
    assert dream.graph.shape == (100, 100) and dream.graph.dtype == bool
    assert int(dream.graph.sum()) == n_edges
    assert not dream.graph.diagonal().any()
    assert dream.feature_names == [f"G{k}" for k in range(1, 101)]
    np.testing.assert_array_equal(dream.groups, np.repeat(np.arange(10), 21))
    assert dream.frame is None
    assert "DREAM4" in dream.DESCR and "Marbach" in dream.DESCR


def test_load_dream4_orientation():
    # First line of the network 1 gold standard: "G1\tG2\t1", G1 regulates G2.
    graph = load_dream4(1).graph
    assert graph[0, 1]
    # Every gold-standard positive of network 1 has the listed regulator as row.
    assert graph[0].sum() > graph[:, 0].sum()


def test_load_dream4_as_frame():
    pytest.importorskip("pandas")
    dream = load_dream4(2, as_frame=True)
    assert dream.frame.shape == (210, 100)
    assert list(dream.frame.columns) == dream.feature_names
    np.testing.assert_array_equal(dream.frame.to_numpy(), dream.data)


@pytest.mark.parametrize(
    "network, error", [(0, ValueError), (6, ValueError), (1.0, TypeError)]
)
def test_load_dream4_bad_network(network, error):
    with pytest.raises(error, match="network"):
        load_dream4(network)


def test_loaders_bad_as_frame():
    with pytest.raises(TypeError, match="as_frame"):
        load_sachs(as_frame="yes")


# --------------------------------------------------------------------------
# NetSim


def test_load_netsim():
    netsim = load_netsim(1)
    assert netsim.data.shape == (200, 15) and netsim.data.dtype == np.float64
    assert netsim.graph.shape == (15, 15) and netsim.graph.dtype == bool
    assert netsim.weights.shape == (15, 15)
    assert netsim.feature_names == [f"X{k}" for k in range(1, 16)]
    assert netsim.frame is None
    assert "Smith" in netsim.DESCR
    np.testing.assert_array_equal(netsim.weights.diagonal(), -np.ones(15))
    assert not netsim.graph.diagonal().any()
    # All NetSim sim3 edges lie above the diagonal (row = source).
    assert not np.tril(netsim.graph).any()


def test_load_netsim_all_subjects():
    patterns = set()
    datasets = []
    for subject in range(1, 51):
        netsim = load_netsim(subject)
        assert int(netsim.graph.sum()) == 18
        off_diagonal = ~np.eye(15, dtype=bool)
        np.testing.assert_array_equal(
            netsim.graph, (netsim.weights != 0) & off_diagonal
        )
        patterns.add(netsim.graph.tobytes())
        datasets.append(netsim.data)
    assert len(patterns) == 1
    # Consecutive subjects are different 200-point blocks.
    assert not np.array_equal(datasets[0], datasets[1])


def test_load_netsim_returns_copies():
    netsim = load_netsim(3)
    netsim.data[:] = 0.0
    netsim.weights[:] = 0.0
    fresh = load_netsim(3)
    assert fresh.data.std() > 0 and int(fresh.graph.sum()) == 18


def test_load_netsim_as_frame():
    pytest.importorskip("pandas")
    frame = load_netsim(2, as_frame=True).frame
    assert frame.shape == (200, 15) and frame.columns[0] == "X1"


@pytest.mark.parametrize(
    "subject, error", [(0, ValueError), (51, ValueError), ("1", TypeError)]
)
def test_load_netsim_bad_subject(subject, error):
    with pytest.raises(error, match="subject"):
        load_netsim(subject)


# --------------------------------------------------------------------------
# Sachs

SACHS_NAMES = [
    "praf",
    "pmek",
    "plcg",
    "PIP2",
    "PIP3",
    "p44/42",
    "pakts473",
    "PKA",
    "PKC",
    "P38",
    "pjnk",
]


def test_load_sachs():
    sachs = load_sachs()
    assert sachs.data.shape == (7466, 11) and sachs.data.dtype == np.float64
    assert np.isfinite(sachs.data).all()
    assert sachs.feature_names == SACHS_NAMES
    for graph, n_edges in [(sachs.graph, 18), (sachs.graph_bnlearn, 17)]:
        assert graph.shape == (11, 11) and graph.dtype == bool
        assert int(graph.sum()) == n_edges
        assert not graph.diagonal().any()
    assert _is_acyclic(sachs.graph_bnlearn)
    # The 18-edge "consensus" graph has the loop plcg -> PIP2 -> PIP3 -> plcg.
    assert not _is_acyclic(sachs.graph)
    shared = sachs.graph & sachs.graph_bnlearn
    assert int(shared.sum()) == 13
    skeleton = sachs.graph | sachs.graph.T
    skeleton_bn = sachs.graph_bnlearn | sachs.graph_bnlearn.T
    assert int((skeleton & skeleton_bn).sum()) // 2 == 15
    index = {name: k for k, name in enumerate(SACHS_NAMES)}
    # Row = cause: raf -> mek in both graphs, PKA -> raf in the consensus.
    assert sachs.graph[index["praf"], index["pmek"]]
    assert not sachs.graph[index["pmek"], index["praf"]]
    assert sachs.graph[index["PKA"], index["praf"]]
    assert sachs.graph_bnlearn[index["pmek"], index["p44/42"]]
    loop = [index[name] for name in ("plcg", "PIP2", "PIP3", "plcg")]
    for cause, effect in itertools.pairwise(loop):
        assert sachs.graph[cause, effect]
    assert sachs.frame is None
    assert "Sachs" in sachs.DESCR and "cdt" in sachs.DESCR


def test_load_sachs_as_frame():
    pytest.importorskip("pandas")
    sachs = load_sachs(as_frame=True)
    assert list(sachs.frame.columns) == SACHS_NAMES
    np.testing.assert_array_equal(sachs.frame.to_numpy(), sachs.data)


# --------------------------------------------------------------------------
# make_dag


@pytest.mark.parametrize("n_nodes, n_edges", [(1, 0), (5, 0), (10, 15), (6, 15)])
def test_make_dag(n_nodes, n_edges):
    graph = make_dag(n_nodes, n_edges, random_state=0)
    assert graph.shape == (n_nodes, n_nodes) and graph.dtype == bool
    assert int(graph.sum()) == n_edges
    assert not graph.diagonal().any()
    assert _is_acyclic(graph)


def test_make_dag_default_and_random_order():
    graph = make_dag(30, random_state=0)
    assert int(graph.sum()) == 60
    # The random topological order makes the matrix non-triangular.
    assert np.tril(graph).any() and np.triu(graph).any()
    # Capped default for tiny graphs: 3 nodes hold at most 3 edges.
    assert int(make_dag(3, random_state=0).sum()) == 3


def test_make_dag_large_has_exactly_the_edges_asked_and_no_cycle():
    graph = make_dag(2000, 4000, random_state=1)
    assert int(graph.sum()) == 4000
    assert _is_acyclic(graph)


@pytest.mark.parametrize(
    "args, error, match",
    [
        ((5, 11), ValueError, "n_edges"),
        ((5, -1), ValueError, "n_edges"),
        ((0,), ValueError, "n_nodes"),
        ((5.0,), TypeError, "n_nodes"),
        ((True,), TypeError, "n_nodes"),
    ],
)
def test_make_dag_bad_input(args, error, match):
    with pytest.raises(error, match=match):
        make_dag(*args)


# --------------------------------------------------------------------------
# make_dag_data


@pytest.mark.parametrize(
    "mechanism", ["linear", "anm_gp", "additive_gp", "mlp", "sigmoid", "quadratic"]
)
def test_make_dag_data(mechanism):
    X, graph = make_dag_data(
        15, 25, 400, mechanism=mechanism, noise_scale=0.5, random_state=0
    )
    assert X.shape == (400, 15) and X.dtype == np.float64
    assert np.isfinite(X).all()
    assert graph.shape == (15, 15) and graph.dtype == bool
    assert int(graph.sum()) == 25 and _is_acyclic(graph)
    # The DAG is the one make_dag draws from the same seed.
    np.testing.assert_array_equal(graph, make_dag(15, 25, random_state=0))
    roots = ~graph.any(axis=0)
    assert roots.any()
    np.testing.assert_allclose(X[:, roots].std(axis=0), 0.5, rtol=0.2)
    # Scales stay moderate thanks to the standardised parents.
    assert X.std(axis=0).max() < 10


def test_make_dag_data_linear_structure():
    # Regressing a node on its standardised parents recovers the noise level
    # and weights with |w| in [0.5, 2].
    X, graph = make_dag_data(12, 20, 3000, noise_scale=0.7, random_state=4)
    for j in np.flatnonzero(graph.any(axis=0)):
        parents = np.flatnonzero(graph[:, j])
        Z = (X[:, parents] - X[:, parents].mean(0)) / X[:, parents].std(0)
        model = LinearRegression().fit(Z, X[:, j])
        residual = X[:, j] - model.predict(Z)
        assert abs(residual.std() - 0.7) < 0.05
        assert np.all(np.abs(model.coef_) > 0.4)
        assert np.all(np.abs(model.coef_) < 2.1)


@pytest.mark.parametrize("mechanism", ["anm_gp", "additive_gp", "mlp", "quadratic"])
def test_make_dag_data_gp_is_nonlinear(mechanism):
    X, graph = make_dag_data(
        10, 12, 2000, mechanism=mechanism, noise_scale=0.1, random_state=0
    )
    # The children are not linear functions of their parents: a linear fit
    # leaves much more than the noise variance on average.
    unexplained = []
    for j in np.flatnonzero(graph.any(axis=0)):
        parents = np.flatnonzero(graph[:, j])
        Z = X[:, parents]
        model = LinearRegression().fit(Z, X[:, j])
        unexplained.append((X[:, j] - model.predict(Z)).std())
    assert np.mean(unexplained) > 0.3


def test_make_dag_scale_free_has_hubs_and_the_exact_edge_count():
    graph = make_dag(60, 120, graph_type="scale_free", random_state=0)
    assert int(graph.sum()) == 120 and _is_acyclic(graph)
    degree = graph.sum(axis=0) + graph.sum(axis=1)
    erdos = make_dag(60, 120, random_state=0)
    assert degree.max() > (erdos.sum(axis=0) + erdos.sum(axis=1)).max()
    assert int(make_dag(5, 10, graph_type="scale_free", random_state=0).sum()) == 10


def test_make_dag_data_heterogeneous_noise_and_unit_variance_mechanisms():
    X, graph = make_dag_data(
        20, 30, 4000, mechanism="sigmoid", noise_scale=(0.2, 0.3), random_state=0
    )
    roots = ~graph.any(axis=0)
    assert np.all((X[:, roots].std(axis=0) > 0.18) & (X[:, roots].std(axis=0) < 0.32))
    # A child is its unit-variance signal plus noise of sd <= 0.3.
    assert np.all(X[:, ~roots].std(axis=0) < np.sqrt(1 + 0.3**2) + 0.05)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"mechanism": "gp"}, ValueError, "mechanism"),
        ({"graph_type": "tree"}, ValueError, "graph_type"),
        ({"noise_scale": (1.0, 0.5)}, ValueError, "noise_scale"),
        ({"noise_scale": (1.0, 2.0, 3.0)}, ValueError, "noise_scale"),
        ({"noise_scale": -1.0}, ValueError, "noise_scale"),
        ({"length_scale": 0.0}, ValueError, "length_scale"),
        ({"n_samples": 1}, ValueError, "n_samples"),
        ({"n_nodes": 4, "n_edges": 7}, ValueError, "n_edges"),
    ],
)
def test_make_dag_data_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_dag_data(**kwargs)


# --------------------------------------------------------------------------
# make_dag_classification


@pytest.mark.parametrize("mechanism", ["linear", "anm_gp", "additive_gp"])
def test_make_dag_classification_layout(mechanism):
    n_nodes, n_irrelevant = 12, 4
    X, y, graph, target = make_dag_classification(
        n_nodes,
        n_samples=300,
        mechanism=mechanism,
        n_irrelevant=n_irrelevant,
        random_state=0,
    )
    n_features = n_nodes - 1 + n_irrelevant
    assert X.shape == (300, n_features) and X.dtype == np.float64
    assert y.shape == (300,) and y.dtype.kind == "i"
    assert set(np.unique(y)) == {0, 1}
    assert target == n_features == X.shape[1]
    assert graph.shape == (n_features + 1, n_features + 1)
    assert graph.dtype == bool and _is_acyclic(graph)
    assert int(graph.sum()) == 2 * n_nodes
    # The irrelevant features are isolated, at the end of X.
    irrelevant = slice(n_nodes - 1, n_features)
    assert not graph[irrelevant].any() and not graph[:, irrelevant].any()
    assert np.all(np.abs(X[:, irrelevant].std(axis=0) - 1.0) < 0.2)
    # The default target has both parents and children.
    assert graph[:, target].any() and graph[target].any()
    blanket = markov_blanket(graph, target)
    assert blanket.size > 0 and blanket.max() < n_nodes - 1


def test_make_dag_classification_matches_dag():
    # With an explicit target, the graph is the make_dag draw of the same
    # seed with the target moved to the last index.
    seed, n_nodes, node = 5, 9, 4
    dag = make_dag(n_nodes, random_state=seed)
    _, _, graph, target = make_dag_classification(
        n_nodes, n_samples=50, target=node, random_state=seed
    )
    order = [k for k in range(n_nodes) if k != node] + [node]
    np.testing.assert_array_equal(graph, dag[np.ix_(order, order)])
    assert target == n_nodes - 1


def test_make_dag_classification_target_is_predictable():
    X, y, graph, target = make_dag_classification(15, n_samples=2000, random_state=1)
    assert 0.2 < y.mean() < 0.8
    blanket = markov_blanket(graph, target)
    clf = LogisticRegression().fit(X[:, blanket], y)
    assert clf.score(X[:, blanket], y) > 0.8
    # Children depend on the binary target.
    children = np.flatnonzero(graph[target])
    assert children.size > 0


def test_make_dag_classification_no_edges():
    _, y, graph, target = make_dag_classification(4, 0, n_samples=400, random_state=0)
    assert not graph.any() and target == 3
    assert 0.35 < y.mean() < 0.65  # Bernoulli(1/2)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n_nodes": 1}, ValueError, "n_nodes"),
        ({"target": 20}, ValueError, "target"),
        ({"target": 1.5}, TypeError, "target"),
        ({"n_irrelevant": -1}, ValueError, "n_irrelevant"),
        ({"mechanism": "poly"}, ValueError, "mechanism"),
    ],
)
def test_make_dag_classification_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_dag_classification(**kwargs)
