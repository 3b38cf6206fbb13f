"""A net written by an export format at one batch size and run back at another: what the
export tests of the core and of the packs (ONNX, text) share."""

from pathlib import Path

import numpy as np
import torch

TRACED, CHECKED = 2, 7  # the batch sizes: the example exported, the batch run back


def exported_difference(model_format, net: torch.nn.Module, make_inputs, folder: Path) -> float:
    """The largest difference between `net`'s outputs and those of its export (`model_format`:
    `write`, `run`, `file`), written from TRACED inputs and run on CHECKED others;
    `make_inputs(n)` -> n inputs."""
    net = net.eval()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / model_format.file
    torch.manual_seed(0)
    example, batch = make_inputs(TRACED), make_inputs(CHECKED)
    model_format.write(net, example, path)
    exported = model_format.run(path, batch)
    with torch.inference_mode():
        expected = net(batch).numpy()
    assert exported.shape == expected.shape  # the batch size stayed free
    return float(np.abs(exported - expected).max())
