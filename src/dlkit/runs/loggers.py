"""Experiment loggers: the run's pictures sent to them, and each logger closed with its run.

Lightning's loggers write metrics and hyperparameters themselves; what they leave out is
(1) the pictures the run folder holds (learning curves, confusion matrix), sent here to each
logger that shows images (W&B's `log_image`; another logger takes them with a `log_picture(path)`
method of its own), and (2) ending a W&B run: WandbLogger.finalize does not, so the next job of
a sweep in the same process would be logged into the same run.
"""

import logging

from omegaconf import DictConfig, OmegaConf

from dlkit.runs.folder import RunFolder
from dlkit.runs.secrets import masked

log = logging.getLogger(__name__)


def log_hyperparameters(loggers: list, cfg: DictConfig) -> None:
    """The config as loggers record it: resolved, secrets masked, paths left out."""
    container = OmegaConf.to_container(masked(cfg), resolve=True)
    container.pop("paths", None)
    for logger in loggers:
        logger.log_hyperparams(container)


def log_pictures(loggers: list, folder: RunFolder) -> None:
    """Each picture of the run folder to each logger that shows images (CSV does not)."""
    from lightning.pytorch.loggers import WandbLogger

    pictures = [folder.picture(name) for name in folder.logged_pictures]
    pictures = [path for path in pictures if path.is_file()]
    if not pictures:
        return
    for logger in loggers:
        for path in pictures:
            if isinstance(logger, WandbLogger):
                logger.log_image(key=path.stem, images=[str(path)])
            elif hasattr(logger, "log_picture"):
                logger.log_picture(path)


def finish_loggers(loggers: list, folder: RunFolder, rank_zero: bool, failed: bool) -> None:
    """Send the pictures, then finalize every logger and end W&B runs (one run per job).

    After a successful fit a logger that cannot take what it is sent fails the run: the user
    asked for that logger, so "completed" would hide results it lacks. After a failed fit its
    own error is what the user needs: a logger's is only a warning then.
    """
    from lightning.pytorch.loggers import WandbLogger

    try:
        if rank_zero and not failed:
            log_pictures(loggers, folder)
        for logger in loggers:
            logger.finalize("failed" if failed else "success")
            if rank_zero and isinstance(logger, WandbLogger) and logger._experiment is not None:
                logger.experiment.finish()
    except Exception as error:
        if not failed:
            raise
        log.warning("the loggers could not be closed after the failure: %s", error)
