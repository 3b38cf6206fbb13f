"""Dropout and batch norm behave differently in training and in evaluation, as the course says."""

import pytest
import torch
from torch import nn

from tests.models.nets import COMPATIBLE, build_net
from tests.models.synthetic import SHAPES


@pytest.mark.parametrize("model", ["mlp", "cnn", "resnet", "gru", "transformer"])
def test_dropout_is_on_in_training_and_off_in_evaluation(model):
    torch.manual_seed(0)
    shape = SHAPES[COMPATIBLE[model][-1]]
    net = build_net(model, shape, dropout=0.5)
    assert any(isinstance(m, nn.Dropout) and m.p == 0.5 for m in net.modules())
    x = torch.randn(8, *shape)
    net.train()
    assert not torch.allclose(net(x), net(x))  # a new random mask each pass
    net.eval()
    with torch.no_grad():
        assert torch.equal(net(x), net(x))


def test_dropout_zero_scales_and_drops_nothing():
    net = build_net("mlp", (6,), dropout=0.0, norm=False)
    x = torch.randn(8, 6)
    net.train()
    first = net(x)
    net.eval()
    assert torch.allclose(first, net(x))


@pytest.mark.parametrize(("model", "shape"), [("mlp", (6,)), ("cnn", (1, 8, 8)), ("cnn", (16, 1))])
def test_batch_norm_uses_batch_statistics_in_training_and_running_ones_in_evaluation(model, shape):
    torch.manual_seed(0)
    net = build_net(model, shape, dropout=0.0)
    norms = [m for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    assert norms
    x = torch.randn(16, *shape) * 3 + 2

    net.train()
    before = norms[0].running_mean.clone()
    alone, in_batch = net(x[:4]), net(x)[:4]
    assert not torch.allclose(alone, in_batch, atol=1e-5)  # a sample's output depends on its batch
    assert not torch.equal(norms[0].running_mean, before)  # training updates the running mean

    net.eval()
    frozen = norms[0].running_mean.clone()
    with torch.no_grad():
        alone, in_batch = net(x[:4]), net(x)[:4]
    assert torch.allclose(alone, in_batch, atol=1e-5)  # evaluation: running statistics only
    assert torch.equal(norms[0].running_mean, frozen)


def test_norm_switch_removes_batch_norm():
    net = build_net("mlp", (6,), norm=False)
    assert not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in net.modules())
    net = build_net("resnet", (1, 8, 8), norm=False)
    assert not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in net.modules())
