"""`make train resume=<run folder>`: continue a run that was killed, in its own folder.

The command line is rewritten before Hydra starts: the run's own overrides (from
`.hydra/overrides.yaml`), then whatever else the user gives (`trainer.max_epochs=80`), then the
run's folder (`hydra.run.dir`, its `.hydra/` records left as they were) and its `last.ckpt`.
Lightning's checkpoint restores weights, optimizer, scheduler, loops and callback states (early
stopping, best checkpoint, metric history); `StepSeed` and `ResumableDataLoader` make the
random draws and the data order those of an uninterrupted run; `continue_csv_logs` makes
`metrics.csv` go on where the checkpoint stands. Nothing here imports torch at module level.
"""

import csv
import json
import re
from pathlib import Path

from omegaconf import DictConfig, ListConfig, OmegaConf

from dlkit.utils.validation import ConfigError

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
    folder = Path(folder_value).expanduser().resolve()
    checkpoint = folder / "checkpoints" / "last.ckpt"
    saved_overrides = folder / ".hydra" / "overrides.yaml"
    if not saved_overrides.is_file():
        raise ConfigError(
            f"resume={folder_value}: not a run folder (no .hydra/overrides.yaml in {folder}). "
            "Give the folder of a run, e.g. resume=logs/train/runs/<time>"
        )
    if not checkpoint.is_file():
        raise ConfigError(
            f"resume={folder_value}: {checkpoint} does not exist, the run stopped before its "
            "first checkpoint. Start it again instead."
        )
    status = _status(folder)
    if status == "completed":
        raise ConfigError(
            f"resume={folder_value}: that run has completed. To train on from its weights, start "
            f"a new run: ckpt_path={checkpoint}"
        )
    original = [
        o
        for o in OmegaConf.load(saved_overrides)
        if o.split("=", 1)[0].lstrip("+~") not in OWN_KEYS
    ]
    extra = [a for a in arguments if not a.startswith("resume=")]
    return [
        *original,
        *extra,
        f"hydra.run.dir={_quote(folder)}",
        "hydra.output_subdir=null",
        f"ckpt_path={_quote(checkpoint)}",
        f"resume={_quote(folder)}",
    ]


def resume_requeued_job(cfg: DictConfig) -> bool:
    """A SLURM job requeued after pre-emption or its time limit continues its run's last.ckpt.

    The requeued job runs the same command in the same run folder (submitit re-runs the job's
    pickled config); SLURM counts restarts in SLURM_RESTART_COUNT. A run that Lightning's own
    auto-requeue saved (`hpc_ckpt_*.ckpt`) is left to Lightning, which loads those itself.
    """
    import os

    if int(os.environ.get("SLURM_RESTART_COUNT") or 0) < 1 or cfg.get("resume"):
        return False
    folder = Path(cfg.paths.output_dir)
    last = folder / "checkpoints" / "last.ckpt"
    if cfg.get("ckpt_path") or not last.is_file() or any(folder.glob("hpc_ckpt_*.ckpt")):
        return False
    if _status(folder) not in ("running", "interrupted"):
        return False
    cfg.resume, cfg.ckpt_path = str(folder), str(last)
    return True


def check_same_config(cfg: DictConfig, explicit_overrides: list[str]) -> None:
    """The composed config must be the one the run started with, except for explicit overrides.

    The overrides are re-applied to today's config files: if those changed since the run
    started, resuming would silently train another model, so stop and name the differences.
    """
    saved_path = Path(cfg.resume) / ".hydra" / "config.yaml"
    if not saved_path.is_file():
        return
    saved, now = _flatten(OmegaConf.load(saved_path)), _flatten(cfg)
    allowed = {o.split("=", 1)[0].lstrip("+~") for o in explicit_overrides}
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


def continue_csv_logs(loggers: list, checkpoint_step: int) -> None:
    """Let each CSV logger go on with its `metrics.csv` instead of starting it again.

    Lightning's CSV logger deletes an existing file when it starts, and would rewrite it with
    only the columns it has seen itself; so the rows are read first and handed back with their
    columns. Rows of steps after the checkpoint (logged by the killed process) are dropped,
    since the resumed run logs those steps again.
    """
    from lightning.pytorch.loggers import CSVLogger

    for logger in loggers:
        if not isinstance(logger, CSVLogger):
            continue
        path = Path(logger.log_dir) / "metrics.csv"
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


def _status(folder: Path) -> str | None:
    try:
        return json.loads((folder / "summary.json").read_text()).get("status")
    except (OSError, ValueError):
        return None


def _quote(path: Path) -> str:
    """A path as a Hydra override value (quoted when it holds characters Hydra would parse)."""
    text = str(path)
    return text if re.fullmatch(r"[\w/.\-]+", text) else "'" + text.replace("'", "\\'") + "'"


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
