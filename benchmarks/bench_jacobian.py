"""Per-sample Jacobians for the GRNGC penalty: the alternatives, timed.

The GRNGC loss needs ``d x_hat_{t, j} / d x_{t-l, i}`` for every window ``t``
of a batch, every output ``j`` and every input ``(l, i)``, with a graph that
can be differentiated again. This script times one training step (forecast,
Jacobian, ``MSE + lam * penalty``, backward) in every available way, on each
of the package's forecasters at the default width, and checks that every way
gives the same Jacobian:

- ``closed form``: the backbone's ``forward_with_jacobian`` (what the
  package uses): the reverse pass written out with plain tensor operations,
  batched over windows and output rows (layer by layer for the MLP and KAN,
  through time for the LSTM, through transposed causal convolutions for the
  TCN);
- ``vmap(jacrev)``: torch.func's per-sample reverse-mode Jacobian;
- ``vmap(jacfwd)``: the same in forward mode;
- ``autograd loop``: one reverse pass per output series, each for the whole
  batch at once.

``--rows m`` times the package's sampled penalty (``penalty_rows=m``): only
``m`` output rows of the Jacobian, the default's 32; the alternatives then
compute the same rows.

Run from the repository root::

    python benchmarks/bench_jacobian.py

Prints one Markdown table: median milliseconds per step over ``--repeats``
steps (one torch thread), the ratio to the closed form, and the largest
absolute difference from the package's Jacobian (the first row of each
backbone).
"""

import argparse
import time

import numpy as np
import torch
from torch.func import functional_call, jacfwd, jacrev, vmap

from sklearn_causal.nn.backbones import BACKBONES
from sklearn_causal.penalties import gradient_l1_penalty


def _torch_func_jacobian(module, transform, rows):
    """A ``forward_with_jacobian`` built on torch.func (``jacrev``/``jacfwd``)."""
    parameters = dict(module.named_parameters())

    def forecast_one(window):
        y = functional_call(module, parameters, (window.unsqueeze(0),))[0]
        return y if rows is None else y[rows]

    def forward_with_jacobian(x):
        return module(x), vmap(transform(forecast_one))(x)

    return forward_with_jacobian


def _autograd_loop_jacobian(module, rows):
    """One reverse pass per output series, each for the whole batch."""

    def forward_with_jacobian(x):
        with torch.enable_grad():
            x = x.detach().requires_grad_(True)
            y = module(x)
            series = range(y.shape[1]) if rows is None else rows.tolist()
            jacobian = [
                torch.autograd.grad(y[:, j].sum(), x, create_graph=True)[0]
                for j in series
            ]
        return y, torch.stack(jacobian, dim=1)

    return forward_with_jacobian


def _ways(module, rows):
    """Jacobian methods of a module; the first one is the package's."""
    return {
        "closed form": lambda x: module.forward_with_jacobian(x, rows),
        "autograd loop": _autograd_loop_jacobian(module, rows),
        "vmap(jacrev)": _torch_func_jacobian(module, jacrev, rows),
        "vmap(jacfwd)": _torch_func_jacobian(module, jacfwd, rows),
    }


def _step(module, forward_with_jacobian, x, target, lam=0.1):
    module.zero_grad()
    forecast, jacobian = forward_with_jacobian(x)
    loss = torch.mean((forecast - target) ** 2) + lam * gradient_l1_penalty(jacobian)
    loss.backward()


def _median_ms(function, repeats):
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=100)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lag", type=int, default=1)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument(
        "--rows", type=int, help="output rows of the Jacobian (default: all)"
    )
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument(
        "--backbones", nargs="+", default=list(BACKBONES), choices=list(BACKBONES)
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(1)

    generator = torch.Generator().manual_seed(0)
    x = torch.randn(args.batch, args.lag, args.series, generator=generator)
    target = torch.randn(args.batch, args.series, generator=generator)
    rows = None
    if args.rows is not None:
        rows = torch.randperm(args.series, generator=generator)[: args.rows]
    print(
        f"One GRNGC training step, p={args.series} series, lag={args.lag}, "
        f"batch={args.batch}, hidden={args.hidden}, Jacobian rows="
        f"{args.rows or args.series}, one torch thread; median "
        f"of {args.repeats} steps.\n"
    )
    print("| backbone | Jacobian | ms / step | x package's | max abs diff |")
    print("|---|---|---|---|---|")
    for name in args.backbones:
        module = BACKBONES[name](args.series, args.lag, args.hidden, random_state=0)
        ways = _ways(module, rows)
        with torch.no_grad():
            reference = next(iter(ways.values()))(x)[1]
        package_ms = None
        for way, forward_with_jacobian in ways.items():
            with torch.no_grad():
                jacobian = forward_with_jacobian(x)[1].reshape(reference.shape)
            difference = float((jacobian - reference).abs().max())
            ms = _median_ms(
                lambda m=module, f=forward_with_jacobian: _step(m, f, x, target),
                args.repeats,
            )
            package_ms = package_ms or ms
            print(
                f"| {name} | {way} | {ms:.1f} | {ms / package_ms:.1f} "
                f"| {difference:.1e} |"
            )


if __name__ == "__main__":
    main()
