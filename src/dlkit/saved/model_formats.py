"""The file formats `make export` writes, each as a writer and a reader that runs the file back.

- `torch_export`: a `torch.export` program (`.pt2`), PyTorch's own format for deployment: it
  loads with `torch.export.load` and runs with nothing but torch;
- `onnx`: through the `torch.export`-based exporter PyTorch recommends (`dynamo=True`), run
  back by ONNX Runtime;
- `torchscript`: deprecated in PyTorch in favour of `torch.export`, kept while it works because
  C++ (libtorch) and older serving stacks load it.

Each writer marks the batch axis dynamic, so the file takes any batch size.
"""

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch


@dataclass(frozen=True)
class ModelFormat:
    write: Callable[[torch.nn.Module, torch.Tensor, Path], None]
    run: Callable[[Path, torch.Tensor], np.ndarray]
    deprecated: bool = False


def _batch_dynamic() -> tuple[dict, ...]:
    return ({0: torch.export.Dim("batch")},)


def _write_torch_export(model: torch.nn.Module, example: torch.Tensor, path: Path) -> None:
    program = torch.export.export(model, (example,), dynamic_shapes=_batch_dynamic())
    torch.export.save(program, str(path))


def _run_torch_export(path: Path, batch: torch.Tensor) -> np.ndarray:
    with torch.inference_mode():
        return torch.export.load(str(path)).module()(batch).numpy()


def _write_onnx(model: torch.nn.Module, example: torch.Tensor, path: Path) -> None:
    torch.onnx.export(
        model,
        (example,),
        str(path),
        dynamo=True,
        external_data=False,  # one self-contained file (models here are far below ONNX's 2 GB)
        input_names=["input"],
        output_names=["output"],
        dynamic_shapes=_batch_dynamic(),
        verbose=False,
    )


def _run_onnx(path: Path, batch: torch.Tensor) -> np.ndarray:
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"input": batch.numpy()})[0]


TORCHSCRIPT_DEPRECATED = ".*torch.jit.*deprecated.*"


def _write_torchscript(model: torch.nn.Module, example: torch.Tensor, path: Path) -> None:
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


FORMATS = {
    "torch_export": ModelFormat(_write_torch_export, _run_torch_export),
    "onnx": ModelFormat(_write_onnx, _run_onnx),
    "torchscript": ModelFormat(_write_torchscript, _run_torchscript, deprecated=True),
}
