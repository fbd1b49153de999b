"""rec-builder: build, compress and verify on-device next-item recommenders.

Public API (everything else is internal):
    load_config, BuildConfig, ConfigError     -- configuration and presets
    load_dataset, SequenceDataset, DataError  -- data
    build, BuildResult                        -- the whole pipeline
"""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "load_config", "BuildConfig", "ConfigError", "load_dataset",
           "SequenceDataset", "DataError", "build", "BuildResult"]


def __getattr__(name: str):  # lazy: importing the package must not import TensorFlow
    if name in ("load_config", "BuildConfig", "ConfigError"):
        from builder import config

        return getattr(config, name)
    if name in ("load_dataset", "SequenceDataset"):
        from builder.data import dataset

        return getattr(dataset, name)
    if name == "DataError":
        from builder.data.loaders import DataError

        return DataError
    if name in ("build", "BuildResult"):
        from builder import pipeline

        return getattr(pipeline, name)
    raise AttributeError(name)
