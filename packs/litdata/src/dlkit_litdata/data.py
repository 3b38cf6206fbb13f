"""`data=litdata`: training from LitData chunks (`make optimize`), on one process or many.

LitData's `StreamingDataset` gives each rank (and node) its own share of every split and reads
the chunks from a local folder or from object storage (`s3://…`); its `StreamingDataLoader`
keeps where it stands in the epoch (`state_dict`), which this data module stores in every
checkpoint, so that a run stopped mid-epoch resumes exactly. Batches are augmented and
standardized on the device as for any image data (`ImageDataModule`), with the statistics that
`make optimize` fitted on the training split.
"""

import logging

import torch
from torch.utils.data import DataLoader

from dlkit.data.images import ImageDataModule
from dlkit.data.sampling import loader_settings, training_position
from dlkit.errors import DataError
from dlkit_litdata.chunks_index import SPLITS, how_to_make, read_index

# LitData logs its cache size for every data set it opens: a line per split and loader
logging.getLogger("litdata.utilities.format").setLevel(logging.WARNING)


def collate_items(items: list[dict]) -> tuple[torch.Tensor, torch.Tensor]:
    """(x, y) from chunk items {"x": sample, "y": class}."""
    return torch.stack([item["x"] for item in items]), torch.tensor([item["y"] for item in items])


class LitDataModule(ImageDataModule):
    """Image chunks at `path` (a folder written by `make optimize`, or `s3://…`).

    Args:
        path: the chunks' folder.
        image_size, classes: what the chunks must hold; None accepts what they hold.
        any `ImageDataModule` argument that applies (batch_size, seed, normalize, augmentation,
            num_workers, pin_memory, persistent_workers). The split, the classes and the
            statistics are the ones `make optimize` recorded.
    """

    def __init__(
        self,
        path: str,
        *args,
        image_size: list[int] | None = None,
        classes: list[str] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.path = path
        self.image_size = image_size
        self.classes = classes
        self.loaders: dict[str, DataLoader] = {}
        self._loader_state: dict | None = None  # a checkpoint's train-loader state

    def setup(self, stage: str | None = None) -> None:
        if self.datasets:
            return
        index = read_index(self.path)
        if problems := index.problems(self.image_size, self.classes):
            raise DataError(
                f"the chunks in {self.path} were written from another data configuration "
                f"(data={index.data.get('_target_')}, path={index.data.get('path')}): they "
                f"hold {'; '.join(problems)}. Write chunks of this configuration: "
                f"{how_to_make('<new folder>')}"
            )
        self.datasets = {split: self._dataset(split) for split in SPLITS}
        self._input_shape = tuple(index.input_shape)
        self.class_names = list(index.class_names)
        if self.normalize and index.mean is not None:
            self.mean, self.std = torch.tensor(index.mean), torch.tensor(index.std)
        self.storage_used = "litdata"

    def _dataset(self, split: str):
        from litdata import StreamingDataset

        location = f"{self.path.rstrip('/')}/{split}"
        # training: shuffled by LitData (seeded, per epoch); evaluation: every sample once
        training = split == "train"
        try:
            # batch_decode=0: each item deserialized alone. LitData's "auto" deserializes a window
            # of 32 tensor items at once, and its in-chunk shuffle (blocks of 256) leaves that
            # window at almost every item: 220 us per 64x64 image against 19 us item by item
            # (one process, 1,400 items, `StreamingDataset` iterated directly)
            return StreamingDataset(
                location, shuffle=training, seed=self.seed, drop_last=training, batch_decode=0
            )
        except (FileNotFoundError, ValueError) as error:
            raise DataError(
                f"no {split} chunks at {location} ({error}): {how_to_make(self.path)}"
            ) from error

    def _loader(self, split: str, shuffle: bool) -> DataLoader:
        from litdata import StreamingDataLoader

        if not self.datasets:
            self._require(split)
        settings = loader_settings(*self.loader_choices, per_sample=True, trainer=self.trainer)
        if settings["num_workers"] == 0:
            settings.pop("persistent_workers")
        # made here, in the rank's own process: LitData reads the rank and world size then
        loader = StreamingDataLoader(
            self._dataset(split),
            batch_size=self.batch_size,
            collate_fn=collate_items,
            # the workers' base seed from a generator of its own, not the global one: the
            # global one's draws (dropout, augmentation) are then the same in a resumed run
            generator=torch.Generator().manual_seed(self.seed),
            **settings,
        )
        if split == "train" and self._loader_state is not None:
            loader.load_state_dict(self._loader_state)
            self._loader_state = None
        self.loaders[split] = loader
        return loader

    def state_dict(self) -> dict:
        """Besides what training fitted: LitData's train-loader state when the checkpoint is
        taken inside an epoch (where a resumed run continues)."""
        state = super().state_dict()
        if training_position(self.trainer) and "train" in self.loaders:
            state["litdata_loader"] = self.loaders["train"].state_dict()
        return state

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        self._loader_state = state.get("litdata_loader")
