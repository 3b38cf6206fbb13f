"""A fine-tuned net's whole life offline: trained from a weights file, then evaluated, asked for
predictions on new photos of another size and exported, without the weights file; pretrained
weights that cannot be downloaded end the run with one message; the recipe composes."""

import shutil

import numpy as np
import pandas as pd
import pytest
import torch
from hydra.core.hydra_config import HydraConfig
from omegaconf import OmegaConf

from dlkit.data.image_files import list_images, read_images
from dlkit.saved.evaluate import evaluate
from dlkit.saved.export import export
from dlkit.saved.predict import predict
from dlkit.training.run import train
from tests.helpers import FEW_BATCHES, compose_config, folders, output, read_summary, run


@pytest.mark.slow  # ~15 s: a training run and the three commands that read it
def test_a_net_fine_tuned_from_a_file_is_evaluated_predicted_and_exported(
    tmp_path, timm_file, timm_net, write_photos
):
    photos = write_photos(tmp_path / "photos", per_class=12)
    weights = tmp_path / "weights.safetensors"
    shutil.copy(timm_file[0], weights)
    overrides = [
        "data=image_folder",
        f"data.path={photos}",
        "data.channels=1",  # gray photos, an RGB-pretrained stem
        "data.batch_size=16",
        "model=timm",
        f"model.net.name={timm_net}",
        f"model.net.weights={weights}",
        "data.net_inputs.size=[24,24]",
        "trainer.max_epochs=1",
        *FEW_BATCHES,
    ]
    cfg = compose_config("train", overrides, tmp_path / "run", tmp_path / "data")
    train(cfg)
    trained = read_summary(tmp_path / "run")
    assert trained["status"] == "completed"
    recorded = OmegaConf.load(tmp_path / "run" / "config.yaml").data.net_inputs
    assert recorded.size == [24, 24]
    assert recorded.mean == pytest.approx([0.485, 0.456, 0.406])  # ImageNet's, not the photos'
    weights.unlink()  # the checkpoint holds every weight: the file is needed no more

    best = trained["best_checkpoint"]
    evaluate(compose_config("eval", [f"ckpt_path={best}"], tmp_path / "eval", tmp_path / "data"))
    assert read_summary(tmp_path / "eval")["test"] == pytest.approx(trained["test"])

    new = write_photos(tmp_path / "new", size=40, per_class=2, seed=1)  # another size
    predict(
        compose_config(
            "predict", [f"ckpt_path={best}", f"input={new}"], tmp_path / "pred", tmp_path
        )
    )
    predictions = pd.read_csv(tmp_path / "pred" / "predictions.csv")
    assert len(predictions) == len(list_images(new)) == 6

    export(compose_config("export", [f"ckpt_path={best}"], tmp_path / "export", tmp_path))
    exported = read_summary(tmp_path / "export")
    assert exported["status"] == "completed" and exported["input_shape"] == ["batch", 1, 24, 24]
    # the exported model standardizes as predict does: same probabilities for the photos read
    # at the net's size
    images = read_images(list_images(new), 1, (24, 24)).float() / 255
    with torch.inference_mode():
        probabilities = torch.export.load(exported["model_file"]).module()(images).numpy()
    columns = [c for c in predictions.columns if c.startswith("probability_")]
    np.testing.assert_allclose(probabilities, predictions[columns].to_numpy(), atol=1e-5)


@pytest.mark.slow  # a whole process; the same message in process: test_pretrained.py
def test_pretrained_weights_offline_end_the_run_with_one_message(tmp_path, timm_net, write_photos):
    photos = write_photos(tmp_path / "photos", per_class=8)
    result = run(
        "-m",
        "dlkit.cli.train",
        "data=image_folder",
        f"data.path={photos}",
        "model=timm",
        f"model.net.name={timm_net}",
        "model.net.pretrained=true",
        *folders(tmp_path),
        "hydra.run.dir=" + str(tmp_path / "run"),
        env={"HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(tmp_path / "empty_cache")},
    )
    text = output(result)
    assert result.returncode == 2, text
    assert "Traceback" not in text
    assert f"cannot download the pretrained weights timm/{timm_net}" in text
    assert str(tmp_path / "empty_cache") in text and "model.net.weights=<file>" in text
    summary = read_summary(tmp_path / "run")
    assert summary["status"] == "failed" and "cannot download" in summary["error"]
    assert not list((tmp_path / "run").glob("checkpoints/*.ckpt"))


def test_the_recipe_fine_tunes_a_pretrained_resnet(compose_train, tmp_path):
    cfg = compose_train("experiment=finetune_image_folder", f"data.path={tmp_path}")
    choices = HydraConfig.get().runtime.choices
    assert (choices["data"], choices["model"], choices["callbacks"]) == (
        "image_folder",
        "pretrained_resnet",
        "finetune",
    )
    assert cfg.model.net.pretrained and cfg.callbacks.finetune.unfreeze_at_epoch == 2
    assert cfg.data.net_inputs.size == [224, 224] and cfg.model.net.backbone_lr_factor == 1


@pytest.mark.slow
def test_make_train_eval_predict_export_with_a_resnet_weights_file(
    tmp_path, resnet18_file, write_photos
):
    """The README's offline command, as a user types it, then the three saved-run commands."""
    photos = write_photos(tmp_path / "photos", size=32, per_class=12)
    shutil.copy(resnet18_file[0], tmp_path / "resnet18.pth")
    run_dir = tmp_path / "run"
    result = run(
        "make",
        "train",
        "experiment=finetune_image_folder",
        f"data.path={photos}",
        "model.net.pretrained=false",
        f"model.net.weights={tmp_path / 'resnet18.pth'}",
        "data.net_inputs.size=[64,64]",
        "trainer.max_epochs=3",
        *FEW_BATCHES,
        *folders(tmp_path),
        f"hydra.run.dir={run_dir}",
        timeout=900,
    )
    assert result.returncode == 0, output(result)
    summary = read_summary(run_dir)
    assert summary["status"] == "completed"
    metrics = pd.read_csv(run_dir / "metrics.csv")
    assert metrics["lr-AdamW/backbone"].notna().any()  # unfrozen at epoch 2
    best = summary["best_checkpoint"]
    for command in (("eval",), ("predict", f"input={photos / 'red'}"), ("export",)):
        done = run("make", *command, f"ckpt_path={best}", *folders(tmp_path), timeout=600)
        assert done.returncode == 0, output(done)
