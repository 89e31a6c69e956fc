"""Torch modules, penalties and graph helpers against direct computations."""

import numpy as np
import pytest
import torch

from sklearn_causal._local_graph import (
    blanket_roles,
    is_acyclic,
    local_mask,
    local_neighbourhood,
)
from sklearn_causal._thresholding import otsu_log_threshold
from sklearn_causal._windows import make_lag_windows
from sklearn_causal.nn.backbones import BACKBONES
from sklearn_causal.nn.gates import GumbelSoftmaxGates, gumbel_sigmoid
from sklearn_causal.nn.graph_autoencoder import GraphAutoencoder
from sklearn_causal.nn.kan import KANLayer, bspline_basis
from sklearn_causal.penalties import (
    gaussian_negative_log_likelihood,
    gradient_l1_penalty,
    granger_causality_scores,
    notears_acyclicity,
)
from sklearn_causal.training import TensorBatches, update_multipliers


def _per_sample_jacobian(module, x):
    """Reference: autograd's full Jacobian of each window on its own."""
    return torch.stack(
        [
            torch.autograd.functional.jacobian(module, x[b : b + 1])[0, :, 0]
            for b in range(len(x))
        ]
    )


def _backbone(name, *args, self_term=False, instantaneous=False, **kwargs):
    """A backbone in float64; with ``self_term`` or ``instantaneous``, random
    self weights or coupling (they start at zero) so that their parts of the
    Jacobian show."""
    module = BACKBONES[name](
        *args, self_term=self_term, instantaneous=instantaneous, **kwargs
    ).double()
    generator = torch.Generator().manual_seed(1)
    for parameter, used in (
        (module.self_weight, self_term),
        (module.coupling, instantaneous),
    ):
        if used:
            with torch.no_grad():
                parameter.copy_(torch.randn(parameter.shape, generator=generator))
        else:
            assert parameter is None
    return module


@pytest.mark.parametrize(
    ("self_term", "instantaneous"), [(False, False), (True, False), (True, True)]
)
@pytest.mark.parametrize("name", sorted(BACKBONES))
@pytest.mark.parametrize("lag", [1, 3])
def test_jacobian_matches_autograd(name, lag, self_term, instantaneous):
    module = _backbone(
        name,
        5,
        lag,
        hidden_units=(7, 6),
        random_state=0,
        self_term=self_term,
        instantaneous=instantaneous,
    )
    # With the instantaneous coupling the windows end with the present row.
    rows_in = lag + instantaneous
    x = torch.randn(4, rows_in, 5, dtype=torch.float64)
    y, jacobian = module.forward_with_jacobian(x)
    assert jacobian.shape == (4, 5, rows_in, 5)
    torch.testing.assert_close(y, module(x))
    torch.testing.assert_close(
        jacobian, _per_sample_jacobian(module, x), rtol=1e-6, atol=1e-8
    )
    rows = torch.tensor([1, 3])
    _, some_rows = module.forward_with_jacobian(x, rows)
    torch.testing.assert_close(some_rows, jacobian[:, rows], rtol=1e-6, atol=1e-8)
    if instantaneous:
        # A series' present value does not explain itself.
        present = jacobian[:, :, -1]
        assert torch.all(torch.diagonal(present, dim1=1, dim2=2) == 0)
        assert torch.count_nonzero(present) == 4 * 5 * 4


@pytest.mark.parametrize("kernel_size", [2, 3])
def test_tcn_jacobian_through_dilated_blocks_matches_autograd(kernel_size):
    # lag 6: two or three residual blocks, dilations 1, 2 (and 4), a 1x1 skip.
    module = BACKBONES["tcn"](
        4, 6, hidden_units=5, kernel_size=kernel_size, random_state=0
    ).double()
    assert len(module.blocks) >= 2
    x = torch.randn(3, 6, 4, dtype=torch.float64)
    _, jacobian = module.forward_with_jacobian(x)
    torch.testing.assert_close(
        jacobian, _per_sample_jacobian(module, x), rtol=1e-6, atol=1e-8
    )


@pytest.mark.parametrize(
    ("self_term", "instantaneous"), [(False, False), (True, False), (True, True)]
)
@pytest.mark.parametrize("name", sorted(BACKBONES))
def test_penalty_gradient_matches_double_backward_through_a_loop(
    name, self_term, instantaneous
):
    module = _backbone(
        name,
        4,
        2,
        hidden_units=6,
        random_state=0,
        self_term=self_term,
        instantaneous=instantaneous,
    )
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(5, 2 + instantaneous, 4, dtype=torch.float64, generator=generator)
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
    # A stack of graphs gives one value per graph.
    both = notears_acyclicity(torch.stack([dag, cycle]))
    torch.testing.assert_close(
        both, torch.stack([notears_acyclicity(dag), notears_acyclicity(cycle)])
    )
    weights = torch.randn(2, 5, 5, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(notears_acyclicity, (weights,))


def test_graph_autoencoder_passes_messages_along_the_edges():
    module = GraphAutoencoder(
        4, hidden_units=5, latent_dim=3, n_restarts=2, random_state=1
    ).double()
    x = torch.randn(6, 4, dtype=torch.float64)
    edges = torch.rand(2, 4, 4, dtype=torch.float64) * module.off_diagonal
    reconstruction, logits = module(x, edges)
    assert reconstruction.shape == (2, 6, 4) and logits is None
    latent = module.encode(x)
    assert latent.shape == (2, 4, 3, 6)
    for restart in range(2):
        for j in range(4):
            message = sum(edges[restart, k, j] * latent[restart, k] for k in range(4))
            expected, _ = module.decode(
                message[None, None].expand(2, 1, 3, 6), torch.tensor([j])
            )
            torch.testing.assert_close(
                reconstruction[restart, :, j], expected[restart, :, 0]
            )
    # A variable never sees itself, and absent edges carry nothing.
    probabilities = module.edge_probabilities()
    assert torch.all(probabilities.diagonal(dim1=1, dim2=2) == 0)
    bumped = x.clone()
    bumped[:, 1] += 5.0
    cut = edges.clone()
    cut[:, 1, 3] = 0.0
    torch.testing.assert_close(
        module(bumped, cut)[0][..., 3], module(x, cut)[0][..., 3]
    )
    # The mask of Eq. 6 closes edges.
    with torch.no_grad():
        module.mask[0, 0, 2] = 0.0
    assert module.edge_probabilities()[0, 0, 2] == 0
    # At the start a pair is linked with probability 1/2, either way.
    assert module.edge_probabilities()[1, 0, 2].item() == pytest.approx(0.25)


def test_pair_edges_link_a_pair_in_one_direction_at_most():
    module = GraphAutoencoder(4, n_restarts=2, random_state=0).double()
    with torch.no_grad():
        module.edge_logits.copy_(torch.randn(2, 4, 4, dtype=torch.float64) * 3)
        module.orientation_logits.copy_(torch.randn(2, 4, 4, dtype=torch.float64))
    probabilities = module.edge_probabilities()
    # The two directions of a pair share its existence probability.
    existence = torch.sigmoid(torch.triu(module.edge_logits, 1))
    torch.testing.assert_close(
        torch.triu(probabilities + probabilities.transpose(1, 2), 1),
        existence * module.upper,
    )
    # A relaxed draw points every pair one way or the other, never both.
    generator = torch.Generator().manual_seed(0)
    uniform = torch.rand(module.noise_shape, generator=generator, dtype=torch.float64)
    edges = module.sample_edges(uniform, temperature=0.5)
    exists = edges + edges.transpose(1, 2)
    assert torch.all(torch.diagonal(edges, dim1=1, dim2=2) == 0)
    assert torch.all(
        (exists > 0) & (exists <= 1 + 1e-12) | (module.upper + module.upper.T == 0)
    )
    # The hard graph: linked pairs in their more probable direction only.
    links = module.edge_links(0.5)
    assert not torch.any(links & links.transpose(1, 2))
    linked = torch.sigmoid(module.edge_logits) > 0.5
    pointing = module.orientation_logits > 0
    for r in range(2):
        for k in range(4):
            for j in range(k + 1, 4):
                expected = bool(linked[r, k, j])
                assert bool(links[r, k, j] | links[r, j, k]) == expected
                if expected:
                    assert bool(links[r, k, j]) == bool(pointing[r, k, j])


def test_graph_autoencoder_class_node_and_likelihood():
    module = GraphAutoencoder(3, class_index=2, n_classes=4, random_state=0)
    x = torch.randn(5, 3)
    x[:, 2] = torch.tensor([0.0, 1.0, 3.0, 2.0, 1.0])
    reconstruction, logits = module(x)
    assert logits.shape == (1, 5, 4)
    assert torch.all(reconstruction[..., 2] == 0)
    nll = gaussian_negative_log_likelihood(reconstruction, logits, x, 2)
    expected = 0.5 * (reconstruction[0, :, :2] - x[:, :2]).pow(2).mean(0).log().sum()
    expected = expected + torch.nn.functional.cross_entropy(logits[0], x[:, 2].long())
    torch.testing.assert_close(nll, expected[None])


def test_likelihood_does_not_depend_on_the_scale_of_a_variable():
    observed = torch.randn(40, 2, generator=torch.Generator().manual_seed(0))
    reconstruction = 0.8 * observed[None]
    scaled = observed * torch.tensor([1.0, 100.0])
    nll = gaussian_negative_log_likelihood(reconstruction, None, observed)
    nll_scaled = gaussian_negative_log_likelihood(
        reconstruction * torch.tensor([1.0, 100.0]), None, scaled
    )
    torch.testing.assert_close(nll_scaled - nll, 0.5 * torch.log(torch.tensor([1e4])))


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


def test_gumbel_sigmoid_draws_edges_with_their_probability():
    logits = torch.tensor([-2.0, 0.0, 3.0]).repeat(4000, 1)
    uniform = torch.rand(4000, 3, generator=torch.Generator().manual_seed(0))
    draws = gumbel_sigmoid(logits, uniform, temperature=0.05)
    np.testing.assert_allclose(
        (draws > 0.5).float().mean(0), torch.sigmoid(logits[0]), atol=0.03
    )
    assert ((draws < 0.01) | (draws > 0.99)).float().mean() > 0.9


def test_update_multipliers_follows_eq_10_and_11():
    mu, rho = np.array([0.0, 1.0]), np.array([1.0, 10.0])
    h, h_previous = np.array([0.5, 0.1]), np.array([1.0, 1.0])
    new_mu, new_rho = update_multipliers(mu, rho, h, h_previous, beta=10, gamma=0.25)
    # mu grows by rho * h with the rho of the subproblem just solved.
    np.testing.assert_allclose(new_mu, [0.5, 2.0])
    # rho grows only where h did not fall below gamma times its last value.
    np.testing.assert_allclose(new_rho, [10.0, 10.0])
    np.testing.assert_array_equal(mu, [0.0, 1.0])  # inputs left untouched
    _, first = update_multipliers(mu, rho, h, np.full(2, np.inf), beta=10, gamma=0.25)
    np.testing.assert_allclose(first, rho)


def test_local_region_and_mask():
    links = np.zeros((5, 5), dtype=bool)
    links[0, 1] = links[2, 1] = links[3, 4] = True
    np.testing.assert_array_equal(
        local_neighbourhood(links, 1, 1), [True, True, True, False, False]
    )
    np.testing.assert_array_equal(
        local_neighbourhood(links, 0, 2), [True, True, True, False, False]
    )
    np.testing.assert_array_equal(
        local_neighbourhood(links, 0, 1), [True, True, False, False, False]
    )
    # Several targets grow one region together.
    np.testing.assert_array_equal(
        local_neighbourhood(links, np.array([0, 3]), 1),
        [True, True, False, True, True],
    )
    mask = local_mask(np.array([True, False, False]))
    np.testing.assert_array_equal(mask, [[1, 1, 1], [1, 0, 0], [1, 0, 0]])
    stacked = local_mask(np.array([[True, False], [False, False]]))
    np.testing.assert_array_equal(stacked, [[[1, 1], [1, 0]], [[0, 0], [0, 0]]])


def test_acyclicity_check_and_blanket_roles():
    links = np.zeros((6, 6), dtype=bool)
    # 0 -> 2 -> 3 <- 4, 1 -> 2; target 2: parents 0, 1, child 3, spouse 4.
    links[0, 2] = links[1, 2] = links[2, 3] = links[4, 3] = links[3, 5] = True
    assert is_acyclic(links)
    parents, children, spouses = blanket_roles(links, 2)
    np.testing.assert_array_equal(parents, [0, 1])
    np.testing.assert_array_equal(children, [3])
    np.testing.assert_array_equal(spouses, [4])
    # A parent that is also a co-parent of a child stays a parent.
    links[0, 3] = True
    np.testing.assert_array_equal(blanket_roles(links, 2)[2], [4])
    links[5, 0] = True
    assert not is_acyclic(links)


def test_tensor_batches_make_an_exact_number_of_steps():
    class Data:
        X = torch.arange(257.0)[:, None]
        y = None

    batches = TensorBatches(
        Data, 256, shuffle=True, random_state=np.random.RandomState(0), n_batches=5
    )
    drawn = [x for x, _ in batches]
    assert len(batches) == 5 and len(drawn) == 5
    assert all(len(x) == 256 for x in drawn)
    one_pass = TensorBatches(Data, 100)
    assert [len(x) for x, _ in one_pass] == [100, 100, 57]
    assert len(one_pass) == 3


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


def test_acyclicity_orients_an_undecided_pair_and_prunes_a_decided_one():
    module = GraphAutoencoder(n_variables=2, random_state=0)
    with torch.no_grad():
        module.edge_logits[0, 0, 1] = 2.0
    torch.testing.assert_close(
        module.acyclicity_probabilities(), module.edge_probabilities()
    )

    def gradients(probabilities, orientation):
        module.zero_grad()
        with torch.no_grad():
            module.orientation_logits[0, 0, 1] = orientation
        notears_acyclicity(probabilities()).sum().backward()
        return (
            module.edge_logits.grad[0, 0, 1].item(),
            module.orientation_logits.grad[0, 0, 1].item(),
        )

    for orientation in (0.0, 0.3, 3.0):
        points = torch.sigmoid(torch.tensor(orientation)).item()
        gated = gradients(module.acyclicity_probabilities, orientation)
        plain = gradients(module.edge_probabilities, orientation)
        # The existence gradient is scaled by (2 o - 1)^2: zero for an
        # undecided pair, almost unchanged for a decided one; the
        # orientation gradient is untouched.
        assert gated[0] == pytest.approx(plain[0] * (2 * points - 1) ** 2, abs=1e-9)
        assert gated[1] == pytest.approx(plain[1])
    assert gradients(module.acyclicity_probabilities, 0.0)[0] == 0.0
    assert gradients(module.acyclicity_probabilities, 0.3)[1] < 0  # o moves up


def test_granger_strengths_in_chunks_match_one_pass():
    from sklearn_causal.training import granger_strengths

    module = BACKBONES["mlp"](6, 2, hidden_units=5, random_state=0).double()
    x = torch.randn(11, 2, 6, dtype=torch.float64)
    _, jacobian = module.forward_with_jacobian(x)
    # 2 * 6 * 6 = 72 entries per window: chunks of 1 and of 3 windows.
    for max_entries in (1, 72 * 3, 10**6):
        torch.testing.assert_close(
            granger_strengths(module, x, max_entries=max_entries),
            granger_causality_scores(jacobian),
        )


@pytest.mark.parametrize("penalty_windows", [None, 3, 8])
@pytest.mark.parametrize("penalty_rows", [None, 2])
def test_training_step_penalises_the_drawn_rows_and_windows(
    penalty_rows, penalty_windows
):
    from sklearn_causal.training import GradientPenaltyNet

    x = torch.randn(8, 2, 5, dtype=torch.float64)
    y = torch.randn(8, 5, dtype=torch.float64)
    net = GradientPenaltyNet(
        BACKBONES["mlp"],
        module__n_series=5,
        module__lag=2,
        module__hidden_units=4,
        criterion=torch.nn.MSELoss,
        lam=0.5,
        penalty_rows=penalty_rows,
        penalty_windows=penalty_windows,
        random_state=np.random.RandomState(3),
        train_split=None,
    ).initialize()
    net.module_.double()
    draws = np.random.RandomState(3)
    rows = np.arange(5)
    if penalty_rows is not None:
        rows = np.sort(draws.choice(5, penalty_rows, replace=False))
    windows = np.arange(8)
    if penalty_windows is not None and penalty_windows < 8:
        windows = np.sort(draws.choice(8, penalty_windows, replace=False))

    loss = net.train_step_single((x, y))["loss"]

    # The forecast loss covers the whole batch; the penalty the drawn
    # windows' Jacobian rows only.
    _, jacobian = net.module_.forward_with_jacobian(x)
    drawn = jacobian[windows][:, rows]
    expected = torch.mean((net.module_(x) - y) ** 2) + 0.5 * gradient_l1_penalty(drawn)
    torch.testing.assert_close(loss, expected)
