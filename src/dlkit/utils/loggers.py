"""Experiment loggers: W&B's offline default, the run's pictures, and closing each run.

Lightning's loggers write metrics and hyperparameters themselves; what they leave out is
(1) the pictures the run folder holds (learning curves, confusion matrix), sent here to each
logger that shows images, and (2) ending a W&B run: WandbLogger.finalize does not, so the next
job of a sweep in the same process would be logged into the same run.
"""

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

PICTURES = ("learning_curves.png", "confusion_matrix.png")


def wandb_offline() -> bool:
    """W&B stays offline unless the user has an API key (WANDB_MODE, when set, decides)."""
    mode = os.environ.get("WANDB_MODE")
    if mode:
        return mode != "online"
    return not os.environ.get("WANDB_API_KEY")


def log_pictures(loggers: list, output_dir: str | Path) -> None:
    """Each picture of the run folder to each logger that shows images (CSV does not)."""
    from lightning.pytorch.loggers import MLFlowLogger, TensorBoardLogger, WandbLogger

    pictures = [Path(output_dir) / name for name in PICTURES if (Path(output_dir) / name).is_file()]
    if not pictures:
        return
    for logger in loggers:
        if isinstance(logger, TensorBoardLogger):
            import matplotlib.image

            for path in pictures:
                image = matplotlib.image.imread(path)[..., :3]  # RGBA floats -> RGB
                logger.experiment.add_image(path.stem, image, dataformats="HWC")
            logger.experiment.flush()
        elif isinstance(logger, WandbLogger):
            for path in pictures:
                logger.log_image(key=path.stem, images=[str(path)])
        elif isinstance(logger, MLFlowLogger):
            for path in pictures:
                logger.experiment.log_artifact(logger.run_id, str(path), artifact_path="pictures")


def finish_loggers(loggers: list, output_dir: str | Path, rank_zero: bool = True) -> None:
    """Send the pictures, then finalize every logger and end W&B runs (one run per job)."""
    from lightning.pytorch.loggers import WandbLogger

    if rank_zero:
        try:
            log_pictures(loggers, output_dir)
        except Exception as error:  # a logger's hiccup must not fail a finished run
            log.warning("could not send the pictures to the loggers: %s", error)
    for logger in loggers:
        logger.finalize("success")
        if rank_zero and isinstance(logger, WandbLogger) and logger._experiment is not None:
            logger.experiment.finish()
