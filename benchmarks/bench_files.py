"""`make bench ARGS="--tasks files"`: image folders larger than memory, four ways side by side.

JPEG folders of 2,000, 20,000 and 100,000 images (64x64, 10 classes; written once under
data/bench_files/) are trained on for one epoch by a net small enough that the data path is the
bottleneck (a 12288-8-10 MLP), each in a fresh process, interleaved round by round:

- hand:   a hand-written torchvision `ImageFolder` + `DataLoader` loop with the same workers;
- memory: `make train … data.storage=memory` (every image decoded before the first step by a
          worker per core; batches, one index lookup each, read without workers: its default);
- stream: `make train … data.storage=stream` (files decoded in the loader's workers);
- litdata: `make train data=litdata` on chunks `make optimize` wrote (once per size, not timed).

Reported (medians over the rounds): seconds from the process's start to its first training step,
images/s over the training epoch (first step to the epoch's end); and from one more run of each
variant, the peak memory of the process and its workers together (the sum of their proportional
set sizes, sampled every 0.1 s from /proc: a page shared by n processes counts 1/n in each).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "bench_files"
SIZE, CLASSES = 64, 10
VARIANTS = ("hand", "memory", "stream", "litdata")
TINY_NET = ("model=mlp", "model.net.hidden_sizes=[8]")


def _write_images(args: tuple[Path, int, int]) -> None:
    import numpy as np
    from PIL import Image

    folder, start, stop = args
    rng = np.random.default_rng(start)
    for i in range(start, stop):
        label = i % CLASSES
        pixels = rng.integers(0, 160, (SIZE, SIZE, 3), dtype=np.uint8)
        pixels[:, label * SIZE // CLASSES : (label + 1) * SIZE // CLASSES] += 90  # a learnable band
        Image.fromarray(pixels).save(folder / f"class{label}" / f"{i:06d}.jpg", quality=90)


def image_folder(count: int) -> Path:
    """data/bench_files/<count>/class<k>/<i>.jpg, written once (a `.complete` file marks it)."""
    from multiprocessing import Pool

    folder = DATA / str(count)
    if (folder / ".complete").is_file():
        return folder
    for label in range(CLASSES):
        (folder / f"class{label}").mkdir(parents=True, exist_ok=True)
    step = 1000
    with Pool(os.cpu_count()) as pool:
        pool.map(_write_images, [(folder, s, min(s + step, count)) for s in range(0, count, step)])
    (folder / ".complete").touch()
    return folder


def chunks(count: int, folder: Path, workers: int) -> Path:
    """LitData chunks of the folder (`make optimize`), written once."""
    out = DATA / f"chunks_{count}"
    if not (out / "dlkit.json").is_file():
        subprocess.run(
            ["make", "--no-print-directory", "optimize", "data=image_folder",
             f"data.path={folder}", f"data.image_size=[{SIZE},{SIZE}]", f"out={out}",
             "overwrite=true", f"num_workers={workers}", f"paths.log_dir={DATA / 'logs'}"],
            cwd=ROOT, env=_env(), check=True, capture_output=True,
        )  # fmt: skip
    return out


def read_once(*folders: Path | None) -> None:
    """Every file below the folders read once: the page cache then holds them for every variant
    alike (a folder written just now, or read by another job, is not all there)."""
    for folder in filter(None, folders):
        for path in folder.rglob("*"):
            if path.is_file():
                path.read_bytes()


def _env() -> dict:
    leaked = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "ARGS")
    env = {k: v for k, v in os.environ.items() if k not in leaked}
    paths = [str(ROOT / "src"), str(ROOT / "benchmarks"), env.get("PYTHONPATH")]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, paths))
    return env


def _tree_pss_kb(pid: int) -> dict[str, int]:
    """Memory of a process and all its descendants (kB): their proportional set sizes from
    /proc, so that pages a worker shares with its parent (torch's libraries) count once, not
    once per process as resident sets would. `Pss` in all; `Pss_Anon`, what the processes
    allocated; `Pss_File`, files mapped into them (libraries; LitData's chunks), pages the
    kernel can drop and read again."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    total, todo = dict.fromkeys(("Pss", "Pss_Anon", "Pss_File"), 0), [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                key, _, value = line.partition(":")
                if key in total:
                    total[key] += int(value.split()[0])
        except OSError:
            pass
    return total


def timed_run(command: list[str], memory: bool = False) -> dict:
    """Run a command that writes its clock (first step, epoch end, images) to $FILES_CLOCK; the
    seconds to its first step and its images/s, or with `memory` the peak memory of its process
    tree instead: sampling /proc every 0.1 s takes the measured processes' memory locks and a
    share of 2 cores (streamed images/s fell by a fifth to a quarter under it)."""
    with tempfile.TemporaryDirectory() as scratch:
        clock = Path(scratch) / "clock.json"
        env = {**_env(), "FILES_CLOCK": str(clock), "OMP_NUM_THREADS": "1"}
        start = time.time()
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        peak = {"Pss": 0}
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _tree_pss_kb(process.pid), key=lambda memory: memory["Pss"])
                time.sleep(0.1)

        sampler = threading.Thread(target=sample)
        if memory:
            sampler.start()
        out, _ = process.communicate()
        done.set()
        if memory:
            sampler.join()
        if process.returncode != 0 or not clock.is_file():
            raise RuntimeError(f"{' '.join(command[:6])}… failed:\n{out[-3000:]}")
        times = json.loads(clock.read_text())
    if memory:
        return {
            "peak_gb": peak["Pss"] / 1e6,
            "peak_anon_gb": peak.get("Pss_Anon", 0) / 1e6,  # at the peak: allocated
            "peak_file_gb": peak.get("Pss_File", 0) / 1e6,  # at the peak: files mapped
        }
    return {
        "first_step_s": times["first_step"] - start,
        "images_per_s": times["images"] / (times["epoch_end"] - times["first_step"]),
    }


def command(variant: str, folder: Path, litdata_chunks: Path | None, workers: int) -> list[str]:
    if variant == "hand":
        return [sys.executable, str(ROOT / "benchmarks" / "hand_written_files.py"), str(folder),
                str(workers)]  # fmt: skip
    # in memory, its default: a worker per core decodes every image before the first step, and
    # batches, one index lookup each, need none; the others decode in `workers` workers
    loader = [] if variant == "memory" else [f"data.num_workers={workers}"]
    common = [
        *TINY_NET, "trainer.max_epochs=1", "data.batch_size=64", *loader,
        "+callbacks.files_clock._target_=files_clock.FilesClock", "callbacks.reports=null",
        "callbacks.rich_progress_bar=null", "extras.print_config=false",
        f"paths.log_dir={DATA / 'logs'}",
    ]  # fmt: skip
    if variant == "litdata":
        return [sys.executable, "-m", "dlkit.cli.train", "data=litdata",
                f"data.path={litdata_chunks}", *common]  # fmt: skip
    return [sys.executable, "-m", "dlkit.cli.train", "data=image_folder", f"data.path={folder}",
            f"data.image_size=[{SIZE},{SIZE}]", f"data.storage={variant}", *common]  # fmt: skip


def run_files(
    sizes: list[int], rounds: int, warmup: int, workers: int, variants: list[str], output: Path
):
    """Per size: the files read once into the page cache (where a user's second run finds
    them), `warmup` rounds not counted, then `rounds` measured, the variants interleaved, then
    one more run of each with its memory sampled."""
    rows = []
    for count in sizes:
        print(f"{count} images: writing the folder (once)", flush=True)
        folder = image_folder(count)
        lit = chunks(count, folder, workers) if "litdata" in variants else None
        read_once(folder, lit)
        results: dict[str, list[dict]] = {v: [] for v in variants}
        for round_ in range(warmup + rounds):
            for variant in variants:
                result = timed_run(command(variant, folder, lit, workers))
                if round_ >= warmup:
                    results[variant].append(result)
                label = f"round {round_ - warmup + 1}" if round_ >= warmup else "warm-up"
                print(f"  {label} {variant}: {result}", flush=True)
        for variant in variants:
            median = {
                k: statistics.median(r[k] for r in results[variant]) for k in results[variant][0]
            }
            median.update(timed_run(command(variant, folder, lit, workers), memory=True))
            print(f"  memory {variant}: {median}", flush=True)
            if "hand" in results:  # each round's quotient against the hand loop of that round
                median["ratios"] = [
                    r["images_per_s"] / h["images_per_s"]
                    for r, h in zip(results[variant], results["hand"], strict=True)
                ]
            rows.append((count, variant, median))
    text = report(rows, rounds, warmup, workers)
    print(text)
    _write_section(output, text)
    return text


def report(rows: list, rounds: int, warmup: int, workers: int) -> str:
    hand = {count: m for count, v, m in rows if v == "hand"}
    lines = [
        "## Image folders: memory, stream and LitData beside a hand-written loop",
        "",
        f'`make bench ARGS="--tasks files"`: JPEG folders of {SIZE}x{SIZE} images, 10 classes, '
        f"one epoch of a 12288-8-10 MLP, batches of 64, {workers} loader workers each (memory: "
        f"its default, a worker per core decoding before the first step and none for batches), a fresh process per run; medians of {rounds} interleaved rounds "
        f'after {warmup} warm-up round(s) per size, on a shared 2-core machine. "vs hand": the '
        "quotient of the two medians of images/s, and in brackets the lowest and highest of the "
        "rounds' own quotients. Peak memory, from one more run of each (sampling it slows the "
        "run): the proportional set sizes of the process and its workers summed, sampled every "
        "0.1 s; at that peak, how much the processes allocated "
        "(anonymous) and how much is files mapped into them (libraries, LitData's chunks: pages "
        "the kernel can drop and read again).",
        "",
        "| images | variant | first step (s) | images/s | vs hand [rounds] | peak memory (GB) "
        "| allocated / mapped files (GB) |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for count, variant, m in rows:
        ratio = m["images_per_s"] / hand[count]["images_per_s"] if count in hand else float("nan")
        spread = m.get("ratios") or [float("nan")]
        lines.append(
            f"| {count:,} | {variant} | {m['first_step_s']:.1f} | {m['images_per_s']:,.0f} | "
            f"{ratio:.2f}x [{min(spread):.2f} to {max(spread):.2f}] | {m['peak_gb']:.2f} | "
            f"{m['peak_anon_gb']:.2f} / {m['peak_file_gb']:.2f} |"
        )
    return "\n".join(lines) + "\n"


def _write_section(output: Path, text: str) -> None:
    """Replace (or add) this section of results.md, leaving the other sections as they are."""
    marker = "## Image folders: memory, stream and LitData"
    old = output.read_text() if output.is_file() else ""
    if marker in old:
        before, rest = old.split(marker, 1)
        after = rest.split("\n## ", 1)
        old = before + (f"## {after[1]}" if len(after) > 1 else "")
    output.write_text(old.rstrip() + "\n\n" + text)
