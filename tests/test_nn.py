"""Torch modules, penalties and graph helpers against direct computations."""

import numpy as np
import pytest
import torch

from sklearn_causal._local_graph import local_mask, local_neighbourhood
from sklearn_causal._thresholding import otsu_log_threshold
from sklearn_causal._windows import make_lag_windows
from sklearn_causal.nn.backbones import BACKBONES
from sklearn_causal.nn.gates import GumbelSoftmaxGates
from sklearn_causal.nn.graph_autoencoder import GraphAutoencoder
from sklearn_causal.nn.kan import KANLayer, bspline_basis
from sklearn_causal.penalties import (
    edge_deviance_scores,
    gradient_l1_penalty,
    granger_causality_scores,
    local_reconstruction_loss,
    notears_acyclicity,
    reconstruction_deviance,
)


def _per_sample_jacobian(module, x):
    """Reference: autograd's full Jacobian of each window on its own."""
    return torch.stack(
        [
            torch.autograd.functional.jacobian(module, x[b : b + 1])[0, :, 0]
            for b in range(len(x))
        ]
    )


@pytest.mark.parametrize("name", sorted(BACKBONES))
@pytest.mark.parametrize("lag", [1, 3])
def test_jacobian_matches_autograd(name, lag):
    module = BACKBONES[name](5, lag, hidden_units=(7, 6), random_state=0).double()
    x = torch.randn(4, lag, 5, dtype=torch.float64)
    y, jacobian = module.forward_with_jacobian(x)
    assert jacobian.shape == (4, 5, lag, 5)
    torch.testing.assert_close(y, module(x))
    torch.testing.assert_close(
        jacobian, _per_sample_jacobian(module, x), rtol=1e-6, atol=1e-8
    )
    rows = torch.tensor([1, 3])
    _, some_rows = module.forward_with_jacobian(x, rows)
    torch.testing.assert_close(some_rows, jacobian[:, rows], rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", sorted(BACKBONES))
def test_penalty_gradient_matches_double_backward_through_a_loop(name):
    module = BACKBONES[name](4, 2, hidden_units=6, random_state=0).double()
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(5, 2, 4, dtype=torch.float64, generator=generator)
    _, jacobian = module.forward_with_jacobian(x)
    parameters = list(module.parameters())
    fast = torch.autograd.grad(
        gradient_l1_penalty(jacobian), parameters, allow_unused=True
    )
    inputs = x.clone().requires_grad_(True)
    y = module(inputs)
    rows = [
        torch.autograd.grad(y[:, j].sum(), inputs, create_graph=True)[0]
        for j in range(4)
    ]
    penalty = gradient_l1_penalty(torch.stack(rows, dim=1))
    reference = torch.autograd.grad(penalty, parameters, allow_unused=True)
    assert any(got is not None for got in fast)
    for parameter, got, expected in zip(parameters, fast, reference, strict=True):
        zeros = torch.zeros_like(parameter)
        torch.testing.assert_close(
            zeros if got is None else got,
            zeros if expected is None else expected,
            rtol=1e-5,
            atol=1e-8,
        )


def test_jacobian_is_exactly_the_input_output_gradient():
    module = BACKBONES["mlp"](3, 2, hidden_units=4, random_state=0).double()
    x = torch.randn(2, 2, 3, dtype=torch.float64)
    _, jacobian = module.forward_with_jacobian(x)
    torch.testing.assert_close(jacobian, _per_sample_jacobian(module, x))


def test_bspline_basis_is_a_partition_of_unity_with_the_right_derivative():
    knots = torch.linspace(
        -3 - 3 * 1.2, 3 + 3 * 1.2, 5 + 2 * 3 + 1, dtype=torch.float64
    )
    x = torch.linspace(-2.9, 2.9, 41, dtype=torch.float64).unsqueeze(0)
    basis, derivative = bspline_basis(x, knots, 3, derivative=True)
    torch.testing.assert_close(basis.sum(-1), torch.ones_like(x))
    step = 1e-6
    numeric = (
        bspline_basis(x + step, knots, 3) - bspline_basis(x - step, knots, 3)
    ) / (2 * step)
    torch.testing.assert_close(derivative, numeric, rtol=1e-5, atol=1e-6)


def test_kan_layer_spline_vanishes_outside_its_grid():
    layer = KANLayer(2, 3, grid_range=(-1.0, 1.0)).double()
    x = torch.tensor([[10.0, -10.0]], dtype=torch.float64)
    expected = torch.nn.functional.silu(x) @ layer.base_weight.T
    torch.testing.assert_close(layer(x), expected)


def test_granger_scores_and_penalty():
    jacobian = torch.tensor(
        [[[[1.0, -2.0]], [[0.0, 3.0]]], [[[-1.0, 0.0]], [[2.0, 1.0]]]]
    )
    scores = granger_causality_scores(jacobian)
    torch.testing.assert_close(scores, torch.tensor([[[1.0, 1.0]], [[1.0, 2.0]]]))
    assert gradient_l1_penalty(jacobian).item() == pytest.approx(5.0 / 2)


def test_notears_acyclicity_is_zero_on_dags_only():
    dag = torch.tensor([[0.0, 1.0, 0.5], [0.0, 0.0, 2.0], [0.0, 0.0, 0.0]])
    assert notears_acyclicity(dag).item() == pytest.approx(0.0, abs=1e-6)
    cycle = dag.clone()
    cycle[2, 0] = 0.7
    assert notears_acyclicity(cycle).item() > 0.1
    weights = torch.randn(5, 5, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(notears_acyclicity, (weights,))


def test_graph_autoencoder_batches_equal_one_variable_at_a_time():
    torch.manual_seed(0)
    module = GraphAutoencoder(4, hidden_units=5, latent_dim=3, random_state=1).double()
    x = torch.randn(6, 4, dtype=torch.float64)
    reconstruction, _ = module(x)
    adjacency = module.masked_adjacency()
    assert torch.all(adjacency.diagonal() == 0)
    latent = module.encode(x)
    for j in range(4):
        message = sum(adjacency[k, j] * latent[k] for k in range(4))
        expected = module.decoders(message.unsqueeze(0), torch.tensor([j]))[0, 0]
        torch.testing.assert_close(reconstruction[:, j], expected)
    some, _ = module(x, torch.tensor([2]))
    torch.testing.assert_close(some[:, 0], reconstruction[:, 2])
    # A variable never sees itself: changing x_j alone leaves x_hat_j as is.
    bumped = x.clone()
    bumped[:, 1] += 5.0
    torch.testing.assert_close(module(bumped)[0][:, 1], reconstruction[:, 1])


def test_graph_autoencoder_class_node():
    module = GraphAutoencoder(3, class_index=2, n_classes=4, random_state=0)
    x = torch.randn(5, 3)
    x[:, 2] = torch.tensor([0.0, 1.0, 3.0, 2.0, 1.0])
    reconstruction, logits = module(x)
    assert logits.shape == (5, 4)
    assert torch.all(reconstruction[:, 2] == 0)
    loss = local_reconstruction_loss(reconstruction, logits, x, torch.arange(3), 2)
    expected = 0.5 * (reconstruction[:, :2] - x[:, :2]).pow(2).sum(1).mean()
    expected = expected + torch.nn.functional.cross_entropy(logits, x[:, 2].long())
    torch.testing.assert_close(loss, expected)


def test_reconstruction_deviance_is_log_mse_and_twice_the_cross_entropy():
    module = GraphAutoencoder(3, class_index=2, n_classes=3, random_state=0)
    x = torch.randn(7, 3, generator=torch.Generator().manual_seed(0))
    x[:, 2] = torch.tensor([0.0, 1.0, 2.0, 2.0, 1.0, 0.0, 1.0])
    outputs = torch.tensor([0, 2])
    reconstruction, logits = module(x, outputs)
    deviance = reconstruction_deviance(reconstruction, logits, x, outputs, 2)
    torch.testing.assert_close(
        deviance[0], (reconstruction[:, 0] - x[:, 0]).pow(2).mean().log()
    )
    torch.testing.assert_close(
        deviance[1], 2 * torch.nn.functional.cross_entropy(logits, x[:, 2].long())
    )


def test_edge_scores_are_the_deviance_cost_of_cutting_each_edge():
    module = GraphAutoencoder(4, random_state=0).double()
    x = torch.randn(50, 4, dtype=torch.float64)
    with torch.no_grad():
        module.adjacency.zero_()
        module.adjacency[0, 1] = 0.8
        module.adjacency[2, 1] = 0.3
        module.adjacency[1, 3] = 0.5
    outputs = torch.tensor([1, 2])
    scores = edge_deviance_scores(module, x, outputs)

    def deviance_of_1(adjacency):
        latent = module.encode(x)
        messages = module.propagate(latent, adjacency[:, [1]])
        reconstruction, _ = module.decode(messages, torch.tensor([1]))
        return (reconstruction[:, 0] - x[:, 1]).pow(2).mean().log()

    with torch.no_grad():
        full = module.masked_adjacency()
        for source in (0, 2):
            cut = full.clone()
            cut[source, 1] = 0.0
            expected = deviance_of_1(cut) - deviance_of_1(full)
            torch.testing.assert_close(scores[source, 1], expected)
    # Absent edges cost nothing; edges into variables outside ``outputs``
    # (1 -> 3) are not scored.
    assert scores[3, 1] == 0 and scores[1, 2] == 0 and scores[1, 3] == 0
    assert torch.count_nonzero(scores) == 2


def test_rescaling_the_mlps_cannot_absorb_the_adjacency_scale():
    module = GraphAutoencoder(3, random_state=0)
    x = torch.randn(8, 3)
    before, _ = module(x)
    with torch.no_grad():
        for direction in module.decoders.directions:
            direction.mul_(10.0)
    after, _ = module(x)
    torch.testing.assert_close(before, after)


def test_gumbel_gates():
    gates = GumbelSoftmaxGates(3, temperature=0.1)
    with torch.no_grad():
        gates.log_alpha[0] = torch.tensor([0.0, 5.0])
        gates.log_alpha[1] = torch.tensor([5.0, 0.0])
    keep = gates.keep_probabilities().detach()
    assert keep[0] > 0.99 and keep[1] < 0.01 and keep[2] == pytest.approx(0.5)
    x = torch.ones(2000, 3)
    uniform = torch.rand(2000, 3, 2, generator=torch.Generator().manual_seed(0))
    gated = gates(x, uniform).detach()
    assert gated[:, 0].mean() > 0.95 and gated[:, 1].mean() < 0.05
    assert 0.4 < gated[:, 2].mean() < 0.6
    torch.testing.assert_close(gates(x, None).detach(), x * keep)


def test_local_region_and_mask():
    links = np.zeros((5, 5), dtype=bool)
    links[0, 1] = links[2, 1] = links[3, 4] = True
    np.testing.assert_array_equal(
        local_neighbourhood(links, 1, 1), [True, True, True, False, False]
    )
    np.testing.assert_array_equal(
        local_neighbourhood(links, 0, 2), [True, True, True, False, False]
    )
    # Several targets grow one region together.
    np.testing.assert_array_equal(
        local_neighbourhood(links, np.array([0, 3]), 1),
        [True, True, False, True, True],
    )
    mask = local_mask(np.array([True, False, False]))
    np.testing.assert_array_equal(mask, [[1, 1, 1], [1, 0, 0], [1, 0, 0]])


def test_otsu_thresholds():
    weak = np.full(50, 1e-3) * np.linspace(1, 2, 50)
    strong = np.linspace(0.5, 1.0, 10)
    scores = np.concatenate([weak, strong])
    threshold = otsu_log_threshold(scores)
    assert weak.max() < threshold < strong.min()
    assert otsu_log_threshold(np.zeros(5)) == 0.0


def test_lag_windows_follow_trajectories():
    X = np.arange(20.0).reshape(10, 2)
    groups = np.array([1, 1, 1, 1, 0, 0, 0, 1, 0, 0])
    windows = make_lag_windows(X, 2, groups)
    np.testing.assert_array_equal(windows.rows, [2, 3, 7, 6, 8, 9])
    np.testing.assert_array_equal(windows.inputs[2], X[[2, 3]])
    np.testing.assert_array_equal(windows.inputs[3], X[[4, 5]])
    np.testing.assert_array_equal(windows.tail_mask(0.5), [0, 0, 1, 0, 0, 1])
