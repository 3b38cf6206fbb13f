"""`augmentation_preview.png`: training samples as they are and as the augmentation changes them,
so that one look tells whether the augmentation keeps what the label depends on."""

import lightning.pytorch as L
import torch

from dlkit.data.samples import to_float
from dlkit.runs.folder import RunFolder

NUM_SAMPLES = 6
NUM_VIEWS = 4


class AugmentationPreview(L.Callback):
    """Writes the picture when fitting starts, if the data module has an augmentation."""

    def __init__(self, output_dir: str, seed: int = 0) -> None:
        self.folder = RunFolder(output_dir)
        self.seed = seed

    def on_fit_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        datamodule = trainer.datamodule
        augmentation = getattr(datamodule, "augmentation", None)
        if augmentation is None or not trainer.is_global_zero:
            return
        samples = datamodule.samples("train", NUM_SAMPLES)[0]
        samples = to_float(samples.clone())
        # its own random stream: the preview leaves the training's draws unchanged
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            views = [augmentation(samples) for _ in range(NUM_VIEWS)]
        from dlkit.reports.augmentation_preview import plot_augmentation_preview  # matplotlib

        plot_augmentation_preview(
            samples, views, self.folder.picture(self.folder.augmentation_preview_png)
        )
