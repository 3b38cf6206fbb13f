"""`augmentation_preview.png`: training samples as they are and as the augmentation changes them,
so that one look tells whether the augmentation keeps what the label depends on."""

from pathlib import Path

import lightning.pytorch as L
import torch

from dlkit.data.base import to_float

NUM_SAMPLES = 6
NUM_VIEWS = 4


class AugmentationPreview(L.Callback):
    """Writes the picture when fitting starts, if the data module has an augmentation."""

    def __init__(self, output_dir: str, seed: int = 0) -> None:
        self.output_dir = Path(output_dir)
        self.seed = seed

    def on_fit_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        datamodule = trainer.datamodule
        augmentation = getattr(datamodule, "augmentation", None)
        if augmentation is None or not trainer.is_global_zero:
            return
        samples = datamodule.datasets["train"].tensors[0][:NUM_SAMPLES]
        samples = to_float(samples.clone())
        # its own random stream: the preview leaves the training's draws unchanged
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            views = [augmentation(samples) for _ in range(NUM_VIEWS)]
        self.output_dir.mkdir(parents=True, exist_ok=True)
        plot_augmentation_preview(samples, views, self.output_dir / "augmentation_preview.png")


def plot_augmentation_preview(
    samples: torch.Tensor, views: list[torch.Tensor], path: str | Path
) -> None:
    """Images: one row per sample, the original first. Sequences: original and views overlaid."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(samples)
    if samples.ndim == 4:  # images [N, C, H, W]
        fig, axes = plt.subplots(n, 1 + len(views), figsize=(1.6 * (1 + len(views)), 1.6 * n))
        for row in range(n):
            for col, batch in enumerate([samples, *views]):
                ax = axes[row][col]
                image = batch[row].clamp(0, 1)
                if image.shape[0] == 3:
                    ax.imshow(image.permute(1, 2, 0).numpy())
                else:
                    ax.imshow(image[0].numpy(), cmap="gray", vmin=0, vmax=1)
                ax.set_xticks([])
                ax.set_yticks([])
                if row == 0:
                    ax.set_title("original" if col == 0 else f"augmented {col}", fontsize=8)
    else:  # sequences [N, T, F]: the first feature
        fig, axes = plt.subplots(n, 1, figsize=(7, 1.4 * n), sharex=True, squeeze=False)
        for row in range(n):
            ax = axes[row][0]
            for col, batch in enumerate(views):
                ax.plot(batch[row, :, 0].numpy(), lw=0.8, alpha=0.7, label=f"augmented {col + 1}")
            ax.plot(samples[row, :, 0].numpy(), color="black", lw=1.8, label="original")
            if row == 0:
                ax.legend(fontsize=7, ncol=1 + len(views), loc="upper right")
        axes[-1][0].set_xlabel("step")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
