"""The hand-written loop `bench_files` measures the template against: torchvision's ImageFolder,
a DataLoader with the same workers, one epoch of the same tiny net. Writes its clock to
$FILES_CLOCK as `files_clock.FilesClock` does. Usage: hand_written_files.py <folder> <workers>"""

import json
import os
import sys
import time

import torch
from torch import nn
from torch.utils.data import DataLoader
from torchvision import datasets, transforms


def main(folder: str, workers: int) -> None:
    torch.manual_seed(0)
    data = datasets.ImageFolder(folder, transform=transforms.ToTensor())
    loader = DataLoader(
        data, batch_size=64, shuffle=True, num_workers=workers, persistent_workers=workers > 0
    )
    net = nn.Sequential(nn.Flatten(), nn.Linear(3 * 64 * 64, 8), nn.ReLU(), nn.Linear(8, 10))
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    first_step, images = None, 0
    for x, y in loader:
        if first_step is None:
            first_step = time.time()
        loss = nn.functional.cross_entropy(net(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        images += len(x)
    times = {"first_step": first_step, "epoch_end": time.time(), "images": images}
    with open(os.environ["FILES_CLOCK"], "w") as file:
        json.dump(times, file)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
