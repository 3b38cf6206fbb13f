"""`make train [overrides]` and `make sweep …`: train a model, test its best checkpoint.

`make train resume=<run folder>` continues a run that was stopped (`dlkit.runs.resume`).
"""

import hydra
from omegaconf import DictConfig

from dlkit.config import CONFIG_DIR
from dlkit.errors import BadInput
from dlkit.runs.late_import import late_import
from dlkit.runs.startup import check_before_work, end_on_bad_input, start


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="train")
def main(cfg: DictConfig) -> float | None:
    check_before_work(cfg)
    # torch and Lightning, once the config is sound
    train = late_import("dlkit.training.run").train

    try:
        return train(cfg)
    except BadInput as error:
        end_on_bad_input(error)


if __name__ == "__main__":
    start(main, resumable=True)
