"""The audit as a user runs it, kept tiny for the fast suite: one epoch on a small table, then
`make eval audit.group_column=…` and `make explain` composed as their entry points are (the
thorough checks on data whose answer is known: tests/test_audit_tables.py, marked slow)."""

import pandas as pd
from dlkit_audit.explain import explain
from tests.helpers import compose_config, read_summary
from tests.test_audit_tables import TABLE, _table

from dlkit.saved.evaluate import evaluate
from dlkit.training.run import train


def test_train_eval_by_group_and_explain_write_their_outputs(tmp_path, capsys):
    csv = _table(tmp_path / "rows.csv", n=160)
    train(
        compose_config(
            "train",
            [*TABLE, f"data.path={csv}", "trainer.max_epochs=1"],
            tmp_path / "run",
            tmp_path,
        )
    )
    run = read_summary(tmp_path / "run")
    assert 0 <= run["test_report"]["calibration"]["ece"] <= 1
    assert (tmp_path / "run" / "calibration.png").is_file()
    mistakes = pd.read_csv(tmp_path / "run" / "confident_mistakes.csv")
    assert len(mistakes) == run["test_report"]["mistakes"]["count"]

    ckpt = f"ckpt_path={run['best_checkpoint']}"
    evaluate(
        compose_config(
            "eval",
            [ckpt, "audit.group_column=site", "audit.min_group_size=2"],
            tmp_path / "e",
            tmp_path,
        )
    )
    groups = read_summary(tmp_path / "e")["groups"]
    assert set(groups["groups"]) == {"north", "south", "east"}
    assert sum(g["support"] for g in groups["groups"].values()) == sum(
        c["support"] for c in run["test_report"]["per_class"].values()
    )
    assert "largest gap in acc between site groups" in capsys.readouterr().out

    overrides = [ckpt, f"input={csv}", "explain.method=saliency"]
    explain(compose_config("explain", overrides, tmp_path / "x", tmp_path))
    rows = pd.read_csv(tmp_path / "x" / "attributions.csv")
    assert list(rows.columns) == ["input", "prediction", "true", "a", "b", "c", "d", "color"]
    assert len(rows) == 160 and (tmp_path / "x" / "attributions.png").stat().st_size > 0
