"""Train a model, test its best checkpoint and write the run folder: `make train [overrides]`.

This file only composes the config and hands it on. Torch and Lightning are imported after
composition, so `--help`, `--cfg job` and config errors answer at once.
`make train resume=<run folder>` continues a run that was stopped (see dlkit.utils.resume).
"""

import sys

import hydra
from omegaconf import DictConfig

from dlkit.utils.entry import check_before_work, end_on_bad_input, prepare_command_line


@hydra.main(version_base="1.3", config_path="../../configs", config_name="train")
def main(cfg: DictConfig) -> float | None:
    check_before_work(cfg)
    from dlkit.training import BAD_INPUT, train

    try:
        return train(cfg)
    except BAD_INPUT as error:
        end_on_bad_input(error)


if __name__ == "__main__":
    sys.argv[1:] = prepare_command_line(sys.argv[1:])
    main()
