"""Tests of the graph and feature-selection metrics."""

import numpy as np
import pytest

from sklearn_causal.metrics import (
    graph_auprc,
    graph_auroc,
    markov_blanket,
    selection_scores,
)

# Truth 0 -> 1, 1 -> 2 (row = cause) and hand-made scores.
TRUTH = np.array(
    [
        [0, 1, 0],
        [0, 0, 1],
        [0, 0, 0],
    ]
)
SCORES = np.array(
    [
        [0.9, 0.8, 0.1],
        [0.3, 0.7, 0.6],
        [0.2, 0.5, 0.4],
    ]
)


def test_graph_auroc_hand_computed():
    # With the diagonal: positives {0.8, 0.6}; negatives {0.9, 0.1, 0.3, 0.7,
    # 0.2, 0.5, 0.4}. 0.8 beats 6 of 7 negatives, 0.6 beats 5 of 7.
    assert graph_auroc(TRUTH, SCORES) == pytest.approx(11 / 14)
    # Without the diagonal the negatives are {0.1, 0.3, 0.2, 0.5}: perfect.
    assert graph_auroc(TRUTH, SCORES, include_diagonal=False) == 1.0


def test_graph_auprc_hand_computed():
    # Ranking with the diagonal: 0.9 (-), 0.8 (+), 0.7 (-), 0.6 (+), ...
    # AP = 1/2 * 1/2 + 1/2 * 2/4 = 0.5.
    assert graph_auprc(TRUTH, SCORES) == pytest.approx(0.5)
    assert graph_auprc(TRUTH, SCORES, include_diagonal=False) == 1.0


def test_graph_metrics_orientation_matters():
    # Scoring the transposed graph is a different (here perfectly wrong on
    # the off-diagonal) prediction.
    scores = TRUTH.T.astype(float)
    assert graph_auroc(TRUTH, scores, include_diagonal=False) < 0.5
    assert graph_auroc(TRUTH, TRUTH.astype(float)) == 1.0


def test_graph_metrics_ties_and_input_types():
    constant = np.zeros((3, 3))
    assert graph_auroc(TRUTH, constant) == 0.5
    # AP of a constant score is the fraction of positives.
    assert graph_auprc(TRUTH, constant) == pytest.approx(2 / 9)
    bool_truth = TRUTH.astype(bool)
    float_truth = TRUTH.astype(float)
    expected = graph_auroc(TRUTH, SCORES)
    assert graph_auroc(bool_truth, SCORES) == expected
    assert graph_auroc(float_truth, SCORES.tolist()) == expected
    assert graph_auprc(bool_truth, SCORES) == graph_auprc(TRUTH, SCORES)
    assert isinstance(graph_auroc(TRUTH, SCORES), float)
    assert isinstance(graph_auprc(TRUTH, SCORES), float)
    # Boolean scores (a hard prediction) are accepted.
    assert graph_auroc(TRUTH, bool_truth) == 1.0


@pytest.mark.parametrize("metric", [graph_auroc, graph_auprc])
@pytest.mark.parametrize(
    "truth, scores, error, match",
    [
        (TRUTH, SCORES[:2], ValueError, "shape"),
        (TRUTH[:2], SCORES[:2], ValueError, "square"),
        (np.ones(3), np.ones(3), ValueError, "square"),
        (TRUTH, np.where(TRUTH, np.nan, SCORES), ValueError, "NaN"),
        (TRUTH, np.where(TRUTH, np.inf, SCORES), ValueError, "infinite"),
        (TRUTH * 2, SCORES, ValueError, "binary"),
        (np.where(TRUTH, np.nan, 0.0), SCORES, ValueError, "NaN"),
        (np.zeros((3, 3)), SCORES, ValueError, "single class"),
        (np.ones((3, 3)), SCORES, ValueError, "single class"),
        (np.full((3, 3), "a"), SCORES, TypeError, "numeric"),
        (TRUTH, np.full((3, 3), "a"), TypeError, "numeric"),
    ],
)
def test_graph_metrics_bad_input(metric, truth, scores, error, match):
    with pytest.raises(error, match=match):
        metric(truth, scores)


@pytest.mark.parametrize("metric", [graph_auroc, graph_auprc])
def test_graph_metrics_single_class_off_diagonal(metric):
    # Only self loops are true: fine with the diagonal, one class without.
    truth = np.eye(3, dtype=bool)
    assert metric(truth, np.eye(3)) == 1.0
    with pytest.raises(ValueError, match="single class"):
        metric(truth, np.eye(3), include_diagonal=False)
    with pytest.raises(TypeError, match="include_diagonal"):
        metric(truth, np.eye(3), include_diagonal="no")


# --------------------------------------------------------------------------
# markov_blanket


def _v_structure():
    # 0 -> 2 <- 1, 2 -> 3 <- 4, 5 -> 0, 6 isolated (row = cause).
    graph = np.zeros((7, 7), dtype=bool)
    for cause, effect in [(0, 2), (1, 2), (2, 3), (4, 3), (5, 0)]:
        graph[cause, effect] = True
    return graph


@pytest.mark.parametrize(
    "node, expected",
    [
        (2, [0, 1, 3, 4]),  # parents 0, 1; child 3; spouse 4
        (0, [1, 2, 5]),  # parent 5; child 2; spouse 1
        (3, [2, 4]),  # parents only
        (4, [2, 3]),  # child 3; spouse 2
        (5, [0]),
        (6, []),
    ],
)
def test_markov_blanket_hand_made_dag(node, expected):
    blanket = markov_blanket(_v_structure(), node)
    assert blanket.dtype.kind == "i"
    np.testing.assert_array_equal(blanket, expected)


def test_markov_blanket_is_symmetric_and_accepts_ints():
    graph = _v_structure()
    for i in range(7):
        for j in markov_blanket(graph, i):
            assert i in markov_blanket(graph, j)
    np.testing.assert_array_equal(
        markov_blanket(graph.astype(int), np.int64(2)), [0, 1, 3, 4]
    )


def test_markov_blanket_excludes_node_with_self_loop():
    graph = _v_structure()
    graph[2, 2] = True
    np.testing.assert_array_equal(markov_blanket(graph, 2), [0, 1, 3, 4])


@pytest.mark.parametrize(
    "graph, node, error, match",
    [
        (np.zeros((3, 3)), 3, ValueError, "node"),
        (np.zeros((3, 3)), -1, ValueError, "node"),
        (np.zeros((3, 3)), 1.0, TypeError, "node"),
        (np.zeros((3, 3)), True, TypeError, "node"),
        (np.zeros((3, 2)), 0, ValueError, "square"),
        (np.full((3, 3), 0.5), 0, ValueError, "binary"),
    ],
)
def test_markov_blanket_bad_input(graph, node, error, match):
    with pytest.raises(error, match=match):
        markov_blanket(graph, node)


# --------------------------------------------------------------------------
# selection_scores


def test_selection_scores_hand_computed():
    precision, recall, f1 = selection_scores([0, 2, 3], [2, 3, 5, 7])
    assert precision == pytest.approx(0.5)
    assert recall == pytest.approx(2 / 3)
    assert f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert selection_scores([1, 2], [1, 2]) == (1.0, 1.0, 1.0)
    assert selection_scores([1, 2], [3]) == (0.0, 0.0, 0.0)
    assert selection_scores([1, 2, 3, 4], [1]) == (1.0, 0.25, pytest.approx(0.4))


def test_selection_scores_empty_set_convention():
    # Causal Learner convention.
    assert selection_scores([], []) == (1.0, 1.0, 1.0)
    assert selection_scores([1, 2], []) == (0.0, 0.0, 0.0)
    assert selection_scores([], [1, 2]) == (0.0, 0.0, 0.0)
    assert selection_scores(np.array([], dtype=int), set()) == (1.0, 1.0, 1.0)


def test_selection_scores_input_types():
    expected = selection_scores([0, 2, 3], [2, 3, 5, 7])
    assert selection_scores(np.array([0, 2, 3]), {2, 3, 5, 7}) == expected
    assert selection_scores(np.array([3, 2, 0, 0]), (7, 5, 3, 2, 2)) == expected
    assert selection_scores(
        ["PKA", "PKC", "praf"], np.array(["PKC", "praf", "P38", "pjnk"])
    ) == pytest.approx(expected)
    result = selection_scores(np.array([1], dtype=np.int64), [1])
    assert result == (1.0, 1.0, 1.0)
    assert all(isinstance(v, float) for v in result)


@pytest.mark.parametrize(
    "true_set, selected_set, error, match",
    [
        ("abc", ["a"], TypeError, "true_set"),
        ([1], "a", TypeError, "selected_set"),
        (3, [1], TypeError, "true_set"),
        (np.array([True, False]), [0], TypeError, "boolean mask"),
        (np.zeros((2, 2)), [0], ValueError, "one-dimensional"),
    ],
)
def test_selection_scores_bad_input(true_set, selected_set, error, match):
    with pytest.raises(error, match=match):
        selection_scores(true_set, selected_set)
