"""Backprop by hand: the course's two-layer net, its gradients written out by the chain rule,
checked against autograd and gradcheck, and the lesson that trains with them
(`make lesson name=backprop`; its full size runs in test_lessons_full.py)."""

import pandas as pd
import pytest
import torch
import torch.nn.functional as F

from dlkit.errors import ConfigError
from dlkit_lessons import two_layer_net
from dlkit_lessons.hand_backprop import HandBackpropModule
from dlkit_lessons.two_layer_net import (
    PARAMETERS,
    TwoLayerNet,
    backprop_by_hand,
    gradcheck_by_hand,
)


def _batch(samples: int = 16, inputs: tuple[int, ...] = (1, 4, 4), classes: int = 5):
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(samples, *inputs, generator=generator)
    return x, torch.randint(0, classes, (samples,), generator=generator)


def test_the_hand_written_gradients_are_autograds():
    torch.manual_seed(0)
    net = TwoLayerNet((1, 4, 4), num_outputs=5, hidden_size=8)
    x, y = _batch()
    loss, by_hand = backprop_by_hand(x, y, *net.weights())
    expected = F.cross_entropy(net(x), y)
    autograd = torch.autograd.grad(expected, net.weights())
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    for name, hand, auto in zip(PARAMETERS, by_hand, autograd, strict=True):
        assert hand.shape == auto.shape, name
        torch.testing.assert_close(hand, auto, rtol=1e-5, atol=1e-7, msg=name)
    assert any(g.abs().sum() > 0 for g in by_hand)  # not all zero: a real comparison


def test_gradcheck_passes_the_hand_written_gradients_and_catches_a_wrong_one(monkeypatch):
    torch.manual_seed(0)
    net = TwoLayerNet((16,), num_outputs=3, hidden_size=6)
    x, y = _batch(8, (16,), 3)
    assert gradcheck_by_hand(x, y, net)

    def relu_derivative_forgotten(x, y, W1, b1, W2, b2):
        loss, (_, _, dW2, db2) = backprop_by_hand(x, y, W1, b1, W2, b2)
        with torch.no_grad():
            z1 = x @ W1.T + b1
            z2 = z1.clamp(min=0) @ W2.T + b2
            da1 = (torch.softmax(z2, dim=1) - F.one_hot(y, 3)) / len(x) @ W2
        # dL/dz1 taken as dL/da1: relu'(z1) left out
        return loss, (da1.T @ x, da1.sum(dim=0), dW2, db2)

    monkeypatch.setattr(two_layer_net, "backprop_by_hand", relu_derivative_forgotten)
    assert not gradcheck_by_hand(x, y, net)


def test_by_hand_needs_the_two_layer_net():
    with pytest.raises(ConfigError, match=r"model\.backprop needs the course's two-layer net"):
        HandBackpropModule(
            backprop="by_hand",
            net={"_target_": "dlkit.models.nets.mlp.MLP", "hidden_sizes": [8]},
            input_shape=[4],
            optimizer={"_target_": "torch.optim.SGD", "_partial_": True, "lr": 0.1},
            num_classes=3,
        )
    with pytest.raises(ConfigError, match=r"unknown model\.backprop 'by_heart'"):
        HandBackpropModule(
            backprop="by_heart", net={}, input_shape=[4], optimizer={}, num_classes=3
        )


def test_make_lesson_backprop_trains_with_the_hand_gradients_at_the_tiny_size(
    run_lesson, check_report
):
    sweep_dir = run_lesson("backprop", "lesson.size=tiny")
    text = check_report(sweep_dir, "backprop")
    jobs = {
        (job / ".hydra" / "overrides.yaml").read_text().split("model.backprop=")[1].split()[0]: job
        for job in sorted(sweep_dir.glob("[0-9]*"))
    }
    metrics = {name: pd.read_csv(job / "metrics.csv") for name, job in jobs.items()}
    hand = metrics["by_hand"]
    # each step's hand-written gradients were compared with autograd's, and gradcheck ran
    for name in PARAMETERS:
        distances = hand[f"by_hand/d{name}"].dropna()
        assert len(distances) == 2 and (distances < 1e-4).all(), name
    assert hand["by_hand/gradcheck"].dropna().tolist() == [1.0]
    assert "by_hand/dW1" not in metrics["autograd"]  # the other run used loss.backward()
    # the same weights on the same batches: the two runs' losses step by step are one curve
    losses = [m["train/step_loss"].dropna().to_numpy() for m in metrics.values()]
    assert len(losses[0]) == 2 and losses[0] == pytest.approx(losses[1], rel=1e-5)
    assert "by hand" in text and "loss.backward()" in text
