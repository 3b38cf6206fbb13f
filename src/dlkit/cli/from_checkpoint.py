"""The entry points that start from a trained run's checkpoint: `make eval`, `predict`, `export`.

Each is a Hydra main over its own config (`configs/eval.yaml`, …) that hands the composed config,
once checked, to its flow in `dlkit.saved`; bad input ends it with one message and exit code 2.
"""

from collections.abc import Callable

import hydra
from omegaconf import DictConfig

from dlkit.config import CONFIG_DIR
from dlkit.errors import BadInput
from dlkit.runs.late_import import late_import
from dlkit.runs.startup import check_before_work, end_on_bad_input, start


def checkpoint_command(config_name: str, flow: str) -> Callable[[], None]:
    """The entry point of `config_name`, running `flow` ("module:function", imported late)."""

    @hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name=config_name)
    def hydra_main(cfg: DictConfig) -> None:
        check_before_work(cfg)
        module, function = flow.split(":")
        run = getattr(late_import(module), function)  # torch, once checked
        try:
            run(cfg)
        except BadInput as error:
            end_on_bad_input(error)

    return lambda: start(hydra_main)
