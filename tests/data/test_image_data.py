"""Images from your own folder and from torchvision's data sets (files fabricated in their real
on-disk formats, loaded by torchvision's own classes), and augmentation of training batches."""

import math
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision
from PIL import Image

from dlkit.data.images import ImageFolderDataModule, TorchvisionDataModule
from dlkit.training.run import train
from tests.helpers import read_summary

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _pictures(n: int, size: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Learnable RGB pictures: class 0 is bright at the top, class 1 at the bottom (so that
    mirroring left to right keeps the class)."""
    generator = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 90, (n, 3, size, size), generator=generator, dtype=torch.uint8)
    labels = torch.arange(n) % 2
    half = size // 2
    for image, label in zip(images, labels, strict=True):
        side = image[:, :half] if label == 0 else image[:, half:]
        side += 150
    return images, labels


def _save(image: torch.Tensor, path: Path) -> None:
    Image.fromarray(image.permute(1, 2, 0).numpy()).save(path, quality=95)


def _image_folder(root: Path, n: int = 60, size: int = 20, seed: int = 0) -> Path:
    images, labels = _pictures(n, size, seed)
    for index, (image, label) in enumerate(zip(images, labels, strict=True)):
        folder = root / ("bottom" if label == 1 else "top")
        folder.mkdir(parents=True, exist_ok=True)
        _save(image, folder / f"{index:03d}.{'png' if index % 2 else 'jpg'}")
    return root


def _train_image_folder(compose_train, folder: Path, *overrides: str) -> tuple[Path, dict]:
    cfg = compose_train(
        "data=image_folder",
        f"data.path={folder}",
        "data.image_size=[16,16]",
        "data.batch_size=16",
        "augmentation=image",
        "model=cnn",
        *overrides,
    )
    train(cfg)
    run_dir = Path(cfg.paths.output_dir)
    return run_dir, read_summary(run_dir)


def test_image_folder_runs_with_augmentation(compose_train, tmp_path):
    folder = _image_folder(tmp_path / "pictures", n=40)
    run_dir, summary = _train_image_folder(compose_train, folder, "trainer.max_epochs=1")
    assert summary["status"] == "completed"
    assert (run_dir / "augmentation_preview.png").read_bytes()[:8] == PNG_MAGIC
    state = torch.load(summary["best_checkpoint"], weights_only=True)["ImageFolderDataModule"]
    assert state["class_names"] == ["bottom", "top"] and state["input_shape"] == [3, 16, 16]


@pytest.mark.slow
def test_image_folder_learns_with_augmentation(compose_train, tmp_path):
    folder = _image_folder(tmp_path / "pictures", n=100)
    _, summary = _train_image_folder(compose_train, folder, "trainer.max_epochs=4")
    assert summary["test"]["acc"] > 0.7  # two classes: chance is 0.5


def test_image_folder_reads_resizes_and_reads_new_images(tmp_path):
    folder = _image_folder(tmp_path / "pictures", n=20)
    datamodule = ImageFolderDataModule(str(folder), image_size=(12, 10), channels=1)
    datamodule.setup("fit")
    assert datamodule.input_shape == (1, 12, 10)
    assert datamodule.datasets["train"].tensors[0].dtype == torch.uint8  # a quarter of float32
    assert datamodule.class_names == ["bottom", "top"]
    assert sum(len(d) for d in datamodule.datasets.values()) == 20

    fresh = ImageFolderDataModule(str(tmp_path / "elsewhere"))
    fresh.load_state_dict(datamodule.state_dict())
    new = _image_folder(tmp_path / "new", n=4, size=30, seed=1)  # another size: resized
    inputs = fresh.load_inputs(new)
    assert inputs.shape == (4, 1, 12, 10) and inputs.dtype == torch.float32
    one = fresh.load_inputs(new / "top" / "000.jpg")
    assert torch.allclose(one[0], inputs[2])  # sorted: bottom/001, bottom/003, top/000, …
    assert inputs.mean().abs() < 3  # standardized with the training statistics


def test_bad_image_folders_stop_with_the_fix(tmp_path):
    with pytest.raises(ValueError, match=r"image folder not found: .*nowhere. Point data.path"):
        ImageFolderDataModule(str(tmp_path / "nowhere")).setup("fit")

    flat = tmp_path / "flat"
    flat.mkdir()
    _save(torch.zeros(3, 4, 4, dtype=torch.uint8), flat / "a.png")
    with pytest.raises(ValueError, match=r"is not an image folder .*one subfolder per class"):
        ImageFolderDataModule(str(flat)).setup("fit")

    folder = _image_folder(tmp_path / "corrupt", n=10)
    (folder / "top" / "broken.png").write_bytes(PNG_MAGIC + b"not an image")
    with pytest.raises(ValueError, match=r"cannot decode image .*broken.png.*replace or remove"):
        ImageFolderDataModule(str(folder), image_size=(8, 8)).setup("fit")

    mixed = _image_folder(tmp_path / "mixed", n=10)
    _save(torch.zeros(3, 7, 9, dtype=torch.uint8), mixed / "top" / "odd.png")
    with pytest.raises(ValueError, match=r"different sizes .*data.image_size=\[H, W\]"):
        ImageFolderDataModule(str(mixed), image_size=None).setup("fit")

    other = _image_folder(tmp_path / "other", n=10)
    (other / "bottom").rename(other / "down")
    with pytest.raises(ValueError, match=r"test folder .* has classes \['down', 'top'\]"):
        ImageFolderDataModule(str(mixed), image_size=(8, 8), test_path=str(other)).setup("fit")


# ---------------------------------------------------------------- torchvision's data sets
def _write_idx(raw: Path, prefix: str, images: np.ndarray, labels: np.ndarray) -> None:
    """MNIST's IDX files: big-endian header (magic, counts, sizes), then uint8 values."""
    raw.mkdir(parents=True, exist_ok=True)
    n, rows, cols = images.shape
    header = struct.pack(">IIII", 0x0803, n, rows, cols)
    (raw / f"{prefix}-images-idx3-ubyte").write_bytes(header + images.tobytes())
    (raw / f"{prefix}-labels-idx1-ubyte").write_bytes(
        struct.pack(">II", 0x0801, n) + labels.tobytes()
    )


def _fake_mnist(root: Path, folder: str, n_train: int = 120, n_test: int = 40) -> dict:
    rng = np.random.default_rng(0)
    arrays = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        _write_idx(root / folder / "raw", prefix, images, labels)
        arrays[prefix] = (images, labels)
    return arrays


@pytest.mark.parametrize(
    ("name", "folder"), [("mnist", "MNIST"), ("fashion_mnist", "FashionMNIST")]
)
def test_mnist_formats_load_through_torchvision(tmp_path, name, folder):
    arrays = _fake_mnist(tmp_path, folder)
    datamodule = TorchvisionDataModule(name, data_dir=str(tmp_path), val_fraction=0.25)
    datamodule.prepare_data()
    datamodule.setup("fit")
    train_x, _ = datamodule.datasets["train"].tensors
    test_x, test_y = datamodule.datasets["test"].tensors
    assert train_x.shape == (90, 1, 28, 28) and train_x.dtype == torch.uint8
    assert torch.equal(test_x[:, 0], torch.from_numpy(arrays["t10k"][0]))  # the shipped test split
    assert torch.equal(test_y, torch.from_numpy(arrays["t10k"][1]).long())
    expected = torchvision.datasets.MNIST.classes if name == "mnist" else None
    if expected:
        assert datamodule.class_names == [str(c) for c in range(10)]
    else:
        assert datamodule.class_names[0] == "T-shirt/top"


def test_mnist_trains_through_train(compose_train, data_dir):
    _fake_mnist(data_dir, "MNIST")
    cfg = compose_train("data=mnist", "model=cnn", "augmentation=handwriting", "debug=fdr")
    train(cfg)
    summary = read_summary(cfg)
    assert summary["status"] == "completed"
    # the files written above, split as MNIST is: its shipped test split kept whole, a tenth
    # (data.val_fraction) of its training part held out for validation
    assert summary["samples"] == {"train": 108, "val": 12, "test": 40}
    assert math.isfinite(summary["test"]["loss"]) and 0 <= summary["test"]["acc"] <= 1


def test_cifar10_format_loads_through_torchvision(tmp_path, monkeypatch):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(0)
    batches = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {
            "data": rng.integers(0, 256, (20, 3 * 32 * 32), dtype=np.uint8),
            "labels": [i % 10 for i in range(20)],
        }
        batches[name] = batch
        (folder / name).write_bytes(pickle.dumps(batch))
    names = ["airplane", "automobile", "bird", "cat", "deer"]
    names += ["dog", "frog", "horse", "ship", "truck"]
    (folder / "batches.meta").write_bytes(pickle.dumps({"label_names": names}))
    # the real files' md5 sums cannot match fabricated ones; everything else is torchvision's own
    monkeypatch.setattr(
        torchvision.datasets.cifar, "check_integrity", lambda path, md5=None: Path(path).is_file()
    )

    datamodule = TorchvisionDataModule("cifar10", data_dir=str(tmp_path))
    datamodule.setup("fit")
    test_x = datamodule.datasets["test"].tensors[0]
    assert datamodule.input_shape == (3, 32, 32) and datamodule.class_names == names
    expected = torch.from_numpy(batches["test_batch"]["data"]).view(20, 3, 32, 32)
    assert torch.equal(test_x, expected)  # channels first, pixels in place
    assert sum(len(d) for d in datamodule.datasets.values()) == 120


@pytest.mark.parametrize(
    ("name", "folder", "file"),
    [
        ("mnist", "MNIST/raw", "train-images-idx3-ubyte"),
        ("fashion_mnist", "FashionMNIST/raw", "t10k-labels-idx1-ubyte"),
        ("cifar10", "cifar-10-batches-py", "data_batch_1"),
    ],
)
def test_missing_files_name_the_folder_to_put_them_in(tmp_path, name, folder, file):
    datamodule = TorchvisionDataModule(name, data_dir=str(tmp_path))
    with pytest.raises(ValueError, match=rf"{tmp_path / folder}: put .*{file}.*data.download=true"):
        datamodule.setup("fit")


def test_unknown_torchvision_set_names_the_choices(tmp_path):
    with pytest.raises(ValueError, match=r"unknown torchvision data set 'mnits'.*cifar10"):
        TorchvisionDataModule("mnits", data_dir=str(tmp_path)).setup("fit")
