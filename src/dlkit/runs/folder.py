"""Every file of a run folder, named once: what `make train` (eval, predict, export) leaves behind.

    <run>/config.yaml             the composed config, resolved, secrets masked
    <run>/summary.json            how the run ended and its results (`dlkit.runs.summary`)
    <run>/checkpoints/            the best checkpoint and last.ckpt (configs: paths.checkpoint_dir)
    <run>/metrics.csv             Lightning's CSV logger
    <run>/*.png                   learning curves, confusion matrix, ... (the `*_png` names below)
    <run>/predictions.csv         `make predict`
    <run>/fold_<k>/               with cv.folds=k: a complete run folder per fold
    <run>/.hydra/                 Hydra's own records: config.yaml, hydra.yaml, overrides.yaml
    <run>/.run.lock               while a run uses the folder (a folder named on the command line)

A sweep's folder holds one run folder per job, plus `multirun.yaml`, `sweep_summary.csv/.png` and
`cv_summary.json` (`SweepFolder`). A pack names the files it adds in a module of its own. Files
are written atomically (temporary file, then rename), so a reader never sees half a file.
"""

import json
import math
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from omegaconf import DictConfig, ListConfig, OmegaConf

from dlkit.runs.distributed import is_global_zero_process
from dlkit.runs.secrets import masked


class RunFolder:
    """The paths of one run folder (nothing is created until something is written)."""

    learning_curves_png = "learning_curves.png"
    confusion_matrix_png = "confusion_matrix.png"
    roc_pr_curves_png = "roc_pr_curves.png"
    predicted_vs_true_png = "predicted_vs_true.png"
    residuals_png = "residuals.png"
    augmentation_preview_png = "augmentation_preview.png"
    #: the pictures sent to the loggers that show images
    logged_pictures = (learning_curves_png, confusion_matrix_png)

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.config = self.root / "config.yaml"
        self.summary = self.root / "summary.json"
        self.metrics = self.root / "metrics.csv"  # the CSV logger's (configs/logger/csv.yaml)
        self.checkpoints = self.root / "checkpoints"
        self.last_checkpoint = self.checkpoints / "last.ckpt"
        self.predictions = self.root / "predictions.csv"
        self.hydra_config = self.root / ".hydra" / "config.yaml"
        self.hydra_settings = self.root / ".hydra" / "hydra.yaml"
        self.hydra_overrides = self.root / ".hydra" / "overrides.yaml"
        self.lock = self.root / ".run.lock"  # held by the live run (dlkit.runs.folder_lock)

    def __repr__(self) -> str:
        return f"RunFolder({str(self.root)!r})"

    def picture(self, name: str) -> Path:
        return self.root / name

    def fold(self, k: int) -> "RunFolder":
        return RunFolder(self.root / f"fold_{k}")

    @classmethod
    def of_checkpoint(cls, ckpt_path: Path) -> "RunFolder":
        """The run folder holding `<run>/checkpoints/<file>.ckpt` (or a file directly in it)."""
        parent = ckpt_path.parent
        return cls(parent.parent if parent.name == "checkpoints" else parent)

    # ------------------------------------------------------------------ reading
    def overrides(self) -> list[str]:
        """The command-line overrides the run started with; [] when Hydra kept no record."""
        if not self.hydra_overrides.is_file():
            return []
        return [str(o) for o in OmegaConf.load(self.hydra_overrides)]

    def read_summary(self) -> dict:
        """summary.json as a dict; {} when it is missing or unreadable (a run that died early)."""
        try:
            return json.loads(self.summary.read_text())
        except (OSError, ValueError):
            return {}

    def status(self) -> str | None:
        return self.read_summary().get("status")

    def saved_config(self) -> DictConfig | None:
        """The config the run trained with: the resolved copy, else Hydra's own."""
        for path in (self.config, self.hydra_config):
            if path.is_file():
                return OmegaConf.load(path)
        return None

    # ------------------------------------------------------------------ writing
    # Rank 0 alone writes a run folder: the other ranks of a distributed run compute the same.
    def save_config(self, cfg: DictConfig) -> None:
        """The config exactly as this run used it: interpolations resolved, secrets masked."""
        if is_global_zero_process():
            resolved = OmegaConf.create(OmegaConf.to_container(cfg, resolve=True))
            write_text_atomic(self.config, OmegaConf.to_yaml(masked(resolved)))

    def write_summary(self, data: dict) -> None:
        if is_global_zero_process():
            write_json_atomic(self.summary, data)


class SweepFolder:
    """A multirun root: one run folder per job and the files that sum the sweep up."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.config = self.root / "multirun.yaml"
        # written when the sweep ends (dlkit.sweeps): one row per job, and the folds' aggregate
        self.summary_csv, self.summary_png = (
            self.root / f"sweep_summary.{e}" for e in ("csv", "png")
        )
        self.cv_summary = self.root / "cv_summary.json"

    def jobs(self) -> Iterator[RunFolder]:
        """The folders of the jobs that Hydra started (each has its `.hydra/`)."""
        for hydra_dir in sorted(self.root.glob("*/.hydra")):
            yield RunFolder(hydra_dir.parent)

    def save_config(self, cfg: DictConfig) -> None:
        write_text_atomic(self.config, OmegaConf.to_yaml(cfg))


def write_json_atomic(path: str | Path, data: dict) -> None:
    def dump(file: IO[str]) -> None:
        json.dump(_jsonable(data), file, indent=2)
        file.write("\n")

    write_atomic(Path(path), dump)


def write_text_atomic(path: str | Path, text: str) -> None:
    write_atomic(Path(path), lambda file: file.write(text))


def write_atomic(path: Path, write: Callable[[IO], Any], binary: bool = False) -> None:
    """Write to a temporary file beside `path`, then rename it over `path`: a reader (or a run
    resumed after a crash, a full disk) finds the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb" if binary else "w") as file:
            write(file)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _jsonable(value: Any) -> Any:
    """Plain JSON types: tensors and numpy scalars become numbers, NaN becomes null, config
    nodes (a bad `seed=[1,2]` recorded with its failed run) plain dicts and lists."""
    if isinstance(value, (dict, DictConfig)):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, ListConfig)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value
