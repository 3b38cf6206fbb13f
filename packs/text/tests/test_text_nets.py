"""Text nets (`model=text_*`): token ids through an embedding, padding that never changes a
prediction, and every text model option learning a small text task well above chance."""

import pytest
import torch

from dlkit.errors import ConfigError
from dlkit_text.data.text_csv import TextCSVDataModule
from dlkit_text.data.tokenizer import PADDING_ID
from tests.helpers import ROOT
from tests.models.nets import build_net

VOCAB = 30
TEXT_MODELS = ("text_mlp", "text_cnn", "text_rnn", "text_lstm", "text_gru", "text_transformer")
# every text model option, with the switches that change how it reads the steps
TEXT_NETS = [
    ("text_mlp", {}),
    ("text_cnn", {}),
    ("text_cnn", {"norm": False, "kernel_size": 5}),
    ("text_rnn", {}),
    ("text_lstm", {"pooling": "mean"}),
    ("text_gru", {}),
    ("text_gru", {"bidirectional": True, "num_layers": 2}),
    ("text_lstm", {"bidirectional": True, "pooling": "mean"}),
    ("text_transformer", {}),
    ("text_transformer", {"pooling": "mean", "positions": "sinusoidal"}),
    ("text_transformer", {"patch_size": 3, "norm_first": False}),
]
# small enough to learn the keyword task in a second or two
TINY = {
    "text_mlp": {"hidden_sizes": [32]},
    "text_cnn": {"channels": [16]},
    "text_rnn": {"hidden_size": 32, "num_layers": 1},
    "text_lstm": {"hidden_size": 32, "num_layers": 1},
    "text_gru": {"hidden_size": 32, "num_layers": 1},
    "text_transformer": {"d_model": 32, "num_heads": 2, "num_layers": 1},
}


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


def test_every_text_model_option_is_covered():
    options = {p.stem for p in (ROOT / "packs" / "text" / "configs" / "model").glob("*.yaml")}
    assert options == set(TEXT_MODELS) == {model for model, _ in TEXT_NETS} == set(TINY)


@pytest.mark.parametrize("model", TEXT_MODELS)
def test_text_nets_take_text_only(model):
    assert build_net(model, (12,), vocab_size=VOCAB).modalities == ("text",)
    with pytest.raises(ConfigError, match=r"takes token ids \[L\] per text, got input shape"):
        build_net(model, (16, 1), vocab_size=VOCAB)


@pytest.mark.parametrize(("model", "overrides"), TEXT_NETS, ids=str)
def test_padding_never_changes_a_prediction(model, overrides):
    net = _text_net(model, **overrides).eval()
    short = _ids([5, 2, 7], padded_to=7)
    long = torch.cat([short, torch.full((3, 5), PADDING_ID)], dim=1)  # the same texts, 12 ids
    with torch.no_grad():
        torch.testing.assert_close(net(long), net(short), atol=1e-5, rtol=1e-4)
        changed = short.clone()
        changed[0, 4] = 3 if changed[0, 4] == 2 else 2  # another real token
        assert not torch.allclose(net(changed)[0], net(short)[0])


@pytest.mark.parametrize(("model", "overrides"), TEXT_NETS, ids=str)
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


def test_a_patch_cannot_be_longer_than_the_text():
    with pytest.raises(ConfigError, match=r"patch_size must lie in \[1, 12\] \(the text length\)"):
        _text_net("text_transformer", patch_size=13)


@pytest.fixture(scope="module")
def keyword_ids(tmp_path_factory, keyword_texts) -> dict:
    """The keyword texts as word ids, split as `data=text_csv` splits them (chance: 1/3)."""
    path = tmp_path_factory.mktemp("keywords") / "texts.csv"
    keyword_texts(300).to_csv(path, index=False)
    datamodule = TextCSVDataModule(str(path), "body", "team", tokenizer="word", vocab_size=100)
    datamodule.setup("fit")
    return {
        "splits": {s: d.tensors for s, d in datamodule.datasets.items()},
        "input_shape": datamodule.input_shape,
        "net_kwargs": datamodule.model_kwargs()["net_kwargs"],
    }


@pytest.mark.parametrize("model", TEXT_MODELS)
def test_every_text_model_option_learns_above_chance(keyword_ids, model):
    """Each option as `model=<option>` composes it, trained on the training split's keyword
    texts for a few epochs, finds the keyword on the test split (three classes)."""
    torch.manual_seed(0)
    net = build_net(
        model,
        keyword_ids["input_shape"],
        embedding_dim=16,
        dropout=0.0,
        **TINY[model],
        **keyword_ids["net_kwargs"],
    )
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    x, y = keyword_ids["splits"]["train"]
    net.train()
    for _ in range(15):
        for batch in torch.randperm(len(x)).split(32):
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(net(x[batch]), y[batch]).backward()
            optimizer.step()
    x_test, y_test = keyword_ids["splits"]["test"]
    with torch.no_grad():
        accuracy = (net.eval()(x_test).argmax(dim=1) == y_test).float().mean().item()
    assert accuracy > 0.8, f"{model}: test accuracy {accuracy:.2f} (chance 0.33)"
