"""sklearn-causal: neural causal discovery and causal feature selection."""

__version__ = "0.1.0.dev0"

__all__ = ["__version__"]
