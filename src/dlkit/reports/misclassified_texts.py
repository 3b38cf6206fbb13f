"""The test texts the model got most confidently wrong: `misclassified.csv`, text data only.

Reading the texts a model is sure about and wrong on shows what it learned (a name spelled the
way another language spells names, a review that is ironic) and where the labels are doubtful.
One row per mistake, the most confident first, at most `MOST`: the text, its true class, the
predicted class and the probability given to it.
"""

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from dlkit.runs.folder import RunFolder, write_text_atomic

log = logging.getLogger(__name__)

MOST = 100


def misclassified_texts(
    probabilities: np.ndarray, targets: np.ndarray, texts: Sequence[str], class_names: Sequence[str]
) -> pd.DataFrame:
    """The mistakes among `texts` (in the order of `probabilities`), most confident first."""
    predicted = probabilities.argmax(axis=1)
    confidence = probabilities.max(axis=1)
    wrong = np.flatnonzero(predicted != targets)
    wrong = wrong[np.argsort(-confidence[wrong], kind="stable")][:MOST]
    names = np.asarray([str(n) for n in class_names], dtype=object)
    return pd.DataFrame(
        {
            "text": [texts[i] for i in wrong],
            "true": names[targets[wrong]],
            "predicted": names[predicted[wrong]],
            "probability": np.round(confidence[wrong], 4),
        }
    )


def write_misclassified_texts(
    probabilities: np.ndarray,
    targets: np.ndarray,
    texts: Sequence[str],
    class_names: Sequence[str],
    folder: RunFolder,
    world_size: int = 1,
) -> None:
    """Writes misclassified.csv from the test predictions as the ranks gathered them."""
    order = gathered_order(len(texts), len(probabilities), world_size)
    if order is None:
        log.warning("%s not written: predictions and test texts do not match", folder.misclassified)
        return
    table = misclassified_texts(probabilities, targets, [texts[i] for i in order], class_names)
    write_text_atomic(folder.misclassified, table.to_csv(index=False))
    log.info(
        "%d of %d test texts misclassified, the most confident in %s",
        int((probabilities.argmax(axis=1) != targets).sum()),
        len(probabilities),
        folder.misclassified,
    )


def gathered_order(num_texts: int, num_predictions: int, world_size: int) -> np.ndarray | None:
    """Which test text each gathered prediction belongs to: rank r tests texts r, r + world_size,
    … in order (`dlkit.data.sampling`), and the gather puts rank 0's first. A test cut short
    (`trainer.limit_test_batches`) on one rank tests the first texts; on several, None."""
    order = np.concatenate([np.arange(r, num_texts, world_size) for r in range(world_size)])
    if len(order) == num_predictions:
        return order
    return order[:num_predictions] if world_size == 1 and num_predictions < num_texts else None
