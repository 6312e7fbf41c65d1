"""Model files of private EBMs: the privacy record (format version 3) round-trips and is checked."""

import io
import json
import warnings

import jsonschema
import numpy as np
import pandas as pd
import pytest

import glassboost
from glassboost import DPExplainableBoostingRegressor, ExplainableBoostingRegressor
from glassboost.io import ModelFileError
from glassboost.io.detail import DETAILS

BOUNDS = {"a": (0, 10), "b": (-4, 4)}


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.uniform(0, 10, 400), "b": rng.normal(0, 1, 400)})
    return X, X["a"] * 2 + rng.normal(0, 1, 400)


@pytest.fixture(scope="module")
def model(data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return DPExplainableBoostingRegressor(
            epsilon=3, delta=1e-6, composition="classic", max_rounds=15, privacy_bounds=BOUNDS,
            privacy_target_min=-5, privacy_target_max=25, feature_types=["continuous"] * 2,
            random_state=2).fit(*data)


def test_privacy_record_round_trips_at_every_detail_level(model, data):
    for detail in DETAILS:
        document = json.loads(model.to_json(detail=detail))
        assert document["format_version"] == 3
        assert document["privacy"] == model.privacy_budget_
        loaded = glassboost.load(io.StringIO(json.dumps(document)))
        assert isinstance(loaded, DPExplainableBoostingRegressor)
        assert loaded.privacy_budget_ == model.privacy_budget_
        assert loaded.noise_scale_binning_ == model.noise_scale_binning_
        assert loaded.noise_scale_boosting_ == model.noise_scale_boosting_
        # the full account, not the parameters only
        assert loaded.privacy_summary() == model.privacy_summary()
        assert "not in the model file" not in loaded.privacy_summary()
        assert np.array_equal(loaded.predict(data[0]), model.predict(data[0]))
        # written again, the record is the same
        assert json.loads(loaded.to_json(detail=detail))["privacy"] == document["privacy"]


def test_privacy_bounds_by_name_are_kept(model, data):
    # the public bounds are a parameter: lost, a refit of the loaded model reads them from
    # the data
    parameters = json.loads(model.to_json())["training"]["parameters"]
    assert parameters["privacy_bounds"] == {"a": [0, 10], "b": [-4, 4]}
    refit = glassboost.load(model.to_json()).set_params(max_rounds=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.filterwarnings("ignore", message="random_state=")
        refit.fit(*data)
    assert np.array_equal(refit.feature_bounds_, [(0, 10), (-4, 4)])


def test_standard_models_keep_format_version_2(data):
    text = ExplainableBoostingRegressor(outer_bags=2, interactions=0, max_rounds=20).fit(
        *data).to_json()
    assert json.loads(text)["format_version"] == 2 and "privacy" not in json.loads(text)


def test_file_without_the_record_still_loads_with_its_parameters(model):
    document = json.loads(model.to_json())
    del document["privacy"]
    document["format_version"] = 2
    loaded = glassboost.load(json.dumps(document))
    assert isinstance(loaded, DPExplainableBoostingRegressor) and loaded.epsilon == 3
    assert "privacy_budget_" not in loaded.__dict__
    assert "the noise scales are not in the model file" in loaded.privacy_summary()


def _changed(model, field, value):
    document = json.loads(model.to_json(detail="minimal"))
    if value is KeyError:
        del document["privacy"][field]
    else:
        document["privacy"][field] = value
    return json.dumps(document)


@pytest.mark.parametrize("field, value, message", [
    ("epsilon", 0, "must be a number above 0"),
    ("epsilon", "3", "must be a number above 0"),
    ("delta", 1.5, "must be a number above 0 and below 1"),
    ("noise_scale_boosting", -1.0, "must be a number above 0"),
    ("noise_scale_binning", KeyError, "is missing"),
    ("composition", "rdp", "must be 'gdp' or 'classic'"),
    ("n_boosting_queries", 2.5, "must be a positive integer"),
    ("boosting_epsilon", 0.1, "binning and boosting spent"),
    ("surprise", 1, "is not a field here"),
])
def test_bad_privacy_record_names_the_field(model, field, value, message):
    with pytest.raises(ModelFileError, match=message) as caught:
        glassboost.load(_changed(model, field, value))
    expected = "privacy.epsilon" if message == "binning and boosting spent" else f"privacy.{field}"
    assert caught.value.field == expected


def test_record_must_agree_with_the_parameters_and_the_version(model):
    document = json.loads(model.to_json(detail="minimal"))
    document["training"]["parameters"]["epsilon"] = 1.0
    with pytest.raises(ModelFileError, match=r"privacy\.epsilon: is 3.*parameters\.epsilon"):
        glassboost.load(json.dumps(document))
    # a version 2 reader's layout has no privacy record: refused, never dropped
    document = json.loads(model.to_json(detail="minimal"))
    document["format_version"] = 2
    with pytest.raises(ModelFileError, match="privacy: is not a field here"):
        glassboost.load(json.dumps(document))


def test_published_schema_describes_the_record(model):
    from importlib import resources

    schema = json.loads(resources.files("glassboost.io").joinpath("model.schema.json")
                        .read_text())
    validator = jsonschema.Draft202012Validator(schema)
    document = json.loads(model.to_json(detail="interpretable"))
    assert not list(validator.iter_errors(document))
    assert list(validator.iter_errors(dict(document, format_version=2)))
    bad = json.loads(json.dumps(document))
    bad["privacy"]["delta"] = 2
    assert list(validator.iter_errors(bad))


def test_version_3_is_the_file_of_a_private_model(data):
    text = ExplainableBoostingRegressor(outer_bags=2, interactions=0, max_rounds=20).fit(
        *data).to_json()
    with pytest.raises(ModelFileError, match="privacy: is missing"):
        glassboost.load(text.replace('"format_version": 2', '"format_version": 3'))
