"""Evaluate a checkpoint on the test split: `make eval ckpt_path=<…/checkpoints/file.ckpt>`.

The run's own config rebuilds the data and model (see `dlkit.evaluation`); this file only composes.
"""

import hydra
from omegaconf import DictConfig


@hydra.main(version_base="1.3", config_path="../../configs", config_name="eval")
def main(cfg: DictConfig) -> None:
    from dlkit.evaluation import evaluate

    evaluate(cfg)


if __name__ == "__main__":
    main()
