"""The audit as a user runs it, kept tiny for the fast suite: short runs on a small table, the
digits and a regression, then `make audit` (`audit.group_column=…`) and `make explain` composed
as their entry points are (the thorough checks on data whose answer is known:
test_audit_tables.py and test_audit_images.py, marked slow)."""

import json

import pandas as pd
import pytest

from dlkit.training.run import train
from dlkit_audit.audit import audit
from dlkit_audit.explain import explain
from tests.helpers import SHORT, compose_config, read_summary, run_module


def test_train_audit_by_group_and_explain_write_their_outputs(
    tmp_path, capsys, table_csv, table_overrides
):
    csv = table_csv(tmp_path / "rows.csv", n=160)
    overrides = [*table_overrides, f"data.path={csv}", "trainer.max_epochs=1"]
    train(compose_config("train", overrides, tmp_path / "run", tmp_path))
    run = read_summary(tmp_path / "run")

    ckpt = f"ckpt_path={run['best_checkpoint']}"
    group = ["audit.group_column=site", "audit.min_group_size=2"]
    audit(compose_config("audit", [ckpt, *group], tmp_path / "a", tmp_path))
    audited = read_summary(tmp_path / "a")
    assert audited["status"] == "completed"
    assert audited["test"] == pytest.approx(run["test"])  # tested as training tested it
    assert 0 <= audited["test_report"]["calibration"]["ece"] <= 1
    assert (tmp_path / "a" / "calibration.png").is_file()
    mistakes = pd.read_csv(tmp_path / "a" / "confident_mistakes.csv")
    assert len(mistakes) == audited["test_report"]["mistakes"]["count"]
    # each mistake beside its row's columns, also those that are no feature
    assert (mistakes["input.label"] == mistakes["true"]).all() and "input.site" in mistakes
    groups = audited["groups"]
    assert set(groups["groups"]) == {"north", "south", "east"}
    assert sum(g["support"] for g in groups["groups"].values()) == sum(
        c["support"] for c in run["test_report"]["per_class"].values()
    )
    printed = capsys.readouterr().out
    assert "largest gap in acc between site groups" in printed
    assert "expected calibration error" in printed

    overrides = [ckpt, f"input={csv}", "explain.method=saliency"]
    explain(compose_config("explain", overrides, tmp_path / "x", tmp_path))
    rows = pd.read_csv(tmp_path / "x" / "attributions.csv")
    assert list(rows.columns) == ["input", "prediction", "true", "a", "b", "c", "d", "color"]
    assert len(rows) == 160 and (tmp_path / "x" / "attributions.png").stat().st_size > 0


def test_a_small_group_is_reported_marked_too_small_and_left_out_of_the_gap(
    tmp_path, capsys, table_csv, table_overrides
):
    """`make audit audit.group_column=site` where one site has a few test rows: every group is
    reported with its support and intervals; the small one is marked, not compared."""
    csv = table_csv(tmp_path / "rows.csv", n=600)
    rows = pd.read_csv(csv)
    rows.loc[rows.index[::25], "site"] = "island"  # 24 rows: 4 in the tested part
    rows.to_csv(csv, index=False)
    overrides = [*table_overrides, f"data.path={csv}", "trainer.max_epochs=1"]
    train(compose_config("train", overrides, tmp_path / "run", tmp_path))
    best = read_summary(tmp_path / "run")["best_checkpoint"]
    folder = tmp_path / "audit"
    code = run_module("dlkit_audit.cli.audit", f"ckpt_path={best}", "audit.group_column=site",
                      f"paths.data_dir={tmp_path}", f"hydra.run.dir={folder}")  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0, printed[-3000:]
    report = read_summary(folder)["groups"]
    island = report["groups"]["island"]
    assert 1 <= island["support"] < 10 == report["min_group_size"]
    assert island["too_small"] and report["too_small"] == ["island"]
    assert not any(report["groups"][g]["too_small"] for g in ("north", "south", "east"))
    for scores in report["groups"].values():  # every score with its interval
        for score in ("acc", "f1"):
            low, high = scores[f"{score}_interval"]
            assert low <= scores[score] <= high
    assert island["acc_interval"][1] - island["acc_interval"][0] > 0.25  # a few rows say little
    assert "Wilson" in report["intervals"]["acc"] and "bootstrap" in report["intervals"]["other"]
    for gap in report["largest_gap"].values():
        assert "island" not in (gap["best"]["group"], gap["worst"]["group"])
    island_row = next(line for line in printed.splitlines() if "│ island" in line)
    assert "no, too small" in island_row
    assert "left out, under audit.min_group_size=10: island" in printed
    assert (folder / "group_metrics.png").stat().st_size > 0

    # no group large enough: nothing to compare, the command stops and says so
    code = run_module("dlkit_audit.cli.audit", f"ckpt_path={best}", "audit.group_column=site",
                      "audit.min_group_size=1000", f"paths.data_dir={tmp_path}",
                      f"hydra.run.dir={tmp_path / 'none'}")  # fmt: skip
    assert code == 2
    error = read_summary(tmp_path / "none")["error"]
    assert "none of its 4 groups has audit.min_group_size=1000" in error


def test_audit_of_images_shows_the_most_confident_mistakes_as_pictures(
    trained_run, data_dir, tmp_path
):
    """The shared digits run (a small MLP, two short epochs) errs; its mistakes are images."""
    ckpt = f"ckpt_path={read_summary(trained_run)['best_checkpoint']}"
    audit(compose_config("audit", [ckpt], tmp_path / "a", data_dir))
    report = read_summary(tmp_path / "a")["test_report"]
    mistakes = pd.read_csv(tmp_path / "a" / "confident_mistakes.csv")
    assert report["mistakes"]["count"] == len(mistakes) > 0
    assert not any(c.startswith("input.") for c in mistakes.columns)  # images have no columns
    assert (tmp_path / "a" / "confident_mistakes.png").stat().st_size > 0
    with pytest.raises(ValueError, match=r"group_column=label groups the rows of a table, but"):
        audit(compose_config("audit", [ckpt, "audit.group_column=label"], tmp_path / "g", data_dir))


def test_audit_of_a_regression_lists_the_largest_errors_and_groups_by_a_feature(
    tmp_path, data_dir, capsys
):
    overrides = ["data=diabetes", "model=mlp", "model.net.hidden_sizes=[16]", *SHORT]
    train(compose_config("train", overrides, tmp_path / "run", data_dir))
    ckpt = f"ckpt_path={read_summary(tmp_path / 'run')['best_checkpoint']}"
    group = ["audit.group_column=sex", "audit.min_group_size=1"]
    audit(compose_config("audit", [ckpt, *group], tmp_path / "a", data_dir))
    summary = read_summary(tmp_path / "a")
    assert "calibration" not in summary["test_report"]
    assert not (tmp_path / "a" / "calibration.png").exists()
    errors = pd.read_csv(tmp_path / "a" / "largest_errors.csv")
    assert errors["error"].abs().is_monotonic_decreasing
    assert errors["error"].to_numpy() == pytest.approx(
        errors["predicted"] - errors["true"], abs=1e-4
    )
    assert summary["test_report"]["mistakes"]["file"] == "largest_errors.csv"
    # scikit-learn's diabetes codes sex as two values: two groups, scored as a regression
    groups = summary["groups"]
    assert len(groups["groups"]) == 2 and groups["headline"] == "r2"
    assert sum(g["support"] for g in groups["groups"].values()) == len(errors)
    assert "largest gap in r2 between sex groups" in capsys.readouterr().out


def test_bad_settings_stop_the_entry_points_with_one_message(trained_run, tmp_path):
    ckpt = f"ckpt_path={read_summary(trained_run)['best_checkpoint']}"
    for module, setting, message in (
        ("dlkit_audit.cli.audit", "audit.min_group_size=0", "audit.min_group_size must be"),
        ("dlkit_audit.cli.explain", "explain.steps=0", "explain.steps must be at least 1"),
        ("dlkit_audit.cli.explain", "explain.window=-2", "explain.window must be at least 1"),
        ("dlkit_audit.cli.explain", "explain.method=lime", "unknown explain.method 'lime'"),
    ):
        folder = tmp_path / setting.split("=")[0]
        assert run_module(module, ckpt, setting, f"hydra.run.dir={folder}") == 2
        summary = json.loads((folder / "summary.json").read_text())
        assert summary["status"] == "failed" and message in summary["error"]


def test_explain_stops_on_data_it_cannot_draw_and_draws_any_that_gives_maps():
    """Text has no picture yet: one message; a data module that draws its inputs as maps
    (`input_maps`, as the audio pack's spectrograms) is drawn whatever its modality."""
    from types import SimpleNamespace

    from dlkit.errors import ConfigError
    from dlkit_audit.explain import check_drawable

    text = SimpleNamespace(modality="text")
    with pytest.raises(ConfigError, match="holds text data, which it cannot draw yet"):
        check_drawable(text)
    check_drawable(SimpleNamespace(modality="audio", input_maps=lambda x, values=True: x))
    with pytest.raises(ConfigError, match="holds audio data"):
        check_drawable(SimpleNamespace(modality="audio"))
