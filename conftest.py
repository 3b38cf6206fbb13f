"""Fixtures of every test, the core's (`tests/`) and the packs' (`packs/*/tests/`): the config
composed exactly as `make train` composes it, into a temporary run folder, and one short run
that the tests which only read a finished run share. Helpers: `tests/helpers.py`."""

import os

# One torch thread per test process (and the processes tests start): `make test` runs two
# processes on two cores, where torch's default of a thread per core in each makes the waiting
# threads spin (README, Recipes). Set before torch is imported; OMP_NUM_THREADS=… chooses another.
os.environ.setdefault("OMP_NUM_THREADS", "1")

from pathlib import Path

import pytest
from omegaconf import DictConfig

from tests.helpers import TINY, compose_config


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    """One data folder per test session (generated data sets are cached there)."""
    return tmp_path_factory.mktemp("data")


@pytest.fixture
def compose_train(tmp_path, data_dir):
    """compose_train(*overrides) -> the `train` config, its run folder under tmp_path/run."""

    def _compose(*overrides: str) -> DictConfig:
        return compose_config("train", list(overrides), tmp_path / "run", data_dir)

    return _compose


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory, data_dir) -> Path:
    """The folder of one short, completed run (a small MLP on the digits), trained once per test
    process: for the tests that read a finished run (eval, predict, export, compare, …)."""
    from dlkit.training.run import train

    folder = tmp_path_factory.mktemp("trained_run")
    train(compose_config("train", list(TINY), folder, data_dir))
    return folder


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    """Tests never reach the network."""
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("MPLBACKEND", "Agg")
