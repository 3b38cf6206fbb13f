"""Export a checkpoint for deployment: `make export ckpt_path=<…> format=onnx|torchscript`.

The work is in `dlkit.exporting`; this file only composes the config.
"""

import hydra
from omegaconf import DictConfig


@hydra.main(version_base="1.3", config_path="../../configs", config_name="export")
def main(cfg: DictConfig) -> None:
    from dlkit.exporting import export

    export(cfg)


if __name__ == "__main__":
    main()
