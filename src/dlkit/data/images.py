"""Image data: samples are [C, H, W] tensors (uint8 or floats in [0, 1]), standardized per channel.

- `DigitsDataModule`: scikit-learn's bundled 8x8 digits (offline default);
- `ImageFolderDataModule`: your own images, one subfolder per class;
- `TorchvisionDataModule`: MNIST, Fashion-MNIST and CIFAR-10 through torchvision's own classes.
"""

from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
from omegaconf import DictConfig, OmegaConf

from dlkit.data.base import BaseDataModule
from dlkit.data.file_samples import FileSplit, SampleFiles, decode_rows, folder_and_test_folder
from dlkit.data.samples import LoadedData, to_float
from dlkit.errors import DataError

ARRAY_SUFFIXES = (".npz", ".npy", ".pt")  # new inputs read as arrays, not as image files


class ImageDataModule(BaseDataModule):
    """Images [C, H, W], uint8 or floats in [0, 1], standardized per channel; any `BaseDataModule`
    argument. Subclass it with a `load` that returns LoadedData(x=[N, C, H, W], y=[N]); new
    inputs for `make predict` may be image files or folders, resized to the training size.

    `net_inputs` is what a pretrained net expects (`dlkit.data.net_inputs`), as the model's
    config states it (`data.net_inputs`): batches are resized to its `size` and standardized
    with its `mean` and `std` instead of statistics fitted on the training split.
    """

    modality = "image"
    feature_axis = 0  # channels
    tasks = ("classification",)

    def __init__(self, *args, net_inputs: dict | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # plain types: the checkpoint keeps it (`state_dict`) and must load with weights_only
        plain = (
            OmegaConf.to_container(net_inputs) if isinstance(net_inputs, DictConfig) else net_inputs
        )
        self.net_inputs = dict(plain or {})

    @property
    def input_shape(self) -> tuple[int, ...]:
        """The shape the net takes: the stored samples', resized to `net_inputs` size if set."""
        channels, *size = super().input_shape
        return (channels, *(self.net_inputs.get("size") or size))

    def standardization(self, x_train: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.net_inputs.get("mean") is None:
            return super().standardization(x_train)
        from dlkit.data.net_inputs import stats_for_channels

        return stats_for_channels(self.net_inputs["mean"], self.net_inputs["std"], x_train.shape[1])

    def transform_batch(self, x: torch.Tensor, augment: bool = False) -> torch.Tensor:
        """Resized to the net's input size first (a pretrained net's), so augmentation works at
        the size it sees."""
        x = to_float(x)
        if size := self.net_inputs.get("size"):
            from dlkit.data.net_inputs import resize_batch

            x = resize_batch(x, size)
        return super().transform_batch(x, augment)

    def read_inputs(self, path: Path) -> Any:
        """New images: one image file or a folder of them (any size; resized to the size the
        training images were kept at, converted to their channels), or arrays in .npz/.npy/.pt."""
        if path.is_dir() or path.suffix.lower() not in ARRAY_SUFFIXES:
            from dlkit.data.image_files import list_images, read_images

            channels, height, width = self._input_shape
            return read_images(list_images(path), channels, (height, width))
        return super().read_inputs(path)

    def input_batches(self, path: str | Path, batch_size: int) -> Iterator[torch.Tensor]:
        """Image files or a folder of them decoded in the loader's workers a batch at a time,
        resized and standardized as in training; arrays (.npz, .npy, .pt) are read at once."""
        path = Path(path).expanduser()
        if path.is_file() and path.suffix.lower() in ARRAY_SUFFIXES:
            yield from super().input_batches(path, batch_size)
            return
        from dlkit.data.image_files import list_images, read_image

        self.load_inputs_check()
        channels, height, width = self._input_shape
        read = partial(read_image, channels=channels, size=(height, width))
        yield from self.file_batches(path, [str(f) for f in list_images(path)], read, batch_size)

    def read_input_targets(self, path: Path) -> torch.Tensor | None:
        """A folder in the training layout (a subfolder per class) gives each image's class."""
        if not path.is_dir():
            return super().read_input_targets(path)
        from dlkit.data.image_files import list_images

        classes = {name: i for i, name in enumerate(self.class_names or [])}
        folders = [f.relative_to(path).parts[0] for f in list_images(path)]
        if not all(folder in classes for folder in folders):
            return None
        return torch.tensor([classes[folder] for folder in folders])

    def input_columns(self, path: Path) -> dict[str, list]:
        """Image files: each row's file (relative to the folder given)."""
        if path.suffix.lower() in ARRAY_SUFFIXES:
            return {}
        from dlkit.data.image_files import list_images

        path = path.expanduser()
        files = list_images(path)
        return {"input": [str(f.relative_to(path)) if path.is_dir() else f.name for f in files]}

    def extra_state(self) -> dict:
        return {"net_inputs": self.net_inputs or None}

    def load_extra_state(self, state: dict) -> None:
        self.net_inputs = dict(state.get("net_inputs") or self.net_inputs)


class DigitsDataModule(ImageDataModule):
    """scikit-learn's bundled 8x8 handwritten digits (1,797 images, 10 classes): works offline."""

    def load(self) -> LoadedData:
        from sklearn.datasets import load_digits

        digits = load_digits()
        images = digits.images.astype(np.float32) / 16.0  # pixel values are 0..16
        return LoadedData(
            x=torch.from_numpy(images).unsqueeze(1),
            y=torch.from_numpy(digits.target).long(),
            class_names=[str(c) for c in digits.target_names],
        )


class ImageFolderDataModule(ImageDataModule):
    """Your own images, one subfolder per class (torchvision's ImageFolder layout):

        path/cat/001.jpg, path/cat/002.png, …, path/dog/001.jpg, …

    Images are converted to `channels` (1: grayscale, 3: RGB) and resized to `image_size` [H, W]
    (null: keep the size, which must then be the same for all), as uint8: all decoded once into
    memory, or decoded in the loader's workers as batches need them (`data.storage`, the
    default `auto` streams folders larger than the memory budget). `test_path`: a test folder of
    your own in the same layout (else a test split is drawn from `path`).
    """

    def __init__(
        self,
        path: str,
        *args,
        image_size: tuple[int, int] | None = None,
        channels: int = 3,
        test_path: str | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.path = path
        self.image_size = tuple(image_size) if image_size else None
        self.channels = channels
        self.test_path = test_path
        self._listed: tuple[SampleFiles, SampleFiles | None] | None = None

    def list_files(self) -> tuple[SampleFiles, SampleFiles | None]:
        """The folder's image files and their classes (and the test folder's): listed, not read."""
        if self.net_inputs.get("size"):  # read once at the net's size, not resized twice
            self.image_size = tuple(self.net_inputs["size"])
        files, test = folder_and_test_folder(self._list_folder, self.path, self.test_path)
        if self.image_size is None and self.storage != "memory":
            self._check_one_size(files)
        self._listed = files, test
        return files, test

    def load(self) -> LoadedData:
        """Every image decoded before the first step (`data.storage=memory`): resized to
        `image_size` by a loader worker per core (20,000 JPEGs of 64x64: 2.6 s instead of 4.5 s
        one by one on 2 cores); without a size, one by one here, each size compared."""
        files, test = self._listed or self.list_files()
        x = self._decoded(files)
        if test is None:
            return LoadedData(x, files.labels, class_names=files.class_names)
        return LoadedData(x, files.labels, self._decoded(test), test.labels, files.class_names)

    def _decoded(self, files: SampleFiles) -> torch.Tensor:
        if self.image_size is None:
            from dlkit.data.image_files import read_images

            return read_images([Path(p) for p in files.paths], self.channels, None)
        x, _, bad = decode_rows(FileSplit(files), range(len(files.paths)), self.file_workers)
        if bad:
            raise DataError(bad[0])
        return x

    def _check_one_size(self, files: SampleFiles) -> None:
        """Streamed images are decoded one at a time, so unequal sizes would only show mid-epoch:
        without `image_size`, a few files are compared first and streaming needs the size set."""
        shapes = {files.read(str(p)).shape for p in files.paths[:: max(len(files.paths) // 8, 1)]}
        if len(shapes) > 1:
            raise DataError(
                f"the images have different sizes ({sorted(shapes)[:3]}…): set "
                "data.image_size=[H, W] to resize them all"
            )

    def _list_folder(self, root: Path) -> SampleFiles:
        from torchvision.datasets import ImageFolder

        from dlkit.data.image_files import read_image

        if not root.is_dir():
            raise DataError(
                f"image folder not found: {root}. Point data.path at a folder with one "
                "subfolder of images per class"
            )
        try:  # ImageFolder finds the classes and files; they are decoded elsewhere
            folder = ImageFolder(str(root), loader=str)
        except FileNotFoundError as error:
            raise DataError(
                f"{root} is not an image folder ({error}): it needs one subfolder per class, "
                "each holding image files"
            ) from error
        return SampleFiles(
            paths=[p for p, _ in folder.samples],
            labels=torch.tensor(folder.targets),
            class_names=list(folder.classes),
            read=partial(read_image, channels=self.channels, size=self.image_size),
        )


# name -> (torchvision class, folder its files go in, where to get them, class names or None)
TORCHVISION_SETS = {
    "mnist": (
        "MNIST",
        "MNIST/raw",
        "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and "
        "t10k-labels-idx1-ubyte (unzipped) from https://yann.lecun.com/exdb/mnist/",
    ),
    "fashion_mnist": (
        "FashionMNIST",
        "FashionMNIST/raw",
        "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and "
        "t10k-labels-idx1-ubyte (unzipped) from https://github.com/zalandoresearch/fashion-mnist",
    ),
    "cifar10": (
        "CIFAR10",
        "cifar-10-batches-py",
        "data_batch_1 … data_batch_5, test_batch and batches.meta (extract "
        "cifar-10-python.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html)",
    ),
}


class TorchvisionDataModule(ImageDataModule):
    """MNIST, Fashion-MNIST or CIFAR-10 (`name`), read by torchvision's own data set classes from
    `data_dir`, with their shipped train/test split. Offline by default: `download=true` fetches
    the files where there is internet."""

    def __init__(self, name: str, *args, download: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.name = name
        self.download = download

    def prepare_data(self) -> None:
        if self.download:  # once per node, before setup: Lightning's place for downloads
            self._open(train=True)
            self._open(train=False)

    def load(self) -> LoadedData:
        train, test = self._open(train=True), self._open(train=False)
        classes = list(train.classes)
        if self.name == "mnist":  # "0 - zero" -> "0"
            classes = [c.split(" - ")[0] for c in classes]
        return LoadedData(
            x=self._images(train.data),
            y=torch.as_tensor(train.targets),
            x_test=self._images(test.data),
            y_test=torch.as_tensor(test.targets),
            class_names=classes,
        )

    @staticmethod
    def _images(data: Any) -> torch.Tensor:
        """uint8 [N, C, H, W] from MNIST's [N, H, W] tensor or CIFAR's [N, H, W, C] array."""
        images = torch.as_tensor(data)
        return images.unsqueeze(1) if images.ndim == 3 else images.permute(0, 3, 1, 2).contiguous()

    def _open(self, train: bool):
        import torchvision.datasets

        if self.name not in TORCHVISION_SETS:
            raise DataError(
                f"unknown torchvision data set {self.name!r}: choose one of "
                f"{sorted(TORCHVISION_SETS)}"
            )
        class_name, folder, files = TORCHVISION_SETS[self.name]
        dataset_class = getattr(torchvision.datasets, class_name)
        try:
            return dataset_class(self.data_dir, train=train, download=self.download)
        except (RuntimeError, OSError) as error:
            where = Path(self.data_dir) / folder
            raise DataError(
                f"{class_name} files not found (or corrupted) in {where}: put {files} there, "
                f"or set data.download=true on a machine with internet access ({error})"
            ) from error
