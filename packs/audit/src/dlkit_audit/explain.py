"""`make explain`: what drives a trained model's predictions, as pictures (Captum attributions).

The inputs are new ones (`input=<file or folder>`, read and preprocessed like `make predict`)
or, without `input`, the run's test split; at most `explain.limit` of them. Each gets the
attribution of its prediction by `explain.method` (`dlkit_audit.attributions.methods`), written as
`attributions.png` (heat maps over images, a line under each signal, bars per column of a table,
heat maps over the maps a data module draws its inputs as: `input_maps`, such as spectrograms),
`attributions.npz` (the arrays) and, for tables, `attributions.csv` (one row per input, one
column per CSV column, one-hot columns summed back onto theirs).
"""

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from omegaconf import DictConfig

from dlkit.config.values import BATCH_SIZE, check_choice, integer, optional, require
from dlkit.data.samples import to_float
from dlkit.errors import ConfigError, DataError
from dlkit.saved.command import command_run
from dlkit.saved.load import load_run
from dlkit_audit import file_names
from dlkit_audit.attributions import methods, pictures

log = logging.getLogger(__name__)


@dataclass
class Explained:
    x: torch.Tensor  # standardized, as the model takes them
    shown: torch.Tensor  # as the data holds them (images in [0, 1]), for the pictures
    targets: torch.Tensor | None  # true classes or values, when known
    names: list[str]
    source: str


def explain(cfg: DictConfig) -> dict:
    settings = cfg.explain
    with command_run(cfg, input=cfg.get("input"), method=settings.method) as command:
        check_settings(settings)  # before any loading
        run = _load(command.ckpt_path)
        check_drawable(run.datamodule)
        methods.check_method(settings.method, run.model.net)
        samples = explained_samples(run.datamodule, cfg.get("input"), settings.limit)
        attributions = methods.attribute(
            run.model,
            samples.x,
            settings.method,
            steps=settings.steps,
            window=settings.window,
            batch_size=settings.batch_size,
        )
        summary = write_explanation(run, samples, attributions, settings, command.folder)
        command.result.update(run_dir=str(run.folder.root), **summary)
        log.info(
            "%s of %d inputs (baseline: %s): %s",
            settings.method,
            summary["num_inputs"],
            summary["baseline"],
            command.folder.picture(file_names.ATTRIBUTIONS_PNG),
        )
        if "feature_importance" in summary:
            top = list(summary["feature_importance"].items())[:5]
            log.info("columns by mean |attribution|: %s", ", ".join(f"{k} {v:.3g}" for k, v in top))
    return command.result


#: the data whose attributions `write_explanation` draws; and any data module that draws its
#: net inputs as 2-D maps: `input_maps(x, values=True) -> [N, H, W]` (net inputs, or their
#: attributions with values=False, as pictures) and `input_map_axes` (across, up). The audio
#: pack's spectrograms are such maps; the pack itself stays unknown here.
DRAWN = ("image", "sequence", "table")


def draws_maps(datamodule) -> bool:
    return hasattr(datamodule, "input_maps")


def check_drawable(datamodule) -> None:
    """Stop with one message for data explain cannot draw yet (text), before any work."""
    if datamodule.modality not in DRAWN and not draws_maps(datamodule):
        raise ConfigError(
            f"make explain draws attributions over {', '.join(DRAWN)} data and spectrograms; "
            f"this run's {type(datamodule).__name__} holds {datamodule.modality} data, which it "
            "cannot draw yet: explain a run on other data, or use make predict for these inputs"
        )


def check_settings(settings: DictConfig) -> None:
    """The `explain` settings, each in its range (a ConfigError names the first that is not)."""
    check_choice("explain.method", settings.method, methods.METHODS)
    for key in ("steps", "limit", "show"):
        require(f"explain.{key}", settings[key], integer(1))
    require("explain.window", settings.window, optional(integer(1)))
    require("explain.batch_size", settings.batch_size, BATCH_SIZE)


def _load(ckpt_path: str | None):
    """The run, its data module rebuilt as in training: `explain` needs its preprocessing and,
    without `input`, its test split."""
    try:
        return load_run(ckpt_path, "explain")
    except DataError as error:
        raise DataError(
            f"the data of the run that wrote {ckpt_path} cannot be read ({error}); explain "
            "rebuilds the run's data module as trained: put its data back where the run's "
            "config.yaml says (data.path, paths.data_dir)"
        ) from error


def explained_samples(datamodule, inputs: str | None, limit: int) -> Explained:
    if inputs is None:
        # decoded as needed: a streamed run (data.storage=stream) keeps only the test files
        raw, targets = datamodule.samples("test", limit)
        total = len(datamodule.datasets["test"])
        names, source = test_names(datamodule, total)[: len(raw)], "the test split"
        x = datamodule.transform_batch(raw)
    else:
        path = Path(inputs).expanduser()
        x = datamodule.load_inputs(path)
        targets = datamodule.read_input_targets(path)
        # image files name their rows; other inputs are rows of their file
        names = datamodule.input_columns(path).get("input") or [f"row {i}" for i in range(len(x))]
        source = str(path)
        total = max(len(x), len(names))
    if total > limit:
        log.info("explaining the first %d of %d inputs (explain.limit)", limit, total)
    x = x[:limit].float()
    if draws_maps(datamodule):  # the features as the data module computed them, as pictures
        shown = datamodule.input_maps(x)
    else:
        shown = x if datamodule.mean is None else x * datamodule.std + datamodule.mean
    targets = None if targets is None or len(targets) != len(names) else targets[:limit]
    return Explained(x, to_float(shown), targets, names[:limit], source)


def test_names(datamodule, rows: int) -> list[str]:
    """The test rows' names: their files where the data module's test table has them (clips,
    CSV rows with a `file` column), else their numbers."""
    table = datamodule.test_table() if hasattr(datamodule, "test_table") else None
    if table is not None and "file" in table and len(table) == rows:
        return [str(file) for file in table["file"]]
    return [f"test row {i}" for i in range(rows)]


def write_explanation(run, samples: Explained, attributions, settings, folder) -> dict:
    """The pictures, the arrays and (tables) the per-row CSV; returns the summary's entries."""
    datamodule = run.datamodule
    classification = datamodule.task == "classification"
    outputs = attributions.outputs.float()
    if classification:
        names = datamodule.class_names
        predicted = outputs.argmax(dim=1)
        confidence = outputs.max(dim=1).values
        labels = [
            f"predicted {names[p]} ({c:.0%})"
            for p, c in zip(predicted.tolist(), confidence.tolist(), strict=True)
        ]
        trues = (
            [None] * len(outputs)
            if samples.targets is None
            else [names[int(t)] for t in samples.targets]
        )
    else:
        values = outputs.reshape(len(outputs), -1)[:, 0]
        labels = [f"predicted {v:.4g}" for v in values.tolist()]
        trues = (
            [None] * len(outputs)
            if samples.targets is None
            else [f"{float(t):.4g}" for t in samples.targets.reshape(len(outputs), -1)[:, 0]]
        )
    baseline = _baseline(settings.method, datamodule)
    explained = "the predicted class's probability" if classification else "the predicted value"
    title = f"{settings.method.replace('_', ' ')} of {explained}\nbaseline: {baseline}"
    folder.root.mkdir(parents=True, exist_ok=True)
    png = folder.picture(file_names.ATTRIBUTIONS_PNG)
    shown = min(settings.show, len(samples.x))
    summary: dict = {}
    plot = {"image": pictures.plot_images, "sequence": pictures.plot_sequences}.get(
        datamodule.modality
    )
    # the attributions laid out as the inputs are shown (maps: as pictures, like the inputs)
    drawn = (
        datamodule.input_maps(attributions.values, values=False)
        if draws_maps(datamodule)
        else attributions.values
    )
    if draws_maps(datamodule):  # maps of the inputs (spectrograms), each titled with its name
        pictures.plot_maps(
            samples.shown[:shown], drawn[:shown], samples.names[:shown], labels, trues,
            settings.method, title, datamodule.input_map_axes, png,
        )  # fmt: skip
    elif plot is not None:  # the samples themselves, their attributions drawn over them
        plot(
            samples.shown[:shown], attributions.values[:shown], labels, trues, settings.method,
            title, png,
        )  # fmt: skip
    else:
        per_column = by_source_column(attributions.values, datamodule.feature_sources)
        positive = (
            "green: for the predicted class, red: against"
            if classification
            else "green: raises the prediction, red: lowers it"
        )
        rows = f"{title}\n{len(per_column)} rows of {samples.source}"
        pictures.plot_table(per_column, rows, positive, png)
        table = pd.DataFrame({"input": samples.names, "prediction": labels, "true": trues})
        pd.concat([table, per_column], axis=1).to_csv(
            folder.picture(file_names.ATTRIBUTIONS_CSV), index=False
        )
        importance = per_column.abs().mean().sort_values(ascending=False)
        summary["feature_importance"] = {str(k): float(v) for k, v in importance.items()}
    np.savez_compressed(
        folder.picture(file_names.ATTRIBUTIONS_NPZ),
        attributions=drawn.numpy(),
        inputs=samples.shown.numpy(),
        outputs=outputs.numpy(),
        names=np.asarray(samples.names),
    )
    # a probability saturated at 1 (or 0) has no gradient: its map is empty, not "nothing matters"
    empty = int((attributions.values.flatten(1).abs().sum(dim=1) == 0).sum())
    if empty:
        summary["empty_attributions"] = empty
        log.warning(
            "%d of %d inputs have an all-zero %s map: their predicted probability is saturated "
            "(the net is that sure), so its gradients vanish; explain.method=occlusion needs "
            "none and shows which parts, hidden, change it",
            empty,
            len(samples.x),
            settings.method,
        )
    if attributions.convergence_delta is not None:
        summary["convergence_delta"] = float(attributions.convergence_delta.mean())
    return {
        "method": settings.method,
        "explained": explained,
        "baseline": baseline,
        "source": samples.source,
        "num_inputs": len(samples.x),
        **summary,
        "inputs": [
            {"input": n, "prediction": p, "true": t}
            for n, p, t in zip(samples.names[:shown], labels, trues, strict=False)
        ],
        "files": [file_names.ATTRIBUTIONS_PNG, file_names.ATTRIBUTIONS_NPZ]
        + ([file_names.ATTRIBUTIONS_CSV] if datamodule.modality == "table" else []),
    }


def by_source_column(values: torch.Tensor, sources: list[str]) -> pd.DataFrame:
    """Attributions per CSV column: the one-hot columns of a category summed back onto it (the
    sum keeps integrated gradients' completeness)."""
    frame = pd.DataFrame(values.reshape(len(values), -1).numpy(), columns=sources)
    return frame.T.groupby(level=0, sort=False).sum().T


def _baseline(method: str, datamodule) -> str:
    if method in ("saliency", "gradcam"):
        return "none (gradients of this input)"
    if datamodule.mean is None:
        return "zeros (the run did not standardize its inputs: data.normalize=false)"
    return "the training mean (zeros after standardization)"
