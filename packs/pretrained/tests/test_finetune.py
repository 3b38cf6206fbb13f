"""Fine-tuning through the path `make train` takes: a frozen backbone stays as loaded while the
head learns, `callbacks=finetune` unfreezes it at its epoch in a parameter group of its own, the
backbone's rate follows every schedule, and a timm net trains on a folder of photos."""

import pandas as pd
import pytest
import torch
from lightning.pytorch import seed_everything
from torch import nn

from dlkit.errors import ConfigError
from dlkit.models import schedulers
from dlkit.training.build import build_datamodule, build_model
from dlkit.training.run import train
from dlkit_pretrained.finetune import add_group_to_schedules
from tests.helpers import FEW_BATCHES, read_summary

HEAD = "classifier."  # the timm net's


@pytest.fixture(scope="module")
def photos(tmp_path_factory, write_photos):
    return write_photos(tmp_path_factory.mktemp("photos"), per_class=20)


@pytest.fixture
def pretrained_on_photos(photos, timm_file, timm_net) -> tuple[str, ...]:
    """The timm net from a weights file on 16-pixel photos, a few batches, no plots."""
    return (
        "data=image_folder",
        f"data.path={photos}",
        "data.batch_size=16",
        "model=timm",
        f"model.net.name={timm_net}",
        f"model.net.weights={timm_file[0]}",
        "data.net_inputs.size=[16,16]",
        "callbacks.reports=null",
        *FEW_BATCHES,
    )


def _checkpoint(cfg, name: str) -> dict[str, torch.Tensor]:
    path = f"{cfg.paths.output_dir}/checkpoints/{name}"
    state = torch.load(path, map_location="cpu", weights_only=True)["state_dict"]
    return {k.removeprefix("net.net."): v for k, v in state.items() if k.startswith("net.net.")}


def _same_backbone(state: dict, saved: dict) -> bool:
    return all(torch.equal(state[k], v) for k, v in saved.items() if not k.startswith(HEAD))


def _rates(cfg) -> pd.DataFrame:
    """The learning-rate monitor's rows of metrics.csv, one per epoch."""
    return pd.read_csv(f"{cfg.paths.output_dir}/metrics.csv").dropna(subset=["lr-Adam/head"])


def test_a_frozen_backbone_stays_as_loaded_while_the_head_learns(
    compose_train, pretrained_on_photos, timm_file
):
    saved = timm_file[1]
    cfg = compose_train(*pretrained_on_photos, "model.net.freeze=true", "trainer.max_epochs=1")
    seed_everything(cfg.seed)  # the model as fit_and_test builds it, before any step
    initial = build_model(cfg, build_datamodule(cfg)).net.net.state_dict()
    train(cfg)
    after = _checkpoint(cfg, "last.ckpt")
    assert _same_backbone(after, saved)  # weights and batch-norm statistics
    assert not torch.equal(after[f"{HEAD}weight"], initial[f"{HEAD}weight"])
    assert "lr-Adam/backbone" not in _rates(cfg)


def test_finetune_unfreezes_at_its_epoch_in_a_group_of_its_own(
    compose_train, pretrained_on_photos, timm_file
):
    saved = timm_file[1]
    cfg = compose_train(
        *pretrained_on_photos,
        "callbacks=finetune",
        "callbacks.finetune.unfreeze_at_epoch=1",
        "callbacks.finetune.lr_factor=0.1",
        "callbacks.model_checkpoint.save_top_k=-1",  # keep each epoch's
        "callbacks.early_stopping=null",
        "callbacks.rich_progress_bar=null",
        "trainer.max_epochs=2",
    )
    train(cfg)
    assert _same_backbone(_checkpoint(cfg, "epoch_000.ckpt"), saved)
    assert not _same_backbone(_checkpoint(cfg, "epoch_001.ckpt"), saved)
    rates = _rates(cfg)
    assert rates["lr-Adam/backbone"].isna().tolist() == [True, False]  # epoch 0, epoch 1
    epoch_1 = rates.iloc[1]
    assert epoch_1["lr-Adam/backbone"] == pytest.approx(0.1 * epoch_1["lr-Adam/head"])


def test_backbone_lr_factor_gives_the_backbone_its_rate_through_the_schedule(
    compose_train, pretrained_on_photos
):
    cfg = compose_train(
        *pretrained_on_photos,
        "model.net.backbone_lr_factor=0.25",
        "scheduler=onecycle",
        "callbacks.lr_monitor.logging_interval=step",
        "++trainer.log_every_n_steps=1",
        "trainer.max_epochs=1",
    )
    train(cfg)
    rates = _rates(cfg)
    steps = len(rates)  # one row a step, each at the schedule's rate of the step
    assert steps >= 3 and rates["lr-Adam/head"].nunique() == steps
    ratios = (rates["lr-Adam/backbone"] / rates["lr-Adam/head"]).tolist()
    assert ratios == pytest.approx([0.25] * steps)
    assert rates["lr-Adam/head"].max() <= cfg.optimizer.lr  # onecycle's peak is optimizer.lr


def test_a_timm_net_learns_a_folder_of_photos(compose_train, photos):
    cfg = compose_train(
        "data=image_folder",
        f"data.path={photos}",
        "data.image_size=[16,16]",
        "data.batch_size=16",
        "model=timm",
        "model.net.name=resnet10t",  # from a random start
        "trainer.max_epochs=4",
        "callbacks.rich_progress_bar=null",
        "callbacks.reports=null",
        "extras.print_config=false",
    )
    train(cfg)
    summary = read_summary(cfg)
    assert summary["status"] == "completed"
    assert summary["test"]["acc"] > 0.6  # three classes: chance is 1/3


def test_finetune_on_a_net_without_a_backbone_says_so(compose_train):
    cfg = compose_train("model=cnn", "callbacks=finetune", *FEW_BATCHES, "trainer.max_epochs=1")
    with pytest.raises(
        ConfigError, match="CNN has none: use model=pretrained_resnet or model=timm"
    ):
        train(cfg)
    assert read_summary(cfg)["status"] == "failed"


def test_finetune_and_a_backbone_rate_pick_one(compose_train, pretrained_on_photos):
    cfg = compose_train(
        *pretrained_on_photos,
        "callbacks=finetune",
        "model.net.backbone_lr_factor=0.1",
        "trainer.max_epochs=1",
    )
    with pytest.raises(ConfigError, match=r"leave model\.net\.backbone_lr_factor at 1"):
        train(cfg)
    assert read_summary(cfg)["status"] == "failed"


@pytest.mark.parametrize(
    ("name", "settings"),
    [
        ("onecycle", {}),
        ("cosine", {"warmup_fraction": 0.3}),
        ("cyclic", {}),
        ("step", {"step_size": 1}),
        ("plateau", {}),
    ],
)
def test_a_group_added_mid_run_follows_every_schedule(name, settings):
    """What `callbacks=finetune` does at its epoch, for each `scheduler=` option."""
    head, backbone = nn.Linear(2, 2), nn.Linear(2, 2)
    optimizer = torch.optim.Adam(head.parameters(), lr=0.01)
    scheduler = getattr(schedulers, name)(optimizer, total_steps=40, **settings)["scheduler"]

    def step():
        optimizer.step()
        scheduler.step(1.0) if name == "plateau" else scheduler.step()

    for _ in range(10):
        step()
    optimizer.add_param_group(
        {"params": backbone.parameters(), "lr": 0.1 * optimizer.param_groups[0]["lr"]}
    )
    add_group_to_schedules([scheduler], 0.1)
    for _ in range(25):
        step()
        head_lr, backbone_lr = (group["lr"] for group in optimizer.param_groups)
        assert backbone_lr == pytest.approx(0.1 * head_lr, rel=1e-6)
