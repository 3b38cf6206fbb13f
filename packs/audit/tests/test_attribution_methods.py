"""Which attribution methods fit which net: Grad-CAM needs a convolutional net, and a net that
convolves only to embed its input, then mixes every position (attention), is not one."""

import pytest

from dlkit.errors import ConfigError
from dlkit.models.nets.cnn import CNN
from dlkit.models.nets.recurrent import RecurrentNet
from dlkit.models.nets.transformer import Transformer
from dlkit_audit.attributions.methods import check_method, methods_for


def test_gradcam_fits_a_cnn():
    net = CNN(input_shape=(1, 8, 8), num_outputs=10)
    assert "gradcam" in methods_for(net) and check_method("gradcam", net) == "gradcam"


@pytest.mark.parametrize(
    ("net", "why"),
    [
        (
            Transformer(input_shape=(40, 1), num_outputs=10),
            "mixes all positions after its convolutions (MultiheadAttention)",
        ),
        (RecurrentNet(input_shape=(40, 1), num_outputs=10, cell="gru"), "has no convolution"),
    ],
    ids=["transformer", "gru"],
)
def test_gradcam_on_a_net_without_a_map_is_refused_in_one_message(net, why):
    """README: gradcam needs a convolutional net; the Transformer's patch embedding is a Conv1d."""
    assert "gradcam" not in methods_for(net)
    with pytest.raises(ConfigError) as refused:
        check_method("gradcam", net)
    message = str(refused.value)
    assert "explain.method=gradcam needs a convolutional net" in message and why in message
    assert "choose explain.method=integrated_gradients or saliency or occlusion" in message
