"""`make explain` on a run trained on clips (the audio pack): attributions over the spectrograms
the net heard, drawn over them as heat maps titled with each clip's file, predicted and true
class; the inputs drawn in dB as the features were computed, bands up and frames across. And
`make audit`'s mistakes, named by their files."""

import numpy as np
import pandas as pd
import pytest

from dlkit.training.run import train
from dlkit_audit.attributions import pictures
from tests.helpers import compose_config, read_summary, run_module

pytest.importorskip("dlkit_audio")
soundfile = pytest.importorskip("soundfile")

RATE = 16000
TONES = {"high": 1800.0, "low": 300.0}


def write_tones(root, per_class: int = 12) -> None:
    """root/<class>/<i>.wav: half-second tones of the class's pitch in light noise."""
    rng = np.random.default_rng(0)
    t = np.arange(RATE // 2) / RATE
    for name, frequency in TONES.items():
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            wave = 0.5 * np.sin(2 * np.pi * frequency * t + rng.uniform(0, 6)) * np.hanning(len(t))
            wave += 0.01 * rng.standard_normal(len(t))
            soundfile.write(root / name / f"{i:02d}.wav", wave, RATE)


@pytest.fixture
def drawn(monkeypatch) -> list[dict]:
    """What each `make explain` handed to the picture of maps (the picture is drawn too)."""
    calls, real = [], pictures.plot_maps

    def record(maps, values, names, labels, trues, method, title, axes, path):
        calls.append(dict(maps=maps, values=values, names=names, labels=labels, trues=trues))
        real(maps, values, names, labels, trues, method, title, axes, path)

    monkeypatch.setattr(pictures, "plot_maps", record)
    return calls


@pytest.fixture(scope="module")
def tone_run(tmp_path_factory, data_dir):
    """(clips folder, checkpoint, config) of the CNN trained briefly on `write_tones`' clips."""
    root = tmp_path_factory.mktemp("tones")
    write_tones(root / "clips")
    overrides = [
        "data=audio_folder", f"data.path={root / 'clips'}", "data.duration=0.5",
        "data.batch_size=8", "model.net.channels=[8,16]", "trainer.max_epochs=4",
    ]  # fmt: skip
    cfg = compose_config("train", overrides, root / "run", data_dir)
    train(cfg)
    return root / "clips", read_summary(cfg)["best_checkpoint"], cfg


def test_make_explain_draws_attributions_over_the_spectrograms_of_named_clips(
    tone_run, tmp_path, drawn
):
    clips, checkpoint, cfg = tone_run
    # the run's test split: its clips by file name, with their true classes
    out = tmp_path / "explain"
    code = run_module(
        "dlkit_audit.cli.explain", f"ckpt_path={checkpoint}", "explain.steps=8",
        f"hydra.run.dir={out}", f"paths.log_dir={tmp_path / 'logs'}",
    )  # fmt: skip
    assert code == 0
    assert (out / "attributions.png").read_bytes()[:4] == b"\x89PNG"
    (test,) = drawn
    assert all(n.split("/")[0] in TONES and n.endswith(".wav") for n in test["names"])
    assert [n.split("/")[0] for n in test["names"]] == test["trues"]
    assert all(label.startswith("predicted ") for label in test["labels"])
    # the spectrogram [bands, frames] in dB (not standardized), the attribution on the same grid
    bands, frames = cfg.data.n_mels, 26
    assert test["maps"].shape[1:] == test["values"].shape[1:] == (bands, frames)
    assert test["values"].abs().sum() > 0
    assert test["maps"].std() > 5  # dB over 32 bands; standardized inputs would be about 1
    # the lowest band is at the bottom (row 0): a high tone's loudest band lies above a low one's
    loudest = test["maps"].mean(dim=2).argmax(dim=1)
    by_class = {c: loudest[[t == c for t in test["trues"]]] for c in TONES}
    assert by_class["high"].min() > by_class["low"].max()
    arrays = np.load(out / "attributions.npz")
    assert (
        arrays["attributions"].shape
        == arrays["inputs"].shape
        == (len(test["names"]), bands, frames)
    )
    # new clips given by the user: named by their files in the folder
    code = run_module(
        "dlkit_audit.cli.explain", f"ckpt_path={checkpoint}", f"input={clips / 'low'}",
        "explain.method=saliency", "explain.limit=3", f"hydra.run.dir={tmp_path / 'new'}",
        f"paths.log_dir={tmp_path / 'logs'}",
    )  # fmt: skip
    assert code == 0
    assert drawn[1]["names"] == ["00.wav", "01.wav", "02.wav"]
    assert (tmp_path / "new" / "attributions.png").is_file()


def test_make_audit_names_the_mistaken_clips_by_their_files(tone_run, tmp_path):
    _, checkpoint, _ = tone_run
    out = tmp_path / "audit"
    code = run_module("dlkit_audit.cli.audit", f"ckpt_path={checkpoint}", f"hydra.run.dir={out}")
    assert code == 0
    mistakes = pd.read_csv(out / "confident_mistakes.csv")
    assert len(mistakes)  # four epochs on 24 clips leave some (the first run: 2 of 4)
    # each file lies in the folder of its true class, and the class predicted is another
    assert (mistakes["input.file"].str.split("/").str[0] == mistakes["true"]).all()
    assert (mistakes["predicted"] != mistakes["true"]).all()
