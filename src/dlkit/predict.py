"""Predict new inputs with a checkpoint: `make predict ckpt_path=<…> input=<file or folder>`.

The work is in `dlkit.prediction`; this file only composes the config.
"""

import hydra
from omegaconf import DictConfig


@hydra.main(version_base="1.3", config_path="../../configs", config_name="predict")
def main(cfg: DictConfig) -> None:
    from dlkit.prediction import predict

    predict(cfg)


if __name__ == "__main__":
    main()
