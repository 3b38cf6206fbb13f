"""The lessons: `make lesson` lists them, and one runs through `make lesson` at the tiny size.

`make lesson name=<lesson>` is the training entry point's multirun over the lesson's config
(`+lesson=<lesson>`); the tiny size (`lesson.size=tiny`: one epoch of two batches, two sweep
points) checks that it runs. The others at the tiny size, and all of them at the full size,
whose reports state the measured outcome of each claim, are in test_lessons_full.py (slow).
"""

import re
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from dlkit_lessons import LESSONS, vanishing_gradients
from dlkit_lessons.cli import lesson_arguments, print_lessons
from dlkit_lessons.jobs import lesson_jobs
from tests.helpers import compose_with_hydra, folders, output, run, run_module

LESSON_CONFIGS = Path(__file__).parents[1] / "configs" / "lesson"
VARIANTS = LESSON_CONFIGS / "variants"


def test_make_lesson_lists_the_lessons():
    result = run("make", "lesson")
    assert result.returncode == 0, output(result)
    listed = [line for line in result.stdout.splitlines() if "make lesson name=" in line]
    assert len(listed) == len(LESSONS) == 12
    for lesson, line in zip(LESSONS.values(), listed, strict=True):
        assert lesson.command in line
        assert (lesson.claim in line) != bool(lesson.missing), line  # or the pack it needs


def test_a_lesson_names_the_pack_it_needs_when_that_pack_is_gone(monkeypatch, capsys):
    """With the audio pack stripped, `make lesson` lists sequence_nets as needing it and
    `make lesson name=sequence_nets` stops with that one message (the strip itself:
    tests/test_packs.py)."""
    import dlkit_lessons

    real = dlkit_lessons.find_spec
    monkeypatch.setattr(
        dlkit_lessons, "find_spec", lambda name: None if name == "dlkit_audio" else real(name)
    )
    assert LESSONS["sequence_nets"].missing == ["audio"]
    assert LESSONS["vanishing_gradients"].missing == []
    print_lessons()
    line = next(x for x in capsys.readouterr().out.splitlines() if "name=sequence_nets" in x)
    assert "needs the audio pack" in line
    assert run_module("dlkit_lessons.cli", "name=sequence_nets", "lesson.size=tiny") == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and "lesson sequence_nets needs the audio pack" in err
    assert "Traceback" not in err


def test_an_unknown_lesson_names_the_ones_there_are():
    result = run("make", "lesson", "name=vanishing")
    assert result.returncode == 2
    assert "unknown lesson 'vanishing'" in result.stderr and "vanishing_gradients" in result.stderr


def test_a_lesson_is_a_multirun_of_the_training_config_with_its_group_added():
    arguments = lesson_arguments(["name=batch_size", "lesson.size=tiny", "seed=1"])
    assert arguments == ["--multirun", "+lesson=batch_size", "lesson.size=tiny", "seed=1"]
    assert lesson_arguments(["seed=1"]) is None  # no name: the list


def test_each_lesson_has_its_config_and_figure_function():
    configs = {p.stem for p in LESSON_CONFIGS.glob("*.yaml")}
    assert configs == set(LESSONS)
    for name in LESSONS:
        assert OmegaConf.load(LESSON_CONFIGS / f"{name}.yaml").lesson.name == name
        assert callable(__import__(LESSONS[name].module, fromlist=["report"]).report)


def _sweep_jobs(name: str) -> list[list[str]]:
    """Each job's overrides of `make lesson name=<name>` (full size), in the order the grid
    sweeper gives them: the lesson's swept values (`hydra.sweeper.params`), then the command
    line's `+lesson=<name>`."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from hydra_plugins.dlkit_sweepers.grid_sweeper import GridSweeper

    params = compose_with_hydra(f"+lesson={name}").hydra.sweeper.params
    swept = [f"{key}={values}" for key, values in params.items()]  # as the sweeper writes them
    arguments = [*swept, *lesson_arguments([f"name={name}"])[1:]]
    (jobs,) = GridSweeper.split_arguments(OverridesParser.create().parse_overrides(arguments), None)
    return jobs


def _leaves(node, key: str = ""):
    if isinstance(node, dict):
        for child, value in node.items():
            yield from _leaves(value, f"{key}.{child}" if key else child)
    else:
        yield key, node


@pytest.mark.parametrize("name", sorted(p.name for p in VARIANTS.iterdir()))
def test_each_variant_of_a_lesson_runs_with_its_own_values(name):
    """A value that the lesson's config sets wins over a variant's, which comes before it in
    the job's overrides: regularization's dropout and weight decay variants trained without
    either while the lesson set both to 0."""
    composed = {}
    for job in _sweep_jobs(name):
        variant = next(o for o in job if o.startswith(f"+lesson/variants/{name}=")).split("=")[1]
        cfg = OmegaConf.to_container(compose_with_hydra(*job))
        cfg.pop("hydra")
        own = OmegaConf.to_container(OmegaConf.load(VARIANTS / name / f"{variant}.yaml"))
        own.pop("defaults", None)
        for key, value in _leaves(own):
            assert OmegaConf.select(OmegaConf.create(cfg), key) == value, (variant, key)
        composed[variant] = OmegaConf.to_yaml(cfg)
    assert len(set(composed.values())) == len(composed) > 1  # no two variants train alike


# slow (11 s): the backprop lesson's tiny run keeps `make lesson` in the fast suite
@pytest.mark.slow
def test_make_lesson_runs_one_at_the_tiny_size(tmp_path, check_report, monkeypatch):
    """The user's path of one lesson, `make` included; the other nine run tiny in
    test_lessons_full.py."""
    sweep_dir = tmp_path / "sweep"
    result = run(
        "make", "lesson", "name=vanishing_gradients", "lesson.size=tiny",
        f"hydra.sweep.dir={sweep_dir}", *folders(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, output(result)[-3000:]
    assert len(list(sweep_dir.glob("*/.hydra"))) == 2
    text = check_report(sweep_dir, "vanishing_gradients")
    assert "Tiny size: a check that the lesson runs" in text
    # two batches decide nothing: no verdict, in the report or in the console
    assert "No verdict at the tiny size: its 2 runs check that the lesson runs" in text
    assert not re.search(r"claim (holds|does not hold)", text + output(result))
    assert "lesson vanishing_gradients: No verdict at the tiny size" in output(result)
    # the gradient flow and the clock came in through the lesson's callbacks list
    assert (sweep_dir / "0" / "gradient_flow.csv").is_file()
    assert "time/train_s" in (sweep_dir / "0" / "metrics.csv").read_text()
    # the figure's title names the activations it draws (the tiny size: two of the four)
    drawn = {}
    monkeypatch.setattr(vanishing_gradients, "save", lambda fig, png, title: drawn.update(
        fig=fig, title=title))  # fmt: skip
    vanishing_gradients.report(lesson_jobs(sweep_dir, ["model.net.activation"]), tmp_path / "x")
    assert len(drawn["fig"].axes[0].get_lines()) == 2
    assert drawn["title"].endswith("with 2 activations (sigmoid, relu)")


def test_the_regularization_report_weighs_one_epochs_figures():
    """The gap and the validation accuracy it is told with are the same (last) epoch's; the
    best epoch's validation accuracy, another epoch's weights, is not mixed into the verdict."""
    from dlkit_lessons.regularization import BEST, _verdict

    rows = [
        {"regularization": "none", "train acc": "100.0%", "val acc": "28.0%", "gap": "72.0%",
         BEST: "31.7%"},
        {"regularization": "augmentation", "train acc": "70.0%", "val acc": "45.0%",
         "gap": "25.0%", BEST: "46.0%"},
    ]  # fmt: skip
    verdict = _verdict(rows)
    assert "validates at 28.0%: a gap of 72.0%" in verdict
    assert "raises the validation accuracy to 45.0%" in verdict
    assert "31.7%" not in verdict and "46.0%" not in verdict
    assert verdict.endswith("The claim holds for augmentation here.")


def test_the_lr_schedules_verdict_weighs_the_last_epochs_with_a_margin():
    """The losses compared are the means over the last epochs (a high constant rate bounces
    from one epoch to the next), and a schedule ends lower only at 90% of the constant rate's
    loss or less: what is closer is that noise."""
    from types import SimpleNamespace

    import pandas as pd

    from dlkit_lessons.lr_schedules import END, TRAIN, VAL, _end, _verdict

    losses = [2.0, 1.0, 0.9, 0.5, 0.7, 0.6]
    job = SimpleNamespace(epochs=pd.DataFrame({"train/loss": losses}))
    assert END == 3 and _end(job, "train/loss") == pytest.approx(0.6)
    assert _end(job, "val/loss") is None

    def rows(**train: float) -> list[dict]:
        return [
            {"schedule": name, TRAIN: f"{loss:.4f}", VAL: "1.0000", "val acc, last epoch": "50.0%"}
            for name, loss in train.items()
        ]

    verdict = _verdict(rows(constant=0.8, step=0.6, cosine=0.7, onecycle=0.72, cyclic=0.9))
    assert "averages 0.8000 with a constant rate, against step 0.6000, cosine 0.7000" in verdict
    assert "(the cyclic one 0.9000)" in verdict and verdict.endswith("the claim holds here.")
    partly = _verdict(rows(constant=0.8, step=0.6, cosine=0.73, onecycle=0.7))
    assert partly.endswith("Only step, onecycle end lower: the claim holds in part here.")
    assert _verdict(rows(constant=0.8, step=0.78, cosine=0.81, onecycle=0.75)).endswith(
        "which this one is not."
    )


def test_a_lessons_text_names_one_hidden_layer_in_the_singular():
    from types import SimpleNamespace

    from dlkit_lessons.figures import setup

    def job(hidden: list[int]) -> SimpleNamespace:
        cfg = OmegaConf.create({"model": {"net": {
            "_target_": "dlkit.models.nets.mlp.MLP", "hidden_sizes": hidden, "norm": False}}})  # fmt: skip
        return SimpleNamespace(
            folder=SimpleNamespace(saved_config=lambda: cfg), values={}, summary={}
        )

    assert setup(job([64])).startswith("MLP (one hidden layer of 64, no batch norm)")
    assert setup(job([64, 64])).startswith("MLP (2 hidden layers of 64, no batch norm)")
    assert setup(job([64, 32])).startswith("MLP (hidden layers [64, 32], no batch norm)")
