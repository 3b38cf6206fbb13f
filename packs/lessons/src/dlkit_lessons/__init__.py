"""The course as runnable lessons: each idea of the course text checked by one command.

A lesson is an ordinary grid sweep of training runs (`configs/lesson/<name>.yaml`, run by
`make lesson name=<name>`) plus one figure function (`dlkit_lessons.<name>.report`), which reads
the sweep's job folders and writes `lesson.png` and the measured numbers for `lesson.md`
(`dlkit_lessons.report`). This registry is the list `make lesson` prints; nothing here imports
torch or matplotlib, so the list comes at once.

A lesson may train on another pack's data (`needs`): it names that pack's configs only, never
its code, and with the pack stripped (`make strip packs=audio`) it is listed as needing it and
`make lesson name=<it>` says so instead of failing inside.
"""

from dataclasses import dataclass
from importlib.util import find_spec


@dataclass(frozen=True)
class Lesson:
    name: str  # configs/lesson/<name>.yaml and dlkit_lessons/<name>.py
    title: str
    course: str  # the sentence of the course text it checks
    claim: str  # what the lesson measures, in one line
    needs: tuple[str, ...] = ()  # the packs whose configs it trains with (besides diagnostics)

    @property
    def missing(self) -> list[str]:
        """The packs it needs that this clone does not have (each pack's code is
        `dlkit_<pack>`; looked up, not imported: the lessons pack may not import them)."""
        return [pack for pack in self.needs if find_spec(f"dlkit_{pack}") is None]

    @property
    def command(self) -> str:
        return f"make lesson name={self.name}"

    @property
    def module(self) -> str:
        return f"{__name__}.{self.name}"


LESSONS: dict[str, Lesson] = {
    lesson.name: lesson
    for lesson in (
        Lesson(
            "vanishing_gradients",
            "Activations and vanishing gradients",
            "ReLU: simple, effective, helps gradient flow. Sigmoid / tanh: used earlier, but "
            "suffer from vanishing gradients in deep nets.",
            "a deep sigmoid net's first-layer gradient is orders of magnitude below a ReLU net's",
        ),
        Lesson(
            "initialization",
            "Initialization",
            "Initialization: bad initialization kills learning. Use Xavier/He initialization "
            "for sigmoids, He init for ReLU.",
            "a too-small init shrinks the activations layer by layer; Xavier/He keep them",
        ),
        Lesson(
            "batch_norm",
            "Batch norm allows larger learning rates",
            "Batch normalization: stabilizes and speeds up training by normalizing layer "
            "inputs. [...] Why does batch normalization often allow larger learning rates?",
            "with batch norm, high learning rates still train; without it they fail",
        ),
        Lesson(
            "regularization",
            "Regularization against overfitting",
            "Dropout: randomly zero units during training to prevent co-adaptation. Weight "
            "decay (L2): penalize large weights. Data augmentation: create more varied samples.",
            "on a small training set, dropout, weight decay and augmentation narrow the "
            "train-validation gap",
        ),
        Lesson(
            "optimizers",
            "Optimizers",
            "SGD: stochastic gradient descent, simple and foundational. Momentum, RMSProp, "
            "Adam: adaptive variants that speed up convergence.",
            "at their best rates, momentum, RMSProp and Adam reach a low loss in fewer steps "
            "than SGD",
        ),
        Lesson(
            "lr_schedules",
            "Learning-rate schedules",
            "Learning rate scheduling: lower learning rates over time; sometimes cyclical.",
            "schedules that lower the rate end at a lower loss than a constant rate",
        ),
        Lesson(
            "batch_size",
            "Mini-batch size",
            "Mini-batches: trade off between gradient noise and computational efficiency.",
            "larger batches process more samples per second but take fewer, less noisy steps",
        ),
        Lesson(
            "architectures",
            "Architecture matched to data",
            "Images: convolutional layers. Sequences: recurrent layers, Transformers. Tabular "
            "data: fully connected layers. Choose architecture to match data structure.",
            "on MNIST-1D the CNN and GRU beat the MLP; on a table the MLP is the one that fits",
        ),
        Lesson(
            "data_size",
            "Classical vs deep as the data grows",
            "Deep models [...] usually need much more data [...] but can drastically outperform "
            "shallow models on unstructured data.",
            "a classical model wins on little data, the network overtakes it as the data grows",
        ),
        Lesson(
            "cross_validation",
            "Cross-validation vs one split",
            "Cross-validation and early stopping remain crucial for estimating generalization.",
            "one split's score moves with the seed; the k-fold mean moves less",
        ),
        Lesson(
            "backprop",
            "Backprop by hand",
            "Backprop is the chain-rule machine that computes dLoss/dW for each weight "
            "efficiently by propagating gradients from the output back to the inputs.",
            "the chain rule written out by hand gives autograd's gradients, and the same "
            "training curve",
        ),
        Lesson(
            "sequence_nets",
            "Recurrent layers and Transformers for sequences",
            "Sequences (text, audio): recurrent layers, Transformers. Context, order, attention "
            "over positions.",
            "on spoken digits a GRU and a Transformer reading the spectrogram frame by frame "
            "learn as well as a CNN, far above MFCC statistics with logistic regression",
            needs=("audio",),
        ),
    )
}
