"""`augmentation_preview.png` for clips: the core's picture of what augmentation does, drawn
from spectrograms (what the net sees) rather than from the waveforms the data module keeps."""

import lightning.pytorch as L
import torch

from dlkit.callbacks.augmentation_preview import NUM_SAMPLES, NUM_VIEWS, AugmentationPreview


class AudioAugmentationPreview(AugmentationPreview):
    """Each of the first training clips as a spectrogram, then augmented copies of it, low
    frequencies at the bottom."""

    def on_fit_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        datamodule = trainer.datamodule
        if getattr(datamodule, "augmentation", None) is None or not trainer.is_global_zero:
            return
        clips = datamodule.samples("train", NUM_SAMPLES)[0]  # streamed: decoded here
        # its own random stream: the preview leaves the training's draws unchanged
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            original = datamodule.spectrograms(clips, augment=False)
            views = [datamodule.spectrograms(clips, augment=True) for _ in range(NUM_VIEWS)]
        low, high = original.amin(dim=(1, 2), keepdim=True), original.amax(dim=(1, 2), keepdim=True)

        def picture(spectrograms: torch.Tensor) -> torch.Tensor:  # [N, 1, bands, frames] in [0, 1]
            return ((spectrograms - low) / (high - low)).clamp(0, 1).flip(1).unsqueeze(1)

        from dlkit.reports.augmentation_preview import plot_augmentation_preview  # matplotlib

        plot_augmentation_preview(
            picture(original),
            [picture(v) for v in views],
            self.folder.picture(self.folder.augmentation_preview_png),
        )
