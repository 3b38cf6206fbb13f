"""Distributed training inside an Optuna trial: every rank trains with the trial's parameters.

The sweeper samples once and hands the values to the job as overrides; each rank of a
`trainer=ddp_cpu` job is started with that job's own overrides (`dlkit.runs.distributed`), so
the ranks agree without sampling on each (Optuna's TorchDistributedTrial samples on rank 0 and
broadcasts for the same reason). Checked on what each rank actually built.
"""

import json
from pathlib import Path

import pytest

from tests.helpers import ROOT, output, run

OPTIMIZERS = {"adam": "Adam", "adamw": "AdamW", "sgd": "SGD"}
SUPPORT = Path(__file__).parent  # sweep_workers_support.RecordTrainedParams


@pytest.mark.slow
def test_ddp_ranks_of_a_trial_train_with_the_same_sampled_parameters(tmp_path, workers):
    storage, ranks = str(tmp_path / "o.journal"), tmp_path / "ranks"
    result = run("-m", "dlkit.cli.train",
        *workers.search(storage, 1), "trainer=ddp_cpu", f"hydra.sweep.dir={tmp_path / 'sweep'}",
        "+callbacks.record_params._target_=sweep_workers_support.RecordTrainedParams",
        f"+callbacks.record_params.folder={ranks}", "--multirun",
        env={"PYTHONPATH": f"{SUPPORT}:{ROOT / 'src'}"},
    )  # fmt: skip
    assert result.returncode == 0, output(result)[-4000:]
    records = [json.loads((ranks / f"rank_{r}.json").read_text()) for r in (0, 1)]
    assert records[0] == records[1]
    (trial,) = workers.load(storage).trials
    params = trial.params
    assert records[0]["optimizer"] == OPTIMIZERS[params["optimizer"]]
    assert records[0]["lr"] == params["optimizer.lr"]
    assert records[0]["weight_decay"] == params["optimizer.weight_decay"]
    assert records[0]["dropout"] == [params["model.net.dropout"]]
    assert records[0]["widths"] == [*json.loads(params["model.net.hidden_sizes"]), 10]
