"""`make eval`: the test split of a trained run, scored again from one of its checkpoints.

Writes a run folder of its own with the same reports as training (confusion matrix, per-class
scores, ROC/PR or regression plots) and a summary.json whose `test` keys match the training
run's, so the two can be compared key by key.
"""

import logging
import warnings
from pathlib import Path

import hydra
import lightning.pytorch as L
from omegaconf import DictConfig

from dlkit.callbacks import Reports
from dlkit.reports.tables import print_result
from dlkit.utils.config_tree import save_config
from dlkit.utils.quiet import quiet_libraries
from dlkit.utils.run_folder import RunSummary
from dlkit.utils.saved_run import ckpt_path_of, load_run

log = logging.getLogger(__name__)


def evaluate(cfg: DictConfig) -> dict:
    output_dir = Path(cfg.paths.output_dir)
    quiet_libraries()
    # testing needs the weights only, not the checkpoint and early-stopping callbacks of training
    warnings.filterwarnings("ignore", ".*callbacks used to create the checkpoint need to be.*")
    ckpt_path = ckpt_path_of(cfg)
    summary = RunSummary(output_dir, task_name=cfg.task_name, ckpt_path=ckpt_path)
    try:
        run = load_run(ckpt_path, "eval", load_weights=False)  # the trainer loads the checkpoint
        reports = Reports(str(output_dir))
        trainer: L.Trainer = hydra.utils.instantiate(cfg.trainer, callbacks=[reports], logger=False)
        results = trainer.test(run.model, datamodule=run.datamodule, ckpt_path=str(run.ckpt_path))
        result = {
            "task": run.datamodule.task,
            "run_dir": str(run.run_dir),
            "seed": run.cfg.seed,
            "test": {
                k.removeprefix("test/"): float(v)
                for k, v in results[0].items()
                if k.startswith("test/")
            },
        }
        if reports.test_report:
            result["test_report"] = reports.test_report
        save_config(cfg, output_dir)
        summary.finish("completed", **result)
    except BaseException as error:
        log.exception("eval %s: %s", summary.fail(error), error)
        raise
    print_result(result)
    return result
