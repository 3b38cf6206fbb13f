"""Train a model, test its best checkpoint and write the run folder: `make train [overrides]`.

This file only composes the config and hands it on. Torch and Lightning are imported after
composition, so `--help`, `--cfg job` and config errors answer at once.
"""

import hydra
from omegaconf import DictConfig


@hydra.main(version_base="1.3", config_path="../../configs", config_name="train")
def main(cfg: DictConfig) -> float | None:
    from dlkit.training import train

    return train(cfg)


if __name__ == "__main__":
    main()
