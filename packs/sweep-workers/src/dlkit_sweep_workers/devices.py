"""One GPU per parallel job: `hydra/launcher=joblib_gpus` with k GPUs, or k workers on one machine.

Left alone, every job in parallel trains on GPU 0. Here each gets a device of its own through
CUDA_VISIBLE_DEVICES, set before it touches CUDA (the variable is read once, when a process
first uses CUDA):

- `make sweep-workers n=…` gives worker i the devices i, i+n, i+2n, … (one each when there are
  fewer devices than workers: round-robin, two workers to a device);
- under `hydra/launcher=joblib_gpus` (the joblib launcher with the `ShareDevices` callback),
  each worker process of the pool claims one device when it starts its first job and keeps it
  for the jobs that follow (a process cannot move to another GPU once it has used one),
  preferring device `job number mod k`. The claim is a file lock in the sweep folder, released
  when the process ends.
"""

import logging
import os
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

log = logging.getLogger(__name__)

VISIBLE = "CUDA_VISIBLE_DEVICES"
# set by the sweep for its joblib workers: the devices they share, comma-separated
SHARED = "DLKIT_SWEEP_DEVICES"
# the folder of a sweep that holds the devices' lock files, one per GPU held
DEVICE_LOCKS = ".devices"

_claimed: dict[str, Any] = {}  # this process's device and the lock that holds it


def visible_devices() -> list[str]:
    """The GPUs this process may use: those CUDA_VISIBLE_DEVICES names, else every one."""
    if VISIBLE in os.environ:
        names = [d.strip() for d in os.environ[VISIBLE].split(",")]
        devices = []
        for name in names:
            if not name or name == "-1":  # CUDA stops at the first invalid entry
                break
            devices.append(name)
        return devices
    import torch

    return [str(i) for i in range(torch.cuda.device_count())]


def share_devices(devices: list[str], n: int) -> list[list[str]]:
    """The devices of each of n workers, round-robin; [] each when there is none."""
    if not devices:
        return [[] for _ in range(n)]
    if len(devices) >= n:
        return [devices[i::n] for i in range(n)]
    return [[devices[i % len(devices)]] for i in range(n)]


def claim_device(devices: list[str], preferred: int, lock_folder: Path) -> str:
    """A device no other process of the sweep holds, kept by this process until it ends.

    Tries `devices[preferred % k]` first, then the next ones; when every device is held (more
    parallel jobs than devices), shares the preferred one and says so.
    """
    from filelock import FileLock, Timeout

    if "device" in _claimed:
        return _claimed["device"]
    lock_folder.mkdir(parents=True, exist_ok=True)
    order = [devices[(preferred + i) % len(devices)] for i in range(len(devices))]
    for device in order:
        lock = FileLock(str(lock_folder / f"gpu_{device}.lock"))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            continue
        _claimed.update(device=device, lock=lock)
        return device
    device = order[0]
    log.warning(
        "more jobs run at once than there are GPUs (%d): this one shares GPU %s",
        len(devices),
        device,
    )
    _claimed.update(device=device)
    return device


class ShareDevices(Callback):
    """`hydra.callbacks.share_devices`, which `hydra/launcher=joblib_gpus` adds: a GPU of its
    own for each job the joblib launcher runs."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        devices = visible_devices()
        if len(devices) > 1:
            os.environ[SHARED] = ",".join(devices)  # the pool's processes inherit it
            log.info("jobs in parallel get a GPU each, of %s", ", ".join(devices))

    def on_job_start(self, config: DictConfig, **kwargs: Any) -> None:
        shared = os.environ.get(SHARED)
        if not shared:
            return
        lock_folder = Path(config.hydra.sweep.dir) / DEVICE_LOCKS
        device = claim_device(shared.split(","), int(config.hydra.job.num), lock_folder)
        os.environ[VISIBLE] = device  # again for each job: SeparateDistributedJobs restores it
        log.info("this job (process %d) trains on GPU %s (%s)", os.getpid(), device, VISIBLE)
