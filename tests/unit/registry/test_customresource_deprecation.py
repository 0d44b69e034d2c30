"""The warning kube's CRD handler gives on every request to a deprecated version."""

from __future__ import annotations

from typing import Any

from kcp.registry.customresource import CustomResourceStrategy, deprecation_warning


def crd(*versions: dict[str, Any]) -> dict[str, Any]:
    names = {"plural": "widgets", "kind": "Widget"}
    return {
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "names": names, "versions": versions},
    }


def v(name: str, served: bool = True, deprecated: bool = False, **extra: Any) -> dict[str, Any]:
    return {"name": name, "served": served, "storage": name == "v1", "deprecated": deprecated, **extra}


def test_the_default_names_the_newest_newer_served_version_not_deprecated() -> None:
    old = v("v1beta1", deprecated=True)
    versions = (old, v("v1"), v("v2", served=False), v("v1beta2", deprecated=True), v("v1alpha1"))
    assert deprecation_warning(crd(*versions), old) == (
        "example.com/v1beta1 Widget is deprecated; use example.com/v1 Widget"
    )
    alone = v("v1", deprecated=True)
    assert deprecation_warning(crd(alone, v("v1beta1")), alone) == "example.com/v1 Widget is deprecated"


def test_a_versions_own_text_wins_and_other_versions_have_none() -> None:
    old = v("v1beta1", deprecated=True, deprecationWarning="use v1, v1beta1 goes away in 2.0")
    assert deprecation_warning(crd(old, v("v1")), old) == "use v1, v1beta1 goes away in 2.0"
    assert deprecation_warning(crd(old, v("v1")), v("v1")) == ""


def test_the_strategy_carries_the_warning_for_every_request() -> None:
    schema = {"schema": {"openAPIV3Schema": {"type": "object"}}}
    old, new = v("v1beta1", deprecated=True, **schema), v("v1", **schema)
    definition = crd(old, new)
    definition["spec"]["scope"] = "Namespaced"
    assert CustomResourceStrategy.serving(definition, old).request_warnings == (
        "example.com/v1beta1 Widget is deprecated; use example.com/v1 Widget",
    )
    assert CustomResourceStrategy.serving(definition, new).request_warnings == ()
