"""Callbacks that record what happens inside a fit, for tests to assert on."""

import traceback
from typing import ClassVar

import lightning.pytorch as L
import torch


def _total_norm(module: L.LightningModule) -> float:
    grads = [p.grad for p in module.parameters() if p.grad is not None]
    return torch.linalg.vector_norm(
        torch.stack([torch.linalg.vector_norm(g) for g in grads])
    ).item()


class GradientNormProbe(L.Callback):
    """The total gradient norm of each step as backward left it and as the optimizer used it.

    Lightning calls `on_before_optimizer_step` before it clips; the gradients stay in place until
    the next step zeroes them, so at `on_train_batch_end` they are the clipped ones.
    """

    # class-level: the test reads them after `train` built its own probe from the config
    before_clipping: ClassVar[list[float]] = []
    after_clipping: ClassVar[list[float]] = []

    def on_before_optimizer_step(self, trainer, pl_module, optimizer) -> None:
        GradientNormProbe.before_clipping.append(_total_norm(pl_module))

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        GradientNormProbe.after_clipping.append(_total_norm(pl_module))


class AutocastProbe(L.Callback):
    """Whether each training forward pass of the net ran under CPU autocast, and the dtype of
    what the net returned (a net's activations are where mixed precision acts)."""

    seen: ClassVar[list[tuple[bool, torch.dtype]]] = []

    def on_fit_start(self, trainer, pl_module) -> None:
        AutocastProbe.seen = []
        self.hook = pl_module.net.register_forward_hook(self._record)

    def on_fit_end(self, trainer, pl_module) -> None:
        self.hook.remove()

    @staticmethod
    def _record(net: torch.nn.Module, inputs, output: torch.Tensor) -> None:
        if net.training:
            AutocastProbe.seen.append((torch.is_autocast_enabled("cpu"), output.dtype))


READS = ("item", "tolist", "__bool__", "cpu", "numpy", "__float__", "__int__", "__index__")
HOST_BOOKKEEPING = ("torch/optim/",)  # Adam's step counters: host tensors on every device


class CountHostReads(L.Callback):
    """Counts the host reads of tensors made inside training steps (the window of the hooks):
    `found` names each (method, file and line)."""

    found: ClassVar[list[str]] = []

    def __init__(self) -> None:
        self.active = False
        self.originals = {name: getattr(torch.Tensor, name) for name in READS}

    def setup(self, trainer, pl_module, stage) -> None:
        for name, original in self.originals.items():

            def counted(tensor, *args, _name=name, _original=original, **kwargs):
                if self.active:
                    caller = traceback.extract_stack(limit=3)[0]
                    if not any(part in caller.filename for part in HOST_BOOKKEEPING):
                        CountHostReads.found.append(f"{_name} in {caller.filename}:{caller.lineno}")
                return _original(tensor, *args, **kwargs)

            setattr(torch.Tensor, name, counted)

    def teardown(self, trainer, pl_module, stage) -> None:
        for name, original in self.originals.items():
            setattr(torch.Tensor, name, original)

    def on_train_batch_start(self, *args, **kwargs) -> None:
        self.active = True

    def on_train_batch_end(self, *args, **kwargs) -> None:
        self.active = False
