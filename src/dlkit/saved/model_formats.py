"""The file formats `make export` writes (`format=…`, configs/format/): each writes a model file
and runs it back, so that the export can be checked against PyTorch.

A format is any class with these two methods (and a `file` name); packs add formats the same
way (ONNX). Each writer marks the batch axis dynamic, so the file takes any batch size.
"""

import warnings
from pathlib import Path

import numpy as np
import torch


def batch_dynamic() -> tuple[dict, ...]:
    """torch.export's spelling of "the first axis of the one input may have any size"."""
    return ({0: torch.export.Dim("batch")},)


class TorchExport:
    """A `torch.export` program (`.pt2`), PyTorch's own format for deployment: it loads with
    `torch.export.load` and runs with nothing but torch."""

    file = "model.pt2"
    deprecated = False

    def write(self, model: torch.nn.Module, example: torch.Tensor, path: Path) -> None:
        program = torch.export.export(model, (example,), dynamic_shapes=batch_dynamic())
        torch.export.save(program, str(path))

    def run(self, path: Path, batch: torch.Tensor) -> np.ndarray:
        with torch.inference_mode():
            return torch.export.load(str(path)).module()(batch).numpy()


class TorchScript:
    """TorchScript (`.pt`), deprecated in PyTorch in favour of `torch.export`; kept while it
    works, because C++ (libtorch) and older serving stacks load it."""

    file = "model.pt"
    deprecated = True
    _deprecation = ".*torch.jit.*deprecated.*"

    def write(self, model: torch.nn.Module, example: torch.Tensor, path: Path) -> None:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", self._deprecation)
            # the only Python branch traced is on the output width, fixed for a trained model
            warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
            # trace's own check re-runs at the example's batch size only and fails the
            # Transformer's attention on float noise; `make export` checks the file against
            # PyTorch at another batch size, within its tolerance, instead
            traced = torch.jit.trace(model, example, check_trace=False)
        traced.save(str(path))

    def run(self, path: Path, batch: torch.Tensor) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", self._deprecation)
            loaded = torch.jit.load(str(path))
        with torch.inference_mode():
            return loaded(batch).numpy()
