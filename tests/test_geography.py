"""Area codes, names, aliases and the 'did you mean' suggestions."""
import pytest

from ldi_helpers.data.components import COMPONENTS, check_component, component_name
from ldi_helpers.errors import LDIError, UnknownAreaError
from ldi_helpers.data.geography import ITL1_CODES, REGIONS, region_by_code, resolve_area


def test_twelve_regions_in_itl1_order():
    assert ITL1_CODES == ("TLC", "TLD", "TLE", "TLF", "TLG", "TLH", "TLI", "TLJ", "TLK",
                          "TLL", "TLM", "TLN")
    assert [r.gss_code for r in REGIONS[:9]] == [f"E1200000{i}" for i in range(1, 10)]


@pytest.mark.parametrize("text,code", [
    ("North East", "TLC"), ("tlc", "TLC"), ("E12000007", "TLI"), ("Greater London", "TLI"),
    ("East", "TLH"), ("UKN", "TLN"), ("  scotland ", "TLM"),
    ("Yorkshire and the Humber", "TLE"),
])
def test_resolve_area_accepts_codes_names_and_aliases(text, code):
    assert resolve_area(text).itl1_code == code


def test_unknown_area_suggests_closest_name():
    with pytest.raises(UnknownAreaError, match=r"unknown area 'North Est'.*Did you mean 'North East'"):
        resolve_area("North Est")


def test_unknown_area_without_close_match_points_to_list():
    with pytest.raises(UnknownAreaError, match=r"ldi list areas"):
        resolve_area("Atlantis")


def test_region_by_code_rejects_unknown():
    with pytest.raises(UnknownAreaError, match="valid codes are TLC"):
        region_by_code("TLX")


def test_nuts1_code():
    assert region_by_code("TLK").nuts1_code == "UKK"


def test_components_framework_has_eight_in_order():
    assert list(COMPONENTS.values())[0] == "Digital Infrastructure"
    assert len(COMPONENTS) == 8
    assert check_component("Research & Innovation") == "research_innovation"
    assert check_component("digital skills") == "digital_skills"
    assert component_name("trade_support") == "Trade Support"


def test_unknown_component_lists_valid_ones():
    with pytest.raises(LDIError, match=r"unknown component 'Digital Vibes'; valid components are: digital_infrastructure"):
        check_component("Digital Vibes")
