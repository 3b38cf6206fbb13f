"""The entry points that start from a trained run's checkpoint: `make eval`, `predict`, `export`.

Each is a Hydra main over its own config (`configs/eval.yaml`, …) that hands the composed config
to its flow in `dlkit.saved`; bad input ends it with one message and exit code 2.
"""

import importlib
from collections.abc import Callable

import hydra
from omegaconf import DictConfig

from dlkit.config import CONFIG_DIR
from dlkit.errors import BadInput
from dlkit.runs.startup import end_on_bad_input


def checkpoint_command(config_name: str, flow: str) -> Callable[[], None]:
    """The Hydra main of `config_name`, running `flow` ("module:function", imported late)."""

    @hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name=config_name)
    def main(cfg: DictConfig) -> None:
        module, function = flow.split(":")
        run = getattr(importlib.import_module(module), function)  # torch, once composed
        try:
            run(cfg)
        except BadInput as error:
            end_on_bad_input(error)

    return main
