"""What a trained run left behind, brought back: its config, data module and model.

`make eval`, `make predict` and `make export` take only a checkpoint: the run folder that holds it
(`<run>/checkpoints/<file>.ckpt`, or `<run>/fold_<k>/checkpoints/…` for a fold) also holds the
config the run was trained with, so the data (same split, same preprocessing) and the model are
rebuilt exactly, with no `data=`/`model=` to repeat.
"""

from dataclasses import dataclass
from pathlib import Path

import hydra
import lightning.pytorch as L
import torch
from omegaconf import DictConfig, OmegaConf

from dlkit.data.base import BaseDataModule
from dlkit.models.task import TaskModule

RUN_CONFIGS = ("config.yaml", ".hydra/config.yaml")  # resolved copy first, Hydra's own second


@dataclass
class SavedRun:
    ckpt_path: Path
    run_dir: Path
    cfg: DictConfig
    datamodule: BaseDataModule
    model: TaskModule


def ckpt_path_of(cfg: DictConfig) -> str | None:
    """The `ckpt_path` an entry point was given; None when it was left out (`???`)."""
    return None if OmegaConf.is_missing(cfg, "ckpt_path") else cfg.get("ckpt_path")


def check_ckpt_path(ckpt_path: str | None, command: str) -> Path:
    """The checkpoint as a path, or one message saying what to pass."""
    example = f"make {command} ckpt_path=logs/train/runs/<time>/checkpoints/<file>.ckpt"
    if ckpt_path is None:
        raise ValueError(f"no checkpoint given: {example}")
    path = Path(ckpt_path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist: {example}")
    return path.resolve()


def run_config(ckpt_path: Path) -> tuple[Path, DictConfig]:
    """The run folder of a checkpoint and the config saved there."""
    run_dir = (
        ckpt_path.parent.parent if ckpt_path.parent.name == "checkpoints" else ckpt_path.parent
    )
    for name in RUN_CONFIGS:
        if (run_dir / name).is_file():
            return run_dir, OmegaConf.load(run_dir / name)
    raise FileNotFoundError(
        f"no config.yaml in {run_dir}, the run folder of {ckpt_path.name}: evaluate a checkpoint "
        "inside the run folder that `make train` wrote (…/checkpoints/<file>.ckpt)"
    )


def load_run(ckpt_path: str | None, command: str, load_weights: bool = True) -> SavedRun:
    """The run's data module (set up as in training) and its model, weights loaded."""
    path = check_ckpt_path(ckpt_path, command)
    run_dir, cfg = run_config(path)
    L.seed_everything(cfg.seed, workers=True, verbose=False)
    datamodule: BaseDataModule = hydra.utils.instantiate(cfg.data)
    datamodule.prepare_data()
    datamodule.setup("fit")
    model: TaskModule = hydra.utils.instantiate(
        cfg.model,
        optimizer=hydra.utils.instantiate(cfg.optimizer),
        scheduler=hydra.utils.instantiate(cfg.scheduler) if cfg.get("scheduler") else None,
        **datamodule.model_kwargs(),
    )
    if load_weights:
        checkpoint = torch.load(path, map_location="cpu", weights_only=False)
        model.load_state_dict(checkpoint["state_dict"])
        state = checkpoint.get(type(datamodule).__qualname__)
        if state is not None:  # preprocessing fitted at training time, saved in the checkpoint
            datamodule.load_state_dict(state)
        model.eval()
    return SavedRun(path, run_dir, cfg, datamodule, model)
