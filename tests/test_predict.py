"""`make predict`: one CSV row per new input, through the preprocessing fitted in training."""

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image
from sklearn.datasets import load_breast_cancer, load_digits, load_wine

from dlkit.saved.load import load_run
from dlkit.saved.predict import predict
from dlkit.training.run import train
from tests.helpers import FEW_BATCHES, compose_config, read_summary, run_module


def _best_checkpoint(root: Path, *overrides: str) -> str:
    cfg = compose_config("train", ["model=mlp", *overrides], root / "run", root / "data")
    train(cfg)
    return read_summary(root / "run")["best_checkpoint"]


def test_predict_a_csv_without_the_target(tmp_path):
    best = _best_checkpoint(tmp_path, "data=breast_cancer", "trainer.max_epochs=3")
    table = load_breast_cancer(as_frame=True).frame
    new = table.drop(columns="target").sample(25, random_state=0)
    new.to_csv(tmp_path / "new.csv", index=False)

    cfg = compose_config(
        "predict",
        [f"ckpt_path={best}", f"input={tmp_path / 'new.csv'}"],
        tmp_path / "pred",
        tmp_path,
    )
    predict(cfg)
    written = pd.read_csv(tmp_path / "pred" / "predictions.csv")
    assert len(written) == 25
    assert list(written.columns) == [
        "row",
        "prediction",
        "probability_malignant",
        "probability_benign",
    ]
    probabilities = written[["probability_malignant", "probability_benign"]].to_numpy()
    assert probabilities.sum(axis=1) == pytest.approx(np.ones(25), abs=1e-5)
    truth = np.where(table.loc[new.index, "target"] == 0, "malignant", "benign")
    assert (written["prediction"].to_numpy() == truth).mean() > 0.8  # chance: ~0.6


def test_predict_images_from_an_npz_and_a_folder(tmp_path, monkeypatch):
    import dlkit.saved.predict as predict_module

    released = []  # freed memory handed back after each batch (dlkit.runs.heap)
    monkeypatch.setattr(predict_module, "release_freed_memory", lambda: released.append(1))
    best = _best_checkpoint(tmp_path, "trainer.max_epochs=1")
    run = load_run(best, "predict")
    x = run.datamodule.datasets["test"].tensors[0][:17]
    np.savez(tmp_path / "digits.npz", x=x.numpy())
    cfg = compose_config(
        "predict",
        [f"ckpt_path={best}", f"input={tmp_path / 'digits.npz'}", "batch_size=5"],
        tmp_path / "pred",
        tmp_path,
    )
    predict(cfg)
    written = pd.read_csv(tmp_path / "pred" / "predictions.csv")
    assert len(written) == 17 and len(released) == 4  # batches of 5
    with torch.inference_mode():
        expected = run.model.predict_from_outputs(run.model(run.datamodule.transform_batch(x)))
    probabilities = written[[f"probability_{c}" for c in range(10)]].to_numpy()
    np.testing.assert_allclose(probabilities, expected.numpy(), atol=1e-5)
    assert written["prediction"].tolist() == expected.argmax(dim=1).tolist()

    # the same images as PNG files in a folder: one row per file, named
    folder = tmp_path / "images"
    (folder / "more").mkdir(parents=True)
    for i, image in enumerate(x[:6]):
        name = f"more/{i}.png" if i >= 4 else f"{i}.png"
        Image.fromarray((image[0].numpy() * 255).round().astype(np.uint8)).save(folder / name)
    cfg = compose_config(
        "predict", [f"ckpt_path={best}", f"input={folder}"], tmp_path / "pred_png", tmp_path
    )
    predict(cfg)
    written = pd.read_csv(tmp_path / "pred_png" / "predictions.csv")
    assert written["input"].tolist() == [
        "0.png",
        "1.png",
        "2.png",
        "3.png",
        "more/4.png",
        "more/5.png",
    ]
    probabilities = written[[f"probability_{c}" for c in range(10)]].to_numpy()
    np.testing.assert_allclose(probabilities, expected[:6].numpy(), atol=2e-2)  # 8-bit pixels


def test_predict_regression_writes_values(tmp_path):
    best = _best_checkpoint(tmp_path, "data=diabetes", "trainer.max_epochs=1")
    np.save(tmp_path / "rows.npy", np.random.default_rng(0).normal(0, 0.05, (9, 10)))
    cfg = compose_config(
        "predict",
        [f"ckpt_path={best}", f"input={tmp_path / 'rows.npy'}"],
        tmp_path / "pred",
        tmp_path,
    )
    predict(cfg)
    written = pd.read_csv(tmp_path / "pred" / "predictions.csv")
    assert list(written.columns) == ["row", "prediction"] and len(written) == 9
    assert np.isfinite(written["prediction"]).all()


def test_predict_without_input_says_what_to_pass(tmp_path, data_dir):
    cfg = compose_config("predict", ["ckpt_path=x.ckpt"], tmp_path / "pred", data_dir)
    with pytest.raises(ValueError, match=r"no inputs given: make predict ckpt_path=.* input="):
        predict(cfg)


def test_inputs_scaled_unlike_the_training_data_are_flagged(tmp_path, caplog):
    """Digits in 0..16 where training saw [0, 1]: predicted, with a warning and its share."""
    best = _best_checkpoint(tmp_path, "trainer.max_epochs=1", *FEW_BATCHES)
    raw = load_digits().images[:20, None].astype(np.float32)  # 0..16, not divided by 16
    np.savez(tmp_path / "raw.npz", x=raw)
    cfg = compose_config(
        "predict", [f"ckpt_path={best}", f"input={tmp_path / 'raw.npz'}"], tmp_path / "p", tmp_path
    )
    with caplog.at_level(logging.WARNING):
        predict(cfg)
    assert "standard deviations from the training data's" in caplog.text
    assert read_summary(tmp_path / "p")["far_from_training"] > 0.01


def test_make_predict_refuses_nan_and_infinite_inputs_naming_rows_and_columns(
    tmp_path, capsys, trained_run
):
    """Non-finite inputs would come out as class 0 with NaN probabilities: refused, exit 2."""
    best = _best_checkpoint(tmp_path, "data=wine", "trainer.max_epochs=1", *FEW_BATCHES)
    rows = load_wine(as_frame=True).frame.drop(columns="target").head(12)
    rows.loc[3, "alcohol"] = np.nan
    rows.loc[7, "magnesium"] = np.inf
    rows.to_csv(tmp_path / "new.csv", index=False)
    folder = tmp_path / "pred"
    code = run_module("dlkit.cli.predict", f"ckpt_path={best}", f"input={tmp_path / 'new.csv'}",
                      f"hydra.run.dir={folder}")  # fmt: skip
    said = capsys.readouterr()
    assert code == 2
    text = said.out + said.err
    assert "2 of the 12 inputs in" in text and "hold NaN or infinite values" in text
    assert "rows [3, 7]" in text and "columns ['alcohol', 'magnesium']" in text
    assert "Traceback" not in text and not (folder / "predictions.csv").exists()
    assert read_summary(folder)["status"] == "failed"

    images = np.zeros((6, 1, 8, 8), np.float32)  # images: the rows, no columns
    images[4, 0, 2, 2] = np.nan
    np.save(tmp_path / "images.npy", images)
    digits = read_summary(trained_run)["best_checkpoint"]
    code = run_module("dlkit.cli.predict", f"ckpt_path={digits}",
                      f"input={tmp_path / 'images.npy'}", f"hydra.run.dir={tmp_path / 'img'}")  # fmt: skip
    assert code == 2
    assert "1 of the 6 inputs" in read_summary(tmp_path / "img")["error"]
    assert "rows [4] (counted from 0" in read_summary(tmp_path / "img")["error"]
