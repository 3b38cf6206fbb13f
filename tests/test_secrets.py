"""API keys come from the environment or `.env` and appear in no file, tree or log line."""

import logging
import subprocess
import sys
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from dlkit.runs.secrets import MaskSecrets, load_dotenv, masked
from dlkit.training.run import train
from tests.helpers import clean_environment

FROM_ENV = "env-secret-4f9a2c"
FROM_DOTENV = "dotenv-secret-7b1e5d"


def _leaks(texts: dict[str, str]) -> list[str]:
    return [where for where, text in texts.items() if FROM_ENV in text or FROM_DOTENV in text]


def _run_files(run_dir) -> dict[str, str]:
    suffixes = {".yaml", ".log", ".json", ".csv"}
    return {str(p): p.read_text() for p in run_dir.rglob("*") if p.suffix in suffixes}


def test_a_secret_in_the_config_reaches_no_file(compose_train, monkeypatch):
    monkeypatch.setenv("WANDB_API_KEY", FROM_ENV)
    cfg = compose_train(
        "debug=fdr", "callbacks.reports=null", "+extras.wandb_api_key=${oc.env:WANDB_API_KEY}"
    )
    train(cfg)
    run_dir = Path(cfg.paths.output_dir)
    assert "wandb_api_key: '***'" in (run_dir / "config.yaml").read_text()
    assert _leaks(_run_files(run_dir)) == []


@pytest.mark.slow
def test_a_run_never_writes_or_prints_a_secret(tmp_path):
    (tmp_path / ".env").write_text(f"MLFLOW_TRACKING_TOKEN={FROM_DOTENV}\n")
    run_dir = tmp_path / "run"
    env = clean_environment() | {"WANDB_API_KEY": FROM_ENV}
    env.pop("MLFLOW_TRACKING_TOKEN", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "dlkit.cli.train",
            "debug=fdr",
            "callbacks.rich_progress_bar=null",
            # a config that holds both keys: resolving them proves `.env` was read
            "+extras.wandb_api_key=${oc.env:WANDB_API_KEY}",
            "+extras.mlflow_token=${oc.env:MLFLOW_TRACKING_TOKEN}",
            f"hydra.run.dir={run_dir}",
            f"paths.data_dir={tmp_path / 'data'}",
        ],
        cwd=tmp_path,  # where `.env` is looked for: the folder the command runs in
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "CONFIG" in result.stdout  # the tree was printed
    assert "mlflow_token" in (run_dir / "config.yaml").read_text()
    assert _leaks({"console": result.stdout + result.stderr, **_run_files(run_dir)}) == []


def test_dotenv_does_not_override_the_environment(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("DLKIT_TEST_TOKEN=from-file\nDLKIT_TEST_OTHER=x\n")
    monkeypatch.setenv("DLKIT_TEST_TOKEN", "from-env")
    monkeypatch.delenv("DLKIT_TEST_OTHER", raising=False)
    assert load_dotenv(tmp_path / ".env") == ["DLKIT_TEST_OTHER"]
    import os

    assert os.environ["DLKIT_TEST_TOKEN"] == "from-env"
    monkeypatch.delenv("DLKIT_TEST_OTHER")


def test_secret_keys_are_masked_in_configs():
    cfg = OmegaConf.create({"logger": {"wandb": {"api_key": "abc", "project": "p"}}, "lr": 1})
    shown = masked(cfg)
    assert shown.logger.wandb.api_key == "***" and shown.logger.wandb.project == "p"
    assert cfg.logger.wandb.api_key == "abc"  # the run's own config is untouched


def test_secret_values_are_masked_in_log_lines(monkeypatch, caplog):
    monkeypatch.setenv("WANDB_API_KEY", FROM_ENV)
    logger = logging.getLogger("dlkit.test_secrets")
    handler = logging.Handler()
    records = []
    handler.emit = records.append
    handler.addFilter(MaskSecrets())
    logger.addHandler(handler)
    try:
        logger.warning("login with %s failed", FROM_ENV)
    finally:
        logger.removeHandler(handler)
    assert records[0].getMessage() == "login with *** failed"
