"""Forecasting networks for GRNGC: one network predicts all ``p`` series.

Every backbone maps a batch of lag windows ``x_{t-k:t-1, 1:p}`` of shape
``(batch, lag, n_series)`` to the next values ``x_{t, 1:p}`` of shape
``(batch, n_series)`` (GRNGC paper, Eq. 1 and 7), and returns on request the
per-sample input-output Jacobian ``d x_hat_{t,j} / d x_{t-k+m, i}`` of shape
``(batch, n_series, lag, n_series)`` from which Granger causality is read
(Eq. 10). Each window's outputs depend on that window only, so the Jacobian
of a batch is block diagonal and only its diagonal blocks are computed.

Every backbone computes it in closed form with plain tensor operations,
batched over windows: the MLP and KAN chain their layers' local derivatives
from the output side, the LSTM back-propagates through time and the TCN
through its transposed causal convolutions, one cotangent per output row
(``benchmarks/bench_jacobian.py`` checks each against ``torch.func`` and
times it).
"""

from __future__ import annotations

import math
from itertools import pairwise
from numbers import Integral

import torch
from torch import nn
from torch.nn.utils import skip_init

from .init import uniform_
from .kan import KANLayer

__all__ = [
    "BACKBONES",
    "Forecaster",
    "KANForecaster",
    "LSTMForecaster",
    "LinearForecaster",
    "MLPForecaster",
    "TCNForecaster",
]


def _seeded_linear(
    in_features: int, out_features: int, generator: torch.Generator
) -> nn.Linear:
    layer = skip_init(nn.Linear, in_features, out_features)
    bound = 1.0 / math.sqrt(in_features)
    uniform_(layer.weight, bound, generator)
    uniform_(layer.bias, bound, generator)
    return layer


def _zero_(*parameters: torch.Tensor) -> None:
    """Set parameters to zero in place (a forecaster's output layer).

    With ``zero_output=True`` a backbone starts with a zero output layer, so
    that its forecast and its input-output Jacobian start at zero: Granger
    strengths read from it then grow from the data alone, with no trace of
    the random initial weights (which give every input a strength of the
    order of ``1 / sqrt(n_inputs)``). The hidden layers keep their random
    weights, so the first steps move the output layer and the next ones
    the rest.
    """
    with torch.no_grad():
        for parameter in parameters:
            parameter.zero_()


def _hidden_sizes(hidden_units: int | tuple[int, ...]) -> tuple[int, ...]:
    """Hidden layer widths as Python ints (numpy integers accepted)."""
    if isinstance(hidden_units, Integral):
        return (int(hidden_units),)
    return tuple(int(width) for width in hidden_units)


class Forecaster(nn.Module):
    """Base class: a one-step-ahead forecaster of all series at once.

    Subclasses build their network in ``__init__`` (after calling
    ``super().__init__(n_series, self_term, instantaneous)``) and implement
    :meth:`network` and :meth:`network_with_jacobian`; the base class adds
    the optional linear self term and instantaneous coupling to both.

    Parameters
    ----------
    n_series : int
        Number of series ``p``.
    self_term : bool, default=False
        Add to each series' forecast a linear term in its latest value,
        ``self_weight[j] x_{t-1, j}``, with ``n_series`` weights that start
        at zero. The network's hidden units then carry the couplings between
        series instead of every series' persistence (docs/granger.md,
        section 2.10). The term reads the latest value only, whatever the
        window length, so that networks of different lags differ by what
        their networks see, not by how much linear self-dependence they get.
    instantaneous : bool, default=False
        Add a linear term in the other series' present values,
        ``sum_{i != j} coupling[i, j] x_{t, i}``, with a ``(n_series,
        n_series)`` weight matrix that starts at zero and whose diagonal
        stays zero. The input windows then hold ``lag + 1`` rows, the last
        one the present ``x_t``; the network reads the ``lag`` rows before
        it. With it the output is not a forecast but the value of each
        series given the past and the other series at ``t`` (an
        instantaneous, or contemporaneous, coupling: docs/granger.md,
        section 2.19).

    Attributes
    ----------
    self_weight : Parameter of shape (n_series,) or None
        The self term's weights; None without it.
    coupling : Parameter of shape (n_series, n_series) or None
        The instantaneous coupling's weights (row = cause, column = effect;
        the diagonal is not used); None without it.
    """

    def __init__(
        self, n_series: int, self_term: bool = False, instantaneous: bool = False
    ) -> None:
        super().__init__()
        self.self_weight = nn.Parameter(torch.zeros(n_series)) if self_term else None
        self.coupling = (
            nn.Parameter(torch.zeros(n_series, n_series)) if instantaneous else None
        )

    def network(self, x: torch.Tensor) -> torch.Tensor:
        """The network's forecast of shape (batch, n_series), no self term."""
        raise NotImplementedError

    def network_with_jacobian(
        self, x: torch.Tensor, rows: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """:meth:`network` and its Jacobian (see :meth:`forward_with_jacobian`)."""
        raise NotImplementedError

    def _split(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The past rows of the windows and, with ``coupling``, the present."""
        if self.coupling is None:
            return x, None
        return x[:, :-1], x[:, -1]

    def _coupling_off_diagonal(self) -> torch.Tensor:
        return self.coupling - torch.diag(torch.diagonal(self.coupling))

    def _linear_terms(
        self, past: torch.Tensor, present: torch.Tensor | None
    ) -> torch.Tensor | float:
        """The self term and the instantaneous coupling, added to the network."""
        terms = 0.0
        if self.self_weight is not None:
            terms = terms + self.self_weight * past[:, -1]
        if present is not None:
            terms = terms + present @ self._coupling_off_diagonal()
        return terms

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Forecast of shape (batch, n_series) from windows (batch, lag, n_series)
        (``lag + 1`` rows, the present last, with ``instantaneous``)."""
        past, present = self._split(x)
        return self.network(past) + self._linear_terms(past, present)

    def forward_with_jacobian(
        self, x: torch.Tensor, rows: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Forecast and per-sample input-output Jacobian.

        Each window's outputs depend on that window only, so the Jacobian of
        a batch is block diagonal and only its diagonal blocks are returned.
        The result stays differentiable by autograd (the penalty's gradient
        differentiates it again).

        Parameters
        ----------
        x : Tensor of shape (batch, lag, n_series)
            ``lag + 1`` rows, the present last, with ``instantaneous``.
        rows : Tensor of int, optional
            Output series whose Jacobian rows are wanted; all when None.

        Returns
        -------
        y : Tensor of shape (batch, n_series)
        jacobian : Tensor of shape (batch, n_rows, lag, n_series)
            (``lag + 1`` positions with ``instantaneous``, the present last.)
        """
        past, present = self._split(x)
        y, jacobian = self.network_with_jacobian(past, rows)
        y = y + self._linear_terms(past, present)
        batch, lag, n_series = past.shape
        if rows is None:
            rows = torch.arange(n_series, device=x.device)
        if self.self_weight is not None:
            # Row r of the self term's Jacobian is self_weight[r] at the
            # latest value of series r.
            own = nn.functional.one_hot(rows, n_series).to(x.dtype)
            latest = (self.self_weight[rows].unsqueeze(-1) * own).unsqueeze(1)
            jacobian = jacobian + nn.functional.pad(latest, (0, 0, lag - 1, 0))
        if present is not None:
            # Row r of the coupling's Jacobian is column r of its matrix, at
            # the present row, the same for every window.
            coupled = self._coupling_off_diagonal().T[rows].unsqueeze(1)
            jacobian = torch.cat(
                [jacobian, coupled.unsqueeze(0).expand(batch, -1, -1, -1)], dim=2
            )
        return y, jacobian


class MLPForecaster(Forecaster):
    """Multilayer perceptron with SiLU activations on the flattened lag window.

    SiLU rather than tanh: an even part (``silu''(0) = 1/2``) lets a few units
    form the products of inputs that nonlinear dynamics are made of, which an
    odd activation such as tanh can only approximate with many units.

    Parameters
    ----------
    n_series : int
        Number of series ``p`` (inputs per time step and outputs).
    lag : int
        Window length ``k``.
    hidden_units : int or tuple of int
        Width of each hidden layer.
    random_state : int
        Seed of the initial weights.
    zero_output : bool, default=False
        Start with a zero output layer (zero forecast, zero Jacobian).
    self_term : bool, default=False
        Add a linear term in each series' latest value (see
        :class:`Forecaster`).
    instantaneous : bool, default=False
        Add a linear term in the other series' present values (see
        :class:`Forecaster`).
    """

    def __init__(
        self,
        n_series: int,
        lag: int,
        hidden_units: int | tuple[int, ...] = 64,
        random_state: int = 0,
        zero_output: bool = False,
        self_term: bool = False,
        instantaneous: bool = False,
    ) -> None:
        super().__init__(n_series, self_term, instantaneous)
        generator = torch.Generator().manual_seed(random_state)
        sizes = (n_series * lag, *_hidden_sizes(hidden_units), n_series)
        self.layers = nn.ModuleList(
            _seeded_linear(a, b, generator) for a, b in pairwise(sizes)
        )
        if zero_output:
            _zero_(self.layers[-1].weight, self.layers[-1].bias)

    def network(self, x: torch.Tensor) -> torch.Tensor:
        h = x.flatten(1)
        for layer in self.layers[:-1]:
            h = nn.functional.silu(layer(h))
        return self.layers[-1](h)

    def network_with_jacobian(
        self, x: torch.Tensor, rows: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Forecast and Jacobian ``W_L D_{L-1} W_{L-1} ... D_1 W_1`` per sample.

        ``D_l = diag(silu'(z_l))``; the product is taken from the output side,
        which is the cheaper order since ``n_series <= lag * n_series``.
        ``rows`` restricts the Jacobian to some output series.
        """
        batch, lag, n_series = x.shape
        h = x.flatten(1)
        slopes = []
        for layer in self.layers[:-1]:
            pre_activation = layer(h)
            sigmoid = torch.sigmoid(pre_activation)
            h = pre_activation * sigmoid
            slopes.append(sigmoid * (1.0 + pre_activation * (1.0 - sigmoid)))
        y = self.layers[-1](h)
        output_weight = self.layers[-1].weight
        if rows is not None:
            output_weight = output_weight[rows]
        # One block per window, also without a hidden layer (the linear
        # forecaster), where no slope broadcasts it over the batch.
        jacobian = output_weight.unsqueeze(0).expand(batch, -1, -1)
        for layer, slope in zip(
            reversed(self.layers[:-1]), reversed(slopes), strict=True
        ):
            jacobian = torch.matmul(jacobian * slope.unsqueeze(1), layer.weight)
        return y, jacobian.reshape(batch, -1, lag, n_series)


class LinearForecaster(MLPForecaster):
    """A linear vector autoregression: the MLP without a hidden layer.

    The forecast is ``W vec(x_{t-k:t-1}) + b``; its input-output Jacobian is
    ``W`` for every window, so the gradient penalty is an L1 penalty on the
    coefficients (a lasso VAR) and the Granger strengths are their absolute
    values, read and averaged along the training path like a network's.
    ``GrangerGRNGC(model="auto")`` keeps it instead of the MLP where it
    forecasts the held-out values clearly better: dynamics that are nearly
    linear, where the MLP's hidden units only add variance
    (docs/granger.md, section 2.22).

    Parameters
    ----------
    n_series : int
        Number of series ``p`` (inputs per time step and outputs).
    lag : int
        Window length ``k``.
    hidden_units : int, tuple of int or None, default=None
        Not used (there is no hidden layer); accepted so that every backbone
        is built from the same parameters.
    random_state : int
        Seed of the initial weights.
    zero_output : bool, default=False
        Start with zero coefficients (zero forecast, zero Jacobian).
    self_term : bool, default=False
        Add a linear term in each series' latest value (see
        :class:`Forecaster`; the layer already holds one).
    instantaneous : bool, default=False
        Add a linear term in the other series' present values (see
        :class:`Forecaster`).
    """

    def __init__(
        self,
        n_series: int,
        lag: int,
        hidden_units: int | tuple[int, ...] | None = None,
        random_state: int = 0,
        zero_output: bool = False,
        self_term: bool = False,
        instantaneous: bool = False,
    ) -> None:
        super().__init__(
            n_series, lag, (), random_state, zero_output, self_term, instantaneous
        )


class KANForecaster(Forecaster):
    """Kolmogorov-Arnold network on the flattened lag window (Eq. 3-7).

    Parameters
    ----------
    n_series, lag : int
        Number of series ``p`` and window length ``k``.
    hidden_units : int or tuple of int
        Width of each hidden KAN layer.
    grid_size, spline_order : int
        B-spline grid intervals and order of every layer.
    random_state : int
        Seed of the initial weights.
    zero_output : bool, default=False
        Start with a zero output layer (zero forecast, zero Jacobian).
    self_term : bool, default=False
        Add a linear term in each series' latest value (see
        :class:`Forecaster`).
    instantaneous : bool, default=False
        Add a linear term in the other series' present values (see
        :class:`Forecaster`).
    """

    def __init__(
        self,
        n_series: int,
        lag: int,
        hidden_units: int | tuple[int, ...] = 64,
        grid_size: int = 5,
        spline_order: int = 3,
        random_state: int = 0,
        zero_output: bool = False,
        self_term: bool = False,
        instantaneous: bool = False,
    ) -> None:
        super().__init__(n_series, self_term, instantaneous)
        generator = torch.Generator().manual_seed(random_state)
        sizes = (n_series * lag, *_hidden_sizes(hidden_units), n_series)
        self.layers = nn.ModuleList(
            KANLayer(
                a,
                b,
                grid_size=grid_size,
                spline_order=spline_order,
                generator=generator,
            )
            for a, b in pairwise(sizes)
        )
        if zero_output:
            _zero_(self.layers[-1].base_weight, self.layers[-1].spline_weight)

    def network(self, x: torch.Tensor) -> torch.Tensor:
        h = x.flatten(1)
        for layer in self.layers:
            h = layer(h)
        return h

    def network_with_jacobian(
        self, x: torch.Tensor, rows: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Forecast and the product of the layers' per-sample Jacobians.

        ``rows`` restricts the Jacobian to some output series.
        """
        batch, lag, n_series = x.shape
        h = x.flatten(1)
        local = []
        *hidden, last = self.layers
        for layer in hidden:
            h, derivative = layer.forward_with_derivative(h)
            local.append(derivative)
        h, jacobian = last.forward_with_derivative(h, rows)
        for derivative in reversed(local):
            jacobian = torch.bmm(jacobian, derivative)
        return h, jacobian.reshape(batch, -1, lag, n_series)


class _LSTMCell(nn.Module):
    """LSTM cell written with plain tensor operations.

    ``torch.nn.LSTM`` runs on cuDNN on a GPU, which has no double backward;
    the gradient penalty differentiates the input gradient again, so the
    recurrence is spelled out here, and so is its reverse pass
    (:meth:`input_cotangents`).
    """

    def __init__(
        self, input_size: int, hidden_size: int, generator: torch.Generator
    ) -> None:
        super().__init__()
        self.hidden_size = hidden_size
        self.input_map = _seeded_linear(input_size, 4 * hidden_size, generator)
        self.hidden_map = _seeded_linear(hidden_size, 4 * hidden_size, generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Hidden states of every step, shape (batch, lag, hidden_size)."""
        return self.forward_traced(x)[0]

    def forward_traced(
        self, x: torch.Tensor
    ) -> tuple[torch.Tensor, list[tuple[torch.Tensor, ...]]]:
        """Hidden states and, per step, what the reverse pass needs.

        The trace of a step is ``(i, f, g, o, c_previous, tanh(c))``: the
        activated gates, the cell state it starts from and its squashed new
        cell state, each of shape (batch, hidden_size).
        """
        batch, lag, _ = x.shape
        h = x.new_zeros(batch, self.hidden_size)
        c = x.new_zeros(batch, self.hidden_size)
        inputs = self.input_map(x)
        states, trace = [], []
        for step in range(lag):
            gates = inputs[:, step] + self.hidden_map(h)
            i, f, g, o = gates.chunk(4, dim=1)
            i, f, g, o = (
                torch.sigmoid(i),
                torch.sigmoid(f),
                torch.tanh(g),
                torch.sigmoid(o),
            )
            c_previous, c = c, f * c + i * g
            squashed = torch.tanh(c)
            h = o * squashed
            states.append(h)
            trace.append((i, f, g, o, c_previous, squashed))
        return torch.stack(states, dim=1), trace

    def input_cotangents(
        self, trace: list[tuple[torch.Tensor, ...]], hidden: list[torch.Tensor | None]
    ) -> list[torch.Tensor]:
        """Back-propagate cotangents of the hidden states to the inputs.

        ``hidden[s]`` (shape (batch, n_rows, hidden_size), or None for zero)
        is the cotangent of the hidden state of step ``s``, one per output
        row; the result holds the cotangent of the input of every step,
        shape (batch, n_rows, input_size): the rows of the Jacobian.
        Backpropagation through time written out, so that autograd can
        differentiate it (the penalty's gradient).
        """
        inputs: list[torch.Tensor] = [None] * len(trace)
        carried_h = carried_c = None
        for step in reversed(range(len(trace))):
            i, f, g, o, c_previous, squashed = (t.unsqueeze(1) for t in trace[step])
            grad_h = _add(hidden[step], carried_h)
            grad_c = _add(grad_h * o * (1 - squashed**2), carried_c)
            grad_gates = torch.cat(
                (
                    grad_c * g * i * (1 - i),
                    grad_c * c_previous * f * (1 - f),
                    grad_c * i * (1 - g**2),
                    grad_h * squashed * o * (1 - o),
                ),
                dim=-1,
            )
            inputs[step] = torch.matmul(grad_gates, self.input_map.weight)
            if step:  # the first step starts from zero states
                carried_h = torch.matmul(grad_gates, self.hidden_map.weight)
                carried_c = grad_c * f
        return inputs


def _add(a: torch.Tensor | None, b: torch.Tensor | None) -> torch.Tensor:
    """``a + b`` where None stands for zero (not both None)."""
    if a is None:
        return b
    return a if b is None else a + b


class LSTMForecaster(Forecaster):
    """LSTM over the lag window; the last hidden state feeds a linear head.

    Parameters
    ----------
    n_series, lag : int
        Number of series ``p`` and window length ``k``.
    hidden_units : int or tuple of int
        Hidden size of each stacked LSTM layer.
    random_state : int
        Seed of the initial weights.
    zero_output : bool, default=False
        Start with a zero output layer (zero forecast, zero Jacobian).
    self_term : bool, default=False
        Add a linear term in each series' latest value (see
        :class:`Forecaster`).
    instantaneous : bool, default=False
        Add a linear term in the other series' present values (see
        :class:`Forecaster`).
    """

    def __init__(
        self,
        n_series: int,
        lag: int,
        hidden_units: int | tuple[int, ...] = 64,
        random_state: int = 0,
        zero_output: bool = False,
        self_term: bool = False,
        instantaneous: bool = False,
    ) -> None:
        super().__init__(n_series, self_term, instantaneous)
        generator = torch.Generator().manual_seed(random_state)
        sizes = (n_series, *_hidden_sizes(hidden_units))
        self.cells = nn.ModuleList(
            _LSTMCell(a, b, generator) for a, b in pairwise(sizes)
        )
        self.head = _seeded_linear(sizes[-1], n_series, generator)
        if zero_output:
            _zero_(self.head.weight, self.head.bias)

    def network(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        for cell in self.cells:
            h = cell(h)
        return self.head(h[:, -1])

    def network_with_jacobian(
        self, x: torch.Tensor, rows: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Forecast and Jacobian by backpropagation through time, batched.

        One reverse sweep per layer carries a cotangent per output row
        (``rows``, or every series) for all windows at once: the head's
        weights enter at the last step, and each cell hands the cotangents
        of its inputs to the layer below. The same numbers as ``jacrev``,
        written with plain tensor operations.
        """
        batch, lag, _ = x.shape
        traces, h = [], x
        for cell in self.cells:
            h, trace = cell.forward_traced(h)
            traces.append(trace)
        y = self.head(h[:, -1])
        weight = self.head.weight if rows is None else self.head.weight[rows]
        cotangents = [None] * (lag - 1) + [weight.expand(batch, -1, -1)]
        for cell, trace in zip(reversed(self.cells), reversed(traces), strict=True):
            cotangents = cell.input_cotangents(trace, cotangents)
        return y, torch.stack(cotangents, dim=2)


class _CausalConvBlock(nn.Module):
    """Residual block of two dilated causal convolutions (Bai et al., 2018)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        dilation: int,
        generator: torch.Generator,
    ) -> None:
        super().__init__()
        self.left_pad = (kernel_size - 1) * dilation
        bound = 1.0 / math.sqrt(in_channels * kernel_size)
        self.conv1 = skip_init(
            nn.Conv1d, in_channels, out_channels, kernel_size, dilation=dilation
        )
        self.conv2 = skip_init(
            nn.Conv1d, out_channels, out_channels, kernel_size, dilation=dilation
        )
        for conv in (self.conv1, self.conv2):
            uniform_(conv.weight, bound, generator)
            uniform_(conv.bias, bound, generator)
        self.skip = (
            skip_init(nn.Conv1d, in_channels, out_channels, 1)
            if in_channels != out_channels
            else nn.Identity()
        )
        if isinstance(self.skip, nn.Conv1d):
            uniform_(self.skip.weight, 1.0 / math.sqrt(in_channels), generator)
            uniform_(self.skip.bias, 1.0 / math.sqrt(in_channels), generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_traced(x)[0]

    def forward_traced(
        self, x: torch.Tensor
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        """Output, and where the ReLUs of conv1, conv2 and the sum are open."""
        pad = (self.left_pad, 0)
        h1 = torch.relu(self.conv1(nn.functional.pad(x, pad)))
        h2 = torch.relu(self.conv2(nn.functional.pad(h1, pad)))
        out = torch.relu(h2 + self.skip(x))
        return out, (h1 > 0, h2 > 0, out > 0)

    def input_cotangents(
        self, masks: tuple[torch.Tensor, ...], cotangent: torch.Tensor
    ) -> torch.Tensor:
        """Back-propagate cotangents of the output to the input.

        ``cotangent`` has shape (batch, n_rows, n, out_channels), one per
        output row, channels last, and holds the last ``n`` time steps (the
        earlier ones are zero: the forecast reads the last step only, and
        each convolution reaches a fixed number of steps back). The result
        holds the input's cotangents over the steps they reach, shape
        (batch, n_rows, n', in_channels) with ``n <= n' <= length``.
        Written with plain tensor operations, so that autograd can
        differentiate it (the penalty's gradient).
        """
        length = masks[0].shape[-1]

        def open_at(mask: torch.Tensor, steps: int) -> torch.Tensor:
            return mask[..., length - steps :].transpose(1, 2).unsqueeze(1)

        h1_open, h2_open, out_open = masks
        steps = cotangent.shape[-2]
        grad_sum = cotangent * open_at(out_open, steps)
        grad_h1 = self._input_gradient(
            self.conv2, grad_sum * open_at(h2_open, steps), length
        )
        grad_h1 = grad_h1 * open_at(h1_open, grad_h1.shape[-2])
        grad_x = self._input_gradient(self.conv1, grad_h1, length)
        if isinstance(self.skip, nn.Conv1d):
            grad_sum = torch.matmul(grad_sum, self.skip.weight[:, :, 0])
        return grad_x + nn.functional.pad(grad_sum, (0, 0, grad_x.shape[-2] - steps, 0))

    @staticmethod
    def _input_gradient(
        conv: nn.Conv1d, grad: torch.Tensor, length: int
    ) -> torch.Tensor:
        """Gradient of a causal convolution's input from its output's.

        ``grad`` holds the last ``n`` steps of the output gradient; the
        result holds the last ``min(length, n + (k - 1) * dilation)`` steps
        of the input gradient, the ones it reaches. Tap ``m`` reads the input
        ``(k - 1 - m) * dilation`` steps back, so its input gradient is its
        weight times the output gradient that many steps later: one matrix
        product per tap on the channels (on these short windows much faster
        than a transposed convolution).
        """
        steps = grad.shape[-2]
        kernel_size, dilation = conv.kernel_size[0], conv.dilation[0]
        reached = min(length, steps + (kernel_size - 1) * dilation)
        total = None
        for tap in range(kernel_size):
            # First step of this tap's contribution among the ``reached`` ones.
            first = reached - steps - (kernel_size - 1 - tap) * dilation
            rows = grad[..., max(0, -first) :, :]
            if rows.shape[-2] == 0:
                continue
            part = torch.matmul(rows, conv.weight[:, :, tap])
            before = max(0, first)
            part = nn.functional.pad(
                part, (0, 0, before, reached - before - part.shape[-2])
            )
            total = part if total is None else total + part
        return total


class TCNForecaster(Forecaster):
    """Temporal convolutional network over the lag window.

    Dilations double from block to block until the receptive field covers
    the window; the output at the last time step feeds a linear head.

    Parameters
    ----------
    n_series, lag : int
        Number of series ``p`` and window length ``k``.
    hidden_units : int or tuple of int
        Channels of each residual block (an int repeats it as many times as
        needed to cover the window).
    kernel_size : int, default=2
        Width of the causal convolutions.
    random_state : int
        Seed of the initial weights.
    zero_output : bool, default=False
        Start with a zero output layer (zero forecast, zero Jacobian).
    self_term : bool, default=False
        Add a linear term in each series' latest value (see
        :class:`Forecaster`).
    instantaneous : bool, default=False
        Add a linear term in the other series' present values (see
        :class:`Forecaster`).
    """

    def __init__(
        self,
        n_series: int,
        lag: int,
        hidden_units: int | tuple[int, ...] = 64,
        kernel_size: int = 2,
        random_state: int = 0,
        zero_output: bool = False,
        self_term: bool = False,
        instantaneous: bool = False,
    ) -> None:
        super().__init__(n_series, self_term, instantaneous)
        generator = torch.Generator().manual_seed(random_state)
        channels = _hidden_sizes(hidden_units)
        if isinstance(hidden_units, Integral):
            n_blocks = 1
            while 1 + 2 * (kernel_size - 1) * (2**n_blocks - 1) < lag:
                n_blocks += 1
            channels = channels * n_blocks
        sizes = (n_series, *channels)
        self.blocks = nn.Sequential(
            *(
                _CausalConvBlock(a, b, kernel_size, 2**depth, generator)
                for depth, (a, b) in enumerate(pairwise(sizes))
            )
        )
        self.head = _seeded_linear(sizes[-1], n_series, generator)
        if zero_output:
            _zero_(self.head.weight, self.head.bias)

    def network(self, x: torch.Tensor) -> torch.Tensor:
        h = self.blocks(x.transpose(1, 2))
        return self.head(h[:, :, -1])

    def network_with_jacobian(
        self, x: torch.Tensor, rows: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Forecast and Jacobian by one batched reverse sweep over the blocks.

        A cotangent per output row (``rows``, or every series) starts as the
        head's weights at the last time step and runs back through the
        blocks' ReLU masks and causal convolutions (one matrix product per
        tap), for all windows at once. The same numbers as ``jacrev``.
        """
        batch, lag, _ = x.shape
        h, masks = x.transpose(1, 2), []
        for block in self.blocks:
            h, block_masks = block.forward_traced(h)
            masks.append(block_masks)
        y = self.head(h[:, :, -1])
        weight = self.head.weight if rows is None else self.head.weight[rows]
        # Channels last, the last time step only (the others are zero).
        cotangent = weight.expand(batch, -1, -1).unsqueeze(2)
        for block, block_masks in zip(
            reversed(self.blocks), reversed(masks), strict=True
        ):
            cotangent = block.input_cotangents(block_masks, cotangent)
        return y, nn.functional.pad(cotangent, (0, 0, lag - cotangent.shape[-2], 0))


BACKBONES = {
    "kan": KANForecaster,
    "mlp": MLPForecaster,
    "lstm": LSTMForecaster,
    "tcn": TCNForecaster,
    "linear": LinearForecaster,
}
