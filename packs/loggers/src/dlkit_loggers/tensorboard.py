"""TensorBoard with the run's pictures: Lightning's logger writes scalars and hyperparameters,
and the core hands each picture of the run folder (learning curves, confusion matrix) to
`log_picture`, which puts it in the event file as an image under the picture's name."""

from pathlib import Path

import numpy as np
from lightning.pytorch import loggers


class TensorBoardLogger(loggers.TensorBoardLogger):
    """Lightning's TensorBoardLogger that also puts the run's pictures in the Images tab."""

    def log_picture(self, path: Path) -> None:
        """The PNG at `path` as an RGB image tagged with its stem, flushed so it is on disk now."""
        from PIL import Image

        with Image.open(path) as picture:
            pixels = np.asarray(picture.convert("RGB"))
        self.experiment.add_image(Path(path).stem, pixels, dataformats="HWC")
        self.experiment.flush()
