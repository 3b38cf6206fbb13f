"""Why `dlkit.data.augmentation` is own code: per-sample draws for a whole batch, side by side
with torchvision's transforms v2 (`python benchmarks/bench_augmentation.py [--device cuda]`).

Variants, interleaved round by round so that a shared machine's load falls on each alike:

- batched:      `ImageAugmentation`, a new flip/rotation/move/zoom per image, one grid_sample;
- v2 per image: torchvision's RandomHorizontalFlip + RandomAffine called once per image (the
                same per-sample randomness, a Python loop);
- v2 per batch: the same transforms called once on the batch: fast, but every image of the
                batch gets the same flip and the same affine map.

Prints the median milliseconds per batch after warm-up and each variant's ratio to batched.
"""

import argparse
import statistics
import time

import torch
from torchvision.transforms import v2

from dlkit.data.augmentation import ImageAugmentation

SETTINGS = {"rotation": 10.0, "translate": 0.1, "scale": (0.9, 1.1)}


def variants() -> dict:
    ours = ImageAugmentation(horizontal_flip=0.5, **SETTINGS)
    theirs = v2.Compose(
        [
            v2.RandomHorizontalFlip(0.5),
            v2.RandomAffine(
                SETTINGS["rotation"],
                translate=(SETTINGS["translate"],) * 2,
                scale=SETTINGS["scale"],
                interpolation=v2.InterpolationMode.BILINEAR,
            ),
        ]
    )
    return {
        "batched": ours,
        "v2 per image": lambda x: torch.stack([theirs(image) for image in x]),
        "v2 per batch": theirs,
    }


def measure(batch: torch.Tensor, rounds: int, warmup: int) -> dict[str, float]:
    """Median ms per batch of each variant, interleaved over `rounds` after `warmup` rounds."""
    timings: dict[str, list[float]] = {name: [] for name in variants()}
    functions = variants()
    for round_index in range(warmup + rounds):
        for name, function in functions.items():
            if batch.is_cuda:
                torch.cuda.synchronize()
            start = time.perf_counter()
            function(batch)
            if batch.is_cuda:
                torch.cuda.synchronize()
            if round_index >= warmup:
                timings[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(values) for name, values in timings.items()}


def report(medians: dict[str, float], batch: torch.Tensor) -> str:
    lines = [
        f"batch {list(batch.shape)} on {batch.device}, torch {torch.__version__}",
        "",
        "| variant | ms per batch (median) | x batched |",
        "| --- | --- | --- |",
    ]
    base = medians["batched"]
    lines += [f"| {name} | {ms:.2f} | {ms / base:.1f} |" for name, ms in medians.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    batch = torch.rand(args.batch, 3, args.size, args.size, device=args.device)
    text = report(measure(batch, args.rounds, args.warmup), batch)
    print(text)
    return text


if __name__ == "__main__":
    main()
