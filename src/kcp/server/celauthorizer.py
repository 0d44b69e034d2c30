"""CEL's `authorizer` for validating admission policies (kube's apiserver `cel/library/authz`).

`authorizer.group('apps').resource('deployments').namespace('ns').check('create').allowed()`,
`authorizer.path('/healthz').check('get')`, `authorizer.serviceAccount(ns, name)` (the same checks
asked for that account) and `authorizer.requestResource` (the request's own resource) ask the
logical cluster's authorization whether the request's user may do something. The values are CEL
maps tagged with their kind, and the library's functions get their receiver first, as cel-rust calls
every receiver-style function; `check` decides at once through a synchronous `decide` (the cluster's
RBAC snapshot, fetched before the policies run), so an expression never waits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kcp.apimachinery.user import UserInfo
from kcp.auth.attributes import Attributes

KIND = "kcp.authorizer"  # the tag: no object or request field carries it
Decide = Callable[[Attributes], tuple[bool, str]]
Value = dict[str, Any]


def variable(user: UserInfo, request: Value) -> Value:
    """The `authorizer` value for a request by `user` (`request` as AdmissionReview words it)."""
    authorizer = _authorizer(user.name, list(user.groups))
    kind = request.get("resource") or {}
    authorizer["requestResource"] = {
        KIND: "resource",
        "principal": authorizer["principal"],
        "group": kind.get("group", ""),
        "resource": kind.get("resource", ""),
        "subresource": request.get("subResource", ""),
        "namespace": request.get("namespace", ""),
        "name": request.get("name", ""),
    }
    return authorizer


def functions(cluster: str, decide: Decide) -> dict[str, Callable[..., Any]]:
    """The library's functions, deciding through `decide` in `cluster`."""

    def check(target: Value, verb: str) -> Value:
        principal = target.get("principal") or {} if isinstance(target, dict) else {}
        user = UserInfo(str(principal.get("user", "")), groups=tuple(principal.get("groups") or ()))
        if _kind(target) == "path":
            attrs = Attributes(user=user, verb=verb, path=target["path"], cluster=cluster)
        else:
            resource = _expect(target, "resource")
            attrs = Attributes(
                user=user,
                verb=verb,
                namespace=resource["namespace"],
                api_group=resource["group"],
                resource=resource["resource"],
                subresource=resource["subresource"],
                name=resource["name"],
                resource_request=True,
                cluster=cluster,
            )
        allowed, reason = decide(attrs)
        return {KIND: "decision", "allowed": allowed, "reason": reason}

    return {
        "path": _path,
        "group": _group,
        "resource": _resource,
        "subresource": lambda r, value: _narrowed(r, "subresource", value),
        "namespace": lambda r, value: _narrowed(r, "namespace", value),
        "name": lambda r, value: _narrowed(r, "name", value),
        "fieldSelector": _selector,
        "labelSelector": _selector,
        "serviceAccount": _service_account,
        "check": check,
        "allowed": lambda d: bool(_expect(d, "decision")["allowed"]),
        "reason": lambda d: str(_expect(d, "decision")["reason"]),
        "errored": _errored,
        "error": _error,
    }


def _authorizer(user: str, groups: list[str]) -> Value:
    return {KIND: "authorizer", "principal": {"user": user, "groups": groups}}


def _service_account(authorizer: Value, namespace: str, name: str) -> Value:
    _expect(authorizer, "authorizer")
    return _authorizer(
        f"system:serviceaccount:{namespace}:{name}",
        ["system:serviceaccounts", f"system:serviceaccounts:{namespace}"],
    )


def _path(authorizer: Value, path: str) -> Value:
    return {KIND: "path", "principal": _expect(authorizer, "authorizer")["principal"], "path": path}


def _group(authorizer: Value, group: str) -> Value:
    return {KIND: "group", "principal": _expect(authorizer, "authorizer")["principal"], "group": group}


def _resource(group: Value, resource: str) -> Value:
    found = _expect(group, "group")
    return {
        KIND: "resource",
        "principal": found["principal"],
        "group": found["group"],
        "resource": resource,
        "subresource": "",
        "namespace": "",
        "name": "",
    }


def _narrowed(resource: Value, field: str, value: str) -> Value:
    return {**_expect(resource, "resource"), field: value}


def _selector(resource: Value, _selector: str) -> Value:
    """Selectors narrow what an authorizer is asked; RBAC does not read them."""
    return _expect(resource, "resource")


def _errored(decision: Value) -> bool:
    """RBAC decides without errors."""
    _expect(decision, "decision")
    return False


def _error(decision: Value) -> str:
    _expect(decision, "decision")
    return ""


def _kind(value: Any) -> str:
    return str(value.get(KIND, "")) if isinstance(value, dict) else ""


def _expect(value: Any, kind: str) -> Value:
    """`value` when it is the library's `kind`; otherwise the call has no overload, as in CEL."""
    if _kind(value) != kind:
        raise TypeError("no such overload")
    assert isinstance(value, dict)
    return value
