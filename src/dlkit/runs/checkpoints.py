"""A run's checkpoint files, read safely: no code runs on loading, and damage is found first.

Checkpoints that `make train` writes hold tensors and plain values only, so they load with
`torch.load(weights_only=True)`: a file holding anything else (a pickled object, which could run
code when loaded) is refused. A file cut short (a full disk, a copy stopped halfway) is named as
damaged, and `make train resume=…` continues from the newest intact checkpoint instead.
"""

import pickle
from pathlib import Path

from dlkit.errors import ConfigError
from dlkit.runs.folder import RunFolder


def read_checkpoint(path: Path) -> dict:
    """The checkpoint's contents; a ConfigError naming the file when it cannot be trusted, or is
    no checkpoint of a run (another file named `.ckpt`)."""
    import torch

    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        raise ConfigError(
            f"checkpoint {path} holds objects that only running code could rebuild, so it is not "
            "loaded (checkpoints of this template hold tensors and plain values): use a "
            f"checkpoint that `make train` wrote ({str(error).splitlines()[0]})"
        ) from error
    except Exception as error:  # torch's readers fail on other files in their own ways: a text
        # file ends in the unpickler's KeyError, a zip of other files in a RuntimeError
        raise ConfigError(
            f"checkpoint {path} is damaged or not a PyTorch checkpoint "
            f"({type(error).__name__}: {str(error).splitlines()[0] if str(error) else '-'}): use "
            "another checkpoint of the run (its checkpoints/ folder) or train again"
        ) from error
    if not isinstance(checkpoint, dict) or "state_dict" not in checkpoint:
        held = (
            f"a dict of {sorted(map(str, checkpoint))[:5]}"
            if isinstance(checkpoint, dict)
            else (f"a {type(checkpoint).__name__}")
        )
        raise ConfigError(
            f"{path} is a PyTorch file but no checkpoint of a run (it holds {held}, no "
            "state_dict): use a checkpoint that `make train` wrote (its checkpoints/ folder)"
        )
    return checkpoint


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
