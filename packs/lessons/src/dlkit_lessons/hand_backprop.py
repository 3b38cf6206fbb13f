"""Classification of the course's two-layer net, trained with autograd's gradients or with the
ones written by hand (`dlkit_lessons.two_layer_net.backprop_by_hand`).

`model.backprop=autograd` is ordinary training: Lightning calls `loss.backward()`.
`model.backprop=by_hand` replaces that call (the `backward` hook) by the hand-written
gradients, and logs at each step how far each one is from autograd's on the same batch
(`by_hand/dW1` …: the norm of the difference over the norm of autograd's), and at the first
step whether `torch.autograd.gradcheck` passes them (`by_hand/gradcheck`, 1 or 0). Both log
the training loss at every step (`train/step_loss`): the backprop lesson draws the two runs'
curves over each other.
"""

import torch

from dlkit.config.values import check_choice
from dlkit.errors import ConfigError
from dlkit.models.classification import ClassificationModule
from dlkit_lessons.two_layer_net import (
    PARAMETERS,
    TwoLayerNet,
    backprop_by_hand,
    gradcheck_by_hand,
)

BACKPROP = ("autograd", "by_hand")
GRADCHECK_SAMPLES = 8  # gradcheck's finite differences cost two forward passes per weight


class HandBackpropModule(ClassificationModule):
    """ClassificationModule whose gradients come from autograd or from the chain rule by hand.

    Args:
        backprop: "autograd" (`loss.backward()`) or "by_hand" (`backprop_by_hand`, checked
            against autograd at every step); the net must be the course's `TwoLayerNet`.
    """

    def __init__(self, *, backprop: str = "autograd", **kwargs) -> None:
        self.backprop = check_choice("model.backprop", backprop, BACKPROP)
        super().__init__(**kwargs)
        if not isinstance(self.net, TwoLayerNet):
            raise ConfigError(
                f"model.backprop needs the course's two-layer net (model=two_layer), whose "
                f"gradients are written by hand; got {type(self.net).__name__}"
            )
        self._hand_gradients: tuple[torch.Tensor, ...] | None = None

    def training_step(self, batch, batch_idx: int) -> torch.Tensor:
        loss = super().training_step(batch, batch_idx)
        self.log("train/step_loss", loss.detach(), on_step=True, on_epoch=False)
        if self.backprop == "by_hand":
            x, y = batch
            weights = self.net.weights()
            _, self._hand_gradients = backprop_by_hand(x, y, *weights)
            # autograd's gradients of the same loss, beside the hand-written ones
            autograd = torch.autograd.grad(loss, weights)
            for name, hand, auto in zip(PARAMETERS, self._hand_gradients, autograd, strict=True):
                relative = (hand - auto).norm() / auto.norm().clamp_min(1e-30)
                self.log(f"by_hand/d{name}", relative, on_step=True, on_epoch=False)
            if self.global_step == 0:
                passed = gradcheck_by_hand(x[:GRADCHECK_SAMPLES], y[:GRADCHECK_SAMPLES], self.net)
                # once, in the first epoch's row (a value logged per step would be repeated
                # at every later step's logging)
                self.log("by_hand/gradcheck", float(passed), on_step=False, on_epoch=True)
        return loss

    def backward(self, loss: torch.Tensor, *args, **kwargs) -> None:
        if self.backprop == "autograd":
            super().backward(loss, *args, **kwargs)  # loss.backward()
            return
        # the optimizer steps on the hand-written gradients; autograd's were only compared
        for weight, gradient in zip(self.net.weights(), self._hand_gradients, strict=True):
            weight.grad = gradient
