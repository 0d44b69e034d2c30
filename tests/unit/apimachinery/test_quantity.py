"""resource.Quantity: parsed as Go parses it, printed in kube's canonical form."""

from __future__ import annotations

import pytest

from kcp.apimachinery import quantity


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("0", "0"),
        ("1", "1"),
        ("10", "10"),
        ("1000", "1k"),
        ("1500", "1500"),
        ("1.5", "1500m"),
        ("0.1", "100m"),
        ("1Ki", "1Ki"),
        ("1024", "1024"),
        ("1.5Ki", "1536"),
        ("2048Ki", "2Mi"),
        ("1e3", "1e3"),
        ("1E", "1E"),
        ("1e21", "1e21"),
        ("1000k", "1M"),
        ("1n", "1n"),
        ("0.0000000001", "1n"),  # finer than nano rounds up
        ("-5", "-5"),
        ("+5", "5"),
        (".5", "500m"),
    ],
)
def test_canonical(text: str, canonical: str) -> None:
    assert str(quantity.parse(text)) == canonical


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", quantity.FORMAT_ERROR),
        ("abc", quantity.FORMAT_ERROR),
        ("1 k", quantity.FORMAT_ERROR),
        ("1e", "unable to parse quantity's suffix"),
        ("1Kii", "unable to parse quantity's suffix"),
        (".", "unable to parse numeric part of quantity"),
    ],
)
def test_errors(text: str, error: str) -> None:
    with pytest.raises(quantity.QuantityError, match=error.replace("(", r"\(").replace(")", r"\)")[:20]):
        quantity.parse(text)


def test_json_numbers_and_null() -> None:
    assert str(quantity.from_json(5)) == "5"
    assert str(quantity.from_json(1.5)) == "1500m"
    assert str(quantity.from_json(None)) == "0"
    with pytest.raises(quantity.QuantityError):
        quantity.from_json(True)


def test_sums_compare_values_not_spellings() -> None:
    assert quantity.parse("1k").value == quantity.parse("1000").value
    assert str(quantity.parse("999") + quantity.count(1)) == "1k"


def test_go_repr_is_what_kube_prints_in_field_errors() -> None:
    assert quantity.parse("1500m").go_repr == (
        "resource.Quantity{i:resource.int64Amount{value:1500, scale:-3}, "
        'd:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"1500m", Format:"DecimalSI"}'
    )
