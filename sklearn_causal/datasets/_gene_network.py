"""Gene-expression time series simulated the way the DREAM challenges were."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
from sklearn.utils import check_random_state

from ._base import _check_float, _check_int

__all__ = ["make_gene_regulatory_series"]

_PROTOCOLS = ("release", "relax")


def _regulatory_graph(
    rng: np.random.RandomState,
    p: int,
    regulator_fraction: float,
    mean_in_degree: float,
    n_modules: int,
    cross_module: float,
) -> np.ndarray:
    """A sparse, modular regulatory graph with a few transcription-factor hubs."""
    genes = rng.permutation(p)
    n_regulators = max(1, round(regulator_fraction * p))
    regulators = genes[:n_regulators]
    module = rng.randint(n_modules, size=p)
    # Heavy-tailed (Pareto, index 1) hub weights: a few regulators reach many
    # genes, most only one or two, as in the E. coli and yeast networks the
    # DREAM benchmarks were extracted from.
    hubness = np.minimum((1.0 - rng.random_sample(n_regulators)) ** -1.0, 50.0)
    is_regulator = np.zeros(p, dtype=bool)
    is_regulator[regulators] = True
    graph = np.zeros((p, p), dtype=bool)
    for j in range(p):
        # Transcription factors are often unregulated themselves (the roots
        # of the cascades); every other gene has at least one regulator.
        if is_regulator[j]:
            n_in = rng.poisson(0.5 * mean_in_degree)
        else:
            n_in = 1 + rng.poisson(max(mean_in_degree - 1.0, 0.0))
        candidates = regulators[regulators != j]
        n_in = min(n_in, candidates.size)
        if n_in == 0:
            continue
        weight = hubness[regulators != j] * np.where(
            module[candidates] == module[j], 1.0, cross_module
        )
        chosen = rng.choice(
            candidates, size=n_in, replace=False, p=weight / weight.sum()
        )
        graph[chosen, j] = True
    return graph


class _HillKinetics:
    """Transcription rates of every gene from the protein levels (Hill terms).

    Each regulator binds independently with occupancy ``y^n / (k^n + y^n)``.
    A gene's activators act as an OR (any bound activator recruits the
    polymerase) or an AND (all are needed); its repressors each block
    transcription: ``f = (b + (1 - b) * A) * prod(1 - occupancy_rep)``, with a
    small basal rate ``b`` when the gene has activators and a constant
    maximal rate otherwise.
    """

    def __init__(self, rng: np.random.RandomState, graph: np.ndarray) -> None:
        p = graph.shape[0]
        self.source, target = np.nonzero(graph)
        n_edges = self.source.size
        activator = rng.random_sample(n_edges) < 0.6
        self.threshold = rng.uniform(0.05, 0.8, size=n_edges)
        self.hill = rng.uniform(1.0, 4.0, size=n_edges)
        n_activators = np.bincount(target[activator], minlength=p)
        use_and = (rng.random_sample(p) < 0.3) & (n_activators > 1)
        self.or_sum = np.zeros((n_edges, p))
        self.and_sum = np.zeros((n_edges, p))
        self.repress_sum = np.zeros((n_edges, p))
        edges = np.arange(n_edges)
        or_edge = activator & ~use_and[target]
        self.or_sum[edges[or_edge], target[or_edge]] = 1.0
        and_edge = activator & use_and[target]
        self.and_sum[edges[and_edge], target[and_edge]] = 1.0
        self.repress_sum[edges[~activator], target[~activator]] = 1.0
        self.use_and = use_and
        self.has_activator = n_activators > 0
        self.basal = np.where(
            self.has_activator,
            rng.uniform(0.0, 0.2, size=p),
            rng.uniform(0.5, 1.0, size=p),
        )

    def __call__(self, protein: np.ndarray) -> np.ndarray:
        tiny = 1e-12
        level = np.maximum(protein[..., self.source], 0.0)
        ratio = (level / self.threshold) ** self.hill
        bound = ratio / (1.0 + ratio)
        free_log = np.log(np.maximum(1.0 - bound, tiny))
        any_active = 1.0 - np.exp(free_log @ self.or_sum)
        all_active = np.exp(np.log(np.maximum(bound, tiny)) @ self.and_sum)
        activation = np.where(self.use_and, all_active, any_active)
        repression = np.exp(free_log @ self.repress_sum)
        rate = np.where(
            self.has_activator,
            self.basal + (1.0 - self.basal) * activation,
            self.basal,
        )
        return rate * repression


def make_gene_regulatory_series(
    n_genes: int = 50,
    n_trajectories: int = 10,
    n_timepoints: int = 21,
    *,
    protocol: str = "release",
    regulator_fraction: float = 0.3,
    mean_in_degree: float = 2.0,
    n_modules: int | None = None,
    perturbed_fraction: float = 1 / 3,
    perturbation: float = 0.5,
    molecular_noise: float = 0.05,
    measurement_noise: float = 0.025,
    duration: float = 1000.0,
    degradation_rates: tuple[float, float] = (0.01, 0.08),
    random_state: int | np.random.RandomState | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Simulate gene-expression time courses of a random regulatory network.

    A simplified GeneNetWeaver (Schaffter et al., 2011), the simulator of the
    DREAM3 and DREAM4 in-silico network challenges. Every gene has an mRNA
    level ``x_j`` and a protein level ``y_j``:

    .. math::

        \frac{dx_j}{dt} = \lambda_j \big(\mathrm{clip}(f_j(y) + \delta_j(t), 0, 1)
                          - x_j\big),
        \qquad
        \frac{dy_j}{dt} = \mu_j (x_j - y_j),

    where ``f_j`` combines Hill terms of the regulators' proteins
    (activation and repression, independent binding, activators combined as
    OR or AND) and ``delta_j(t)`` is the experimental perturbation of the
    gene's transcription. Levels therefore stay in ``[0, 1]``. Only mRNA is
    observed, as in DREAM.

    Parameters
    ----------
    n_genes : int, default=50
        Number of genes ``p``.
    n_trajectories : int, default=10
        Number of independent time courses (DREAM4 size 100: 10; DREAM3
        size 100: 46).
    n_timepoints : int, default=21
        Samples per time course, evenly spaced over ``[0, duration]``.
    protocol : {"release", "relax"}, default="release"
        ``"release"`` (DREAM4): each course starts at the wild-type steady
        state, the perturbation is applied at ``t = 0`` and removed at
        ``t = duration / 2``. ``"relax"``: each course starts at the steady
        state of the perturbed network and relaxes, unperturbed, towards the
        wild type, so its last samples are near the common steady state.
    regulator_fraction : float, default=0.3
        Fraction of the genes that are transcription factors (the only
        possible regulators).
    mean_in_degree : float, default=2.0
        Mean number of regulators of a non-regulator gene (at least one);
        transcription factors have half as many on average (possibly none).
    n_modules : int or None, default=None
        Number of gene modules; a regulator is ten times less likely to
        regulate a gene outside its module. None uses ``max(1, n_genes //
        20)``.
    perturbed_fraction : float, default=1/3
        Fraction of the genes perturbed in each course.
    perturbation : float, default=0.5
        Standard deviation of the perturbation ``delta_j`` of a perturbed
        gene's transcription (fixed for the course).
    molecular_noise : float, default=0.05
        Intrinsic noise: the equations are integrated as chemical Langevin
        equations whose diffusion is ``molecular_noise * (sqrt(production) +
        sqrt(degradation))``. 0 integrates the deterministic ODEs.
    measurement_noise : float, default=0.025
        Standard deviation of the Gaussian noise added to every observed
        level (before normalisation); negative values are clipped to 0.
    duration : float, default=1000.0
        Length of each course in simulation time units.
    degradation_rates : (float, float), default=(0.01, 0.08)
        Range of the log-uniform draws of the mRNA and protein degradation
        rates (per time unit). With the defaults a gene relaxes within one
        to a few sampling intervals of 50 units, as in DREAM4; faster rates
        make every sample close to the steady state of the previous one's
        inputs, so that little lagged information is left.
    random_state : int, RandomState instance or None, default=None
        Seed of the graph, the kinetics, the perturbations and the noise. An
        int or a RandomState instance leaves the global state untouched;
        None uses the global NumPy RandomState singleton.

    Returns
    -------
    X : ndarray of shape (n_trajectories * n_timepoints, n_genes)
        Observed mRNA levels, courses stacked along axis 0, divided by their
        overall maximum (as DREAM did), so values lie in ``[0, 1]``.
    graph : ndarray of bool of shape (n_genes, n_genes)
        ``graph[i, j]`` is True iff gene ``i`` regulates gene ``j`` (row =
        cause). No self-regulation: the diagonal is False, and benchmarks
        score the off-diagonal pairs.
    groups : ndarray of int of shape (n_trajectories * n_timepoints,)
        Course label of every row (pass it as ``groups`` so that no lag
        window spans two courses).

    Notes
    -----
    Simplifications against GeneNetWeaver: independent binding with one
    activation module per gene instead of its cooperative binding modules;
    protein levels track mRNA with a first-order lag instead of separate
    translation rates; Euler-Maruyama integration with a fixed step (0.5 time
    units with the default rates).

    Examples
    --------
    >>> from sklearn_causal.datasets import make_gene_regulatory_series
    >>> X, graph, groups = make_gene_regulatory_series(
    ...     n_genes=20, n_trajectories=4, random_state=0)
    >>> X.shape, graph.shape, groups.shape
    ((84, 20), (20, 20), (84,))
    >>> bool(graph.diagonal().any()), bool(X.min() >= 0), float(X.max())
    (False, True, 1.0)
    """
    p = _check_int(n_genes, "n_genes", min_val=2)
    n_trajectories = _check_int(n_trajectories, "n_trajectories", min_val=1)
    n_timepoints = _check_int(n_timepoints, "n_timepoints", min_val=2)
    if protocol not in _PROTOCOLS:
        raise ValueError(f"protocol must be one of {_PROTOCOLS}, got {protocol!r}.")
    regulator_fraction = _check_float(
        regulator_fraction,
        "regulator_fraction",
        min_val=0.0,
        max_val=1.0,
        include_boundaries="right",
    )
    mean_in_degree = _check_float(mean_in_degree, "mean_in_degree", min_val=0.0)
    n_modules = (
        max(1, p // 20)
        if n_modules is None
        else _check_int(n_modules, "n_modules", min_val=1)
    )
    perturbed_fraction = _check_float(
        perturbed_fraction, "perturbed_fraction", min_val=0.0, max_val=1.0
    )
    perturbation = _check_float(perturbation, "perturbation", min_val=0.0)
    molecular_noise = _check_float(molecular_noise, "molecular_noise", min_val=0.0)
    measurement_noise = _check_float(
        measurement_noise, "measurement_noise", min_val=0.0
    )
    duration = _check_float(
        duration, "duration", min_val=0.0, include_boundaries="neither"
    )
    if not (
        len(degradation_rates) == 2 and 0 < degradation_rates[0] <= degradation_rates[1]
    ):
        raise ValueError(
            "degradation_rates must be a pair (low, high) with 0 < low <= high, "
            f"got {degradation_rates!r}."
        )
    slowest, fastest = (float(rate) for rate in degradation_rates)
    rng = check_random_state(random_state)

    graph = _regulatory_graph(
        rng, p, regulator_fraction, mean_in_degree, n_modules, 0.1
    )
    kinetics = _HillKinetics(rng, graph)
    mrna_rate = np.exp(rng.uniform(np.log(slowest), np.log(fastest), size=p))
    protein_rate = np.exp(rng.uniform(np.log(slowest), np.log(fastest), size=p))
    perturbed = np.array(
        [
            rng.permutation(p) < round(perturbed_fraction * p)
            for _ in range(n_trajectories)
        ]
    )
    shift = perturbed * rng.normal(scale=perturbation, size=(n_trajectories, p))

    def integrate(state, delta, time, noise, step):
        x, y = state
        for _ in range(round(time / step)):
            make_x = mrna_rate * np.clip(kinetics(y) + delta, 0.0, 1.0)
            lose_x = mrna_rate * x
            make_y, lose_y = protein_rate * x, protein_rate * y
            x_new = x + step * (make_x - lose_x)
            y_new = y + step * (make_y - lose_y)
            if noise > 0:
                scale = noise * np.sqrt(step)
                x_new += scale * (
                    np.sqrt(make_x) * rng.standard_normal(x.shape)
                    - np.sqrt(lose_x) * rng.standard_normal(x.shape)
                )
                y_new += scale * (
                    np.sqrt(make_y) * rng.standard_normal(y.shape)
                    - np.sqrt(lose_y) * rng.standard_normal(y.shape)
                )
            x, y = np.maximum(x_new, 0.0), np.maximum(y_new, 0.0)
        return x, y

    # Thirty time constants of the slowest gene settle the deterministic
    # steady state (a coarser step: nothing is sampled there). Steps stay
    # below a twentieth (sampled phases) or a fifth of the fastest time
    # constant.
    settle = 30.0 / slowest
    coarse, fine = min(2.0, 0.2 / fastest), min(0.5, 0.05 / fastest)
    no_shift = np.zeros((n_trajectories, p))
    if protocol == "release":
        wild_type = integrate((np.full(p, 0.5),) * 2, 0.0, settle, 0.0, coarse)
        state = tuple(np.tile(level, (n_trajectories, 1)) for level in wild_type)
        state = integrate(state, no_shift, 2.0 / slowest, molecular_noise, fine)
        release = duration / 2
    else:
        start = np.full((n_trajectories, p), 0.5)
        state = integrate((start, start), shift, settle, 0.0, coarse)
        release = 0.0

    # Each sampling interval is integrated in fine steps; the perturbation
    # holds until ``release`` (the interval containing it is split there).
    times = np.linspace(0.0, duration, n_timepoints)
    samples = [state[0]]
    for begin, end in pairwise(times):
        for a, b in ((begin, min(end, release)), (max(begin, release), end)):
            if b > a:
                delta = shift if b <= release else no_shift
                state = integrate(state, delta, b - a, molecular_noise, fine)
        samples.append(state[0])
    X = np.stack(samples, axis=1)  # (trajectory, time, gene)
    X = X + measurement_noise * rng.standard_normal(X.shape)
    X = np.maximum(X, 0.0).reshape(n_trajectories * n_timepoints, p)
    X /= X.max()
    groups = np.repeat(np.arange(n_trajectories), n_timepoints)
    return X, graph, groups
