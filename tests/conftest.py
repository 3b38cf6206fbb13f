"""Shared test helpers: compose `train.yaml` exactly as `make train` does, into a temporary run folder."""

import json
import os
from pathlib import Path

# One torch thread per test process (and the processes tests start): `make test` runs two
# processes on two cores, where torch's default of a thread per core in each makes the waiting
# threads spin (README, Recipes). Set before torch is imported; OMP_NUM_THREADS=… chooses another.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, open_dict

import dlkit  # noqa: F401  (registers the config resolvers)

ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = ROOT / "configs"

# A few batches of each split: every part of a run (fit, checkpoints, test, reports) in seconds.
FEW_BATCHES = (
    "++trainer.limit_train_batches=4",
    "++trainer.limit_val_batches=2",
    "++trainer.limit_test_batches=2",
    "callbacks.rich_progress_bar=null",
    "extras.print_config=false",
)
# ... of a small MLP
TINY_MLP = ("model=mlp", "model.net.hidden_sizes=[32]")


def read_summary(run: Path | DictConfig) -> dict:
    """The summary.json of a run folder, or of the run folder a composed config writes to."""
    folder = Path(run.paths.output_dir) if isinstance(run, DictConfig) else Path(run)
    return json.loads((folder / "summary.json").read_text())


def compose_config(
    config_name: str, overrides: list[str], output_dir: Path, data_dir: Path
) -> DictConfig:
    """The config Hydra would give the entry point, with the run folder at `output_dir`."""
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name=config_name, overrides=overrides, return_hydra_config=True)
    HydraConfig.instance().set_config(cfg)
    with open_dict(cfg):
        cfg.paths.output_dir = str(output_dir)
        cfg.paths.data_dir = str(data_dir)
        cfg.extras.print_config = False
        del cfg["hydra"]
    return cfg


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


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    """Tests never reach the network."""
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("MPLBACKEND", "Agg")
