"""Torch modules of the causal estimators."""
