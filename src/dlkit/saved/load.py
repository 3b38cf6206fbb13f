"""What a trained run left behind, brought back: its config, data module and model.

`make eval`, `make predict` and `make export` take only a checkpoint: the run folder that holds it
(`<run>/checkpoints/<file>.ckpt`, or `<run>/fold_<k>/checkpoints/…` for a fold) also holds the
config the run was trained with, so the data (same split, same preprocessing) and the model are
rebuilt exactly, with no `data=`/`model=` to repeat.
"""

import pickle
import zipfile
from dataclasses import dataclass
from pathlib import Path

import lightning.pytorch as L
import torch
from omegaconf import DictConfig, OmegaConf

from dlkit.config.checks import existing_file
from dlkit.data.base import BaseDataModule
from dlkit.errors import ConfigError
from dlkit.models.task import TaskModule
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
    model = build_model(cfg, datamodule)
    if load_weights:
        model.load_state_dict(checkpoint["state_dict"])
        state = checkpoint.get(type(datamodule).__qualname__)
        if state is not None:  # preprocessing fitted at training time, saved in the checkpoint
            datamodule.load_state_dict(state)
        model.eval()
    return SavedRun(path, folder, cfg, datamodule, model)


def read_checkpoint(path: Path) -> dict:
    """The checkpoint's contents, read with `weights_only=True`: loading runs no code.

    Checkpoints that `make train` writes hold tensors and plain values only; a file holding
    anything else (a pickled object, which could run code when loaded) is refused, and so is a
    damaged one, each with one message naming the file.
    """
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        raise ConfigError(
            f"checkpoint {path} holds objects that only running code could rebuild, so it is not "
            "loaded (checkpoints of this template hold tensors and plain values): use a "
            f"checkpoint that `make train` wrote ({str(error).splitlines()[0]})"
        ) from error
    except (RuntimeError, OSError, EOFError, zipfile.BadZipFile) as error:
        raise ConfigError(
            f"checkpoint {path} is damaged or not a PyTorch checkpoint ({error}): use another "
            "checkpoint of the run (its checkpoints/ folder) or train again"
        ) from error


def _checked_ckpt_path(ckpt_path: str | None, command: str) -> Path:
    """The checkpoint as a path, or one message saying what to pass."""
    example = f"make {command} ckpt_path=logs/train/runs/<time>/checkpoints/<file>.ckpt"
    if ckpt_path is None:
        raise ConfigError(f"no checkpoint given: {example}")
    if problem := existing_file(ckpt_path):
        raise ConfigError(f"ckpt_path {problem}: {example}")
    return Path(ckpt_path).expanduser().resolve()
