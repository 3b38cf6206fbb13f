"""Stop a bad configuration before any work, with one message that names every problem.

Hydra already stops misspelled keys (`trainer.max_epoch=3`: not in struct) and unknown options
(`model=cnnn`: the list of options), not types and ranges: the YAML files carry no schema, so
`trainer.max_epochs=abc` would reach the Trainer as a string and `optimizer.lr=-1` would train
garbage. Structured configs would need a dataclass per option file and still not check ranges,
so the values that decide a run are checked here, by one table, before torch is imported.

The kinds of check and the named ranges (`PROBABILITY`, `BATCH_SIZE`, …) are in
`dlkit.config.values`, which the constructors used as a library share through `require`.
Keys a user adds with `+` are checked against the signature of the class they go to
(`dlkit.config.targets`), once the classes can be imported.
"""

from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import MissingMandatoryValue

from dlkit.config.values import (
    BATCH_SIZE,
    PART,
    PROBABILITY,
    SHARE,
    Check,
    existing_file,
    fraction_of_batches,
    integer,
    is_int,
    number,
    one_of,
    optional,
)
from dlkit.data.storage import STORAGES
from dlkit.errors import ConfigError

_ABSENT = object()  # a key the config does not have


def fold_problem(num_folds: Any, fold: Any, folds_key: str, fold_key: str) -> str | None:
    """The one rule for folds: at least one fold, and the chosen fold is one of them."""
    if not is_int(num_folds) or num_folds < 1:
        return f"{folds_key} must be 1 (a plain split) or more, got {num_folds!r}"
    if fold is not None and (not is_int(fold) or not 0 <= fold < num_folds):
        return (
            f"{fold_key}={fold!r} is out of range for {folds_key}={num_folds}: "
            f"choose 0..{num_folds - 1}, or more folds"
        )
    return None


def cv_problems(cv: Any, ckpt_path: str | None = None) -> list[str]:
    """`cv.folds`/`cv.fold`: a fold needs folds to choose from; resuming needs one fold."""
    if not isinstance(cv, (dict, DictConfig)) or "folds" not in cv:
        return []
    folds, fold = cv.get("folds"), cv.get("fold")
    if fold is not None and folds == 1:
        return [
            f"cv.fold={fold} needs folds to choose from: add cv.folds=<k> (k >= 2), "
            "e.g. `make sweep cv.folds=5 cv.fold=0,1,2,3,4`"
        ]
    if problem := fold_problem(folds, fold, "cv.folds", "cv.fold"):
        return [problem]
    if fold is None and folds > 1 and ckpt_path:
        return [
            f"ckpt_path resumes one model, but cv.folds={folds} trains {folds}: resume the "
            f"fold it belongs to alone, e.g. `make train cv.folds={folds} cv.fold=<k> "
            "ckpt_path=<run>/fold_<k>/checkpoints/last.ckpt`"
        ]
    return []


# key -> check; a key absent from the config (another model, no early stopping) is skipped.
RULES: dict[str, Check] = {
    "seed": integer(0),
    "ckpt_path": optional(existing_file),
    "trainer.max_epochs": integer(-1),
    "trainer.min_epochs": optional(integer(0)),
    "trainer.max_steps": integer(-1),
    "trainer.check_val_every_n_epoch": optional(integer(1)),
    "trainer.log_every_n_steps": integer(1),
    "trainer.accumulate_grad_batches": integer(1),
    "trainer.gradient_clip_val": optional(number(0, low_open=False)),
    "trainer.limit_train_batches": optional(fraction_of_batches),
    "trainer.limit_val_batches": optional(fraction_of_batches),
    "trainer.limit_test_batches": optional(fraction_of_batches),
    "optimizer.lr": number(0, low_open=True),
    "optimizer.weight_decay": number(0, low_open=False),
    "optimizer.momentum": number(0, 1, low_open=False),
    "model.net.dropout": PROBABILITY,
    "model.label_smoothing": PROBABILITY,
    "data.batch_size": BATCH_SIZE,
    "data.val_fraction": SHARE,
    "data.test_fraction": SHARE,
    "data.train_fraction": PART,
    "data.num_workers": optional(integer(0)),
    "data.storage": one_of(STORAGES),
    "data.memory_budget": optional(number(0, low_open=True)),
    "data.standardization_sample": integer(1),
    "data.baseline_sample": integer(1),
    "callbacks.early_stopping.patience": integer(0),
}

HINTS = {
    "optimizer.lr": "a typical learning rate is 1e-3 (Adam) or 0.05 (SGD)",
    "model.net.dropout": "dropout is the probability of zeroing a unit: 0 turns it off",
    "trainer.max_epochs": "e.g. trainer.max_epochs=20",
}


def check_config(cfg: DictConfig, command: str = "train") -> None:
    """Raise one ConfigError listing every problem of the composed config of `make <command>`."""
    problems = []
    for key, check in RULES.items():
        try:
            value = OmegaConf.select(cfg, key, default=_ABSENT, throw_on_missing=True)
        except MissingMandatoryValue:  # `???`: listed below with the other keys left without one
            continue
        except Exception as error:  # an interpolation that does not resolve
            problems.append(f"{key}: {error}".splitlines()[0])
            continue
        if value is _ABSENT:
            continue
        if problem := check(value):
            hint = f" ({HINTS[key]})" if key in HINTS else ""
            problems.append(f"{key} {problem}{hint}")
    problems += cv_problems(cfg.get("cv"))
    data = cfg.get("data")
    if isinstance(data, DictConfig) and {"num_folds", "fold"} <= set(data):
        problem = fold_problem(data.num_folds, data.fold, "data.num_folds", "data.fold")
        problems += [problem] if problem else []
    problems += [
        f"{key} has no value: give it one (make {command} {key}=…)"
        for key in sorted(_missing_keys(cfg))
    ]
    if problems:
        raise ConfigError(message(problems))


def _missing_keys(node: DictConfig | ListConfig) -> list[str]:
    """The full keys left at `???`, read without resolving: OmegaConf.missing_keys resolves each
    value on its way and so ends in a traceback on an interpolation that does not resolve."""
    keys = []
    for key in node if isinstance(node, DictConfig) else range(len(node)):
        child = node._get_node(key)
        if OmegaConf.is_missing(node, key):
            keys.append(node._get_full_key(key))
        elif isinstance(child, (DictConfig, ListConfig)):
            keys += _missing_keys(child)
    return keys


def message(problems: list[str]) -> str:
    """One problem on one line; several as a list."""
    if len(problems) == 1:
        return f"invalid configuration: {problems[0]}"
    return "invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems)
