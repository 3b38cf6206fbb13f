"""`make export`: a checkpoint as a self-contained model file, checked against PyTorch.

The exported module is `dlkit.inference.InferenceModel` (standardization -> net -> probabilities
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

from dlkit.data.base import to_float
from dlkit.inference import InferenceModel
from dlkit.utils.config_tree import save_config
from dlkit.utils.quiet import quiet_libraries
from dlkit.utils.run_folder import RunSummary
from dlkit.utils.saved_run import ckpt_path_of, load_run

log = logging.getLogger(__name__)

FILES = {"onnx": "model.onnx", "torchscript": "model.pt"}


def export(cfg: DictConfig) -> dict:
    output_dir = Path(cfg.paths.output_dir)
    quiet_libraries()
    ckpt_path = ckpt_path_of(cfg)
    summary = RunSummary(output_dir, task_name=cfg.task_name, ckpt_path=ckpt_path)
    try:
        if cfg.format not in FILES:
            raise ValueError(f"unknown export format={cfg.format}: choose {' or '.join(FILES)}")
        run = load_run(ckpt_path, "export")
        model = InferenceModel(run.model, run.datamodule).eval()
        batch = _test_batch(run.datamodule)
        path = output_dir / FILES[cfg.format]
        output_dir.mkdir(parents=True, exist_ok=True)
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
        result = {
            "format": cfg.format,
            "model_file": str(path),
            "run_dir": str(run.run_dir),
            "task": run.datamodule.task,
            "input_shape": ["batch", *run.datamodule.input_shape],
            "outputs": "class probabilities"
            if run.datamodule.task == "classification"
            else "values in target units",
            "class_names": run.datamodule.class_names,
            "parity": {"samples": len(batch), "max_abs_diff": max_abs_diff},
        }
        save_config(cfg, output_dir)
        summary.finish("completed", **result)
    except BaseException as error:
        log.exception("export %s: %s", summary.fail(error), error)
        raise
    return result


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
