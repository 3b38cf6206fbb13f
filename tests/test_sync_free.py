"""A training step never makes the host wait for the device: no read of a device value.

On a GPU every `tensor.item()`, `.tolist()`, `.cpu()`, `bool(tensor)` of a device tensor waits
for the queued kernels to finish. This machine has no GPU, so the reads are counted at the Python
level: every call of those methods between `on_train_batch_start` and `on_train_batch_end`,
with the default callbacks and logger, except the optimizer's own step counters (torch.optim
keeps them on the host unless `capturable=True`).
"""

import traceback

import lightning.pytorch as L
import torch

from dlkit.training.run import train
from tests.conftest import FEW_BATCHES, read_summary

READS = ("item", "tolist", "__bool__", "cpu", "numpy", "__float__", "__int__", "__index__")
HOST_BOOKKEEPING = ("torch/optim/",)  # Adam's step counters: host tensors on every device
found: list[str] = []


class CountHostReads(L.Callback):
    """Counts the host reads of tensors made inside training steps (the window of the hooks)."""

    def __init__(self) -> None:
        self.active = False
        self.originals = {name: getattr(torch.Tensor, name) for name in READS}

    def setup(self, trainer, pl_module, stage) -> None:
        for name, original in self.originals.items():

            def counted(tensor, *args, _name=name, _original=original, **kwargs):
                if self.active:
                    caller = traceback.extract_stack(limit=3)[0]
                    if not any(part in caller.filename for part in HOST_BOOKKEEPING):
                        found.append(f"{_name} in {caller.filename}:{caller.lineno}")
                return _original(tensor, *args, **kwargs)

            setattr(torch.Tensor, name, counted)

    def teardown(self, trainer, pl_module, stage) -> None:
        for name, original in self.originals.items():
            setattr(torch.Tensor, name, original)

    def on_train_batch_start(self, *args, **kwargs) -> None:
        self.active = True

    def on_train_batch_end(self, *args, **kwargs) -> None:
        self.active = False


def test_default_training_steps_read_nothing_from_the_device(compose_train):
    found.clear()
    probe = f"+callbacks.zz_count_reads._target_={__name__}.CountHostReads"
    cfg = compose_train("trainer.max_epochs=2", *FEW_BATCHES, probe)
    train(cfg)
    assert read_summary(cfg)["status"] == "completed"
    assert found == [], "host reads during training steps:\n" + "\n".join(found)
