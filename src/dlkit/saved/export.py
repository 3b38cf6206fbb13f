"""`make export`: a checkpoint as a self-contained model file, checked against PyTorch.

The exported module is `dlkit.saved.inference.InferenceModel` (standardization -> net ->
probabilities or values), so whoever serves it needs neither this package nor the training
statistics. The batch size stays free. Each export is run back by its format (`format=…`,
`dlkit.saved.model_formats`) on a test batch of another size than the one traced, and must
match PyTorch's outputs within `tolerance`, or the command fails.
"""

import logging

import hydra
import numpy as np
import torch
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from dlkit.data.samples import to_float
from dlkit.errors import ConfigError
from dlkit.saved.command import command_run
from dlkit.saved.inference import InferenceModel
from dlkit.saved.load import load_run

log = logging.getLogger(__name__)


def export(cfg: DictConfig) -> dict:
    name = HydraConfig.get().runtime.choices.format
    with command_run(cfg) as command:
        model_format = hydra.utils.instantiate(cfg.format)
        if model_format.deprecated:
            log.warning("format=%s is deprecated in PyTorch: prefer torch_export", name)
        run = load_run(command.ckpt_path, "export")
        model = InferenceModel(run.model, run.datamodule).eval()
        batch = _test_batch(run.datamodule)
        path = command.folder.root / model_format.file
        path.parent.mkdir(parents=True, exist_ok=True)
        example = batch[:2]  # traced on 2 samples, checked on more: the batch size stays free
        try:
            model_format.write(model, example, path)
        except OSError:  # the folder, not the model
            raise
        except Exception as error:  # the exporters' errors are long; the cause comes first
            raise ConfigError(
                f"this model cannot be exported as {name} "
                f"({type(error).__name__}: {str(error).splitlines()[0]}): try another format "
                "(configs/format/ lists them)"
            ) from error
        exported = model_format.run(path, batch)
        with torch.inference_mode():
            expected = model(batch).numpy()
        max_abs_diff = float(np.abs(exported - expected).max())
        log.info("exported %s: max |exported - pytorch| = %.3g", path, max_abs_diff)
        if not max_abs_diff <= cfg.tolerance:
            raise RuntimeError(
                f"the exported model's outputs differ from PyTorch's by {max_abs_diff:.3g} "
                f"(tolerance {cfg.tolerance}): the export is not faithful, do not deploy it"
            )
        command.result.update(
            format=name,
            model_file=str(path),
            run_dir=str(run.folder.root),
            task=run.datamodule.task,
            input_shape=["batch", *batch.shape[1:]],  # as the data module keeps samples
            outputs="class probabilities"
            if run.datamodule.task == "classification"
            else "values in target units",
            class_names=run.datamodule.class_names,
            parity={"samples": len(batch), "max_abs_diff": max_abs_diff},
        )
    return command.result


def _test_batch(datamodule, size: int = 32) -> torch.Tensor:
    """A batch of test inputs as the exported model takes them: not yet standardized, 8-bit
    images as floats in [0, 1] (other integers, such as token ids, as they are)."""
    x = datamodule.samples("test", size)[0]
    return to_float(x) if x.dtype == torch.uint8 else x
