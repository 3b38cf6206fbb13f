"""`make optimize`: a data module's splits written as LitData chunks, with `dlkit.json`.

The data module is built as `make train` builds it (`build_datamodule`): the same seeded split,
the same resizing, the standardization fitted on its training split. Its samples are read a
split at a time by `litdata.optimize`'s worker processes (an image folder: decoded there, so the
data set never sits whole in memory) and stored as they are held for training: uint8 images at
their final size. The chunks then stream to any number of ranks and nodes (`data=litdata`).
"""

import logging
import os
import shutil
import sys
from functools import partial
from pathlib import Path

import torch
from omegaconf import DictConfig, OmegaConf

from dlkit.data.file_samples import BadFile
from dlkit.errors import ConfigError, DataError
from dlkit.saved.command import command_run
from dlkit.training.build import build_datamodule
from dlkit_litdata.chunks_index import SPLITS, ChunksIndex

log = logging.getLogger(__name__)


def sample_item(dataset, skip_bad_files: bool, index: int):
    """One chunk item: {"x": the sample tensor, "y": its class}; a generator, so that a file
    that cannot be decoded can be left out (data.skip_bad_files)."""
    sample = dataset[index]
    if isinstance(sample, BadFile):
        if skip_bad_files:
            log.warning("skipped: %s", sample.message)
            return
        raise DataError(f"{sample.message}; or set data.skip_bad_files=true to leave it out")
    x, y = sample
    yield {"x": x.contiguous(), "y": int(y)}


def written_order(split: str, count: int, seed: int) -> list[int]:
    """The order a split's samples go into the chunks. Training samples are shuffled once here,
    seeded: LitData's own shuffle only permutes the chunks and blocks of items inside each
    chunk, so chunks written in the folder's order (one class after another) would give batches
    of two or three classes. Evaluation splits keep their order (their rows match the test
    table)."""
    if split != "train":
        return list(range(count))
    return torch.randperm(count, generator=torch.Generator().manual_seed(seed)).tolist()


def optimize_command(cfg: DictConfig) -> None:
    out = Path(cfg.out).expanduser()
    with command_run(cfg, out=str(out)) as command:
        if out.exists() and any(out.iterdir()):
            if not cfg.overwrite:
                raise ConfigError(
                    f"out={cfg.out} already holds files: choose an empty or new folder, or "
                    "add overwrite=true to replace them"
                )
            shutil.rmtree(out)
        datamodule = build_datamodule(cfg)
        if datamodule.modality != "image":
            raise ConfigError(
                f"make optimize writes image data; data={type(datamodule).__name__} holds "
                f"{datamodule.modality} data, which trains from memory as it is"
            )
        from litdata import optimize

        workers = cfg.num_workers or max(1, len(os.sched_getaffinity(0)))
        for split in SPLITS:
            dataset = datamodule.datasets[split]
            optimize(
                fn=partial(sample_item, dataset, bool(cfg.data.get("skip_bad_files"))),
                inputs=written_order(split, len(dataset), datamodule.seed),
                output_dir=str(out / split),
                chunk_bytes=cfg.chunk_bytes,
                num_workers=min(workers, len(dataset)),
                verbose=False,
                # LitData spawns its workers by default: each imports torch and the data module
                # again (seconds per split); forked, they start with them (Linux: fork is safe
                # before any thread of CUDA or the loaders exists)
                start_method="fork" if sys.platform == "linux" else None,
            )
        index = ChunksIndex(
            data=OmegaConf.to_container(cfg.data, resolve=True),
            input_shape=list(datamodule.input_shape),
            class_names=list(datamodule.class_names),
            mean=_plain(datamodule.mean),
            std=_plain(datamodule.std),
            samples={split: len(datamodule.datasets[split]) for split in SPLITS},
        )
        index.write(out)  # last: a folder without it is not finished
        log.info("LitData chunks in %s: make train data=litdata data.path=%s", out, cfg.out)
        command.result.update(out=str(out), samples=index.samples, classes=index.class_names)


def _plain(statistic: torch.Tensor | None) -> list | None:
    return None if statistic is None else statistic.cpu().tolist()
