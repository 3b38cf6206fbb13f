"""`make export format=onnx`: the model as an ONNX file (`model.onnx`), run back by ONNX Runtime.

ONNX is what runtimes outside PyTorch load (ONNX Runtime, TensorRT, OpenVINO, browsers). The
file is written by the `torch.export`-based exporter PyTorch recommends (`dynamo=True`; the
TorchScript-based one is deprecated) and checked in ONNX Runtime on the CPU, the runtime every
installation of this pack has.
"""

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import torch

from dlkit.saved.model_formats import batch_dynamic

INPUT_NAME = "input"  # what a runtime feeds: session.run(None, {"input": batch})
OUTPUT_NAME = "output"
# the exporter's graph passes log each step at INFO, a dozen lines of its internals per export
EXPORTER_LOGGERS = ("onnxscript", "onnx_ir")
ANSI_STYLE = re.compile(r"\x1b\[[0-9;]*m")


class OnnxExportFailed(RuntimeError):
    """The model has no faithful ONNX file, said by the cause: the exporter's own first line
    names only the step that failed ("Failed to convert the exported program…"), the cause (an
    operator ONNX lacks, a branch on the data) is at the end of its chain."""


class Onnx:
    """An ONNX file with one input (`input`, any batch size) and one output (`output`)."""

    file = "model.onnx"
    deprecated = False

    def write(self, model: torch.nn.Module, example: torch.Tensor, path: Path) -> None:
        try:
            with _quiet(EXPORTER_LOGGERS):
                self._export(model, example, path)
        except torch.onnx.OnnxExporterError as error:
            raise OnnxExportFailed(_root_cause(error)) from error
        # where torch.export cannot keep the batch axis free, the exporter falls back to a
        # program traced at the example's batch size, without a word: such a file fails later,
        # in the runtime, on any other batch size
        fixed = _fixed_batch_size(path)
        if fixed is not None:
            path.unlink()
            raise OnnxExportFailed(
                f"the exported graph takes batches of exactly {fixed} (the example's size), "
                "not any size: the model's code ties the batch axis to a fixed value"
            )

    def _export(self, model: torch.nn.Module, example: torch.Tensor, path: Path) -> None:
        torch.onnx.export(
            model,
            (example,),
            str(path),
            dynamo=True,
            external_data=False,  # one self-contained file (models here are far below 2 GB)
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_shapes=batch_dynamic(),
            verbose=False,
        )

    def run(self, path: Path, batch: torch.Tensor) -> np.ndarray:
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        return session.run([OUTPUT_NAME], {INPUT_NAME: batch.numpy()})[0]


def _fixed_batch_size(path: Path) -> int | None:
    """The fixed size of the input's first axis in the ONNX file; None where it is free."""
    graph = onnx.load(str(path), load_external_data=False).graph
    first = graph.input[0].type.tensor_type.shape.dim[0]
    return first.dim_value if first.HasField("dim_value") else None


def _root_cause(error: BaseException) -> str:
    """The first line of the innermost error the exporter's error was raised from."""
    while error.__cause__ is not None:
        error = error.__cause__
    lines = [line for line in ANSI_STYLE.sub("", str(error)).splitlines() if line.strip()]
    return f"{type(error).__name__}: {lines[0] if lines else 'no message'}"


@contextmanager
def _quiet(names: tuple[str, ...]) -> Iterator[None]:
    """These loggers say only warnings and errors for the duration, then as they did."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(max(logger.getEffectiveLevel(), logging.WARNING))
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
