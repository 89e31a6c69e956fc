"""Property tests: random inputs either fit or raise ValueError/TypeError.

Shapes, dtypes, scales, duplicated and constant columns and tiny samples are
drawn by hypothesis; the fits are tiny (a step or an epoch) so the whole
module stays fast. A fit that succeeds must leave its input unchanged and
give finite outputs of the documented shapes.
"""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sklearn_causal import GrangerGRNGC, MarkovBlanketGCFS

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)


@st.composite
def matrices(draw, min_rows=1, max_rows=30, max_columns=5):
    """Float matrices with extreme scales, duplicated and constant columns."""
    n = draw(st.integers(min_rows, max_rows))
    p = draw(st.integers(1, max_columns))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, p))
    X *= 10.0 ** draw(st.sampled_from([-12, -6, 0, 6, 12]))
    X += draw(st.sampled_from([0.0, 1e6, -3.0]))
    if p > 1 and draw(st.booleans()):
        X[:, -1] = X[:, 0]  # a duplicated column
    if draw(st.booleans()):
        X[:, draw(st.integers(0, p - 1))] = draw(st.sampled_from([0.0, 7.5]))
    return X.astype(draw(st.sampled_from([np.float32, np.float64])))


def _fit_or_reject(estimator, *args, **kwargs):
    """Fit; return the estimator, or None when the input was rejected."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitted = estimator.fit(*args, **kwargs)
    except (ValueError, TypeError) as error:
        event(f"rejected: {str(error)[:40]}")
        return None
    event("fitted")
    return fitted


@SETTINGS
@given(X=matrices(), lag=st.integers(1, 3), model=st.sampled_from(["mlp", "kan"]))
def test_granger_fits_or_raises_a_clear_error(X, lag, model):
    before = X.copy()
    gc = _fit_or_reject(
        GrangerGRNGC(
            model=model, lag=lag, max_epochs=1, hidden_units=4, random_state=0
        ),
        X,
    )
    np.testing.assert_array_equal(X, before)
    if gc is None:
        return
    p = X.shape[1]
    assert gc.causal_matrix_.shape == (p, p) and gc.causal_matrix_.dtype == np.float64
    assert gc.causal_lags_.shape == (lag, p, p)
    assert gc.adjacency_.shape == (p, p) and gc.adjacency_.dtype == bool
    assert gc.support_.shape == (p,) and gc.support_.any()
    for array in (gc.causal_matrix_, gc.causal_lags_, gc.gc_avg_):
        assert np.isfinite(array).all() and (array >= 0).all()
    assert np.isfinite(gc.score(X))


@SETTINGS
@given(
    X=matrices(max_columns=4),
    kind=st.sampled_from(["continuous", "binary", "constant"]),
    seed=st.integers(0, 100),
)
def test_gcfs_fits_or_raises_a_clear_error(X, kind, seed):
    rng = np.random.RandomState(seed)
    y = {
        "continuous": rng.normal(size=len(X)) * 1e6,
        "binary": rng.randint(2, size=len(X)),
        "constant": np.ones(len(X)),
    }[kind]
    before, y_before = X.copy(), y.copy()
    mb = _fit_or_reject(
        MarkovBlanketGCFS(
            search_steps=1,
            steps_per_subproblem=1,
            max_iter=1,
            hidden_units=2,
            random_state=0,
        ),
        X,
        y,
    )
    np.testing.assert_array_equal(X, before)
    np.testing.assert_array_equal(y, y_before)
    if kind == "constant":
        assert mb is None
    if mb is None:
        return
    p = X.shape[1]
    k = len(mb.candidates_)
    assert mb.support_.shape == (p,) and mb.support_.any()
    assert mb.adjacency_.shape == (k + 1, k + 1)
    assert ((mb.adjacency_ >= 0) & (mb.adjacency_ <= 1)).all()
    for array in (
        mb.search_scores_,
        mb.gate_probabilities_,
        mb.blanket_frequencies_,
        mb.blanket_votes_,
    ):
        assert array.shape == (p,) and np.isfinite(array).all()
    assert np.isfinite(mb.score(X, y))


@pytest.mark.parametrize("estimator", [GrangerGRNGC(), MarkovBlanketGCFS()])
def test_a_rejected_input_names_the_problem(estimator):
    """The rejections the property tests allow are the clear ones."""
    with pytest.raises(ValueError, match="Every column of X is constant"):
        estimator.fit(np.ones((10, 2)), np.arange(10.0))
