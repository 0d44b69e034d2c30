"""Label selectors parse, match, print and fail exactly as kube-apiserver's do."""

from __future__ import annotations

from typing import Any

import pytest

from kcp.apimachinery.errors import BadRequest
from kcp.apimachinery.labels import Operator, Requirement, go_quote, parse_selector, selector_from_dict

KEY_REGEX_ERROR = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
    "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
VALUE_REGEX_ERROR = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used "
    "for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
SUBDOMAIN_ERROR = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    r"'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("", ""),
        ("   ", ""),
        ("a=b", "a=b"),
        ("a==b", "a==b"),
        ("a!=b", "a!=b"),
        ("a", "a"),
        ("!a", "!a"),
        ("a>1", "a>1"),
        ("a<10", "a<10"),
        ("a=", "a="),
        ("a==", "a=="),
        ("a in (x)", "a in (x)"),
        ("a in (y,x)", "a in (x,y)"),
        ("a in (x,x)", "a in (x)"),
        ("a notin (x)", "a notin (x)"),
        ("a in ()", "a in ()"),
        ("a in (,)", "a in ()"),
        ("a in (x,)", "a in (,x)"),
        ("a in (,x)", "a in (,x)"),
        ("a in (x,,y)", "a in (,x,y)"),
        ("x in (foo,,baz),y,z notin ()", "x in (,baz,foo),y,z notin ()"),
        ("a in (in,notin)", "a in (in,notin)"),
        ("in", "in"),
        ("notin=in", "notin=in"),
        ("  a  =  b  ,  c  ", "a=b,c"),
        ("a\t!=\nb", "a!=b"),
        ("a notin ( x , y )", "a notin (x,y)"),
        ("b=1,a=2", "a=2,b=1"),
        ("example.com/app=web", "example.com/app=web"),
        ("a.b_c-d=E.f_g-9", "a.b_c-d=E.f_g-9"),
        ("a=b,!c,d in (e)", "a=b,!c,d in (e)"),
    ],
)
def test_parse_and_print(text: str, canonical: str) -> None:
    assert str(parse_selector(text)) == canonical


def test_requirements_are_sorted_and_typed() -> None:
    selector = parse_selector("z=1,a in (q,p),!m,k>3")
    assert selector.requirements == (
        Requirement("a", Operator.IN, ("p", "q")),
        Requirement("k", Operator.GREATER_THAN, ("3",)),
        Requirement("m", Operator.DOES_NOT_EXIST),
        Requirement("z", Operator.EQUALS, ("1",)),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (",", "found ',', expected: !, identifier, or 'end of string'"),
        ("=a", "found '=', expected: !, identifier, or 'end of string'"),
        ("a,", "found '', expected: identifier after ','"),
        ("a,,b", "found ',', expected: identifier after ','"),
        ("a=b=c", "found '=', expected: ',' or 'end of string'"),
        ("a=b c", "found 'c', expected: ',' or 'end of string'"),
        ("!a=b", "found '=', expected: ',' or 'end of string'"),
        ("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
        ("a (b)", "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"),
        ("!", "unable to parse requirement: found '', expected: identifier"),
        ("!!a", "unable to parse requirement: found '!', expected: identifier"),
        ("a in x", "unable to parse requirement: found 'x' expected: '('"),
        ("a in", "unable to parse requirement: found '' expected: '('"),
        ("a in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"),
        ("a in (x y)", "unable to parse requirement: found 'y', expected: ',' or ')'"),
        ("a in (x", "unable to parse requirement: found '', expected: ',' or ')'"),
        ("a in (x,=)", "unable to parse requirement: found '=', expected: ',', or identifier"),
        ("a=(", "unable to parse requirement: found '(', expected: identifier"),
        ("a>=1", "unable to parse requirement: found '=', expected: identifier"),
        (
            "a>x",
            'unable to parse requirement: values[0]: Invalid value: "x": '
            "for 'Gt', 'Lt' operators, the value must be an integer",
        ),
        (
            "a<",
            'unable to parse requirement: values[0]: Invalid value: "": '
            "for 'Gt', 'Lt' operators, the value must be an integer",
        ),
        (
            "a>99999999999999999999",
            "unable to parse requirement: values[0]: Invalid value: "
            "\"99999999999999999999\": for 'Gt', 'Lt' operators, the value must be an integer",
        ),
        ("a<-1", f'unable to parse requirement: values[0][a]: Invalid value: "-1": {VALUE_REGEX_ERROR}'),
        ("a>+5", f'unable to parse requirement: values[0][a]: Invalid value: "+5": {VALUE_REGEX_ERROR}'),
        ("a=-b", f'unable to parse requirement: values[0][a]: Invalid value: "-b": {VALUE_REGEX_ERROR}'),
        (
            "a in (ok,b_)",
            f'unable to parse requirement: values[0][a]: Invalid value: "b_": {VALUE_REGEX_ERROR}',
        ),
        (
            "a=" + "v" * 64,
            "unable to parse requirement: values[0][a]: Invalid value: "
            f'"{"v" * 64}": must be no more than 63 characters',
        ),
        ("-a", f'unable to parse requirement: <nil>: Invalid value: "-a": name part {KEY_REGEX_ERROR}'),
        ("a_=b", f'unable to parse requirement: <nil>: Invalid value: "a_": name part {KEY_REGEX_ERROR}'),
        (
            "k" * 64,
            f'unable to parse requirement: <nil>: Invalid value: "{"k" * 64}": '
            "name part must be no more than 63 characters",
        ),
        (
            "a/",
            'unable to parse requirement: <nil>: Invalid value: "a/": '
            f"name part must be non-empty; name part {KEY_REGEX_ERROR}",
        ),
        ("/a", 'unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be non-empty'),
        (
            "A.com/a",
            f'unable to parse requirement: <nil>: Invalid value: "A.com/a": prefix part {SUBDOMAIN_ERROR}',
        ),
        (
            "a/b/c",
            'unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name '
            f"{KEY_REGEX_ERROR} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
        ),
        ("ä=b", f'unable to parse requirement: <nil>: Invalid value: "ä": name part {KEY_REGEX_ERROR}'),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_selector(text)
    assert caught.value.message == message
    assert caught.value.to_status()["code"] == 400


def test_long_prefix_reports_length() -> None:
    prefix = ".".join(["a" * 63] * 4) + ".b"  # 257 bytes, otherwise a valid subdomain
    with pytest.raises(BadRequest) as caught:
        parse_selector(f"{prefix}/x")
    assert caught.value.message.endswith("prefix part must be no more than 253 characters")


LABELS = {"env": "prod", "tier": "web", "n": "5", "bad": "x5", "empty": ""}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", True),
        ("env=prod", True),
        ("env==prod", True),
        ("env=dev", False),
        ("env!=dev", True),
        ("env!=prod", False),
        ("missing!=x", True),
        ("missing=x", False),
        ("env in (dev,prod)", True),
        ("env in (dev)", False),
        ("missing in (x)", False),
        ("env notin (dev)", True),
        ("env notin (prod)", False),
        ("missing notin (x)", True),
        ("env", True),
        ("missing", False),
        ("!env", False),
        ("!missing", True),
        ("empty=", True),
        ("empty", True),
        ("missing=", False),
        ("n>4", True),
        ("n>5", False),
        ("n<6", True),
        ("n<5", False),
        ("bad>1", False),  # a value that is no integer never compares
        ("missing<1", False),
        ("env=prod,tier=web", True),
        ("env=prod,tier=db", False),
    ],
)
def test_matches(text: str, expected: bool) -> None:
    assert parse_selector(text).matches(LABELS) is expected


def test_empty() -> None:
    assert parse_selector("").empty
    assert not parse_selector("a").empty


@pytest.mark.parametrize(
    ("selector", "canonical", "labels", "expected"),
    [
        ({}, "", {}, True),
        ({"matchLabels": {}, "matchExpressions": []}, "", {"a": "b"}, True),
        ({"matchLabels": {"b": "2", "a": "1"}}, "a=1,b=2", {"a": "1", "b": "2"}, True),
        ({"matchLabels": {"a": "1"}}, "a=1", {"a": "2"}, False),
        (
            {"matchExpressions": [{"key": "a", "operator": "In", "values": ["y", "x"]}]},
            "a in (x,y)",
            {"a": "y"},
            True,
        ),
        ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["x"]}]}, "a notin (x)", {}, True),
        ({"matchExpressions": [{"key": "a", "operator": "Exists"}]}, "a", {"a": ""}, True),
        ({"matchExpressions": [{"key": "a", "operator": "DoesNotExist"}]}, "!a", {"a": ""}, False),
        (
            {"matchLabels": {"z": "1"}, "matchExpressions": [{"key": "a", "operator": "Exists"}]},
            "a,z=1",
            {"a": "", "z": "1"},
            True,
        ),
    ],
)
def test_selector_from_dict(
    selector: dict[str, Any], canonical: str, labels: dict[str, str], expected: bool
) -> None:
    parsed = selector_from_dict(selector)
    assert str(parsed) == canonical
    assert parsed.matches(labels) is expected


def test_null_selector_selects_nothing() -> None:
    nothing = selector_from_dict(None)
    assert not nothing.empty
    assert not nothing.matches({})
    assert str(nothing) == ""


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        (
            {"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]},
            '"Gt" is not a valid label selector operator',
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "In", "values": []}]},
            "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty",
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "NotIn"}]},
            "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty",
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x", "y"]}]},
            'values: Invalid value: []string{"x", "y"}: '
            "values set must be empty for exists and does not exist",
        ),
        ({"matchLabels": {"a": "b c"}}, f'values[0][a]: Invalid value: "b c": {VALUE_REGEX_ERROR}'),
        ({"matchLabels": {"-a": "b"}}, f'key: Invalid value: "-a": name part {KEY_REGEX_ERROR}'),
        (
            {"matchExpressions": [{"key": "-a", "operator": "DoesNotExist", "values": ["x"]}]},
            f'[key: Invalid value: "-a": name part {KEY_REGEX_ERROR}, '
            'values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist]',
        ),
    ],
)
def test_selector_from_dict_errors(selector: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        selector_from_dict(selector)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("abc", '"abc"'),
        ('a"b', '"a\\"b"'),
        ("a\\b", '"a\\\\b"'),
        ("\n\t", '"\\n\\t"'),
        ("\x01", '"\\x01"'),
        ("ä", '"ä"'),
    ],
)
def test_go_quote(text: str, quoted: str) -> None:
    assert go_quote(text) == quoted
