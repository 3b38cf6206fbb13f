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

from dlkit.utils.config_tree import save_config
from dlkit.utils.quiet import quiet_libraries
from dlkit.utils.run_folder import RunSummary
from dlkit.utils.saved_run import ckpt_path_of, load_run

log = logging.getLogger(__name__)

PREDICTIONS_FILE = "predictions.csv"
ARRAY_SUFFIXES = (".npz", ".npy", ".pt")  # read as arrays, not image files, by image data


def predict(cfg: DictConfig) -> pd.DataFrame:
    output_dir = Path(cfg.paths.output_dir)
    quiet_libraries()
    ckpt_path = ckpt_path_of(cfg)
    inputs = None if OmegaConf.is_missing(cfg, "input") else cfg.get("input")
    summary = RunSummary(output_dir, task_name=cfg.task_name, ckpt_path=ckpt_path, input=inputs)
    try:
        if inputs is None:
            raise ValueError(
                "no inputs given: make predict ckpt_path=<…/checkpoints/file.ckpt> "
                "input=<file or folder>"
            )
        run = load_run(ckpt_path, "predict")
        x = run.datamodule.load_inputs(inputs)
        x = x.to(next(run.model.parameters()).dtype)  # e.g. a float64 .npy for a float32 net
        with torch.inference_mode():
            outputs = torch.cat(
                [
                    run.model.predict_from_outputs(run.model(x[i : i + cfg.batch_size]))
                    for i in range(0, len(x), cfg.batch_size)
                ]
            )
        table = prediction_table(outputs, run.datamodule.task, run.datamodule.class_names)
        names = image_names(run.datamodule, Path(inputs))
        if names is not None and len(names) == len(table):
            table.insert(0, "input", names)
        output_dir.mkdir(parents=True, exist_ok=True)
        table.to_csv(output_dir / PREDICTIONS_FILE, index_label="row")
        log.info("%d predictions: %s", len(table), output_dir / PREDICTIONS_FILE)
        save_config(cfg, output_dir)
        summary.finish(
            "completed",
            run_dir=str(run.run_dir),
            task=run.datamodule.task,
            predictions=str(output_dir / PREDICTIONS_FILE),
            num_inputs=len(table),
        )
    except BaseException as error:
        log.exception("predict %s: %s", summary.fail(error), error)
        raise
    return table


def image_names(datamodule, path: Path) -> list[str] | None:
    """Which file each row is, when the inputs are image files (read in `list_images` order)."""
    if datamodule.modality != "image" or path.suffix.lower() in ARRAY_SUFFIXES:
        return None
    from dlkit.data.image_files import list_images

    return [str(f.relative_to(path)) if path.is_dir() else f.name for f in list_images(path)]


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
