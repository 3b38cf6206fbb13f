"""`make export`: a checkpoint as a self-contained model file, checked against PyTorch.

The exported module is `dlkit.saved.inference.InferenceModel` (standardization -> net -> probabilities
or values), so whoever serves it needs neither this package nor the training statistics. The
batch size stays free. Each export is run back (ONNX Runtime for ONNX, `torch.jit.load` for
TorchScript) on a test batch of another size than the one traced, and must match PyTorch's
outputs within `tolerance`, or the command fails.
"""

import logging
import warnings
from pathlib import Path

import numpy as np
import torch
from omegaconf import DictConfig

from dlkit.data.samples import to_float
from dlkit.errors import ConfigError
from dlkit.runs.folder import RunFolder
from dlkit.saved.command import command_run
from dlkit.saved.inference import InferenceModel
from dlkit.saved.load import load_run

log = logging.getLogger(__name__)


def export(cfg: DictConfig) -> dict:
    with command_run(cfg) as command:
        if cfg.format not in RunFolder.model_files:
            choices = " or ".join(RunFolder.model_files)
            raise ConfigError(f"unknown export format={cfg.format}: choose {choices}")
        run = load_run(command.ckpt_path, "export")
        model = InferenceModel(run.model, run.datamodule).eval()
        batch = _test_batch(run.datamodule)
        path = command.folder.model_file(cfg.format)
        path.parent.mkdir(parents=True, exist_ok=True)
        example = batch[:2]  # traced on 2 samples, checked on more: the batch size stays free
        if cfg.format == "onnx":
            _export_onnx(model, example, path)
            exported = _run_onnx(path, batch)
        else:
            _export_torchscript(model, example, path)
            exported = _run_torchscript(path, batch)
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
            format=cfg.format,
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
    """A batch of test inputs as the exported model takes them: floats, not yet standardized."""
    x = datamodule.datasets["test"].tensors[0][:size]
    return to_float(x)  # uint8 images become [0, 1] floats


def _export_onnx(model: torch.nn.Module, example: torch.Tensor, path: Path) -> None:
    batch = torch.export.Dim("batch")
    torch.onnx.export(
        model,
        (example,),
        str(path),
        dynamo=True,
        input_names=["input"],
        output_names=["output"],
        dynamic_shapes=({0: batch},),
        verbose=False,
    )


def _run_onnx(path: Path, batch: torch.Tensor) -> np.ndarray:
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"input": batch.numpy()})[0]


# torch marks TorchScript deprecated in favour of torch.export; it remains the format that C++
# (libtorch) and older serving stacks load, which is why it is offered
TORCHSCRIPT_DEPRECATED = ".*torch.jit.*deprecated.*"


def _export_torchscript(model: torch.nn.Module, example: torch.Tensor, path: Path) -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", TORCHSCRIPT_DEPRECATED)
        # the only Python branch traced is on the output width, fixed for a trained model
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        traced = torch.jit.trace(model, example)
    traced.save(str(path))


def _run_torchscript(path: Path, batch: torch.Tensor) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", TORCHSCRIPT_DEPRECATED)
        loaded = torch.jit.load(str(path))
    with torch.inference_mode():
        return loaded(batch).numpy()
