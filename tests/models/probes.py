"""Callbacks that record what happens inside a fit, for tests to assert on."""

from typing import ClassVar

import lightning.pytorch as L
import torch


class GradientNormProbe(L.Callback):
    """Records the total gradient norm of each step as the optimizer used it (after clipping)."""

    norms: ClassVar[
        list[float]
    ] = []  # class-level: the test reads it after `train` built its own probe

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        # gradients stay in place until the next step zeroes them: these are the clipped ones
        grads = [p.grad for p in pl_module.parameters() if p.grad is not None]
        GradientNormProbe.norms.append(
            torch.linalg.vector_norm(
                torch.stack([torch.linalg.vector_norm(g) for g in grads])
            ).item()
        )
