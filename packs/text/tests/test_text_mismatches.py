"""Text runs that stop before training: texts with a model or baseline that does not read them,
other data with a text model or baseline, a text column that is not there; each one message."""

import pytest
from hydra import initialize_config_dir

from dlkit.config.targets import check_compatible
from dlkit.errors import BadInput, ConfigError
from dlkit.training.run import train
from tests.helpers import CONFIG_DIR, FEW_BATCHES, output, run

TEXT_MODELS = "text_cnn, text_gru, text_lstm, text_mlp, text_rnn, text_transformer"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            ["data=surnames", "model=resnet"],
            "ResNet takes image data, but data=surnames is text data. Models that fit text "
            f"data: {TEXT_MODELS}.",
        ),
        (
            ["data=surnames", "model=gru"],
            "RecurrentNet takes sequence data, but data=surnames is text data. Models that fit "
            f"text data: {TEXT_MODELS}.",
        ),
    ],
    ids=["image_model", "sequence_model"],
)
def test_a_model_for_other_data_names_the_text_models(compose_train, overrides, message):
    assert _compatibility_error(compose_train(*overrides)) == message


def test_a_text_model_on_other_data_names_the_models_that_fit(compose_train):
    message = _compatibility_error(compose_train("model=text_cnn"))  # the digits: images
    assert message.startswith("TextCNN takes text data, but data=digits is image data.")
    fitting = message.split("Models that fit image data: ")[1].rstrip(".").split(", ")
    assert {"cnn", "mlp", "resnet"} <= set(fitting)
    assert not [model for model in fitting if model.startswith("text_")]


def test_a_text_model_on_other_data_stops_the_run(compose_train):
    cfg = compose_train("data=iris", "model=text_gru", *FEW_BATCHES)
    with pytest.raises(BadInput, match=r"TextRecurrentNet takes text data, but data=.* is table"):
        train(cfg)


def test_a_users_net_that_declares_no_data_is_checked_against_what_texts_give(
    compose_train, tmp_path, text_csv_overrides
):
    """README's `tiny` net without `modalities`, on texts: the data gives the net a vocabulary
    it does not take; one message, not the constructor's TypeError."""
    user_net = ("model=mlp", "~model.net", "+model.net={_target_:tests.models.user_nets.Tiny}")
    texts = [o for o in text_csv_overrides(tmp_path / "texts.csv") if not o.startswith("model.")]
    cfg = compose_train(*texts, *user_net, *FEW_BATCHES)
    with (  # the search path of a `make train`: every pack's model options
        initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"),
        pytest.raises(ConfigError) as error,
    ):
        train(cfg)
    assert str(error.value).startswith(
        "this model does not fit this data: Tiny takes no padding_id, vocab_size, which text "
        f"data gives its net (model=mlp, data=text_csv). Models that fit text data: {TEXT_MODELS};"
    )


def test_a_text_baseline_on_other_data(compose_train):
    cfg = compose_train("baseline=tfidf_logistic_regression", *FEW_BATCHES)
    with pytest.raises(
        BadInput,
        match="baseline=tfidf_logistic_regression reads texts, but DigitsDataModule gives a "
        "classical model numbers",
    ):
        train(cfg)


def test_a_numeric_baseline_on_texts(compose_train, tmp_path, text_csv_overrides):
    cfg = compose_train(*text_csv_overrides(tmp_path / "texts.csv"), "baseline=logistic_regression")
    with pytest.raises(
        BadInput,
        match="baseline=logistic_regression reads numbers, but TextCSVDataModule gives a "
        "classical model texts: choose a baseline that reads texts",
    ):
        train(cfg)


@pytest.mark.slow
def test_a_missing_text_column_is_one_message(tmp_path, texts_csv):
    result = run(
        "-m",
        "dlkit.cli.train",
        "data=text_csv",
        f"data.path={texts_csv}",
        "data.text_column=review",
        "data.target=team",
        f"hydra.run.dir={tmp_path / 'run'}",
    )
    assert result.returncode == 2, output(result)[-3000:]
    assert "its columns are ['id', 'body', 'team', 'stars']" in output(result)
    assert "Traceback" not in output(result)


def _compatibility_error(cfg) -> str:
    """The message of the model check, on the search path of a `make train` (every pack's
    model options)."""
    with (
        initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"),
        pytest.raises(ConfigError) as error,
    ):
        check_compatible(cfg)
    return str(error.value)
