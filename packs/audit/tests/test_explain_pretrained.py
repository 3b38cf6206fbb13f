"""`make explain` on a fine-tuned pretrained net: the inputs are prepared as the weights expect
(resized to the net's input size, standardized with the weights' mean and std, both kept in the
checkpoint), and Grad-CAM reads the backbone's last convolution that keeps a map."""

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from dlkit.training.run import train
from dlkit_audit.attributions.methods import last_convolution, mapping_convolution
from dlkit_audit.explain import explain
from tests.helpers import FEW_BATCHES, compose_config, read_summary

pytest.importorskip("dlkit_pretrained")  # model=timm is the pretrained pack's
timm = pytest.importorskip("timm")

TIMM_NET = "mobilenetv3_small_050"  # 0.6 M parameters: timm's zoo in a test
COLOURS = {"red": (200, 40, 40), "green": (40, 200, 40), "blue": (40, 40, 200)}


def write_image_folder(root: Path, size: int = 16, per_class: int = 16, seed: int = 0) -> Path:
    """root/<colour>/<i>.png: noisy images whose class is their colour, learnable in a few steps."""
    rng = np.random.default_rng(seed)
    for name, colour in COLOURS.items():
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            noise = rng.normal(0, 40, (size, size, 3))
            pixels = np.clip(np.array(colour) + noise, 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i}.png")
    return root


def write_timm_weights(path: Path) -> Path:
    """A state dict of TIMM_NET (with timm's 1,000-class head) as a .safetensors file, timm's
    own format, as a user saves one."""
    from safetensors.torch import save_file

    torch.manual_seed(0)
    save_file(timm.create_model(TIMM_NET, pretrained=False).state_dict(), str(path))
    return path


@pytest.fixture(scope="module")
def fine_tuned(tmp_path_factory) -> str:
    """The best checkpoint of a timm net fine-tuned from a weights file, then deleted."""
    tmp_path = tmp_path_factory.mktemp("fine_tuned")
    photos = write_image_folder(tmp_path / "photos", per_class=8)
    weights = write_timm_weights(tmp_path / "weights.safetensors")
    overrides = [
        "data=image_folder",
        f"data.path={photos}",
        "data.batch_size=8",
        "model=timm",
        f"model.net.name={TIMM_NET}",
        f"model.net.weights={weights}",
        "data.net_inputs.size=[24,24]",
        "optimizer.lr=0.0001",  # a gentle step: an untrained head, no saturated probabilities
        "trainer.max_epochs=1",
        *FEW_BATCHES,
    ]
    train(compose_config("train", overrides, tmp_path / "run", tmp_path / "data"))
    weights.unlink()  # the checkpoint holds every weight and the input preparation
    return read_summary(tmp_path / "run")["best_checkpoint"]


@pytest.mark.slow  # fine-tunes a timm net, then two attribution methods
@pytest.mark.parametrize("method", ["gradcam", "integrated_gradients"])
def test_explain_a_fine_tuned_net_on_photos_of_another_size(fine_tuned, tmp_path, method):
    new = write_image_folder(tmp_path / "new", size=40, per_class=2, seed=1)
    cfg = compose_config(
        "explain",
        [f"ckpt_path={fine_tuned}", f"input={new}", f"explain.method={method}", "explain.steps=8"],
        tmp_path / "x",
        tmp_path / "data",
    )
    explain(cfg)
    summary = read_summary(tmp_path / "x")
    assert summary["status"] == "completed" and summary["num_inputs"] == 2 * len(COLOURS)
    saved = np.load(tmp_path / "x" / "attributions.npz")
    assert saved["attributions"].shape == saved["inputs"].shape == (6, 3, 24, 24)
    # shown as the photos are: the weights' standardization undone, back in [0, 1]
    assert saved["inputs"].min() >= -1e-4 and saved["inputs"].max() <= 1 + 1e-4
    assert {i["true"] for i in summary["inputs"]} <= set(COLOURS)  # the folders name the classes
    assert np.isfinite(saved["attributions"]).all()
    # this barely trained net's probabilities saturate: gradients vanish, and explain says so
    empty = int((np.abs(saved["attributions"]).reshape(6, -1).sum(axis=1) == 0).sum())
    assert summary.get("empty_attributions", 0) == empty


@pytest.mark.slow  # builds a timm net (the fast suite has its time budget)
def test_grad_cam_reads_the_last_convolution_that_keeps_a_map():
    """timm's MobileNetV3 convolves once more after its global pooling (`conv_head`, 1x1)."""
    net = timm.create_model(TIMM_NET, pretrained=False, num_classes=3).eval()
    names = {module: name for name, module in net.named_modules()}
    assert names[last_convolution(net)] == "conv_head"
    chosen = mapping_convolution(net, torch.rand(1, 3, 64, 64))
    assert names[chosen].startswith("blocks.") and chosen.out_channels > 3
