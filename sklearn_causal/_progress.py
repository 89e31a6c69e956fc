"""What a fit reports while it trains: a progress bar or a per-epoch table.

``verbose=1`` draws one tqdm bar per training phase (on stderr), its postfix
the latest losses in scientific notation; ``verbose=2`` writes one table row
per epoch or iteration (on stdout) instead. Each phase starts with a line
that says what its losses contain, and ends with the epoch it stopped at
and why. Neither output holds ANSI colour codes.
"""

from __future__ import annotations

import sys
import time

from skorch.callbacks import Callback
from tqdm.auto import tqdm

_COLUMN_WIDTH = 12


def _is_terminal(stream) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Progress(Callback):
    """Report one training phase of an estimator.

    The training loop calls :meth:`update` after every epoch (or augmented
    Lagrangian iteration) and :meth:`close` at the end. Registered as a
    skorch callback, the phase's gradient steps also advance the bar
    (``unit="step"``, for a phase that is one long epoch).

    Parameters
    ----------
    verbose : int
        0 reports nothing, 1 draws a bar, 2 or more writes a table.
    phase : str
        Name of the phase, e.g. ``"GrangerGRNGC lag 2"``.
    total : int
        Most epochs, iterations or steps the phase may run.
    legend : str
        What the reported losses contain.
    unit : str, default="epoch"
        What one update counts.
    """

    def __init__(
        self, verbose: int, phase: str, total: int, legend: str, unit: str = "epoch"
    ) -> None:
        self.verbose = verbose
        self.phase = phase
        self.total = total
        self.legend = legend
        self.unit = unit
        self._bar = None
        self._columns = None
        self._count = 0
        self._started = None

    @classmethod
    def silent(cls) -> Progress:
        """A phase that reports nothing (for loops run without a report)."""
        return cls(0, "", 0, "")

    def __enter__(self) -> Progress:
        if self.verbose <= 0:
            return self
        self._started = time.perf_counter()
        if self.verbose == 1:
            stream = sys.stderr
            stream.write(f"{self.phase}: {self.legend}\n")
            terminal = _is_terminal(stream)
            self._bar = tqdm(
                total=self.total,
                desc=self.phase,
                unit=self.unit,
                file=stream,
                # In a log file every redraw is a line's worth of text.
                mininterval=0.1 if terminal else 5.0,
                ascii=not terminal,
                dynamic_ncols=terminal,
                leave=True,
            )
        else:
            self._write(f"{self.phase}: {self.legend}")
        return self

    def __exit__(self, *exc_info) -> None:
        if self._bar is not None:
            # Interrupted before close(): still end the bar's line.
            self._bar.close()
            self._bar = None

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        if training and self.unit == "step":
            self._count += 1
            if self._bar is not None:
                self._bar.update(1)

    def update(self, **values: float) -> None:
        """One epoch (or iteration) ended with these losses and values."""
        if self.unit != "step":
            self._count += 1
            if self._bar is not None:
                self._bar.update(1)
        if self._bar is not None:
            self._bar.set_postfix_str(_formatted(values), refresh=False)
        elif self.verbose >= 2:
            if self._columns is None:
                self._columns = [self.unit, *values, "seconds"]
                self._write(
                    "".join(name.rjust(_COLUMN_WIDTH) for name in self._columns)
                )
            row = [f"{self._count:d}"]
            row += [f"{value:.4e}" for value in values.values()]
            row.append(f"{time.perf_counter() - self._started:.1f}")
            self._write("".join(cell.rjust(_COLUMN_WIDTH) for cell in row))

    def close(self, ending: str) -> None:
        """End the phase; ``ending`` says where and why it stopped.

        A phase counted in gradient steps (one long epoch) says how many
        steps it ran instead: which epoch it stopped at says nothing there.
        """
        if self.unit == "step":
            ending = f"{self._count} steps done"
        if self._bar is not None:
            self._bar.set_postfix_str(
                f"{self._bar.postfix}, {ending}" if self._bar.postfix else ending,
                refresh=False,
            )
            self._bar.close()
            self._bar = None
        elif self.verbose >= 2:
            self._write(f"{self.phase}: {ending}")

    @staticmethod
    def _write(line: str) -> None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    def __getstate__(self):
        # A fitted net keeps its callbacks; the bar of a past fit is not
        # part of what a pickle should carry.
        state = self.__dict__.copy()
        state["_bar"] = None
        return state


def _formatted(values: dict) -> str:
    return ", ".join(f"{name}={value:.3e}" for name, value in values.items())
