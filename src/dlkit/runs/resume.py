"""`make train resume=<run folder>`: continue a run that was killed, in its own folder.

The command line is rewritten before Hydra starts: the run's own overrides (from
`.hydra/overrides.yaml`), then whatever else the user gives (`trainer.max_epochs=80`), then the
run's folder (`hydra.run.dir`, its `.hydra/` records left as they were) and its `last.ckpt`.
Lightning's checkpoint restores weights, optimizer, scheduler, loops and callback states (early
stopping, best checkpoint, metric history). What else makes a resumed run train exactly as an
uninterrupted one lives where it acts: `dlkit.callbacks.step_seed` (random draws keyed by step),
`dlkit.data.sampling` (data order keyed by epoch, continued mid-epoch) and `continue_csv_logs`
below (`metrics.csv` goes on where the checkpoint stands). Nothing here imports torch at module
level.
"""

import csv
import os
import sys
from pathlib import Path

from omegaconf import DictConfig, ListConfig, OmegaConf

from dlkit.config.overrides import override_key, quoted
from dlkit.errors import ConfigError
from dlkit.runs.checkpoints import newest_intact
from dlkit.runs.folder import RunFolder

# Keys a resumed run sets itself, so they may differ from the saved config.
OWN_KEYS = ("resume", "ckpt_path")


def resume_arguments(arguments: list[str]) -> list[str]:
    """Hydra's command line with `resume=<folder>` expanded; unchanged without it."""
    given = [a for a in arguments if a.startswith("resume=")]
    folder_value = given[-1].split("=", 1)[1] if given else ""
    if folder_value in ("", "null", "None"):
        return arguments
    if any(a in ("-m", "--multirun") for a in arguments):
        raise ConfigError("resume=… continues one run: leave out --multirun (`make train`)")
    folder = RunFolder(Path(folder_value).expanduser().resolve())
    if not folder.hydra_overrides.is_file():
        raise ConfigError(
            f"resume={folder_value}: not a run folder (no {folder.hydra_overrides.name} in "
            f"{folder.hydra_overrides.parent}). Give the folder of a run, e.g. "
            "resume=logs/train/runs/<time>"
        )
    if not any(folder.checkpoints.glob("*.ckpt")):
        raise ConfigError(
            f"resume={folder_value}: {folder.checkpoints} holds no checkpoint, the run stopped "
            "before its first checkpoint. Start it again instead."
        )
    checkpoint, skipped = newest_intact(folder)
    for line in skipped:
        print(f"resume: {line}; continuing from {checkpoint.name}", file=sys.stderr)
    if folder.summary.is_file() and not folder.read_summary():
        print(f"resume: {folder.summary} is unreadable; resuming as a stopped run", file=sys.stderr)
    extra = [a for a in arguments if not a.startswith("resume=")]
    longer = any(override_key(a) in ("trainer.max_epochs", "trainer.max_steps") for a in extra)
    if folder.status() == "completed" and not longer:
        raise ConfigError(
            f"resume={folder_value}: that run has completed. Train it longer in its folder with "
            f"`make train resume={folder_value} trainer.max_epochs=<more>`, or start a new run "
            f"from its weights: ckpt_path={checkpoint}"
        )
    original = [o for o in folder.overrides() if override_key(o) not in OWN_KEYS]
    return [
        *original,
        *extra,
        f"hydra.run.dir={quoted(folder.root)}",
        "hydra.output_subdir=null",
        f"ckpt_path={quoted(checkpoint)}",
        f"resume={quoted(folder.root)}",
    ]


def resume_requeued_job(cfg: DictConfig) -> bool:
    """A SLURM job requeued after pre-emption or its time limit continues its run's last.ckpt.

    The requeued job runs the same command in the same run folder (submitit re-runs the job's
    pickled config); SLURM counts restarts in SLURM_RESTART_COUNT. A run that Lightning's own
    auto-requeue saved (`hpc_ckpt_*.ckpt`) is left to Lightning, which loads those itself.
    """
    if int(os.environ.get("SLURM_RESTART_COUNT") or 0) < 1 or cfg.get("resume"):
        return False
    folder = RunFolder(cfg.paths.output_dir)
    last = folder.last_checkpoint
    if cfg.get("ckpt_path") or not last.is_file() or any(folder.root.glob("hpc_ckpt_*.ckpt")):
        return False
    if folder.status() not in ("running", "interrupted"):
        return False
    cfg.resume, cfg.ckpt_path = str(folder.root), str(last)
    return True


def check_same_config(cfg: DictConfig, explicit_overrides: list[str]) -> None:
    """The composed config must be the one the run started with, except for explicit overrides.

    The overrides are re-applied to today's config files: if those changed since the run
    started, resuming would silently train another model, so stop and name the differences.
    """
    saved_path = RunFolder(cfg.resume).hydra_config
    if not saved_path.is_file():
        return
    saved, now = _flatten(OmegaConf.load(saved_path)), _flatten(cfg)
    allowed = {override_key(o) for o in explicit_overrides}
    changed = [
        key
        for key in sorted(saved.keys() | now.keys())
        if saved.get(key) != now.get(key)
        and key.split(".")[0] not in OWN_KEYS
        and not any(key == a or key.startswith(f"{a}.") for a in allowed)
    ]
    if changed:
        listed = "; ".join(f"{k}: {saved.get(k)!r} then, {now.get(k)!r} now" for k in changed[:8])
        raise ConfigError(
            f"the config files changed since the run in {cfg.resume} started ({listed}). "
            "Resuming continues the run's own config: restore the files, or give the values "
            "explicitly on the command line (e.g. "
            f"{changed[0]}={saved.get(changed[0])!r})"
        )


def continue_csv_logs(loggers: list, ckpt_path: str) -> None:
    """Let each CSV logger go on with its `metrics.csv` instead of starting it again.

    Lightning's CSV logger deletes an existing file when it starts, and would rewrite it with
    only the columns it has seen itself; so the rows are read first and handed back with their
    columns. Rows of steps after the checkpoint (logged by the killed process) are dropped,
    since the resumed run logs those steps again. Call it before the loggers start their files.
    """
    import torch
    from lightning.pytorch.loggers import CSVLogger
    from lightning.pytorch.loggers.csv_logs import ExperimentWriter

    checkpoint_step = torch.load(ckpt_path, map_location="cpu", weights_only=True)["global_step"]

    for logger in loggers:
        if not isinstance(logger, CSVLogger):
            continue
        path = Path(logger.log_dir) / ExperimentWriter.NAME_METRICS_FILE
        if not path.is_file():
            continue
        with path.open(newline="") as file:
            reader = csv.DictReader(file)
            columns = list(reader.fieldnames or [])
            rows = [r for r in reader if int(r["step"]) < checkpoint_step]
        writer = logger.experiment  # starts the logger (and removes the file)
        writer.metrics_keys = columns
        with path.open("w", newline="") as file:
            table = csv.DictWriter(file, fieldnames=columns)
            table.writeheader()
            table.writerows(rows)


def _flatten(node, prefix: str = "") -> dict:
    """{'a.b': value} for every leaf, interpolations left as written."""
    if isinstance(node, DictConfig):
        items = {}
        for key in node:
            child = node._get_node(key)
            path = f"{prefix}{key}"
            if child._is_none() or child._is_missing():
                items[path] = child._value()
            elif isinstance(child, (DictConfig, ListConfig)):
                items.update(_flatten(child, f"{path}."))
            else:
                items[path] = child._value()
        return items
    if isinstance(node, ListConfig):
        return {prefix.rstrip("."): OmegaConf.to_container(node, resolve=False)}
    return {prefix.rstrip("."): node}
