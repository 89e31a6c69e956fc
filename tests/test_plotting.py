"""to_networkx and the plots: what is drawn (Agg canvas, no display)."""

import sys

import numpy as np
import pandas as pd
import pytest

from sklearn_causal import GrangerGRNGC, MarkovBlanketGCFS
from sklearn_causal.plotting import (
    BLANKET_COLORS,
    plot_causal_lags,
    plot_causal_matrix,
    plot_markov_blanket,
    to_networkx,
)

nx = pytest.importorskip("networkx")
matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def granger():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 3))
    X[2:, 1] = 2.0 * np.tanh(X[:-2, 0]) + 0.1 * rng.normal(size=398)
    frame = pd.DataFrame(X, columns=["driver", "driven", "noise"])
    return GrangerGRNGC(
        lag=2, max_epochs=60, hidden_units=16, lr=0.01, random_state=0
    ).fit(frame)


@pytest.fixture(scope="module")
def blanket():
    # a -> y -> c <- s, and an irrelevant column, with the weights and noise
    # of test_markov_blanket.py's v-structure (with unit weights and noise
    # 0.3 the default draws s as a second child of y: the blanket is right,
    # its roles not, docs/design.md item 10).
    rng = np.random.RandomState(0)
    n = 600
    a, s, noise = rng.normal(size=(3, n))
    y = 1.5 * a + 0.5 * rng.normal(size=n)
    c = 1.5 * y + 1.5 * s + 0.5 * rng.normal(size=n)
    X = pd.DataFrame({"a": a, "c": c, "s": s, "noise": noise})
    fitted = MarkovBlanketGCFS(target="y", random_state=0).fit(X, y)
    # The role and colour checks below need a blanket to look at.
    assert len(fitted.children_) and len(fitted.spouses_)
    return fitted


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_to_networkx_granger(granger):
    graph = to_networkx(granger)
    assert list(graph.nodes) == ["driver", "driven", "noise"]
    assert graph.graph["target"] is None
    links = {(u, v) for u, v in graph.edges}
    causes, effects = np.nonzero(granger.adjacency_)
    names = granger.feature_names_in_
    assert links == {(names[i], names[j]) for i, j in zip(causes, effects, strict=True)}
    edge = graph.edges["driver", "driven"]
    assert edge["weight"] == pytest.approx(granger.gc_avg_[0, 1])
    assert edge["strength"] == pytest.approx(granger.causal_matrix_[0, 1])
    assert edge["lags"] == [2]
    assert len(edge["lag_weights"]) == granger.lag_


def test_to_networkx_blanket(blanket):
    graph = to_networkx(blanket)
    assert graph.graph["target"] == "y"
    roles = dict(graph.nodes(data="role"))
    assert roles["y"] == "target"
    for part, role in [
        (blanket.parents_, "parent"),
        (blanket.children_, "child"),
        (blanket.spouses_, "spouse"),
    ]:
        assert all(roles[v] == role for v in part)
    majority = blanket.links_.mean(axis=0) > 0.5
    assert graph.number_of_edges() == majority.sum()
    for u, v, weight in graph.edges(data="weight"):
        labels = list(blanket.retrained_variables_)
        assert weight == pytest.approx(
            blanket.adjacency_[labels.index(u), labels.index(v)]
        )


def test_to_networkx_rejects_other_objects_and_unfitted_estimators():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(TypeError, match="GrangerGRNGC or MarkovBlanketGCFS"):
        to_networkx(np.eye(3))
    with pytest.raises(NotFittedError):
        to_networkx(GrangerGRNGC())


def test_plot_causal_matrix_draws_the_matrix_and_circles_the_truth(granger):
    truth = np.zeros((3, 3), dtype=bool)
    truth[0, 1] = truth[1, 1] = True
    ax = plot_causal_matrix(granger, truth=truth)
    np.testing.assert_allclose(ax.images[0].get_array(), granger.causal_matrix_)
    (circles,) = ax.collections
    # (x, y) = (effect, cause) of each true edge.
    np.testing.assert_array_equal(
        sorted(map(tuple, circles.get_offsets())), [(1, 0), (1, 1)]
    )
    assert [t.get_text() for t in ax.get_xticklabels()] == ["driver", "driven", "noise"]
    assert ax.get_ylabel() == "cause" and ax.get_xlabel() == "effect"


def test_plot_causal_matrix_takes_a_plain_matrix_and_checks_shapes():
    matrix = np.arange(9.0).reshape(3, 3)
    ax = plot_causal_matrix(matrix, labels=list("abc"))
    np.testing.assert_array_equal(ax.images[0].get_array(), matrix)
    with pytest.raises(ValueError, match="square"):
        plot_causal_matrix(np.ones((2, 3)))
    with pytest.raises(ValueError, match="truth has shape"):
        plot_causal_matrix(matrix, truth=np.ones((2, 2), dtype=bool))
    with pytest.raises(ValueError, match="2 labels for 3"):
        plot_causal_matrix(matrix, labels=["a", "b"])


def test_plot_causal_lags_draws_one_panel_per_lag(granger):
    truth = np.zeros((3, 3, 3), dtype=bool)
    truth[1, 0, 1] = True
    axes = plot_causal_lags(granger, truth=truth)
    assert len(axes) == granger.lag_ == 2
    for lag, ax in enumerate(axes):
        np.testing.assert_allclose(ax.images[0].get_array(), granger.causal_lags_[lag])
        assert ax.get_title() == f"lag {lag + 1}"
    assert len(axes[0].collections[0].get_offsets()) == 0
    np.testing.assert_array_equal(axes[1].collections[0].get_offsets(), [(1, 0)])


def test_plot_markov_blanket_colours_the_roles(blanket):
    ax = plot_markov_blanket(blanket)
    graph = to_networkx(blanket)
    shown = [n for n, role in graph.nodes(data="role") if role != "candidate"]
    texts = {t.get_text() for t in ax.texts}
    assert texts == {str(n) for n in shown}
    nodes = ax.collections[0]
    colours = [matplotlib.colors.to_hex(c) for c in nodes.get_facecolors()]
    expected = [BLANKET_COLORS[graph.nodes[n]["role"]] for n in shown]
    assert colours == expected
    legend = {t.get_text() for t in ax.get_legend().get_texts()}
    assert legend == {graph.nodes[n]["role"] for n in shown}


def test_without_the_extra_a_clear_import_error(granger, monkeypatch):
    monkeypatch.setitem(sys.modules, "networkx", None)
    with pytest.raises(ImportError, match=r"sklearn-causal\[plot\]"):
        to_networkx(granger)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"needs matplotlib"):
        plot_causal_matrix(granger)
