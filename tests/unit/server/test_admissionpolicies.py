"""Validating admission policies decide writes in their own logical cluster, as kube's plugin does:
matching, CEL validations with messages and reasons, variables, params, actions, failurePolicy."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.registry import ADMIN, OPTS

from kcp.apimachinery import errors
from kcp.apimachinery.user import UserInfo
from kcp.logicalcluster import ClusterName
from kcp.registry.catalog import Catalog
from kcp.registry.options import RequestScope
from kcp.server.admissionchain import AdmissionChain
from kcp.server.admissionpolicies import AdmissionPolicies
from kcp.server.authz import Authorizer
from kcp.server.webhooks import AdmissionWebhooks
from kcp.storage.sqlite import SQLiteStorage

G, V = "admissionregistration.k8s.io", "v1"
A, B = ClusterName("a"), ClusterName("b")
CONFIGMAPS = [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["*"], "resources": ["configmaps"]}]


@pytest.fixture
async def catalog(tmp_path: Path) -> AsyncIterator[Catalog]:
    storage = SQLiteStorage(tmp_path / "kcp.db")
    await storage.start()
    authorizer = Authorizer(storage)
    await authorizer.start()
    policies = AdmissionPolicies(storage, authorizer)
    cat = Catalog(storage, webhooks=AdmissionChain(AdmissionWebhooks(storage), policies))
    policies.catalog = cat
    await policies.start()
    for cluster in (A, B):
        for ns, labels in (("ns", {"env": "prod"}), ("dev", {"env": "dev"})):
            await cat.store("", "v1", "namespaces").create(
                RequestScope(cluster, "", ADMIN), {"metadata": {"name": ns, "labels": labels}}, OPTS
            )
    yield cat
    await policies.close()
    await authorizer.close()
    await storage.close()


async def bind(
    catalog: Catalog,
    validations: list[dict[str, Any]],
    *,
    actions: tuple[str, ...] = ("Deny",),
    cluster: ClusterName = A,
    binding: dict[str, Any] | None = None,
    **spec: Any,
) -> None:
    scope = RequestScope(cluster, "", ADMIN)
    match = {"resourceRules": CONFIGMAPS, **spec.pop("match", {})}
    policy = {
        "metadata": {"name": "p"},
        "spec": {"matchConstraints": match, "validations": validations, **spec},
    }
    await catalog.store(G, V, "validatingadmissionpolicies").create(scope, policy, OPTS)
    bspec = {"policyName": "p", "validationActions": list(actions), **(binding or {})}
    await catalog.store(G, V, "validatingadmissionpolicybindings").create(
        scope, {"metadata": {"name": "b"}, "spec": bspec}, OPTS
    )
    await settled(catalog, cluster)


async def settled(catalog: Catalog, cluster: ClusterName) -> None:
    """Until the storage watch told the policies of the binding (its own create cached the policy
    without it), as a real server's next request would see."""
    chain = catalog.webhooks
    assert isinstance(chain, AdmissionChain)
    for _ in range(500):
        if cluster not in chain.policies._cached:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the binding was never seen")


async def create(
    catalog: Catalog,
    name: str,
    data: dict[str, str] | None = None,
    *,
    cluster: ClusterName = A,
    ns: str = "ns",
    user: UserInfo = ADMIN,
) -> list[str]:
    obj: dict[str, Any] = {"metadata": {"name": name, "namespace": ns, "labels": {"app": name}}}
    if data is not None:
        obj["data"] = data
    _, warnings = await catalog.store("", "v1", "configmaps").create(
        RequestScope(cluster, ns, user), obj, OPTS
    )
    return warnings


async def denial(
    catalog: Catalog, name: str, data: dict[str, str] | None = None, **kw: Any
) -> errors.StatusError:
    with pytest.raises(errors.StatusError) as caught:
        await create(catalog, name, data, **kw)
    return caught.value


async def test_a_failed_validation_is_kubes_status_and_other_workspaces_are_untouched(
    catalog: Catalog,
) -> None:
    await bind(catalog, [{"expression": "object.metadata.name != 'bad'", "message": "no bad names"}])
    err = await denial(catalog, "bad")
    why = "ValidatingAdmissionPolicy 'p' with binding 'b' denied request: no bad names"
    assert (err.code, err.reason) == (422, "Invalid")
    assert err.message == f'configmaps "bad" is forbidden: {why}'
    assert err.to_status()["details"] == {"name": "bad", "kind": "configmaps", "causes": [{"message": why}]}
    assert await create(catalog, "good") == []
    assert await create(catalog, "bad", cluster=B) == []


async def test_message_expression_then_message_then_the_expression_and_reason(catalog: Catalog) -> None:
    await bind(
        catalog,
        [
            {"expression": "!has(object.data) || !('a' in object.data)", "reason": "Forbidden"},
            {
                "expression": "!has(object.data) || !('b' in object.data)",
                "messageExpression": "'key b in ' + object.metadata.name",
                "message": "static",
            },
            {
                "expression": "!has(object.data) || !('c' in object.data)",
                "messageExpression": "1",
                "message": "m",
            },
        ],
    )
    err = await denial(catalog, "x", {"a": "1"})
    assert err.code == 403 and err.message.endswith(
        "denied request: failed expression: !has(object.data) || !('a' in object.data)"
    )
    assert (await denial(catalog, "y", {"b": "1"})).message.endswith("denied request: key b in y")
    assert (await denial(catalog, "z", {"c": "1"})).message.endswith("denied request: m")


async def test_warn_adds_a_warning_and_audit_is_accepted(catalog: Catalog) -> None:
    await bind(catalog, [{"expression": "false", "message": "never"}], actions=("Warn", "Audit"))
    assert await create(catalog, "x") == [
        "Validation failed for ValidatingAdmissionPolicy 'p' with binding 'b': never"
    ]


async def test_match_constraints_conditions_and_binding_resources(catalog: Catalog) -> None:
    await bind(
        catalog,
        [{"expression": "false"}],
        match={
            "namespaceSelector": {"matchLabels": {"env": "prod"}},
            "excludeResourceRules": [{**CONFIGMAPS[0], "resourceNames": ["excluded"]}],
        },
        matchConditions=[{"name": "not-skipped", "expression": "object.metadata.name != 'skipped'"}],
        binding={
            "matchResources": {
                "objectSelector": {
                    "matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["free"]}]
                }
            }
        },
    )
    assert (await denial(catalog, "x")).code == 422
    assert await create(catalog, "x", ns="dev") == []  # namespaceSelector
    assert await create(catalog, "excluded") == []  # excludeResourceRules
    assert await create(catalog, "skipped") == []  # matchConditions
    assert await create(catalog, "free") == []  # the binding's objectSelector
    scope = RequestScope(A, "ns", ADMIN)
    await catalog.store("", "v1", "secrets").create(scope, {"metadata": {"name": "s"}}, OPTS)  # resourceRules


async def test_variables_are_composed_lazily(catalog: Catalog) -> None:
    await bind(
        catalog,
        [{"expression": "variables.keys <= 1", "messageExpression": "'has ' + string(variables.keys)"}],
        variables=[
            {"name": "data", "expression": "has(object.data) ? object.data : {}"},
            {"name": "keys", "expression": "size(variables.data)"},
            {"name": "broken", "expression": "object.nothing"},
        ],
    )
    assert await create(catalog, "x", {"a": "1"}) == []
    assert (await denial(catalog, "y", {"a": "1", "b": "2"})).message.endswith("denied request: has 2")


async def test_failure_policy_decides_what_an_error_does(catalog: Catalog) -> None:
    await bind(catalog, [{"expression": "object.spec.replicas > 1"}])
    err = await denial(catalog, "x")
    assert err.message.endswith("expression 'object.spec.replicas > 1' resulted in error: no such key: spec")
    await bind(catalog, [{"expression": "object.spec.replicas > 1"}], cluster=B, failurePolicy="Ignore")
    assert await create(catalog, "x", cluster=B) == []


async def test_params_from_a_configmap_and_when_none_is_found(catalog: Catalog) -> None:
    scope = RequestScope(A, "ns", ADMIN)
    limits = {
        "metadata": {"name": "limits", "namespace": "ns", "labels": {"kind": "limit"}},
        "data": {"max": "1"},
    }
    await catalog.store("", "v1", "configmaps").create(scope, limits, OPTS)
    await bind(
        catalog,
        [
            {
                "expression": "!has(object.data) || size(object.data) <= int(params.data.max)",
                "message": "too many",
            }
        ],
        paramKind={"apiVersion": "v1", "kind": "ConfigMap"},
        binding={
            "paramRef": {"selector": {"matchLabels": {"kind": "limit"}}, "parameterNotFoundAction": "Deny"}
        },
        match={"objectSelector": {"matchLabels": {"app": "checked"}}},
    )
    assert (await denial(catalog, "checked", {"a": "1", "b": "2"})).message.endswith(
        "denied request: too many"
    )
    err = await denial(catalog, "checked", {}, ns="dev")  # no params in that namespace
    assert err.message.endswith(
        "denied request: failed to configure binding: no params found for policy binding with `Deny` "
        "parameterNotFoundAction"
    )


async def test_a_param_kind_the_workspace_does_not_serve_fails_the_policy(catalog: Catalog) -> None:
    await bind(
        catalog,
        [{"expression": "true"}],
        paramKind={"apiVersion": "example.com/v1", "kind": "Limit"},
        binding={"paramRef": {"name": "x", "parameterNotFoundAction": "Allow"}},
    )
    err = await denial(catalog, "x")
    assert err.message.endswith(
        "ValidatingAdmissionPolicy 'p' denied request: failed to configure policy: failed to find resource "
        "referenced by paramKind: 'example.com/v1, Kind=Limit'"
    )


async def test_the_authorizer_asks_the_workspaces_rbac(catalog: Catalog) -> None:
    """kube's CEL authorizer library: resource and path checks for the request's user or a named
    service account, the request's own resource, and decisions with their reasons."""
    bob = UserInfo("bob", groups=("system:authenticated",))
    secrets = "authorizer.group('').resource('secrets').namespace(object.metadata.namespace)"
    await bind(
        catalog,
        [
            {"expression": f"{secrets}.check('get').allowed()", "message": "no secrets"},
            {
                "expression": "authorizer.requestResource.name('other').check('delete').allowed()",
                "message": "cannot delete",
            },
            {"expression": "authorizer.path('/healthz').check('get').allowed()", "message": "no health"},
            {
                "expression": f"request.userInfo.username != 'bob' || {secrets}.check('get').reason()"
                '.startsWith(\'RBAC: allowed by RoleBinding "rb/ns" of Role "r" to User "bob"\')',
                "message": "reason",
            },
            {
                "expression": "!authorizer.serviceAccount('ns', 'robot').group('').resource('configmaps')"
                ".check('list').allowed() && !authorizer.group('').resource('x').check('get').errored()",
                "message": "robot",
            },
        ],
    )
    await create(catalog, "by-admin")  # system:masters may do anything
    assert "no secrets" in (await denial(catalog, "by-bob", user=bob)).message
    rbac, scope = "rbac.authorization.k8s.io", RequestScope(A, "ns", ADMIN)
    role = {
        "metadata": {"name": "r"},
        "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}],
    }
    await catalog.store(rbac, "v1", "roles").create(scope, role, OPTS)
    binding = {
        "metadata": {"name": "rb"},
        "roleRef": {"apiGroup": rbac, "kind": "Role", "name": "r"},
        "subjects": [{"kind": "User", "apiGroup": rbac, "name": "bob"}],
    }
    await catalog.store(rbac, "v1", "rolebindings").create(scope, binding, OPTS)
    await asyncio.sleep(0.2)  # the authorizer's watch forgets the cached snapshot
    assert (await denial(catalog, "by-bob", user=bob)).message.endswith("cannot delete")
    role["rules"].append({"apiGroups": [""], "resources": ["configmaps"], "verbs": ["delete"]})
    role["metadata"]["resourceVersion"] = None
    await catalog.store(rbac, "v1", "roles").update(scope, "r", role, OPTS)
    await asyncio.sleep(0.2)
    await create(catalog, "by-bob", user=bob)
