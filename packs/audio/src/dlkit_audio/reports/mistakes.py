"""`spectrogram_mistakes.png`: the test clips the model got most confidently wrong, as the
spectrograms it saw, each titled with its file, its class and the class predicted.

A confusion matrix counts errors; listening to (or looking at) the worst of them tells what they
are: a clip cut off by the crop, a voice unlike the others, a label that is wrong.
"""

from pathlib import Path

import lightning.pytorch as L
import numpy as np
import torch

from dlkit.runs.folder import RunFolder

MISTAKES_PNG = "spectrogram_mistakes.png"
SHOWN = 8


class SpectrogramMistakes(L.Callback):
    """Writes the picture when testing ends (one process: the test batches come in order)."""

    def __init__(self, output_dir: str) -> None:
        self.folder = RunFolder(output_dir)

    def on_test_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        datamodule = trainer.datamodule
        if trainer.world_size > 1 or pl_module.test_targets.update_count == 0:
            return  # under DDP the ranks' rows interleave; the core's report covers the counts
        probabilities = pl_module.test_predictions.compute().float().cpu().numpy()
        targets = pl_module.test_targets.compute().cpu().numpy().astype(int)
        rows = most_confident_mistakes(probabilities, targets)[:SHOWN]
        if not len(rows):
            return
        clips = datamodule.samples("test", rows=rows.tolist())[0]  # streamed: decoded here
        names = datamodule.class_names
        files = datamodule.test_table()["file"].to_numpy()[rows]
        titles = [
            f"{file}\ntrue {names[targets[r]]}, predicted {names[probabilities[r].argmax()]} "
            f"({probabilities[r].max():.0%})"
            for r, file in zip(rows, files, strict=True)
        ]
        with torch.inference_mode():
            spectrograms = datamodule.spectrograms(clips.to(pl_module.device)).cpu()
        plot_spectrograms(spectrograms, titles, self.folder.picture(MISTAKES_PNG))


def most_confident_mistakes(probabilities: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """The rows predicted wrongly, the most confident first."""
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != targets)
    return wrong[np.argsort(-probabilities[wrong, predicted[wrong]], kind="stable")]


def plot_spectrograms(spectrograms: torch.Tensor, titles: list[str], path: Path) -> None:
    """Spectrograms [N, bands, frames], low bands at the bottom, one titled panel each."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display needed
    import matplotlib.pyplot as plt

    columns = min(len(titles), 4)
    rows = -(-len(titles) // columns)
    fig, axes = plt.subplots(
        rows, columns, figsize=(3.2 * columns, 2.6 * rows), squeeze=False, layout="constrained"
    )
    for ax in axes.flat:
        ax.axis("off")
    for ax, spectrogram, title in zip(axes.flat, spectrograms, titles, strict=False):
        ax.imshow(spectrogram.numpy(), origin="lower", aspect="auto", cmap="magma")
        ax.set_title(title, fontsize=8, color="#b22222")
    fig.suptitle(f"test split: the {len(titles)} most confident mistakes", fontsize=11)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
