"""The half of a data module that serves a trained model: new inputs read and preprocessed as in
training, and the fitted preprocessing saved in every checkpoint.

`make predict` and `make export` use it with no training data at hand: Lightning stores
`state_dict()` in each checkpoint (plain lists, floats and strings, so `torch.load(...,
weights_only=True)` reads it), `load_state_dict` restores it, and `load_inputs(path)` turns a file
of new samples into the tensor the model takes.
"""

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from dlkit.errors import DataError

log = logging.getLogger(__name__)

# Standardized values beyond this many training standard deviations are "far"; more than
# FAR_SHARE of them in new inputs means they were most likely scaled differently (0..16 digits
# against [0, 1] training images), and predictions on them mean little.
FAR, FAR_SHARE = 6.0, 0.01


def warn_if_far(share: float, path: Any) -> None:
    """Warn when more than FAR_SHARE of the standardized new inputs lie far from training's."""
    if share > FAR_SHARE:
        log.warning(
            "%.1f%% of the values in %s lie more than %g standard deviations from the "
            "training data's: were the inputs scaled as the training data were (images as "
            "uint8 0..255 or floats in [0, 1])? Predictions on them mean little.",
            100 * share,
            path,
            FAR,
        )


class NewInputs:
    """Mixed into `BaseDataModule`; its subclasses add formats (`read_inputs`) and the state of
    what they fit themselves (`extra_state`, `load_extra_state`)."""

    def read_inputs(self, path: Path) -> Any:
        """New inputs from a file, as `load` gives `x` (before `encode`): `.npz` (key `x`),
        `.npy` or `.pt`. Subclasses add their own formats (image folders, CSV files)."""
        if not path.exists():
            raise DataError(f"input file not found: {path}")
        if path.suffix == ".npz":
            with np.load(path) as arrays:
                if "x" not in arrays:
                    raise DataError(f"{path} has no array 'x' (it has {sorted(arrays)})")
                return torch.from_numpy(arrays["x"])
        if path.suffix == ".npy":
            return torch.from_numpy(np.load(path))
        if path.suffix == ".pt":
            return torch.load(path, weights_only=True)
        raise DataError(
            f"cannot read inputs from {path}: {type(self).__name__} reads .npz (array 'x'), "
            ".npy or .pt files"
        )

    def read_input_targets(self, path: Path) -> torch.Tensor | None:
        """The true targets of new inputs, when the file holds them (array `y` of a .npz; image
        folders and CSV files add theirs); None when it does not."""
        if path.suffix == ".npz":
            with np.load(path) as arrays:
                return torch.from_numpy(arrays["y"]) if "y" in arrays else None
        return None

    def input_columns(self, path: Path) -> dict[str, list]:
        """Columns that say which input each row of `predictions.csv` is (an image's file name,
        a text); none for plain arrays."""
        return {}

    def extra_state(self) -> dict:
        """What a subclass fitted in training and needs for new inputs (plain types only)."""
        return {}

    def load_extra_state(self, state: dict) -> None:
        pass

    def write_files(self, folder: Any) -> None:
        """What a subclass fitted, as files of the run folder (`dlkit.runs.folder.RunFolder`) for
        use without this package (text: `tokenizer.json`); rank 0 alone writes."""

    def load_inputs(self, path: str | Path) -> torch.Tensor:
        """New inputs from `path` as the model takes them: read like the training data, encoded
        and standardized with what was fitted in training (after `setup` or `load_state_dict`).

        The result is ready for `model(x)`; it does not pass through `on_after_batch_transfer`.
        """
        self.load_inputs_check()
        x = self.encode(self.read_inputs(Path(path).expanduser()), None)
        if not isinstance(x, torch.Tensor):
            x = torch.as_tensor(np.asarray(x))
        if self.modality == "sequence" and x.ndim == len(self._input_shape):
            x = x.unsqueeze(-1)  # [N, T] -> [N, T, 1]: one feature per step
        if tuple(x.shape[1:]) != self._input_shape:
            raise DataError(
                f"inputs in {path} have shape {tuple(x.shape[1:])} per sample, but the model "
                f"was trained on {self._input_shape}"
            )
        if x.is_floating_point():
            self.check_finite(x, path)
        x = self.transform_batch(x.cpu(), augment=False)
        x = x.float() if x.is_floating_point() else x  # token ids stay integers
        warn_if_far(self.far_from_training(x), path)
        return x

    def check_finite(self, x: torch.Tensor, path: str | Path) -> None:
        """Stop on NaN or infinite inputs, naming the rows (and a table's columns) that hold
        them: a net turns them into NaN outputs, which would read as class 0 with no
        probabilities. Refused rather than flagged: no prediction is better than a made-up one."""
        bad = ~torch.isfinite(x.reshape(len(x), -1))
        if not bad.any():
            return
        rows = torch.nonzero(bad.any(dim=1)).flatten().tolist()
        where = f"rows {_listed(rows)} (counted from 0, as predictions.csv counts them)"
        if self.modality == "table":
            names = getattr(self, "feature_sources", None) or []
            columns = torch.nonzero(bad.any(dim=0)).flatten().tolist()
            where += ", columns " + _listed([names[c] if c < len(names) else c for c in columns])
        raise DataError(
            f"{len(rows)} of the {len(x)} inputs in {path} hold NaN or infinite values, in "
            f"{where}: the model cannot predict from them. Fill or drop those values and run "
            "make predict again"
        )

    def load_inputs_check(self) -> None:
        """New inputs need what training fitted: stop with the fix when it is not there."""
        if self._input_shape is None:
            raise DataError(
                f"{type(self).__name__} has no fitted preprocessing yet: call setup() or "
                "load_state_dict(checkpoint[...]) with the training run's state first"
            )

    def input_batches(self, path: str | Path, batch_size: int) -> Iterator[torch.Tensor]:
        """New inputs in batches ready for the model, in file order (`make predict`): read at
        once and sliced here; data modules of files stream them (image folders)."""
        x = self.load_inputs(path)
        for start in range(0, len(x), batch_size):
            yield x[start : start + batch_size]

    def file_batches(
        self, source: Path, paths: list[str], read, batch_size: int
    ) -> Iterator[torch.Tensor]:
        """New inputs kept as files (`paths`, `read(path)` decodes one), decoded in the loader's
        workers a batch at a time and preprocessed as in training; a file that cannot be decoded
        stops with its message. `source` (the path given) is named if they look unlike training's.
        """
        from torch.utils.data import DataLoader

        from dlkit.data.file_samples import FileSplit, SampleFiles, collate_files
        from dlkit.data.sampling import loader_settings

        self.load_inputs_check()
        labels = torch.zeros(len(paths), dtype=torch.long)
        files = SampleFiles(paths=paths, labels=labels, class_names=[], read=read)
        workers = loader_settings(None, False, False, per_sample=True, trainer=None)
        loader = DataLoader(
            FileSplit(files), batch_size=batch_size, collate_fn=collate_files, **workers
        )
        far = values = 0
        for x, _, bad in loader:
            if bad:
                raise DataError(bad[0].message)
            x = self.transform_batch(x, augment=False)
            far += self.far_from_training(x) * x.numel()
            values += x.numel()
            yield x
        warn_if_far(far / max(values, 1), source)

    def far_from_training(self, x: torch.Tensor) -> float:
        """The share of standardized values in `x` beyond FAR training standard deviations."""
        if self.mean is None or x.numel() == 0:
            return 0.0
        return float((x.abs() > FAR).float().mean())

    def state_dict(self) -> dict:
        """What training fitted, in plain Python types (checkpoints stay `weights_only`-loadable)."""
        return {
            "task": self.task,
            "input_shape": list(self._input_shape) if self._input_shape else None,
            "class_names": list(self.class_names) if self.class_names else None,
            "mean": self.mean.cpu().tolist() if self.mean is not None else None,
            "std": self.std.cpu().tolist() if self.std is not None else None,
            **self.extra_state(),
        }

    def load_state_dict(self, state: dict) -> None:
        self._input_shape = tuple(state["input_shape"]) if state.get("input_shape") else None
        self.class_names = state.get("class_names")
        self.mean = torch.tensor(state["mean"]) if state.get("mean") is not None else None
        self.std = torch.tensor(state["std"]) if state.get("std") is not None else None
        self.load_extra_state(state)


def _listed(items: list, shown: int = 10) -> str:
    """`[0, 3, 7]`, or the first `shown` and how many more."""
    more = f" and {len(items) - shown} more" if len(items) > shown else ""
    return f"{items[:shown]}{more}"
