"""The package version, recorded in pickled estimators."""

__version__ = "0.1.0.dev0"
