"""The course's two-layer net, and its gradients by the chain rule, by hand.

The course's forward pass, for one input vector x:

    z1 = W1 @ x + b1        a1 = relu(z1)        z2 = W2 @ a1 + b2        y_hat = softmax(z2)

with cross-entropy L = -log y_hat[y]. Here a batch of B inputs is a matrix X with one sample
per row, so `W1 @ x` for every sample at once is `X @ W1.T`; the loss is the batch's mean.

`backprop_by_hand` runs that forward pass and then every gradient, one line per step of the
chain rule, in plain tensor code: no autograd. `HandBackprop` hands it to autograd as a
function's backward, so that `torch.autograd.gradcheck` can compare it with finite
differences of the loss. The backprop lesson (`make lesson name=backprop`) trains the net with these
gradients beside `loss.backward()`'s (`dlkit_lessons.hand_backprop`).
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

PARAMETERS = ("W1", "b1", "W2", "b2")


class TwoLayerNet(nn.Module):
    """z1 = W1 @ x + b1, a1 = relu(z1), z2 = W2 @ a1 + b2: the logits z2 (softmax is the loss's).

    The weights are plain parameters named as in the course, so the hand-written gradients
    read like the math. He initialization for W1 (a ReLU follows it), Xavier's for W2.
    """

    modalities = ("image", "sequence", "table")  # any input, flattened to one vector

    def __init__(self, input_shape: tuple[int, ...], num_outputs: int, hidden_size: int = 64):
        super().__init__()
        inputs = math.prod(input_shape)
        self.W1 = nn.Parameter(torch.randn(hidden_size, inputs) * math.sqrt(2 / inputs))
        self.b1 = nn.Parameter(torch.zeros(hidden_size))
        self.W2 = nn.Parameter(torch.randn(num_outputs, hidden_size) / math.sqrt(hidden_size))
        self.b2 = nn.Parameter(torch.zeros(num_outputs))

    def weights(self) -> tuple[torch.Tensor, ...]:
        """W1, b1, W2, b2, in the order `backprop_by_hand` takes them."""
        return tuple(getattr(self, name) for name in PARAMETERS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.flatten(1)  # one row per sample
        z1 = x @ self.W1.T + self.b1
        a1 = torch.relu(z1)
        return a1 @ self.W2.T + self.b2


def backprop_by_hand(
    x: torch.Tensor,
    y: torch.Tensor,
    W1: torch.Tensor,
    b1: torch.Tensor,
    W2: torch.Tensor,
    b2: torch.Tensor,
) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
    """The mean cross-entropy of the batch (x, y) and its gradients (dW1, db1, dW2, db2)."""
    with torch.no_grad():  # every derivative below is written out: autograd records nothing
        x = x.flatten(1)  # X: [B, inputs]
        batch = len(x)
        # forward, keeping what the backward pass needs
        z1 = x @ W1.T + b1  # z1 = W1 x + b1             [B, hidden]
        a1 = z1.clamp(min=0)  # a1 = relu(z1) = max(0, z1)
        z2 = a1 @ W2.T + b2  # z2 = W2 a1 + b2            [B, classes]
        y_hat = torch.softmax(z2, dim=1)  # y_hat = exp(z2) / sum_k exp(z2_k)
        one_hot = F.one_hot(y, z2.shape[1]).to(z2.dtype)  # Y: 1 at the true class, 0 elsewhere
        # L = -mean_i log y_hat_i[y_i] (log_softmax: log y_hat without underflow)
        loss = -(one_hot * torch.log_softmax(z2, dim=1)).sum(dim=1).mean()

        # backward: the chain rule, from the loss back to each weight
        dz2 = (y_hat - one_hot) / batch  # dL/dz2 = (y_hat - Y) / B: softmax + cross-entropy
        dW2 = dz2.T @ a1  # dL/dW2 = dL/dz2 · a1ᵀ, summed over the batch
        db2 = dz2.sum(dim=0)  # dL/db2 = dL/dz2 (dz2/db2 = I), summed over the batch
        da1 = dz2 @ W2  # dL/da1 = W2ᵀ · dL/dz2
        dz1 = da1 * (z1 > 0)  # dL/dz1 = dL/da1 ⊙ relu'(z1), relu'(z) = 1 if z > 0 else 0
        dW1 = dz1.T @ x  # dL/dW1 = dL/dz1 · xᵀ, summed over the batch
        db1 = dz1.sum(dim=0)  # dL/db1 = dL/dz1
    return loss, (dW1, db1, dW2, db2)


class HandBackprop(torch.autograd.Function):
    """The loss as an autograd function whose backward is `backprop_by_hand`'s gradients:
    `torch.autograd.gradcheck(HandBackprop.apply, (x, y, W1, b1, W2, b2))` compares them with
    finite differences of the loss (in float64)."""

    @staticmethod
    def forward(ctx, x, y, W1, b1, W2, b2):
        loss, gradients = backprop_by_hand(x, y, W1, b1, W2, b2)
        ctx.save_for_backward(*gradients)
        return loss

    @staticmethod
    def backward(ctx, grad_loss):
        # dOut/dW = dOut/dL · dL/dW; x and y get none (the data is not learned)
        return (None, None, *(grad_loss * g for g in ctx.saved_tensors))


def gradcheck_by_hand(x: torch.Tensor, y: torch.Tensor, net: TwoLayerNet) -> bool:
    """Whether the hand-written gradients at the net's weights match finite differences of the
    loss on (x, y), as `torch.autograd.gradcheck` measures (float64, its tolerances).

    Its fast mode compares them along random directions of all the weights at once: the full
    check perturbs each of the thousands of weights in turn (a minute and more on a CPU)."""
    weights = [w.detach().double().requires_grad_() for w in net.weights()]
    inputs = (x.detach().flatten(1).double(), y.detach(), *weights)
    return torch.autograd.gradcheck(
        HandBackprop.apply, inputs, fast_mode=True, raise_exception=False
    )
