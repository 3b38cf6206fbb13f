"""Hundreds of wrong command lines, each ending with exit code 2 and one message, never a traceback.

Generated from the config's own rules (a wrong type and a value out of range for every checked
key), misspelled keys, keys added with `+` that the classes do not take, unknown options of
every group, paths that do not exist, data/model pairs that do not fit and cross-validation
settings that cannot give folds: what a user gets wrong, as a user types it.
"""

import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

from dlkit.config.checks import RULES
from tests.helpers import output, run

GROUPS = ("data", "model", "optimizer", "scheduler", "trainer", "callbacks", "logger", "baseline",
          "experiment", "debug", "hparams_search", "augmentation")  # fmt: skip
WRONG_VALUES = ("abc", "-7", "1e9", "nan", "true", "[1,2]", "{a: 1}", "null")
ADDED_KEYS = ("trainer.max_epoch", "trainer.devcies", "data.batchsize", "data.val_fractoin",
              "model.net.dropuot", "model.net.hiden_sizes", "optimizer.lrr", "optimizer.momentm",
              "callbacks.early_stopping.patiance", "callbacks.model_checkpoint.monitr",
              "logger.csv.save_dirr", "model.compil")  # fmt: skip
PATHS = (
    ("data=csv", "data.path=/no/such.csv", "data.target=y"),
    ("data=image_folder", "data.path=/no/such/folder"),
    ("data=sequence_npz", "data.path=/no/such.npz"),
    ("ckpt_path=/no/such.ckpt",),
    ("resume=/no/such/run",),
    ("data=mnist",),  # torchvision files absent: the error says where they go
)
PAIRS = [
    (d, m)
    for d in ("wine", "iris", "diabetes")
    for m in ("cnn", "resnet", "gru", "lstm", "rnn", "transformer")
]
PAIRS += [("mnist1d", "resnet"), ("digits", "gru"), ("digits", "transformer")]
FOLDS = (("cv.folds=0",), ("cv.folds=-3",), ("cv.folds=3", "cv.fold=3"), ("cv.fold=1",),
         ("cv.folds=2.5",), ("cv.folds=3", "ckpt_path=x"), ("data.num_folds=2", "data.fold=2"))  # fmt: skip


def _cases() -> list[tuple[str, ...]]:
    cases = []
    for key, rule in RULES.items():
        if key == "ckpt_path":
            continue
        # the values its rule refuses (null is fine where a setting is optional)
        cases += [(f"++{key}={v}",) for v in WRONG_VALUES if rule(_parsed(v)) is not None]
    keys = [key for key in RULES if "." in key]
    for key in keys:  # misspelled: a letter dropped, Hydra refuses the key
        group, name = key.rsplit(".", 1)
        cases.append((f"{group}.{name[:-1]}=1",))
    cases += [(f"+{key}=3",) for key in ADDED_KEYS]
    cases += [(f"{group}=no_such_option",) for group in GROUPS]
    cases += list(PATHS)
    cases += [(f"data={d}", f"model={m}") for d, m in PAIRS]
    cases += list(FOLDS)
    return cases


def _parsed(value: str):
    """The value as Hydra's override parser reads it (a number, a list, a dict, None, text)."""
    (override,) = OverridesParser.create().parse_overrides([f"key={value}"])
    return OmegaConf.create({"v": override.value()}).v


CASES = _cases()


@pytest.mark.slow  # a process per case, a few hundred of them
def test_every_bad_command_line_ends_with_one_message_and_exit_code_2(tmp_path):
    assert len(CASES) >= 200, len(CASES)

    def attempt(index_case):
        index, case = index_case
        run_dir = tmp_path / f"run{index}"
        try:
            result = run(
                "-m",
                "dlkit.cli.train",
                *case,
                f"hydra.run.dir={run_dir}",
                f"paths.data_dir={tmp_path / 'data'}",
                timeout=300,
            )
        except subprocess.TimeoutExpired:
            return f"{' '.join(case)}: still running after 300 s (the command was accepted)"
        text = output(result)
        ok = result.returncode == 2 and "Traceback" not in text
        return None if ok else f"{' '.join(case)}: exit {result.returncode}\n{text[-1500:]}"

    with ThreadPoolExecutor(max_workers=2) as pool:
        failures = [f for f in pool.map(attempt, enumerate(CASES)) if f]
    print(f"{len(CASES)} bad command lines, {len(CASES) - len(failures)} ended cleanly")
    assert not failures, f"{len(failures)} of {len(CASES)}:\n\n" + "\n\n".join(failures[:10])
