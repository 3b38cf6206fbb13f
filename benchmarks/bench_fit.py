"""What the template costs over a hand-written loop, measured side by side: `make bench`.

In one process, interleaved (raw, template, lightning, raw, template, lightning, …) so that the
load of a shared machine falls on every variant alike, each round trains the same net on the same
split for the same number of epochs:

- raw:       a hand-written PyTorch loop over in-memory tensors (the floor);
- template:  `dlkit.training.train` on the config `make train` composes (default callbacks and
             logger; the epochs pinned so that every variant runs the same number);
- lightning: a plain LightningModule in a Trainer with Lightning's own defaults, for reference;

then scikit-learn baselines on the same split, and the whole `make train` process (plus
`--cfg job`, `--help` and a config error) in subprocesses. Medians of the rounds after warm-up
go to a Markdown table (benchmarks/results.md) with the machine and the versions.

`--task images --device cuda` runs a CIFAR-scale fabricated image task on a GPU and reports
samples/s (and GPU utilization where NVML is available); `--quick` shrinks everything so that
the whole path can be checked on a CPU in seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = ROOT / "configs"


# ----------------------------------------------------------------------------- tasks
@dataclass
class Task:
    """A benchmark task: the overrides that select it, as a user would give them to `make train`."""

    name: str
    overrides: list[str]
    epochs: int
    sklearn: bool = True
    make_train: bool = True
    note: str = ""


def available_tasks(args: argparse.Namespace) -> dict[str, Task]:
    tasks = {
        "digits": Task("digits", [], args.epochs or 20, note="CNN on the 8x8 digits (default run)"),
        "mnist1d": Task(
            "mnist1d",
            ["experiment=mnist1d_cnn"]
            if (CONFIG_DIR / "experiment" / "mnist1d_cnn.yaml").exists()
            else ["data=mnist1d"],
            args.epochs or 20,
            note="1-D CNN on MNIST-1D",
        ),
        "images": Task(
            "images",
            [
                f"data._target_={__name__}.FabricatedImages",
                f"+data.num_samples={args.num_samples}",
                f"+data.image_size={args.image_size}",
                f"data.batch_size={args.batch_size or 256}",
                "model.net.channels=[64,128,256]",
            ],
            args.epochs or 3,
            sklearn=False,
            make_train=False,
            note=f"CNN on fabricated 3x{args.image_size}x{args.image_size} images, "
            f"{args.num_samples} samples",
        ),
    }
    if args.batch_size and args.batch_size != 256:
        for task in tasks.values():
            if not any(o.startswith("data.batch_size=") for o in task.overrides):
                task.overrides.append(f"data.batch_size={args.batch_size}")
    return tasks


def mnist1d_available() -> bool:
    return (CONFIG_DIR / "data" / "mnist1d.yaml").exists()


def _fabricated_images_class():
    from dlkit.data import ImageDataModule, LoadedData

    class FabricatedImages(ImageDataModule):
        """CIFAR-shaped data made up on the spot: each class a smooth pattern plus noise.

        Learnable (so accuracy means something) and free of downloads, at any scale.
        """

        def __init__(self, *args, num_samples: int = 50_000, image_size: int = 32, **kwargs):
            super().__init__(*args, **kwargs)
            self.num_samples = num_samples
            self.image_size = image_size

        def load(self) -> LoadedData:
            import torch

            generator = torch.Generator().manual_seed(self.seed)
            size, classes = self.image_size, 10
            patterns = torch.rand(classes, 3, 4, 4, generator=generator)
            patterns = torch.nn.functional.interpolate(patterns, size=size, mode="bilinear")
            y = torch.arange(self.num_samples) % classes
            noise = torch.rand(self.num_samples, 3, size, size, generator=generator)
            x = (0.35 * patterns[y] + 0.65 * noise).clamp(0, 1)
            return LoadedData(x=x, y=y, class_names=[f"class{c}" for c in range(classes)])

    return FabricatedImages


def __getattr__(name: str):
    # `FabricatedImages` is built on first use so that `--help` does not import torch.
    if name == "FabricatedImages":
        cls = _fabricated_images_class()
        cls.__module__ = __name__
        globals()[name] = cls
        return cls
    raise AttributeError(name)


# ----------------------------------------------------------------------------- config
def compose_train(overrides: list[str], output_dir: Path):
    """The `train` config exactly as `make train <overrides>` composes it, run folder at output_dir."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.hydra_config import HydraConfig
    from omegaconf import open_dict

    import dlkit  # noqa: F401  (registers the config resolvers)

    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name="train", overrides=overrides, return_hydra_config=True)
    HydraConfig.instance().set_config(cfg)
    with open_dict(cfg):
        cfg.paths.output_dir = str(output_dir)
        cfg.extras.print_config = False  # a one-off cost; the `make train` row includes it
        del cfg["hydra"]
    return cfg


# ----------------------------------------------------------------------------- data
@dataclass
class Split:
    """The template's own split, standardized as it standardizes it, as tensors on the device."""

    x: dict
    y: dict
    input_shape: tuple
    num_classes: int
    steps_per_epoch: int
    batch_size: int


def load_split(cfg, device: str) -> Split:
    import hydra

    datamodule = hydra.utils.instantiate(cfg.data)
    datamodule.prepare_data()
    datamodule.setup("fit")
    xs, ys = {}, {}
    for split in ("train", "val", "test"):
        x, y = datamodule.datasets[split].tensors
        xs[split] = datamodule.transform_batch(x.to(device))
        ys[split] = y.to(device)
    loader = datamodule.train_dataloader()
    return Split(
        xs,
        ys,
        tuple(datamodule.input_shape),
        datamodule.num_classes,
        len(loader),
        datamodule.batch_size,
    )


def build_net(cfg, split: Split):
    import hydra

    return hydra.utils.instantiate(cfg.model.net)(
        input_shape=split.input_shape, num_outputs=split.num_classes
    )


def sync(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


# ----------------------------------------------------------------------------- variants
@dataclass
class Result:
    fit_s: float
    accuracy: float
    steps: int
    fit_cpu_s: float
    total_s: float | None = None
    gpu_util: float | None = None
    extra: dict = field(default_factory=dict)


class GpuUtilization:
    """Mean GPU utilization (%) while the block runs, sampled by NVML; None without it."""

    def __init__(self, device: str) -> None:
        self.enabled = device.startswith("cuda")
        self.samples: list[float] = []
        self._stop = threading.Event()

    def _sample(self) -> None:
        import torch

        while not self._stop.wait(0.1):
            try:
                self.samples.append(float(torch.cuda.utilization()))
            except Exception:  # no NVML bindings: utilization is simply not reported
                return

    def __enter__(self) -> GpuUtilization:
        if self.enabled:
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.enabled:
            self._stop.set()
            self._thread.join()

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.samples) if self.samples else None


def evaluate(net, x, y, batch_size: int) -> float:
    import torch

    net.eval()
    correct = torch.zeros((), dtype=torch.long, device=x.device)
    with torch.no_grad():
        for start in range(0, len(x), batch_size):
            logits = net(x[start : start + batch_size])
            correct += (logits.argmax(-1) == y[start : start + batch_size]).sum()
    return correct.item() / len(x)


def run_raw(cfg, split: Split, epochs: int, device: str, args) -> Result:
    """The floor: a hand-written loop, same net, optimizer, schedule, batches and validation."""
    import hydra
    import torch
    import torch.nn.functional as F

    torch.manual_seed(cfg.seed)
    net = build_net(cfg, split).to(device)
    if args.channels_last:
        net = net.to(memory_format=torch.channels_last)
    if args.compile:
        net.compile()
    optimizer = hydra.utils.instantiate(cfg.optimizer)(params=net.parameters())
    scheduler = None
    if cfg.scheduler:
        total_steps = epochs * split.steps_per_epoch
        scheduler = hydra.utils.instantiate(cfg.scheduler)(optimizer, total_steps=total_steps)
        scheduler = scheduler["scheduler"] if scheduler["interval"] == "step" else None
    x, y = split.x["train"], split.y["train"]
    n, batch = len(x), split.batch_size
    autocast = _autocast(device, args.precision)
    steps = 0
    sync(device)
    with GpuUtilization(device) as util:
        start, start_cpu = time.perf_counter(), time.process_time()
        for _ in range(epochs):
            net.train()
            order = torch.randperm(n, device=device)
            for begin in range(0, n - (1 if n % batch == 1 else 0), batch):
                index = order[begin : begin + batch]
                with autocast:
                    loss = F.cross_entropy(net(x[index]), y[index])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                if scheduler is not None:
                    scheduler.step()
                steps += 1
            with autocast:
                evaluate(net, split.x["val"], split.y["val"], batch)
        sync(device)
        fit_s, fit_cpu_s = time.perf_counter() - start, time.process_time() - start_cpu
    with autocast:
        accuracy = evaluate(net, split.x["test"], split.y["test"], batch)
    return Result(fit_s, accuracy, steps, fit_cpu_s, gpu_util=util.mean)


def _autocast(device: str, precision: str):
    import torch

    if "bf16" in precision:
        return torch.autocast(device.split(":")[0], dtype=torch.bfloat16)
    if precision.startswith("16"):
        return torch.autocast(device.split(":")[0], dtype=torch.float16)
    return contextlib.nullcontext()


_clock: dict[str, float] = {}


def _fit_clock_class():
    import lightning.pytorch as L

    class FitClock(L.Callback):
        """Times the training loop alone (epochs and their validation), as the raw loop is timed."""

        def on_train_start(self, trainer, pl_module) -> None:
            sync(str(pl_module.device))
            _clock["start"], _clock["start_cpu"] = time.perf_counter(), time.process_time()

        def on_train_end(self, trainer, pl_module) -> None:
            sync(str(pl_module.device))
            _clock["end"], _clock["end_cpu"] = time.perf_counter(), time.process_time()
            _clock["steps"] = trainer.global_step

    return FitClock


def run_template(task: Task, epochs: int, device: str, args) -> Result:
    """`dlkit.training.train` as `make train` runs it, plus a clock around the training loop."""
    from dlkit.training import train

    with tempfile.TemporaryDirectory() as folder:
        cfg = compose_train(template_overrides(task, epochs, device, args), Path(folder))
        _clock.clear()
        with GpuUtilization(device) as util:
            start = time.perf_counter()
            train(cfg)
            total_s = time.perf_counter() - start
        summary = json.loads((Path(folder) / "summary.json").read_text())
    return Result(
        _clock["end"] - _clock["start"],
        summary["test"]["acc"],
        int(_clock["steps"]),
        _clock["end_cpu"] - _clock["start_cpu"],
        total_s=total_s,
        gpu_util=util.mean,
    )


def template_overrides(task: Task, epochs: int, device: str, args) -> list[str]:
    clock = _fit_clock_class()
    module = __name__
    globals()["FitClock"] = clock
    clock.__module__ = module
    overrides = [
        *task.overrides,
        f"trainer.max_epochs={epochs}",
        f"trainer.min_epochs={epochs}",  # early stopping may not cut one variant short
        f"+callbacks.fit_clock._target_={module}.FitClock",
        f"trainer.precision={args.precision}",
    ]
    if device.startswith("cuda"):
        overrides += ["trainer=gpu", f"trainer.precision={args.precision}"]
        if "data.pin_memory" not in " ".join(task.overrides):
            overrides.append("data.pin_memory=true")
    else:
        overrides.append("trainer.accelerator=cpu")
    if args.compile:
        overrides.append("model.compile=true")
    if args.channels_last:
        overrides.append("callbacks=[default,channels_last]")
    return overrides


def run_lightning(cfg, split: Split, epochs: int, device: str, args) -> Result:
    """Lightning as its documentation shows it: a LightningModule, DataLoaders, Trainer defaults."""
    import hydra
    import lightning.pytorch as L
    import torch
    import torch.nn.functional as F
    from torch.utils.data import DataLoader, TensorDataset

    class PlainModule(L.LightningModule):
        def __init__(self, net) -> None:
            super().__init__()
            self.net = net

        def forward(self, x):
            return self.net(x)

        def training_step(self, batch, batch_idx):
            x, y = batch
            loss = F.cross_entropy(self(x), y)
            self.log("train_loss", loss)
            return loss

        def validation_step(self, batch, batch_idx):
            x, y = batch
            logits = self(x)
            self.log("val_loss", F.cross_entropy(logits, y))
            self.log("val_acc", (logits.argmax(-1) == y).float().mean())

        def configure_optimizers(self):
            optimizer = hydra.utils.instantiate(cfg.optimizer)(params=self.parameters())
            if not cfg.scheduler:
                return optimizer
            steps = int(self.trainer.estimated_stepping_batches)
            return {
                "optimizer": optimizer,
                "lr_scheduler": hydra.utils.instantiate(cfg.scheduler)(
                    optimizer, total_steps=steps
                ),
            }

    L.seed_everything(cfg.seed, verbose=False)
    module = PlainModule(build_net(cfg, split))
    if args.channels_last:
        module.net.to(memory_format=torch.channels_last)
    on_cpu = {k: v.cpu() for k, v in split.x.items()}, {k: v.cpu() for k, v in split.y.items()}
    loaders = {
        s: DataLoader(
            TensorDataset(on_cpu[0][s], on_cpu[1][s]),
            batch_size=split.batch_size,
            shuffle=s == "train",
            drop_last=s == "train" and len(on_cpu[0][s]) % split.batch_size == 1,
            pin_memory=device.startswith("cuda"),
        )
        for s in ("train", "val")
    }
    _clock.clear()
    with tempfile.TemporaryDirectory() as folder:
        trainer = L.Trainer(
            max_epochs=epochs,
            default_root_dir=folder,
            accelerator="gpu" if device.startswith("cuda") else "cpu",
            devices=1,
            precision=args.precision,
            callbacks=[_fit_clock_class()()],
        )
        with GpuUtilization(device) as util:
            trainer.fit(module, loaders["train"], loaders["val"])
    net = module.net.to(device)
    accuracy = evaluate(net, split.x["test"], split.y["test"], split.batch_size)
    return Result(
        _clock["end"] - _clock["start"],
        accuracy,
        int(_clock["steps"]),
        _clock["end_cpu"] - _clock["start_cpu"],
        gpu_util=util.mean,
    )


def run_sklearn(split: Split) -> list[dict]:
    """Classical baselines on the same split, flattened: the comparison the course asks for."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import SVC

    x = {s: v.flatten(1).cpu().numpy() for s, v in split.x.items()}
    y = {s: v.cpu().numpy() for s, v in split.y.items()}
    rows = []
    for name, estimator in (
        ("logistic regression", LogisticRegression(max_iter=2000)),
        ("SVM (RBF kernel)", SVC()),
        ("random forest (200 trees)", RandomForestClassifier(200, random_state=0, n_jobs=1)),
    ):
        start = time.perf_counter()
        estimator.fit(x["train"], y["train"])
        fit_s = time.perf_counter() - start
        rows.append(
            {"name": name, "fit_s": fit_s, "accuracy": estimator.score(x["test"], y["test"])}
        )
    return rows


# ----------------------------------------------------------------------------- processes
def clean_env() -> dict:
    """Without what `make bench` exports (its flags, and ARGS) into the `make train` it times."""
    leaked = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "ARGS")
    env = {k: v for k, v in os.environ.items() if k not in leaked}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    return env


def timed_process(command: list[str], log_dir: Path | None = None) -> tuple[float, int, str]:
    start = time.perf_counter()
    done = subprocess.run(
        command, cwd=ROOT, env=clean_env(), capture_output=True, text=True, check=False
    )
    return time.perf_counter() - start, done.returncode, done.stdout + done.stderr


def run_make_train(task: Task, log_dir: Path) -> tuple[float, float | None]:
    """Whole-process wall time of `make train` (the default run as a user starts it)."""
    wall, code, output = timed_process(
        ["make", "--no-print-directory", "train", *task.overrides, f"paths.log_dir={log_dir}"]
    )
    if code != 0:
        raise RuntimeError(f"make train failed:\n{output[-3000:]}")
    summaries = sorted(log_dir.glob("train/runs/*/summary.json"), key=os.path.getmtime)
    return wall, json.loads(summaries[-1].read_text())["test"]["acc"]


def run_quick_answers() -> dict[str, float]:
    """Commands that must answer at once: they compose and check the config, nothing more."""
    python = [sys.executable, "-m", "dlkit.train"]
    times = {}
    for name, extra, expect_ok in (
        ("--cfg job", ["--cfg", "job"], True),
        ("--help", ["--help"], True),
        ("config error", ["data=no_such_data"], False),
    ):
        wall, code, output = timed_process(python + extra)
        if (code == 0) != expect_ok:
            raise RuntimeError(f"`dlkit.train {' '.join(extra)}` exited {code}:\n{output[-2000:]}")
        times[name] = wall
    return times


# ----------------------------------------------------------------------------- report
def machine() -> str:
    import lightning
    import sklearn
    import torch
    import torchmetrics

    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else "none"
    return (
        f"{cpu}, {os.cpu_count()} cores (torch threads {torch.get_num_threads()}), GPU: {gpu}; "
        f"Python {platform.python_version()}, torch {torch.__version__}, "
        f"lightning {lightning.__version__}, torchmetrics {torchmetrics.__version__}, "
        f"scikit-learn {sklearn.__version__}"
    )


def load_average() -> str:
    try:
        return ", ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def median(values: list[float]) -> float:
    return statistics.median(values)


def task_table(task: Task, device: str, runs: dict, sklearn_rows, make_rows, args) -> str:
    epochs = args.epochs_of[task.name]
    steps = runs["raw"][0].steps
    lines = [
        f"### {task.name}: {task.note}; {steps // epochs} steps/epoch, {epochs} epochs, "
        f"device {device}",
        "",
        "| variant | fit s | per epoch s | ratio to raw (wall) | ratio to raw (CPU) "
        "| overhead ms/step | samples/s | test acc |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    names = {
        "raw": "raw PyTorch loop, in-memory tensors",
        "template": "this template (`train()`, default callbacks + logger)",
        "lightning": "plain Lightning Trainer, its defaults",
    }
    samples = args.samples_of[task.name]
    raw = runs["raw"]
    for key in ("raw", "template", "lightning"):
        if key not in runs:
            continue
        fit = median([r.fit_s for r in runs[key]])
        acc = median([r.accuracy for r in runs[key]])
        # ratios within a round (same load), then their median across rounds
        ratio = median([r.fit_s / base.fit_s for r, base in zip(runs[key], raw, strict=True)])
        cpu_ratio = median(
            [r.fit_cpu_s / base.fit_cpu_s for r, base in zip(runs[key], raw, strict=True)]
        )
        overhead = median(
            [(r.fit_s - base.fit_s) / steps * 1000 for r, base in zip(runs[key], raw, strict=True)]
        )
        util = [r.gpu_util for r in runs[key] if r.gpu_util is not None]
        label = names[key] + (f", GPU util {median(util):.0f}%" if util else "")
        lines.append(
            f"| {label} | {fit:.2f} | {fit / epochs:.3f} | {ratio:.2f}x | {cpu_ratio:.2f}x "
            f"| {overhead:+.2f} | {samples * epochs / fit:,.0f} | {acc:.4f} |"
        )
    lines.append(
        f"\nMedians of {len(raw)} interleaved rounds after {args.warmup} warm-up round(s); "
        "ratios are taken within each round, then their median. CPU = process CPU time "
        "(all threads), which the load of other processes disturbs less than wall time."
    )
    if "template" in runs:
        whole = median([r.total_s for r in runs["template"]])
        lines.append(
            f"\n`train()` as a whole (fit, then validate and test the best checkpoint, "
            f"plots, summary): {whole:.2f} s median."
        )
    if sklearn_rows:
        lines += ["", "| scikit-learn baseline | fit s | test acc |", "| --- | ---: | ---: |"]
        for row in sklearn_rows:
            lines.append(f"| {row['name']} | {row['fit_s']:.2f} | {row['accuracy']:.4f} |")
    if make_rows:
        walls = [w for w, _ in make_rows]
        accs = [a for _, a in make_rows]
        command = " ".join(["make train", *task.overrides])
        lines += [
            "",
            f"Whole process `{command}` (its own epochs and early stopping): "
            f"{median(walls):.1f} s wall median of {len(walls)} "
            f"({', '.join(f'{w:.1f}' for w in walls)}), test accuracy {median(accs):.4f}.",
        ]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- main
def write_report(args, sections: list[str], quick_line: str, started: float) -> str:
    report = "\n".join(
        [
            "# Benchmark results",
            "",
            f"Written by `make bench` ({' '.join(sys.argv[1:]) or 'defaults'}) on "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
            "",
            f"Machine: {machine()}.",
            f"Load average at the end (1, 5, 15 min): {load_average()}; compare ratios "
            "(interleaved in one process) rather than absolute seconds on a shared machine.",
            "",
            *[s + "\n" for s in sections],
            quick_line,
            "",
            f"Benchmark wall time: {time.perf_counter() - started:.0f} s.",
            "",
        ]
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report)
    return report


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--tasks",
        nargs="+",
        default=None,
        help="digits, mnist1d, images (default: digits and mnist1d on CPU, images on CUDA)",
    )
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--epochs", type=int, default=None, help="per variant (default per task)")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds after warm-up")
    parser.add_argument("--warmup", type=int, default=1, help="rounds run first and not counted")
    parser.add_argument(
        "--variants", nargs="+", default=["raw", "template", "lightning"], help="in round order"
    )
    parser.add_argument("--make-train-runs", type=int, default=2, help="`make train` processes")
    parser.add_argument(
        "--make-train-tasks", nargs="+", default=["digits"], help="tasks timed as `make train`"
    )
    parser.add_argument(
        "--answer-rounds", type=int, default=3, help="times `--cfg job`/`--help`/an error run"
    )
    parser.add_argument("--no-sklearn", action="store_true", help="skip the classical baselines")
    parser.add_argument("--precision", default="32", help="32, 16-mixed or bf16-mixed")
    parser.add_argument(
        "--threads", type=int, default=None, help="torch intra-op threads (default: torch's)"
    )
    parser.add_argument("--compile", action="store_true", help="torch.compile the net")
    parser.add_argument(
        "--channels-last", action="store_true", help="convolution weights channels-last"
    )
    parser.add_argument("--num-samples", type=int, default=50_000, help="images task size")
    parser.add_argument("--image-size", type=int, default=32, help="images task side")
    parser.add_argument("--batch-size", type=int, default=None, help="override the batch size")
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes, one round: checks the path, not speed"
    )
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results.md")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs = args.epochs or 1
        args.rounds, args.warmup = 1, 0
        args.num_samples = min(args.num_samples, 256)
        args.image_size = min(args.image_size, 16)
        args.make_train_runs = 0
        args.answer_rounds = min(args.answer_rounds, 1)
    if args.tasks is None:
        if args.device.startswith("cuda"):
            args.tasks = ["images"]
        else:
            args.tasks = ["digits"] + (["mnist1d"] if mnist1d_available() else [])
    return args


def main(argv: list[str] | None = None) -> str:
    args = parse_args(argv)
    started = time.perf_counter()
    tasks = available_tasks(args)
    unknown = [t for t in args.tasks if t not in tasks]
    if unknown:
        raise SystemExit(f"unknown task(s) {unknown}: choose from {sorted(tasks)}")
    if "mnist1d" in args.tasks and not mnist1d_available():
        raise SystemExit("task mnist1d needs configs/data/mnist1d.yaml, which this checkout lacks")
    if args.device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            raise SystemExit("--device cuda: no CUDA device is visible to torch")

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    from dlkit.utils.quiet import quiet_libraries

    quiet_libraries()
    args.epochs_of, args.samples_of = {}, {}
    sections = []
    for name in args.tasks:
        task = tasks[name]
        epochs = task.epochs
        args.epochs_of[name] = epochs
        with tempfile.TemporaryDirectory() as folder:
            cfg = compose_train(template_overrides(task, epochs, args.device, args), Path(folder))
            split = load_split(cfg, args.device)
        args.samples_of[name] = len(split.x["train"])
        runs: dict[str, list[Result]] = {v: [] for v in args.variants}
        for round_index in range(args.warmup + args.rounds):
            for variant in args.variants:
                if variant == "raw":
                    result = run_raw(cfg, split, epochs, args.device, args)
                elif variant == "template":
                    result = run_template(task, epochs, args.device, args)
                elif variant == "lightning":
                    result = run_lightning(cfg, split, epochs, args.device, args)
                else:
                    raise SystemExit(f"unknown variant {variant!r}: raw, template or lightning")
                counted = round_index >= args.warmup
                print(
                    f"[{name}] round {round_index + 1}{'' if counted else ' (warm-up)'} "
                    f"{variant}: fit {result.fit_s:.2f} s (CPU {result.fit_cpu_s:.2f} s), "
                    f"test acc {result.accuracy:.4f}",
                    flush=True,
                )
                if counted:
                    runs[variant].append(result)
        sklearn_rows = [] if args.no_sklearn or not task.sklearn else run_sklearn(split)
        make_rows = []
        if task.make_train and name in args.make_train_tasks and args.device == "cpu":
            with tempfile.TemporaryDirectory() as log_dir:
                for _ in range(args.make_train_runs):
                    make_rows.append(run_make_train(task, Path(log_dir)))
                    print(f"[{name}] make train: {make_rows[-1][0]:.1f} s", flush=True)
        sections.append(task_table(task, args.device, runs, sklearn_rows, make_rows, args))
        write_report(args, sections, "", started)  # so far, in case a later task is cut short

    quick = {k: [] for k in ("--cfg job", "--help", "config error")}
    for _ in range(args.answer_rounds):
        for key, value in run_quick_answers().items():
            quick[key].append(value)
    quick_line = (
        "Answers that must come at once (`python -m dlkit.train …`, median of "
        f"{args.answer_rounds}): " + ", ".join(f"`{k}` {median(v):.2f} s" for k, v in quick.items())
        if args.answer_rounds
        else ""
    )

    report = write_report(args, sections, quick_line, started)
    print(report)
    return report


if __name__ == "__main__":
    main()
