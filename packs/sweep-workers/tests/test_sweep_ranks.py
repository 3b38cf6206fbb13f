"""Distributed training inside an Optuna trial: every rank trains with the trial's parameters.

The sweeper samples once and hands the values to the job as overrides; each rank of a
`trainer=ddp_cpu` job is started with that job's own overrides (`dlkit.runs.distributed`), so
the ranks agree without sampling on each (Optuna's TorchDistributedTrial samples on rank 0 and
broadcasts for the same reason). Checked on what each rank actually built.
"""

import json
from pathlib import Path

import lightning.pytorch as L
import pytest
import torch
from tests.helpers import output, run
from tests.workers import load, search

OPTIMIZERS = {"adam": "Adam", "adamw": "AdamW", "sgd": "SGD"}


class RecordTrainedParams(L.Callback):
    """Each rank writes what it trains with: optimizer, rate, decay, dropout, layer widths."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        optimizer = trainer.optimizers[0]
        record = {
            "optimizer": type(optimizer).__name__,
            "lr": optimizer.defaults["lr"],
            "weight_decay": optimizer.defaults["weight_decay"],
            "dropout": sorted(
                {m.p for m in pl_module.modules() if isinstance(m, torch.nn.Dropout)}
            ),
            "widths": [
                m.out_features for m in pl_module.modules() if isinstance(m, torch.nn.Linear)
            ],
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / f"rank_{trainer.global_rank}.json").write_text(json.dumps(record))


@pytest.mark.slow
def test_ddp_ranks_of_a_trial_train_with_the_same_sampled_parameters(tmp_path):
    storage, ranks = str(tmp_path / "o.journal"), tmp_path / "ranks"
    result = run("-m", "dlkit.cli.train",
        *search(tmp_path, storage, 1), "trainer=ddp_cpu", f"hydra.sweep.dir={tmp_path / 'sweep'}",
        f"+callbacks.record_params._target_={__name__}.RecordTrainedParams",
        f"+callbacks.record_params.folder={ranks}", "--multirun",
    )  # fmt: skip
    assert result.returncode == 0, output(result)[-4000:]
    records = [json.loads((ranks / f"rank_{r}.json").read_text()) for r in (0, 1)]
    assert records[0] == records[1]
    (trial,) = load(storage).trials
    params = trial.params
    assert records[0]["optimizer"] == OPTIMIZERS[params["optimizer"]]
    assert records[0]["lr"] == params["optimizer.lr"]
    assert records[0]["weight_decay"] == params["optimizer.weight_decay"]
    assert records[0]["dropout"] == [params["model.net.dropout"]]
    assert records[0]["widths"] == [*json.loads(params["model.net.hidden_sizes"]), 10]
