"""The picture of what augmentation does: each training sample beside augmented copies of it."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure


def plot_augmentation_preview(
    samples: torch.Tensor, views: list[torch.Tensor], path: str | Path
) -> None:
    fig = augmentation_preview_figure(samples, views)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def augmentation_preview_figure(samples: torch.Tensor, views: list[torch.Tensor]) -> Figure:
    """Images: one row per sample, the original first. Sequences: original and views overlaid."""
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
            ax.set_ylabel(f"sample {row + 1}", fontsize=8)
            if row == 0:
                ax.legend(fontsize=7, ncol=1 + len(views), loc="upper right")
        axes[-1][0].set_xlabel("step")
        fig.supylabel("first feature's value", fontsize=9)
    fig.tight_layout()
    return fig
