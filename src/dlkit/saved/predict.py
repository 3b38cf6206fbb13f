"""`make predict`: a trained model's predictions for new inputs, one CSV row per input.

The run's data module reads the inputs and preprocesses them with what it fitted at training time
(`load_inputs`: column encodings, standardization; restored from the checkpoint), so new data
goes through exactly the steps the training data went through.
"""

import logging
from pathlib import Path

import pandas as pd
import torch
from omegaconf import DictConfig, OmegaConf

from dlkit.errors import ConfigError
from dlkit.runs.heap import release_freed_memory
from dlkit.saved.command import command_run
from dlkit.saved.load import load_run

log = logging.getLogger(__name__)


def predict(cfg: DictConfig) -> pd.DataFrame:
    inputs = None if OmegaConf.is_missing(cfg, "input") else cfg.get("input")
    with command_run(cfg, input=inputs) as command:
        if inputs is None:
            raise ConfigError(
                "no inputs given: make predict ckpt_path=<…/checkpoints/file.ckpt> "
                "input=<file or folder>"
            )
        run = load_run(command.ckpt_path, "predict")
        dtype = next(run.model.parameters()).dtype
        outputs, far, numbers = [], 0.0, 0
        # batch by batch: an image folder is decoded as it goes, never held whole in memory
        for x in run.datamodule.input_batches(inputs, cfg.batch_size):
            if x.is_floating_point():  # e.g. a float64 .npy for a float32 net; token ids stay
                x = x.to(dtype)
            with torch.inference_mode():
                outputs.append(run.model.predict_from_outputs(run.model(x)))
            far += run.datamodule.far_from_training(x) * x.numel()
            numbers += x.numel()
            release_freed_memory()  # outputs kept per batch would otherwise grow the heap
        outputs = torch.cat(outputs)
        table = prediction_table(outputs, run.datamodule.task, run.datamodule.class_names)
        # each row beside what the data module says it is (the image's file, the text)
        for column, values in reversed(run.datamodule.input_columns(Path(inputs)).items()):
            table.insert(0, column, values)
        path = command.folder.predictions
        path.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(path, index_label="row")
        log.info("%d predictions: %s", len(table), path)
        command.result.update(
            run_dir=str(run.folder.root),
            task=run.datamodule.task,
            predictions=str(path),
            num_inputs=len(table),
            far_from_training=far / max(numbers, 1),
        )
    return table


def prediction_table(
    outputs: torch.Tensor, task: str, class_names: list[str] | None
) -> pd.DataFrame:
    """Classification: the predicted class and each class's probability; regression: the value."""
    outputs = outputs.float().cpu()
    if task == "classification":
        names = class_names or [str(c) for c in range(outputs.shape[1])]
        table = pd.DataFrame(outputs.numpy(), columns=[f"probability_{n}" for n in names])
        table.insert(0, "prediction", [names[i] for i in outputs.argmax(dim=1).tolist()])
        return table
    values = outputs.reshape(len(outputs), -1).numpy()
    if values.shape[1] == 1:
        return pd.DataFrame({"prediction": values[:, 0]})
    return pd.DataFrame(values, columns=[f"prediction_{i}" for i in range(values.shape[1])])
