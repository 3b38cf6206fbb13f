"""Text runs that stop before training: texts with a net or baseline that does not read them,
other data with a text baseline, a text column that is not there; each one message."""

import pytest
from tests.data.text_samples import text_csv, write_texts_csv
from tests.helpers import FEW_BATCHES, output, run

from dlkit.errors import BadInput
from dlkit.training.run import train


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            ["data=surnames", "model=resnet"],
            "ResNet takes image data, but data=surnames is text data. Models that fit text "
            "data: cnn, gru, lstm, mlp, rnn, transformer.",
        ),
        pytest.param(
            ["baseline=tfidf_logistic_regression"],
            "reads texts, but the data holds image data",
            marks=pytest.mark.slow,
        ),
    ],
)
def test_text_and_other_data_do_not_mix(compose_train, overrides, message):
    cfg = compose_train(*overrides, *FEW_BATCHES)
    with pytest.raises(BadInput, match=message):
        train(cfg)


@pytest.mark.slow
def test_a_numeric_baseline_on_texts(compose_train, tmp_path):
    cfg = compose_train(*text_csv(tmp_path / "texts.csv"), "baseline=logistic_regression")
    with pytest.raises(BadInput, match="text data are token ids: choose baseline=tfidf_logistic"):
        train(cfg)


@pytest.mark.slow
def test_a_missing_text_column_is_one_message(tmp_path):
    write_texts_csv(tmp_path / "texts.csv")
    result = run(
        "-m",
        "dlkit.cli.train",
        "data=text_csv",
        f"data.path={tmp_path / 'texts.csv'}",
        "data.text_column=review",
        "data.target=team",
        f"hydra.run.dir={tmp_path / 'run'}",
    )
    assert result.returncode == 2, output(result)[-3000:]
    assert "its columns are ['id', 'body', 'team', 'stars']" in output(result)
    assert "Traceback" not in output(result)
