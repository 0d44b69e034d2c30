"""Timestamps of built-in kinds are stored as Go's codec writes them, or refused as Go refuses them."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kcp.schema.builtin import schema_for
from kcp.schema.times import TimeError, normalize, time_paths


def lease_paths() -> Any:
    schema = schema_for("coordination.k8s.io", "v1", "Lease")
    assert schema is not None
    return time_paths(schema)


def test_paths_mark_micro_time_fields() -> None:
    paths = dict(lease_paths())
    assert paths[("spec", "renewTime")] is True
    assert paths[("metadata", "creationTimestamp")] is False
    assert paths[("metadata", "managedFields", "[]", "time")] is False


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("2026-01-01T10:00:00.123456+00:00", "2026-01-01T10:00:00.123456Z"),
        ("2026-01-01T12:00:00.123456789+02:00", "2026-01-01T10:00:00.123456Z"),
        ("2026-01-01T10:00:00Z", "2026-01-01T10:00:00.000000Z"),
        ("2025-12-31T23:30:00-01:00", "2026-01-01T00:30:00.000000Z"),
    ],
)
def test_micro_time_becomes_utc_with_six_digits(sent: str, stored: str) -> None:
    obj: dict[str, Any] = {"metadata": {}, "spec": {"renewTime": sent}}
    normalize(obj, lease_paths())
    assert obj["spec"]["renewTime"] == stored


def test_time_drops_fractions_and_nested_lists_are_reached() -> None:
    obj: dict[str, Any] = {
        "metadata": {"managedFields": [{"time": "2026-01-01T10:00:00.9+01:00"}, {"manager": "x"}]},
        "spec": {"renewTime": None},
    }
    normalize(obj, lease_paths())
    assert obj["metadata"]["managedFields"][0]["time"] == "2026-01-01T09:00:00Z"
    assert "renewTime" not in obj["spec"]  # null decodes to a nil *MicroTime


@pytest.mark.parametrize("bad", ["garbage", "2026-01-01", "2026-13-01T00:00:00Z", "2026-01-01 10:00:00Z", 5])
def test_what_go_refuses_is_refused(bad: Any) -> None:
    with pytest.raises(TimeError):
        normalize({"spec": {"renewTime": bad}}, lease_paths())


@given(st.datetimes(timezones=st.timezones()))
def test_normalizing_twice_changes_nothing(moment: Any) -> None:
    obj: dict[str, Any] = {"spec": {"renewTime": moment.isoformat()}}
    try:
        normalize(obj, lease_paths())
    except TimeError:
        return  # years before 1000 or odd offsets Go's layout cannot express either
    once = obj["spec"]["renewTime"]
    normalize(obj, lease_paths())
    assert obj["spec"]["renewTime"] == once
