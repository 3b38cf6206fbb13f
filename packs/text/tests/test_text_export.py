"""Every text net exports with a free batch size, bidirectional recurrent nets and the
Transformer included, and gives PyTorch's outputs on texts of other lengths and another batch
size than the one it was exported with."""

import hydra
import pytest
import torch
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from dlkit.saved.model_formats import TorchExport, TorchScript
from tests.exports import exported_difference
from tests.helpers import CONFIG_DIR

LENGTH, VOCABULARY = 12, 50
FORMATS = {"torch_export": TorchExport(), "torchscript": TorchScript()}
BIDIRECTIONAL = ("model.net.bidirectional=true",)
NETS = [
    ("text_cnn", ()),
    ("text_mlp", ()),
    ("text_transformer", ()),
    ("text_transformer", ("model.net.pooling=mean", "model.net.patch_size=5")),
    ("text_rnn", ()),
    ("text_rnn", BIDIRECTIONAL),
    ("text_lstm", (*BIDIRECTIONAL, "model.net.pooling=mean")),
    ("text_gru", ()),
    ("text_gru", (*BIDIRECTIONAL, "model.net.num_layers=2")),
]


def text_net(model: str, switches: tuple[str, ...]) -> torch.nn.Module:
    """The net of `model=<model> [switches…]` for texts of LENGTH ids."""
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        config = compose("train", overrides=[f"model={model}", *switches]).model.net
    config = OmegaConf.to_container(config)
    net = hydra.utils.get_class(config.pop("_target_"))
    torch.manual_seed(0)
    return net(**config, input_shape=(LENGTH,), num_outputs=3, vocab_size=VOCABULARY, padding_id=0)


def token_ids(n: int) -> torch.Tensor:
    """n texts of 3 to 10 real tokens, padded at the end with id 0."""
    ids = torch.randint(1, VOCABULARY, (n, LENGTH))
    for i in range(n):
        ids[i, 3 + i % 8 :] = 0
    return ids


@pytest.mark.parametrize(("cell", "pooling"), [("rnn", "last"), ("lstm", "mean"), ("gru", "last")])
def test_what_an_exported_bidirectional_net_runs_equals_its_packed_pass(cell, pooling):
    """A packed batch cannot be exported: the exported net runs the same computation written
    out per layer and direction, which must give what the packed pass gives."""
    net = text_net(f"text_{cell}", (*BIDIRECTIONAL, "model.net.num_layers=2",
                                    f"model.net.pooling={pooling}")).eval()  # fmt: skip
    embedded, mask = net.tokens(token_ids(9))
    with torch.inference_mode():
        torch.testing.assert_close(
            net._bidirectional_unpacked(embedded, mask), net._read_text(embedded, mask)
        )


@pytest.mark.slow  # an export per net and format
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("model", "switches"), NETS, ids=str)
def test_every_text_net_exports_with_a_free_batch_size(tmp_path, model, switches, fmt):
    net = text_net(model, switches)
    assert exported_difference(FORMATS[fmt], net, token_ids, tmp_path) <= 1e-5
