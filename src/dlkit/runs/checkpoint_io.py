"""Lightning's checkpoint writer, made atomic on local disks.

Lightning writes a checkpoint straight into its file, so a write cut short (a full disk, a
killed process) leaves a damaged `epoch_001.ckpt` or `last.ckpt` behind. Written through a
temporary file and renamed (`dlkit.runs.folder.write_atomic`), a checkpoint is whole or absent.
Remote paths (`s3://…`) keep Lightning's own writer.
"""

from pathlib import Path
from typing import Any

import torch
from lightning.fabric.plugins import TorchCheckpointIO

from dlkit.runs.folder import write_atomic


class AtomicCheckpointIO(TorchCheckpointIO):
    def save_checkpoint(
        self, checkpoint: dict[str, Any], path: Any, storage_options: Any | None = None
    ) -> None:
        if "://" in str(path):
            super().save_checkpoint(checkpoint, path, storage_options)
            return
        write_atomic(Path(path), lambda file: torch.save(checkpoint, file), binary=True)
