"""sklearn-causal: neural causal discovery and causal feature selection.

Estimators
----------
GrangerGRNGC
    Granger causality between time series from the gradients of one
    forecasting network (Liu et al., GRNGC).
"""

from .granger import GrangerGRNGC

__version__ = "0.1.0.dev0"

__all__ = ["GrangerGRNGC", "__version__"]
