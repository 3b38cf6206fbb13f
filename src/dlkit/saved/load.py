"""What a trained run left behind, brought back: its config, data module and model.

`make eval`, `make predict` and `make export` take only a checkpoint: the run folder that holds it
(`<run>/checkpoints/<file>.ckpt`, or `<run>/fold_<k>/checkpoints/…` for a fold) also holds the
config the run was trained with, so the data (same split, same preprocessing) and the model are
rebuilt exactly, with no `data=`/`model=` to repeat.
"""

from dataclasses import dataclass
from pathlib import Path

import lightning.pytorch as L
from omegaconf import DictConfig, OmegaConf

from dlkit.config.values import existing_file
from dlkit.data.base import BaseDataModule
from dlkit.errors import ConfigError
from dlkit.models.task import TaskModule
from dlkit.runs.checkpoints import read_checkpoint
from dlkit.runs.folder import RunFolder
from dlkit.training.build import build_datamodule, build_model


@dataclass
class SavedRun:
    ckpt_path: Path
    folder: RunFolder
    cfg: DictConfig
    datamodule: BaseDataModule
    model: TaskModule


def ckpt_path_of(cfg: DictConfig) -> str | None:
    """The `ckpt_path` an entry point was given; None when it was left out (`???`)."""
    return None if OmegaConf.is_missing(cfg, "ckpt_path") else cfg.get("ckpt_path")


def load_run(ckpt_path: str | None, command: str, load_weights: bool = True) -> SavedRun:
    """The run's data module (set up as in training) and its model, weights loaded."""
    path = _checked_ckpt_path(ckpt_path, command)
    folder = RunFolder.of_checkpoint(path)
    cfg = folder.saved_config()
    if cfg is None:
        raise ConfigError(
            f"no {folder.config.name} in {folder.root}, the run folder of {path.name}: evaluate "
            "a checkpoint inside the run folder that `make train` wrote (…/checkpoints/<file>.ckpt)"
        )
    checkpoint = read_checkpoint(path)
    L.seed_everything(cfg.seed, workers=True, verbose=False)
    datamodule = build_datamodule(cfg)
    model = build_model(cfg, datamodule, from_checkpoint=True)
    if load_weights:
        model.load_state_dict(checkpoint["state_dict"])
        state = checkpoint.get(type(datamodule).__qualname__)
        if state is not None:  # preprocessing fitted at training time, saved in the checkpoint
            datamodule.load_state_dict(state)
        model.eval()
    return SavedRun(path, folder, cfg, datamodule, model)


def _checked_ckpt_path(ckpt_path: str | None, command: str) -> Path:
    """The checkpoint as a path, or one message saying what to pass."""
    example = f"make {command} ckpt_path=logs/train/runs/<time>/checkpoints/<file>.ckpt"
    if ckpt_path is None:
        raise ConfigError(f"no checkpoint given: {example}")
    if problem := existing_file(ckpt_path):
        raise ConfigError(f"ckpt_path {problem}: {example}")
    return Path(ckpt_path).expanduser().resolve()
