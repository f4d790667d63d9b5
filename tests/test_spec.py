"""Tests of the methodology spec: validation, conversions, defaults."""
import pytest

from ldi_helpers.errors import SpecError
from ldi_helpers.method.spec import (NORMALISATIONS, MethodSpec, coerce_spec, default_spec)


def test_default_spec_values():
    s = default_spec()
    assert s.indicators is None and s.exclude_proxies is False
    assert (s.indicator_coverage, s.area_coverage) == (0.65, 0.65)
    assert (s.imputation, s.treatment, s.normalisation) == ("none", "winsorise", "minmax")
    assert (s.skew_threshold, s.kurtosis_threshold, s.max_winsorised) == (2.0, 3.5, 2)
    assert (s.component_aggregation, s.composite_aggregation) == ("arithmetic", "arithmetic")
    assert s.rank_ties == "min"
    assert "equal" in default_spec.__doc__.lower() and "0.65" in default_spec.__doc__


def test_unknown_method_lists_valid_choices():
    with pytest.raises(SpecError) as e:
        MethodSpec(normalisation="min-max")
    msg = str(e.value)
    assert "normalisation" in msg and "min-max" in msg
    for m in NORMALISATIONS:
        assert m in msg
    assert "did you mean 'minmax'" in msg


@pytest.mark.parametrize("field,value", [
    ("imputation", "mean"), ("treatment", "winsor"), ("composite_aggregation", "median"),
    ("component_aggregation", "copeland"), ("rank_ties", "first"), ("geography", ""),
    ("indicator_weighting", "pca2"), ("component_weighting", "pca"),
])
def test_bad_choices_raise(field, value):
    with pytest.raises(SpecError, match=field):
        MethodSpec(**{field: value})


def test_misspelt_field_is_named():
    with pytest.raises(SpecError, match=r"unknown spec field 'normalization'.*normalisation"):
        MethodSpec.from_dict({"normalization": "zscore"})


@pytest.mark.parametrize("kw", [
    {"indicator_coverage": 1.5}, {"area_coverage": -0.1}, {"max_winsorised": -1},
    {"max_winsorised": 1.5}, {"skew_threshold": "high"}, {"exclude_proxies": "yes"},
    {"components": ["digital_skills", "digital_skills"]}, {"indicators": []},
    {"goalposts": {"a": [5, 1]}}, {"periods": {"a": 2022}},
    {"component_weighting": "custom", "component_weights": {"digital_skills": -1}},
    {"component_weights": {"digital_skills": 2}},  # custom weights without custom weighting
    # unknown component ids are checked against the edition: test_geography_and_components...
])
def test_invalid_values_raise(kw):
    with pytest.raises(SpecError):
        MethodSpec.from_dict(kw)


def test_dict_and_yaml_round_trip(tmp_path):
    s = MethodSpec.from_dict({
        "normalisation": "goalposts", "goalposts": {"x": [0, 100]},
        "periods": {"x": "2022"}, "indicator_weighting": "custom",
        "indicator_weights": {"x": 2, "y": 0.5}, "exclude_proxies": True,
        "components": ["digital_skills"],
    })
    assert MethodSpec.from_dict(s.to_dict()) == s
    path = tmp_path / "spec.yaml"
    s.to_yaml(path)
    assert MethodSpec.from_yaml(path) == s
    assert MethodSpec.from_yaml(s.to_yaml()) == s
    assert coerce_spec(str(path)) == s
    # order of mapping keys does not matter: equal specs hash equal
    t = MethodSpec.from_dict({**s.to_dict(), "indicator_weights": {"y": 0.5, "x": 2}})
    assert t == s and hash(t) == hash(s)


def test_spec_is_frozen_and_replace_validates():
    s = default_spec()
    with pytest.raises(AttributeError):
        s.normalisation = "zscore"
    assert s.replace(normalisation="rank").normalisation == "rank"
    with pytest.raises(SpecError):
        s.replace(normalisation="bogus")


def test_describe_mentions_choices():
    text = default_spec().replace(normalisation="zscore").describe()
    assert "z-score" in text and "zscore" not in text
    assert "65%" in text and "1 = best" in text


def test_describe_is_plain_english():
    from ldi_helpers.data.load import load_data

    text = default_spec().describe(data=load_data())
    assert "min-max 0-100" in text and "minmax" not in text
    assert "the 12 regions of the edition (ITL1)" in text
    assert "as set in the edition's framework (all equal)" in text
    assert "the edition's areas" in default_spec().describe()
    assert "tied regions share the better rank" in text and "min rank" not in text
    assert "->" not in text and ">=" not in text
    for word in ("winsorise", "arithmetic mean"):
        assert word in text
    lines = text.splitlines()
    assert len(lines) >= 10 and all(" : " in line or ": " in line for line in lines)


def test_describe_prints_overrides_readably():
    spec = default_spec().replace(
        normalisation="distance_to_median", imputation="indicator_mean", treatment="log",
        composite_aggregation="copeland", rank_ties="average",
        periods={"skl_a": "2021"}, exclude_indicators=("skl_b",),
        component_weighting="custom", component_weights={"digital_skills": 2.0},
        indicator_weighting="custom", indicator_weights={"skl_a": 0.5},
        components=("digital_skills", "digital_adoption"))
    text = spec.describe(names={"skl_a": "Adults with basic digital skills"})
    assert "{" not in text and "}" not in text and "(" + "'" not in text
    assert "Digital Skills: 2" in text and "digital_skills" not in text
    assert "Adults with basic digital skills: 2021" in text
    assert "Adults with basic digital skills: 0.5" in text
    assert "Components       : Digital Skills, Digital Adoption" in text
    assert "skl_b" in text  # no name given: the id is shown
    for code in ("distance_to_median", "indicator_mean", "copeland", "log\n"):
        assert code not in text
    assert "distance to median" in text and "indicator mean" in text
    assert "Copeland" in text and "logarithmic transform" in text
    assert "average of their ranks" in text


def test_coerce_spec_rejects_other_types():
    with pytest.raises(SpecError):
        coerce_spec(42)
    assert coerce_spec(None) == default_spec()
    assert coerce_spec({"normalisation": "rank"}).normalisation == "rank"


def test_geography_and_components_are_checked_against_the_data():
    """The spec names levels and components of the edition it meets, not constants."""
    from ldi_helpers.method.index import build_index
    from ldi_helpers.data.load import load_data

    data = load_data()
    with pytest.raises(SpecError, match="geography.*'LAD'.*ITL1"):
        build_index(data, {"geography": "LAD"})
    with pytest.raises(SpecError, match="component.*digital_skils.*did you mean 'digital_skills'"):
        build_index(data, {"components": ["digital_skils"]})
    with pytest.raises(SpecError, match="component_weights"):
        build_index(data, {"component_weighting": "custom", "component_weights": {"nope": 2}})
