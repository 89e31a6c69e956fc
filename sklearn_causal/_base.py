"""What the causal selectors share: validation, seeding, device, tags, skorch.

Both estimators are feature selectors that train a torch module through a
skorch net. This module owns everything that is not specific to one method:

- parameter constraints common to both (device, seeding, optimiser, epochs),
- input validation (finite values, constant columns, feature names),
- the device (``"auto"`` picks CUDA when torch sees a GPU),
- seeds drawn from ``random_state`` without touching any global RNG,
- building and fitting the skorch net, with early stopping on held-out data
  and a user's Ctrl-C passed on,
- the selector plumbing (``support_``, keeping at least one feature).
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.feature_selection import SelectorMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch.dataset import Dataset
from skorch.helper import predefined_split

from ._compat import Interval
from ._progress import Progress
from ._version import __version__
from ._warnings import warn
from .training import TensorBatches, fit_epochs

__all__ = ["CausalSelectorBase", "python_scalar", "resolve_device"]


def python_scalar(value):
    """A numpy scalar as the Python number or string it holds; anything else
    as it is (so a label ``np.int64(3)`` prints and compares as ``3``)."""
    return value.item() if isinstance(value, np.generic) else value


def _device_available(device: torch.device) -> bool:
    """Whether this torch build and machine have ``device``."""
    if device.type == "cpu":
        return True
    if device.type == "mps":
        backend = getattr(torch.backends, "mps", None)
        return bool(backend and backend.is_available()) and not device.index
    module = getattr(torch, device.type, None)
    is_available = getattr(module, "is_available", None)
    if not callable(is_available) or not is_available():
        return False
    count = getattr(module, "device_count", None)
    return device.index is None or (callable(count) and device.index < count())


def resolve_device(device: str) -> str:
    """Turn the ``device`` parameter into a torch device name.

    Parameters
    ----------
    device : str
        ``"auto"`` is ``"cuda"`` when torch sees a CUDA GPU and ``"cpu"``
        otherwise; any other torch device string (``"cpu"``, ``"cuda"``,
        ``"cuda:1"``, ``"mps"``, ...) is used as is when torch has it.

    Returns
    -------
    device : str

    Raises
    ------
    ValueError
        If ``device`` is not a torch device string, or names a device this
        torch build or machine does not have.
    """
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise ValueError(
            "The 'device' parameter must be 'auto' or a torch device string "
            f"('cpu', 'cuda', 'cuda:1', 'mps', ...); got {device!r}, which is "
            "not a torch device."
        ) from error
    if not _device_available(parsed):
        seen = (
            f"{torch.cuda.device_count()} CUDA device(s)"
            if torch.cuda.is_available()
            else "no CUDA device"
        )
        raise ValueError(
            f"The 'device' parameter asks for {device!r}, but torch sees no "
            f"such device (it sees {seen}); use device='cpu' or device='auto'."
        )
    return str(parsed)


def _draw_seed(random_state) -> int:
    """An int seed from ``random_state``; None draws fresh OS entropy.

    None does not read NumPy's global RandomState (that would advance it).
    """
    if random_state is None:
        return int(np.random.SeedSequence().generate_state(1)[0] >> 1)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


class CausalSelectorBase(SelectorMixin, BaseEstimator):
    """Shared base of the causal selectors (not part of the public API).

    Subclasses store their parameters in ``__init__``, extend
    ``_parameter_constraints``, and in ``fit`` call :meth:`_validate_X`,
    :meth:`_start_fit`, :meth:`_build_net` or :meth:`_fit_net` and set
    ``support_``.
    """

    _parameter_constraints: ClassVar[dict] = {
        "lr": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def _validate_X(self, X, *, reset: bool, min_samples: int = 2) -> np.ndarray:
        """Validate X: 2-D, numeric, finite; float32 or float64 kept.

        With ``reset=True`` also records ``n_features_in_``,
        ``feature_names_in_`` and the constant columns (``_constant``):
        they carry no information, so they are left out of the causal
        analysis and never selected, with one warning per fit.
        """
        try:
            X = validate_data(
                self,
                X,
                reset=reset,
                dtype=[np.float64, np.float32],
                ensure_min_samples=min_samples,
            )
        except ValueError as error:
            if "convert" not in str(error):
                raise
            raise ValueError(
                f"X must hold numbers; it holds values that are not ({error})."
            ) from error
        if reset:
            self._check_unique_names()
            self._constant = np.ptp(X, axis=0) == 0
            if self._constant.all():
                raise ValueError(
                    "Every column of X is constant: there is nothing to relate."
                )
            if self._constant.any():
                count = int(self._constant.sum())
                warn(
                    f"X has {count} constant column(s) "
                    f"({self._describe(np.flatnonzero(self._constant))}): a "
                    "constant column carries no information, so it causes "
                    "nothing and is never selected."
                )
        return X

    def _check_unique_names(self) -> None:
        """Column names must be unique (a target or a blanket names them).

        Recent scikit-learn versions reject duplicates themselves; older ones
        would silently resolve a name to its first column.
        """
        names = getattr(self, "feature_names_in_", None)
        if names is None:
            return
        labels, counts = np.unique(names.astype(str), return_counts=True)
        if (counts > 1).any():
            repeated = ", ".join(
                f"{label!r} ({count} times)"
                for label, count in zip(
                    labels[counts > 1], counts[counts > 1], strict=True
                )
            )
            raise ValueError(
                f"Expected unique column names in X; repeated: {repeated}."
            )

    def _describe(self, columns, limit: int = 10) -> str:
        """Columns as the user named them: names quoted, or plain indices."""
        labels = self._feature_labels()[np.asarray(columns, dtype=int)]
        named = getattr(self, "feature_names_in_", None) is not None
        text = [repr(str(label)) if named else str(int(label)) for label in labels]
        more = ", ..." if len(text) > limit else ""
        return ", ".join(text[:limit]) + more

    def _feature_labels(self) -> np.ndarray:
        """Column names when X had them, else column indices."""
        names = getattr(self, "feature_names_in_", None)
        if names is not None:
            return np.asarray(names, dtype=object)
        return np.arange(self.n_features_in_)

    def _start_fit(self) -> None:
        """Resolve the device and draw the seeds of this fit."""
        self.device_ = resolve_device(self.device)
        seeds = np.random.SeedSequence(_draw_seed(self.random_state))
        self._module_seed, self._shuffle_seed, self._noise_seed = (
            int(s) for s in seeds.generate_state(3) >> 1
        )

    def _tensor(self, array: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(
            np.ascontiguousarray(array, dtype=np.float32), device=self.device_
        )

    def _build_net(
        self,
        net_class,
        module,
        *,
        X_valid: np.ndarray | None = None,
        y_valid: np.ndarray | None = None,
        max_epochs: int | None = None,
        n_batches: int | None = None,
        progress: Progress | None = None,
        **net_params,
    ):
        """Build (without fitting) a skorch net on ``device_``.

        Validation data become the net's held-out split. ``n_batches`` makes
        one skorch epoch exactly that many gradient steps (see
        :class:`~sklearn_causal.training.TensorBatches`); None makes it one
        pass over the data. skorch's own epoch log stays silent: ``progress``
        (:class:`~sklearn_causal._progress.Progress`) reports instead, and
        sees the net's gradient steps as its callback.
        """
        train_split = None
        if X_valid is not None and len(X_valid) > 0:
            train_split = predefined_split(
                Dataset(self._tensor(X_valid), self._tensor(y_valid))
            )
        batch_size = -1 if self.batch_size is None else self.batch_size
        return net_class(
            module,
            criterion=torch.nn.MSELoss,
            optimizer=torch.optim.Adam,
            lr=self.lr,
            max_epochs=self.max_epochs if max_epochs is None else max_epochs,
            batch_size=batch_size,
            iterator_train=TensorBatches,
            iterator_train__shuffle=True,
            iterator_train__random_state=np.random.RandomState(self._shuffle_seed),
            iterator_train__n_batches=n_batches,
            iterator_valid=TensorBatches,
            train_split=train_split,
            device=self.device_,
            verbose=0,
            callbacks=None if progress is None else [("progress", progress)],
            **net_params,
        )

    def _fit_net(
        self,
        net_class,
        module,
        *,
        X_train: np.ndarray,
        y_train: np.ndarray | None = None,
        patience: int | None = None,
        threshold: float = 1e-4,
        progress: Progress | None = None,
        **build_params,
    ):
        """Build a skorch net with :meth:`_build_net` and train it.

        Training runs epoch by epoch (:func:`~sklearn_causal.training.
        fit_epochs`): with held-out data and a ``patience`` it stops once the
        held-out loss has not fallen by a relative ``threshold`` for
        ``patience`` epochs, and the weights of the last such fall are
        restored; a loss that becomes NaN or infinite ends it
        with the last good weights. A Ctrl-C stops the fit and reaches the
        caller as ``KeyboardInterrupt``.

        Returns
        -------
        net : the fitted skorch net
        outcome : TrainingOutcome
        """
        net = self._build_net(net_class, module, progress=progress, **build_params)
        X_train = self._tensor(X_train)
        y_train = None if y_train is None else self._tensor(y_train)
        outcome = fit_epochs(
            net,
            X_train,
            y_train,
            patience=patience,
            threshold=threshold,
            progress=progress,
        )
        return net, outcome

    def _keep_at_least_one(self, support: np.ndarray, strength: np.ndarray):
        """Keep the strongest feature, with a warning, when none is selected.

        A selector that returns no column breaks every downstream estimator
        of a Pipeline; the strongest non-constant candidate is the least
        arbitrary choice.
        """
        if support.any():
            return support
        strength = np.where(self._constant, -np.inf, strength)
        support = np.zeros_like(support)
        support[int(np.argmax(strength))] = True
        warn(
            f"{type(self).__name__} selected no feature; keeping the strongest "
            f"one ({self._describe(np.flatnonzero(support))}) so that downstream "
            "estimators receive a non-empty X."
        )
        return support

    def __getstate__(self):
        state = super().__getstate__()
        state["_sklearn_causal_version"] = __version__
        return state

    def __setstate__(self, state):
        saved = state.pop("_sklearn_causal_version", None)
        if saved is not None and saved != __version__:
            warn(
                f"This {type(self).__name__} was pickled by sklearn-causal "
                f"{saved} and is loaded by {__version__}; its fitted attributes "
                "may not match what this version computes. Refit it, or load "
                f"it with sklearn-causal {saved}."
            )
        super().__setstate__(state)
        device = getattr(self, "device_", None)
        if device is not None and not _device_available(torch.device(device)):
            # Fitted on a device this machine lacks: skorch has loaded the
            # nets' weights on the CPU (with a DeviceWarning), so run there.
            self.device_ = "cpu"

    def _get_support_mask(self) -> np.ndarray:
        check_is_fitted(self, "support_")
        return self.support_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
