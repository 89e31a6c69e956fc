"""Small data sets shared by test modules."""

import numpy as np


def driven_series(n=120, seed=0):
    """x1 follows x0 one step later; x2 is noise."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 3))
    X[1:, 1] = np.tanh(X[:-1, 0]) + 0.1 * rng.normal(size=n - 1)
    return X


def linear_target(n=120, seed=0):
    """y = x0 - x1 + noise; x2 and x3 are irrelevant."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 4))
    y = X[:, 0] - X[:, 1] + 0.1 * rng.normal(size=n)
    return X, y
