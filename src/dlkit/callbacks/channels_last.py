"""Convolution weights in channels-last memory order (NHWC), the layout GPU tensor cores prefer.

`make train trainer=gpu trainer.precision=bf16-mixed "callbacks=[default,channels_last]"`

cuDNN runs a convolution channels-last when its input or its weight is channels-last, so the
model is converted once, before the optimizer sees its parameters; the data stay as they are.
It pays on GPUs (mostly in mixed precision) for 2-D convolutions; elsewhere it changes nothing
but the speed, which `make bench ARGS="--channels-last …"` measures side by side.
"""

import lightning.pytorch as L
import torch


class ChannelsLast(L.Callback):
    def setup(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        pl_module.to(memory_format=torch.channels_last)  # 4-D weights only; the rest as they were
