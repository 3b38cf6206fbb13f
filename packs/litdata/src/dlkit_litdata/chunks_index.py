"""`dlkit.json` beside LitData's own `index.json` files: what the chunks of a folder were written
from (the data config, the classes, the sample shape, the training split's standardization), so
that `data=litdata` trains with what the data module fitted and refuses chunks of another data
configuration instead of silently training on them.

Written last by `make optimize`: a folder without it holds no chunks, or only half of them.
"""

import json
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from dlkit.errors import DataError

INDEX = "dlkit.json"
SPLITS = ("train", "val", "test")


@dataclass
class ChunksIndex:
    data: dict  # the data config the chunks were written from, resolved
    input_shape: list[int]  # one sample, as stored: [C, H, W]
    class_names: list[str]
    mean: list | None  # fitted on the training split (None: data.normalize=false)
    std: list | None
    samples: dict[str, int]  # per split

    def write(self, folder: Path) -> None:
        (folder / INDEX).write_text(json.dumps(asdict(self), indent=2))

    def problems(self, image_size: list[int] | None, classes: list[str] | None) -> list[str]:
        """How the chunks differ from what the config asks for (nothing asked: no problem)."""
        found = []
        if image_size is not None and list(image_size) != self.input_shape[1:]:
            found.append(f"image size {self.input_shape[1:]}, not {list(image_size)}")
        if classes is not None and list(classes) != self.class_names:
            found.append(f"classes {self.class_names}, not {list(classes)}")
        return found


def how_to_make(path: str) -> str:
    return (
        f"make them with `make optimize data=<your data config> [data.…=…] out={path}` "
        "(e.g. data=image_folder data.path=my_images)"
    )


def read_index(path: str) -> ChunksIndex:
    """The index of the chunks at `path` (a local folder, or a remote one LitData reads)."""
    if "://" in path:  # s3://… and the other stores LitData reads: its own downloader
        from litdata.streaming.downloader import get_downloader

        with tempfile.TemporaryDirectory() as cache:
            local = Path(cache) / INDEX
            get_downloader(path, cache, []).download_file(f"{path.rstrip('/')}/{INDEX}", str(local))
            return ChunksIndex(**json.loads(local.read_text()))
    folder = Path(path).expanduser()
    if not (folder / INDEX).is_file():
        what = "is no folder" if not folder.is_dir() else "holds no chunks written by make optimize"
        raise DataError(f"data.path={path} {what}: {how_to_make(path)}")
    try:
        return ChunksIndex(**json.loads((folder / INDEX).read_text()))
    except (ValueError, TypeError) as error:
        raise DataError(
            f"{folder / INDEX} is damaged ({error}): write the chunks again, {how_to_make(path)} "
            "overwrite=true"
        ) from error
