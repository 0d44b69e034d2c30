from kcp.apimachinery.gonumbers import integral_floats_as_ints


def test_integral_floats_in_int64_range_become_ints_everywhere() -> None:
    inner = {"c": 1e2}
    listed = [1.5, -0.0, inner]
    obj = {"a": 3.0, "b": listed, "d": True, "e": "3.0", "f": 7}
    assert integral_floats_as_ints(obj) is obj
    assert obj == {"a": 3, "b": [1.5, 0, {"c": 100}], "d": True, "e": "3.0", "f": 7}
    assert [type(v) for v in (obj["a"], listed[1], inner["c"])] == [int, int, int]


def test_floats_kube_keeps_as_floats_stay() -> None:
    kept = integral_floats_as_ints({"big": 2.0**63, "small": 1.5e-7})
    assert type(kept["big"]) is float  # beyond int64: Go reads it back as a float64
    assert kept["small"] == 1.5e-7
