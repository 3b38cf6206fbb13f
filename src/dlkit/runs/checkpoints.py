"""A run's checkpoint files, read safely: no code runs on loading, and damage is found first.

Checkpoints that `make train` writes hold tensors and plain values only, so they load with
`torch.load(weights_only=True)`: a file holding anything else (a pickled object, which could run
code when loaded) is refused. A file cut short (a full disk, a copy stopped halfway) is named as
damaged, and `make train resume=…` continues from the newest intact checkpoint instead.
"""

import pickle
import zipfile
from pathlib import Path

from dlkit.errors import ConfigError
from dlkit.runs.folder import RunFolder


def read_checkpoint(path: Path) -> dict:
    """The checkpoint's contents; a ConfigError naming the file when it cannot be trusted."""
    import torch

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


def newest_intact(folder: RunFolder) -> tuple[Path, list[str]]:
    """The checkpoint to resume from: last.ckpt, else the newest one that reads whole; and a
    line for each one passed over. A ConfigError when none is intact."""
    candidates = [folder.last_checkpoint] if folder.last_checkpoint.is_file() else []
    others = sorted(folder.checkpoints.glob("*.ckpt"), key=lambda p: p.stat().st_mtime)
    candidates += [p for p in reversed(others) if p != folder.last_checkpoint]
    skipped = []
    for path in candidates:
        try:
            read_checkpoint(path)
        except ConfigError as error:
            skipped.append(f"skipped {path.name}: {str(error).split(' (')[0]}")
            continue
        return path, skipped
    raise ConfigError(
        f"no intact checkpoint in {folder.checkpoints} to resume from "
        f"({'; '.join(skipped) or 'none at all'}): start the run again"
    )
