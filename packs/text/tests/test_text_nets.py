"""Nets on token ids: an embedding first, and padding that never changes a prediction."""

import pytest
import torch
from dlkit_text.data.tokenizer import PADDING_ID
from tests.models.nets import build_net

VOCAB = 30
# every net that takes text, with the switches that change how it reads the steps
TEXT_NETS = [
    ("mlp", {}),
    ("cnn", {}),
    ("cnn", {"norm": False, "kernel_size": 5}),
    ("rnn", {}),
    ("lstm", {"pooling": "mean"}),
    ("gru", {}),
    ("gru", {"bidirectional": True, "num_layers": 2}),
    ("lstm", {"bidirectional": True, "pooling": "mean"}),
    ("transformer", {}),
    ("transformer", {"pooling": "mean", "positions": "sinusoidal"}),
    ("transformer", {"patch_size": 3, "norm_first": False}),
]
# one way of reading the steps per kind of net stays in the fast suite, the others are slow tests
FAST = [
    ("mlp", {}),
    ("cnn", {}),
    ("gru", {"bidirectional": True, "num_layers": 2}),
    ("transformer", {}),
]
CASES = [
    pytest.param(model, overrides, marks=() if (model, overrides) in FAST else pytest.mark.slow)
    for model, overrides in TEXT_NETS
]


def _text_net(model: str, length: int = 12, **overrides):
    torch.manual_seed(0)
    return build_net(
        model, (length,), num_outputs=3, vocab_size=VOCAB, padding_id=PADDING_ID, **overrides
    )


def _ids(lengths: list[int], padded_to: int) -> torch.Tensor:
    """Texts of the given numbers of real tokens (the same tokens for one length), padded."""
    generator = torch.Generator().manual_seed(1)
    ids = torch.full((len(lengths), padded_to), PADDING_ID)
    for row, length in enumerate(lengths):
        ids[row, :length] = torch.randint(2, VOCAB, (length,), generator=generator)
    return ids


@pytest.mark.parametrize(("model", "overrides"), CASES, ids=str)
def test_padding_never_changes_a_prediction(model, overrides):
    net = _text_net(model, **overrides).eval()
    short = _ids([5, 2, 7], padded_to=7)
    long = torch.cat([short, torch.full((3, 5), PADDING_ID)], dim=1)  # the same texts, 12 ids
    with torch.no_grad():
        torch.testing.assert_close(net(long), net(short), atol=1e-5, rtol=1e-4)
        changed = short.clone()
        changed[0, 4] = 3 if changed[0, 4] == 2 else 2  # another real token
        assert not torch.allclose(net(changed)[0], net(short)[0])


@pytest.mark.parametrize(("model", "overrides"), CASES, ids=str)
def test_token_ids_train_through_an_embedding(model, overrides):
    net = _text_net(model, embedding_dim=8, **overrides)
    outputs = net(_ids([12, 3, 8, 1], padded_to=12))
    assert outputs.shape == (4, 3)
    outputs.square().mean().backward()
    embedding = net.tokens.embedding
    assert embedding.weight.shape == (VOCAB, 8)
    assert embedding.weight.grad[PADDING_ID].abs().sum() == 0  # padding learns nothing
    assert embedding.weight.grad[2:].abs().sum() > 0
    for name, parameter in net.named_parameters():
        assert parameter.grad is not None, f"{name} got no gradient"


def test_nets_without_a_vocabulary_read_numbers_as_before():
    net = build_net("gru", (16, 1))
    assert net.tokens is None
    assert net(torch.randn(2, 16, 1)).shape == (2, 3)


def test_token_ids_need_a_flat_shape():
    with pytest.raises(ValueError, match=r"token ids come as \[L\] per text"):
        build_net("gru", (16, 1), vocab_size=VOCAB)
