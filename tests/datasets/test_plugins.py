"""Every registry entry names a plugin class of the right base, so its methods need no probing."""

from __future__ import annotations

from harness.datasets.kinds import DatasetPlugin
from harness.encoders.model_kinds import ModelPlugin, OwnVectorsPlugin
from harness.registry import DATASET_KINDS, DATASETS, MODEL_KINDS, MODELS


def test_registry_targets_are_plugin_classes():
    for e in [*DATASETS, *DATASET_KINDS]:
        assert issubclass(e.load(), DatasetPlugin), e.name
    for e in [*MODELS, *MODEL_KINDS]:
        plugin = e.load()
        assert issubclass(plugin, ModelPlugin), e.name
        assert plugin.own_vectors == (plugin is OwnVectorsPlugin), e.name
    assert MODELS.get("vectors").load() is OwnVectorsPlugin
