"""The official `kubernetes` Python client against a real server, used as controllers and scripts use it."""

from __future__ import annotations

import base64
import datetime
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest
from kubernetes import client, config, dynamic, watch
from kubernetes.client.rest import ApiException

from tests.support.polling import eventually
from tests.support.server import Server

WIDGET_GROUP = "pyclient.example.com"
WIDGET_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": f"gadgets.{WIDGET_GROUP}"},
    "spec": {
        "group": WIDGET_GROUP,
        "scope": "Namespaced",
        "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget", "listKind": "GadgetList"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "required": ["size"],
                                "properties": {
                                    "size": {"type": "integer", "minimum": 1},
                                    "color": {"type": "string", "default": "red"},
                                    "tags": {"type": "array", "items": {"type": "string"}},
                                },
                            },
                            "status": {
                                "type": "object",
                                "properties": {"phase": {"type": "string"}, "ready": {"type": "boolean"}},
                            },
                        },
                    }
                },
            }
        ],
    },
}


def status_of(call: Callable[[], Any]) -> int:
    """The HTTP status an API call fails with (0 if it does not fail)."""
    try:
        call()
    except ApiException as e:
        return int(e.status)
    return 0


def raw_response(
    api: client.ApiClient,
    method: str,
    path: str,
    *,
    query: list[tuple[str, str]] | None = None,
    body: Any = None,
    content_type: str = "application/json",
) -> tuple[Any, Any]:
    """A request with the ApiClient's transport and auth: (decoded JSON, headers); raises ApiException."""
    params = api.param_serialize(
        method,
        path,
        query_params=query or [],
        header_params={"Accept": "application/json", "Content-Type": content_type},
        body=body,
        auth_settings=["BearerToken"],
    )
    response = api.call_api(*params)
    response.read()
    return api.response_deserialize(response, {"2XX": "object"}).data, response.headers


def raw(
    api: client.ApiClient,
    method: str,
    path: str,
    *,
    query: list[tuple[str, str]] | None = None,
    body: Any = None,
    content_type: str = "application/json",
) -> Any:
    return raw_response(api, method, path, query=query, body=body, content_type=content_type)[0]


@pytest.fixture(scope="module")
def api(kcp_server: Server) -> Iterator[client.ApiClient]:
    configuration = client.Configuration()
    config.load_kube_config(config_file=str(kcp_server.kubeconfig), client_configuration=configuration)
    with client.ApiClient(configuration) as api_client:
        yield api_client


@pytest.fixture(scope="module")
def core(api: client.ApiClient) -> client.CoreV1Api:
    return client.CoreV1Api(api)


@pytest.fixture(scope="module")
def gadgets(api: client.ApiClient) -> str:
    """The Gadget CRD, created once and Established."""
    ext = client.ApiextensionsV1Api(api)
    name = WIDGET_CRD["metadata"]["name"]
    try:
        ext.create_custom_resource_definition(WIDGET_CRD)
    except ApiException as e:
        if e.status != 409:
            raise

    def established() -> bool:
        crd = ext.read_custom_resource_definition(name)
        conds = {c.type: c.status for c in (crd.status.conditions or [])} if crd.status else {}
        return conds.get("Established") == "True"

    eventually(established)
    # the group becomes servable shortly after Established; wait until a list works
    custom = client.CustomObjectsApi(api)
    eventually(
        lambda: status_of(lambda: custom.list_cluster_custom_object(WIDGET_GROUP, "v1", "gadgets")) == 0
    )
    return name


# --- config loading -----------------------------------------------------------------------------


def test_load_kube_config_targets_root_cluster(api: client.ApiClient, kcp_server: Server) -> None:
    host = api.configuration.host
    assert host == f"https://127.0.0.1:{kcp_server.port}/clusters/root"
    assert api.configuration.auth_settings()["BearerToken"]["value"] == f"Bearer {kcp_server.token}"
    version = client.VersionApi(api).get_code()
    assert version.major and version.git_version
    contexts, active = config.list_kube_config_contexts(config_file=str(kcp_server.kubeconfig))
    assert active["name"] == "root" and "root" in {c["name"] for c in contexts}
    # new_client_from_config builds an equivalent, independent client
    with config.new_client_from_config(config_file=str(kcp_server.kubeconfig)) as other:
        assert other.configuration.host == host
        assert client.CoreV1Api(other).read_namespace("default").metadata.name == "default"
    groups = {g.name for g in client.ApisApi(api).get_api_versions().groups}
    assert {"rbac.authorization.k8s.io", "coordination.k8s.io", "apiextensions.k8s.io"} <= groups


# --- namespaces ---------------------------------------------------------------------------------


def test_namespace_crud(core: client.CoreV1Api) -> None:
    name = f"pc-{uuid.uuid4().hex[:8]}"
    created = core.create_namespace(
        client.V1Namespace(metadata=client.V1ObjectMeta(name=name, labels={"a": "b"}))
    )
    assert created.metadata.name == name
    assert created.metadata.uid and created.metadata.resource_version
    assert created.status.phase == "Active"
    assert "kubernetes" in (created.spec.finalizers or [])
    got = core.read_namespace(name)
    assert got.metadata.labels["a"] == "b"
    assert got.metadata.labels["kubernetes.io/metadata.name"] == name
    names = [n.metadata.name for n in core.list_namespace(label_selector="a=b").items]
    assert name in names
    assert (
        status_of(lambda: core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name))))
        == 409
    )
    core.delete_namespace(name)
    eventually(lambda: status_of(lambda: core.read_namespace(name)) == 404)


def test_namespace_deletion_removes_content(core: client.CoreV1Api, api: client.ApiClient) -> None:
    name = f"pc-{uuid.uuid4().hex[:8]}"
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    core.create_namespaced_config_map(
        name, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="c"), data={"a": "1"})
    )
    core.create_namespaced_secret(
        name, client.V1Secret(metadata=client.V1ObjectMeta(name="s"), string_data={"x": "y"})
    )
    rbac = client.RbacAuthorizationV1Api(api)
    rbac.create_namespaced_role(
        name,
        client.V1Role(
            metadata=client.V1ObjectMeta(name="r"),
            rules=[client.V1PolicyRule(api_groups=[""], resources=["configmaps"], verbs=["get"])],
        ),
    )
    core.delete_namespace(name)
    ns = core.read_namespace(name)
    assert ns.status.phase == "Terminating"
    assert ns.metadata.deletion_timestamp is not None
    # a terminating namespace refuses new content
    assert (
        status_of(
            lambda: core.create_namespaced_config_map(
                name, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="d"))
            )
        )
        == 403
    )
    eventually(lambda: status_of(lambda: core.read_namespace(name)) == 404)
    assert status_of(lambda: core.read_namespaced_config_map("c", name)) == 404
    assert core.list_namespaced_config_map(name).items == []
    assert core.list_namespaced_secret(name).items == []
    assert rbac.list_namespaced_role(name).items == []


# --- configmaps ---------------------------------------------------------------------------------


def test_configmap_crud_and_conflict(core: client.CoreV1Api, namespace: str) -> None:
    body = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="cfg", labels={"app": "x"}), data={"a": "1"})
    created = core.create_namespaced_config_map(namespace, body)
    assert created.metadata.namespace == namespace
    assert created.data == {"a": "1"}
    rv0 = created.metadata.resource_version

    got = core.read_namespaced_config_map("cfg", namespace)
    got.data["b"] = "2"
    replaced = core.replace_namespaced_config_map("cfg", namespace, got)
    assert replaced.data == {"a": "1", "b": "2"}
    assert replaced.metadata.resource_version != rv0
    assert replaced.metadata.uid == created.metadata.uid

    stale = client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name="cfg", resource_version=rv0), data={"stale": "yes"}
    )
    with pytest.raises(ApiException) as exc:
        core.replace_namespaced_config_map("cfg", namespace, stale)
    assert exc.value.status == 409
    assert exc.value.reason == "Conflict"
    assert "the object has been modified" in exc.value.body
    assert core.read_namespaced_config_map("cfg", namespace).data == {"a": "1", "b": "2"}

    # create of an existing name is AlreadyExists
    with pytest.raises(ApiException) as exc:
        core.create_namespaced_config_map(namespace, body)
    assert exc.value.status == 409 and "already exists" in exc.value.body

    deleted = core.delete_namespaced_config_map("cfg", namespace)
    # an immediate delete of a built-in answers with a Success Status naming the object
    assert deleted["kind"] == "Status" and deleted["status"] == "Success"
    assert deleted["details"]["name"] == "cfg" and deleted["details"]["uid"] == created.metadata.uid
    assert status_of(lambda: core.read_namespaced_config_map("cfg", namespace)) == 404
    assert status_of(lambda: core.delete_namespaced_config_map("cfg", namespace)) == 404


def test_configmap_generate_name_and_invalid(core: client.CoreV1Api, namespace: str) -> None:
    made = core.create_namespaced_config_map(
        namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(generate_name="gen-"), data={"k": "v"})
    )
    assert made.metadata.name.startswith("gen-") and len(made.metadata.name) > len("gen-")
    with pytest.raises(ApiException) as exc:
        core.create_namespaced_config_map(
            namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="Not_Valid"))
        )
    assert exc.value.status == 422
    assert "Invalid" in exc.value.body


def test_recreating_a_read_object_needs_its_resource_version_cleared(
    core: client.CoreV1Api, namespace: str
) -> None:
    """kube's storage refuses a create carrying a resourceVersion (with its message, though as a 500
    without a reason: bad input is a 400 here), so code that re-creates what it read must clear it
    first; a dry run does not check."""
    made = core.create_namespaced_config_map(
        namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="again"), data={"a": "1"})
    )
    core.delete_namespaced_config_map("again", namespace)
    with pytest.raises(ApiException) as exc:
        core.create_namespaced_config_map(namespace, made)
    assert exc.value.status == 400
    status = orjson.loads(exc.value.body)
    assert status["message"] == "resourceVersion should not be set on objects to be created"
    assert core.create_namespaced_config_map(namespace, made, dry_run="All").metadata.name == "again"
    made.metadata.resource_version = "not-a-number"  # kube cannot read it as a revision: ignored
    again = core.create_namespaced_config_map(namespace, made)
    assert again.metadata.resource_version.isdigit() and again.metadata.uid != made.metadata.uid


def test_patch_strategic_merge_and_json(
    core: client.CoreV1Api, api: client.ApiClient, namespace: str
) -> None:
    core.create_namespaced_config_map(
        namespace,
        client.V1ConfigMap(
            metadata=client.V1ObjectMeta(name="p", labels={"keep": "1", "drop": "1"}), data={"a": "1"}
        ),
    )
    # a dict body on a typed API is sent as strategic-merge-patch by default
    out = core.patch_namespaced_config_map(
        "p", namespace, {"metadata": {"labels": {"drop": None}}, "data": {"b": "2"}}
    )
    assert out.data == {"a": "1", "b": "2"}
    assert out.metadata.labels == {"keep": "1"}

    # forced JSON merge patch
    api.set_default_header("Content-Type", "application/merge-patch+json")
    try:
        out = core.patch_namespaced_config_map("p", namespace, {"data": {"a": None, "c": "3"}})
    finally:
        api.default_headers.pop("Content-Type", None)
    assert out.data == {"b": "2", "c": "3"}

    # a list body is sent as JSON patch
    out = core.patch_namespaced_config_map(
        "p",
        namespace,
        [
            {"op": "test", "path": "/data/b", "value": "2"},
            {"op": "replace", "path": "/data/b", "value": "20"},
            {"op": "add", "path": "/metadata/annotations", "value": {"n": "v"}},
        ],
    )
    assert out.data == {"b": "20", "c": "3"}
    assert out.metadata.annotations["n"] == "v"

    # a failing JSON-patch test op is rejected and changes nothing
    with pytest.raises(ApiException) as exc:
        core.patch_namespaced_config_map("p", namespace, [{"op": "test", "path": "/data/b", "value": "nope"}])
    assert exc.value.status == 422
    assert core.read_namespaced_config_map("p", namespace).data == {"b": "20", "c": "3"}

    # patching something absent is 404
    assert (
        status_of(lambda: core.patch_namespaced_config_map("absent", namespace, {"data": {"x": "1"}})) == 404
    )


def test_strategic_merge_on_list_with_merge_key(core: client.CoreV1Api, namespace: str) -> None:
    """Strategic merge patch merges lists by their patchMergeKey (ServiceAccount.secrets by name)."""
    core.create_namespaced_service_account(
        namespace,
        client.V1ServiceAccount(
            metadata=client.V1ObjectMeta(name="sa"), secrets=[client.V1ObjectReference(name="one")]
        ),
    )
    out = core.patch_namespaced_service_account("sa", namespace, {"secrets": [{"name": "two"}]})
    assert sorted(s.name for s in out.secrets) == ["one", "two"]
    out = core.patch_namespaced_service_account(
        "sa", namespace, {"secrets": [{"$patch": "delete", "name": "one"}]}
    )
    assert [s.name for s in out.secrets] == ["two"]


def test_list_selectors_and_pagination(core: client.CoreV1Api, namespace: str) -> None:
    for i in range(7):
        core.create_namespaced_config_map(
            namespace,
            client.V1ConfigMap(
                metadata=client.V1ObjectMeta(
                    name=f"cm-{i}", labels={"tier": "a" if i % 2 else "b", "i": str(i)}
                )
            ),
        )
    everything = core.list_namespaced_config_map(namespace)
    assert everything.metadata.resource_version
    ours = sorted(c.metadata.name for c in everything.items if c.metadata.name.startswith("cm-"))
    assert ours == [f"cm-{i}" for i in range(7)]

    odd = core.list_namespaced_config_map(namespace, label_selector="tier=a")
    assert sorted(c.metadata.name for c in odd.items) == ["cm-1", "cm-3", "cm-5"]
    assert sorted(
        c.metadata.name
        for c in core.list_namespaced_config_map(namespace, label_selector="tier=b,i notin (0,2)").items
    ) == ["cm-4", "cm-6"]
    assert [
        c.metadata.name for c in core.list_namespaced_config_map(namespace, label_selector="i in (3)").items
    ] == ["cm-3"]
    assert core.list_namespaced_config_map(namespace, label_selector="!tier").items == [
        c for c in everything.items if "tier" not in (c.metadata.labels or {})
    ]

    by_name = core.list_namespaced_config_map(namespace, field_selector="metadata.name=cm-2")
    assert [c.metadata.name for c in by_name.items] == ["cm-2"]
    not_name = core.list_namespaced_config_map(
        namespace, field_selector="metadata.name!=cm-2", label_selector="i"
    )
    assert sorted(c.metadata.name for c in not_name.items) == [f"cm-{i}" for i in range(7) if i != 2]
    # field selectors work across namespaces too
    across = core.list_config_map_for_all_namespaces(
        field_selector=f"metadata.namespace={namespace}", label_selector="i"
    )
    assert len(across.items) == 7
    with pytest.raises(ApiException) as exc:
        core.list_namespaced_config_map(namespace, field_selector="data.nope=1")
    assert exc.value.status == 400

    seen: list[str] = []
    page = core.list_namespaced_config_map(namespace, label_selector="i", limit=3)
    pages = 1
    seen += [c.metadata.name for c in page.items]
    assert len(page.items) == 3
    assert page.metadata._continue
    assert page.metadata.remaining_item_count is None  # never counted under a selector
    while page.metadata._continue:
        page = core.list_namespaced_config_map(
            namespace, label_selector="i", limit=3, _continue=page.metadata._continue
        )
        seen += [c.metadata.name for c in page.items]
        pages += 1
    assert pages == 3
    assert sorted(seen) == [f"cm-{i}" for i in range(7)]
    assert len(set(seen)) == 7

    # without a selector the server tells how many remain
    unfiltered = core.list_namespaced_config_map(namespace, limit=2)
    assert unfiltered.metadata.remaining_item_count == len(everything.items) - 2

    with pytest.raises(ApiException) as exc:
        core.list_namespaced_config_map(namespace, limit=2, _continue="garbage-token")
    assert exc.value.status == 400


# --- watch --------------------------------------------------------------------------------------


def test_watch_configmaps(core: client.CoreV1Api, namespace: str) -> None:
    core.create_namespaced_config_map(
        namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="before"))
    )
    rv = core.list_namespaced_config_map(namespace).metadata.resource_version
    core.create_namespaced_config_map(
        namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="w"), data={"a": "1"})
    )
    core.patch_namespaced_config_map("w", namespace, {"data": {"a": "2"}})
    core.delete_namespaced_config_map("w", namespace)

    events: list[tuple[str, str, dict[str, str] | None]] = []
    w = watch.Watch()
    for ev in w.stream(core.list_namespaced_config_map, namespace, resource_version=rv, timeout_seconds=5):
        obj = ev["object"]
        assert isinstance(obj, client.V1ConfigMap)
        events.append((ev["type"], obj.metadata.name, obj.data))
        if ev["type"] == "DELETED":
            w.stop()
    assert events == [("ADDED", "w", {"a": "1"}), ("MODIFIED", "w", {"a": "2"}), ("DELETED", "w", {"a": "2"})]
    # the watch remembers where it got to
    assert w.resource_version and int(w.resource_version) > int(rv)


def test_watch_live_events_with_selector(core: client.CoreV1Api, namespace: str) -> None:
    rv = core.list_namespaced_config_map(namespace).metadata.resource_version

    def writer() -> None:
        time.sleep(0.3)
        core.create_namespaced_config_map(
            namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="other", labels={"w": "no"}))
        )
        core.create_namespaced_config_map(
            namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="live", labels={"w": "yes"}))
        )
        core.patch_namespaced_config_map("live", namespace, {"metadata": {"labels": {"w": "gone"}}})

    t = threading.Thread(target=writer)
    t.start()
    seen: list[tuple[str, str]] = []
    w = watch.Watch()
    try:
        for ev in w.stream(
            core.list_namespaced_config_map,
            namespace,
            label_selector="w=yes",
            resource_version=rv,
            timeout_seconds=5,
        ):
            seen.append((ev["type"], ev["object"].metadata.name))
            if ev["type"] == "DELETED":
                w.stop()
    finally:
        t.join()
    # a label change that takes the object out of the selector is seen as DELETED
    assert seen == [("ADDED", "live"), ("DELETED", "live")]


def test_watch_ends_at_timeout(core: client.CoreV1Api, namespace: str) -> None:
    start = time.monotonic()
    events = list(
        watch.Watch().stream(
            core.list_namespaced_config_map, namespace, label_selector="absent=yes", timeout_seconds=1
        )
    )
    elapsed = time.monotonic() - start
    assert events == []
    assert 0.5 <= elapsed < 5


def test_watch_list_initial_events_and_bookmark(core: client.CoreV1Api, namespace: str) -> None:
    """Streaming list (sendInitialEvents), as client-go informers do it: the current objects as ADDED, then a
    BOOKMARK annotated k8s.io/initial-events-end, then live events."""
    for name in ("one", "two"):
        core.create_namespaced_config_map(
            namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name))
        )
    seen: list[tuple[str, str]] = []
    w = watch.Watch()
    for ev in w.stream(
        core.list_namespaced_config_map,
        namespace,
        send_initial_events=True,
        resource_version_match="NotOlderThan",
        allow_watch_bookmarks=True,
        timeout_seconds=5,
    ):
        if ev["type"] == "BOOKMARK":
            annotations = ev["raw_object"]["metadata"].get("annotations") or {}
            assert annotations.get("k8s.io/initial-events-end") == "true"
            assert ev["raw_object"]["metadata"]["resourceVersion"]
            seen.append(("BOOKMARK", ""))
            core.create_namespaced_config_map(
                namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="three"))
            )
            continue
        seen.append((ev["type"], ev["object"].metadata.name))
        if ev["object"].metadata.name == "three":
            w.stop()
    initial = [("ADDED", "kube-root-ca.crt"), ("ADDED", "one"), ("ADDED", "two")]
    assert sorted(seen[:3]) == initial
    assert seen[3:] == [("BOOKMARK", ""), ("ADDED", "three")]


# --- secrets and service accounts ---------------------------------------------------------------


def test_secret_string_data_and_types(core: client.CoreV1Api, namespace: str) -> None:
    made = core.create_namespaced_secret(
        namespace,
        client.V1Secret(metadata=client.V1ObjectMeta(name="s"), string_data={"user": "admin"}, type="Opaque"),
    )
    assert made.string_data is None
    assert base64.b64decode(made.data["user"]) == b"admin"
    made.data["pw"] = base64.b64encode(b"hunter2").decode()
    replaced = core.replace_namespaced_secret("s", namespace, made)
    assert base64.b64decode(replaced.data["pw"]) == b"hunter2"
    assert replaced.type == "Opaque"
    # type is immutable
    replaced.type = "kubernetes.io/tls"
    assert status_of(lambda: core.replace_namespaced_secret("s", namespace, replaced)) == 422
    # immutable secrets refuse data changes
    core.create_namespaced_secret(
        namespace,
        client.V1Secret(metadata=client.V1ObjectMeta(name="frozen"), data={"a": "YQ=="}, immutable=True),
    )
    assert (
        status_of(lambda: core.patch_namespaced_secret("frozen", namespace, {"data": {"a": "Yg=="}})) == 422
    )


def test_invalid_base64_bytes_are_a_decode_error(core: client.CoreV1Api, namespace: str) -> None:
    cm = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "bad"},
        "binaryData": {"a": "!!notbase64"},
    }
    assert status_of(lambda: core.create_namespaced_config_map(namespace, cm)) == 400
    assert status_of(lambda: core.read_namespaced_config_map("bad", namespace)) == 404
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "bad"}, "data": {"a": "!!notbase64"}}
    with pytest.raises(ApiException) as exc:
        core.create_namespaced_secret(namespace, secret)
    assert exc.value.status == 400
    assert "illegal base64 data" in exc.value.body


def test_serviceaccount_crud(core: client.CoreV1Api, namespace: str) -> None:
    sa = core.create_namespaced_service_account(
        namespace, client.V1ServiceAccount(metadata=client.V1ObjectMeta(name="bot"))
    )
    assert sa.metadata.uid
    names = [s.metadata.name for s in core.list_namespaced_service_account(namespace).items]
    assert "bot" in names
    core.patch_namespaced_service_account("bot", namespace, {"automountServiceAccountToken": False})
    assert core.read_namespaced_service_account("bot", namespace).automount_service_account_token is False
    core.delete_namespaced_service_account("bot", namespace)
    assert status_of(lambda: core.read_namespaced_service_account("bot", namespace)) == 404


# --- authn / authz ------------------------------------------------------------------------------


def test_token_request_and_token_review(
    core: client.CoreV1Api, api: client.ApiClient, namespace: str
) -> None:
    core.create_namespaced_service_account(
        namespace, client.V1ServiceAccount(metadata=client.V1ObjectMeta(name="bot"))
    )
    tr = core.create_namespaced_service_account_token(
        "bot",
        namespace,
        client.AuthenticationV1TokenRequest(
            spec=client.V1TokenRequestSpec(audiences=[], expiration_seconds=3600)
        ),
    )
    token = tr.status.token
    assert token.count(".") == 2
    assert tr.status.expiration_timestamp > datetime.datetime.now(datetime.UTC)

    authn = client.AuthenticationV1Api(api)
    review = authn.create_token_review(client.V1TokenReview(spec=client.V1TokenReviewSpec(token=token)))
    assert review.status.authenticated is True
    assert review.status.user.username == f"system:serviceaccount:{namespace}:bot"
    assert "system:serviceaccounts" in review.status.user.groups
    assert f"system:serviceaccounts:{namespace}" in review.status.user.groups

    assert tr.spec.audiences == ["kcp"] and review.status.audiences == ["kcp"]  # the server's own
    for_others = authn.create_token_review(
        client.V1TokenReview(spec=client.V1TokenReviewSpec(token=token, audiences=["other"]))
    )
    assert (
        not for_others.status.authenticated and "invalid for the target audiences" in for_others.status.error
    )
    scoped = core.create_namespaced_service_account_token(
        "bot",
        namespace,
        client.AuthenticationV1TokenRequest(spec=client.V1TokenRequestSpec(audiences=["other", "vault"])),
    )
    vault = authn.create_token_review(
        client.V1TokenReview(spec=client.V1TokenReviewSpec(token=scoped.status.token, audiences=["vault"]))
    )
    assert vault.status.authenticated and vault.status.audiences == ["vault"]

    bad = authn.create_token_review(
        client.V1TokenReview(spec=client.V1TokenReviewSpec(token=token[:-4] + "AAAA"))
    )
    assert not bad.status.authenticated and bad.status.error.startswith("[invalid bearer token")
    too_short = client.AuthenticationV1TokenRequest(
        spec=client.V1TokenRequestSpec(audiences=[], expiration_seconds=10)
    )
    with pytest.raises(client.ApiException) as refused:
        core.create_namespaced_service_account_token("bot", namespace, too_short)
    assert refused.value.status == 422 and "spec.expirationSeconds" in str(refused.value.body)

    # token request for a missing service account is 404
    assert (
        status_of(
            lambda: core.create_namespaced_service_account_token(
                "ghost",
                namespace,
                client.AuthenticationV1TokenRequest(spec=client.V1TokenRequestSpec(audiences=[])),
            )
        )
        == 404
    )

    # the token authenticates a client of its own, which RBAC then limits
    cfg = client.Configuration()
    cfg.host = api.configuration.host
    cfg.ssl_ca_cert = api.configuration.ssl_ca_cert
    cfg.api_key = {"authorization": f"Bearer {token}"}
    with client.ApiClient(cfg) as bot_api:
        me = client.AuthenticationV1Api(bot_api).create_self_subject_review(client.V1SelfSubjectReview())
        assert me.status.user_info.username == f"system:serviceaccount:{namespace}:bot"
        assert status_of(lambda: client.CoreV1Api(bot_api).list_namespaced_secret(namespace)) == 403

    # deleting the service account invalidates its token
    core.delete_namespaced_service_account("bot", namespace)
    gone = authn.create_token_review(client.V1TokenReview(spec=client.V1TokenReviewSpec(token=token)))
    assert not gone.status.authenticated


def test_self_subject_review_for_admin(api: client.ApiClient) -> None:
    me = client.AuthenticationV1Api(api).create_self_subject_review(client.V1SelfSubjectReview())
    assert me.status.user_info.username == "kcp-admin"
    assert "system:authenticated" in (me.status.user_info.groups or [])


def test_self_subject_access_review(api: client.ApiClient, namespace: str) -> None:
    authz = client.AuthorizationV1Api(api)
    review = authz.create_self_subject_access_review(
        client.V1SelfSubjectAccessReview(
            spec=client.V1SelfSubjectAccessReviewSpec(
                resource_attributes=client.V1ResourceAttributes(
                    namespace=namespace, verb="create", resource="configmaps"
                )
            )
        )
    )
    assert review.status.allowed is True
    assert review.spec.resource_attributes.resource == "configmaps"
    nonres = authz.create_self_subject_access_review(
        client.V1SelfSubjectAccessReview(
            spec=client.V1SelfSubjectAccessReviewSpec(
                non_resource_attributes=client.V1NonResourceAttributes(path="/healthz", verb="get")
            )
        )
    )
    assert nonres.status.allowed is True


def test_rbac_grants_take_effect(core: client.CoreV1Api, api: client.ApiClient, namespace: str) -> None:
    rbac = client.RbacAuthorizationV1Api(api)
    core.create_namespaced_service_account(
        namespace, client.V1ServiceAccount(metadata=client.V1ObjectMeta(name="reader"))
    )
    role = rbac.create_namespaced_role(
        namespace,
        client.V1Role(
            metadata=client.V1ObjectMeta(name="cm-reader"),
            rules=[
                client.V1PolicyRule(api_groups=[""], resources=["configmaps"], verbs=["get", "list", "watch"])
            ],
        ),
    )
    assert role.rules[0].verbs == ["get", "list", "watch"]
    binding = rbac.create_namespaced_role_binding(
        namespace,
        client.V1RoleBinding(
            metadata=client.V1ObjectMeta(name="cm-reader"),
            role_ref=client.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="Role", name="cm-reader"),
            subjects=[client.RbacV1Subject(kind="ServiceAccount", name="reader", namespace=namespace)],
        ),
    )
    assert binding.subjects[0].name == "reader"
    assert [r.metadata.name for r in rbac.list_namespaced_role(namespace).items] == ["cm-reader"]
    assert [b.metadata.name for b in rbac.list_namespaced_role_binding(namespace).items] == ["cm-reader"]
    # roleRef is immutable
    assert (
        status_of(
            lambda: rbac.patch_namespaced_role_binding("cm-reader", namespace, {"roleRef": {"name": "other"}})
        )
        == 422
    )

    token = core.create_namespaced_service_account_token(
        "reader", namespace, client.AuthenticationV1TokenRequest(spec=client.V1TokenRequestSpec(audiences=[]))
    ).status.token
    cfg = client.Configuration()
    cfg.host = api.configuration.host
    cfg.ssl_ca_cert = api.configuration.ssl_ca_cert
    cfg.api_key = {"authorization": f"Bearer {token}"}
    core.create_namespaced_config_map(
        namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="visible"))
    )
    with client.ApiClient(cfg) as reader_api:
        reader = client.CoreV1Api(reader_api)
        listed = [c.metadata.name for c in reader.list_namespaced_config_map(namespace).items]
        assert listed == ["kube-root-ca.crt", "visible"]
        assert reader.read_namespaced_config_map("visible", namespace).metadata.name == "visible"
        with pytest.raises(ApiException) as exc:
            reader.create_namespaced_config_map(
                namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="no"))
            )
        assert exc.value.status == 403 and "forbidden" in exc.value.body.lower()
        assert status_of(lambda: reader.list_namespaced_secret(namespace)) == 403
        ssar = client.AuthorizationV1Api(reader_api).create_self_subject_access_review(
            client.V1SelfSubjectAccessReview(
                spec=client.V1SelfSubjectAccessReviewSpec(
                    resource_attributes=client.V1ResourceAttributes(
                        namespace=namespace, verb="delete", resource="configmaps"
                    )
                )
            )
        )
        assert ssar.status.allowed is False
        rules = client.AuthorizationV1Api(reader_api).create_self_subject_rules_review(
            client.V1SelfSubjectRulesReview(spec=client.V1SelfSubjectRulesReviewSpec(namespace=namespace))
        )
        assert any(
            "configmaps" in (r.resources or []) and "list" in r.verbs for r in rules.status.resource_rules
        )

    # an admin asks on the service account's behalf
    authz = client.AuthorizationV1Api(api)
    sa_user = f"system:serviceaccount:{namespace}:reader"
    sar = authz.create_subject_access_review(
        client.V1SubjectAccessReview(
            spec=client.V1SubjectAccessReviewSpec(
                user=sa_user,
                groups=["system:serviceaccounts", f"system:serviceaccounts:{namespace}"],
                resource_attributes=client.V1ResourceAttributes(
                    namespace=namespace, verb="list", resource="configmaps"
                ),
            )
        )
    )
    assert sar.status.allowed is True
    local = authz.create_namespaced_local_subject_access_review(
        namespace,
        client.V1LocalSubjectAccessReview(
            spec=client.V1SubjectAccessReviewSpec(
                user=sa_user,
                resource_attributes=client.V1ResourceAttributes(
                    namespace=namespace, verb="get", resource="secrets"
                ),
            )
        ),
    )
    assert local.status.allowed is False

    # revoking the binding revokes the access
    rbac.delete_namespaced_role_binding("cm-reader", namespace)
    with client.ApiClient(cfg) as reader_api:
        eventually(
            lambda: (
                status_of(
                    lambda: client.CoreV1Api(reader_api).read_namespaced_config_map("visible", namespace)
                )
                == 403
            )
        )


def test_cluster_roles(api: client.ApiClient) -> None:
    rbac = client.RbacAuthorizationV1Api(api)
    names = {r.metadata.name for r in rbac.list_cluster_role().items}
    assert {"cluster-admin", "admin", "edit", "view"} <= names
    name = f"pc-{uuid.uuid4().hex[:8]}"
    rbac.create_cluster_role(
        client.V1ClusterRole(
            metadata=client.V1ObjectMeta(name=name, labels={"pc": "yes"}),
            rules=[client.V1PolicyRule(api_groups=["*"], resources=["*"], verbs=["get"])],
        )
    )
    try:
        assert [r.metadata.name for r in rbac.list_cluster_role(label_selector="pc=yes").items] == [name]
        rbac.create_cluster_role_binding(
            client.V1ClusterRoleBinding(
                metadata=client.V1ObjectMeta(name=name),
                role_ref=client.V1RoleRef(
                    api_group="rbac.authorization.k8s.io", kind="ClusterRole", name=name
                ),
                subjects=[
                    client.RbacV1Subject(kind="User", name="somebody", api_group="rbac.authorization.k8s.io")
                ],
            )
        )
        assert rbac.read_cluster_role_binding(name).subjects[0].name == "somebody"
    finally:
        rbac.delete_cluster_role_binding(name)
        rbac.delete_cluster_role(name)
    assert status_of(lambda: rbac.read_cluster_role(name)) == 404


# --- leases -------------------------------------------------------------------------------------


def test_lease_leader_election(api: client.ApiClient, namespace: str) -> None:
    coord = client.CoordinationV1Api(api)
    now = datetime.datetime.now(datetime.UTC)
    lease = coord.create_namespaced_lease(
        namespace,
        client.V1Lease(
            metadata=client.V1ObjectMeta(name="leader"),
            spec=client.V1LeaseSpec(
                holder_identity="candidate-a",
                lease_duration_seconds=15,
                acquire_time=now,
                renew_time=now,
                lease_transitions=0,
            ),
        ),
    )
    assert lease.spec.holder_identity == "candidate-a"
    assert isinstance(lease.spec.renew_time, datetime.datetime)
    # MicroTime keeps microseconds
    assert (
        lease.spec.renew_time.replace(
            tzinfo=datetime.UTC if lease.spec.renew_time.tzinfo is None else lease.spec.renew_time.tzinfo
        )
        == now
    )

    # the holder renews with an optimistic-concurrency update
    renewed_at = now + datetime.timedelta(seconds=2, microseconds=123456)
    lease.spec.renew_time = renewed_at
    renewed = coord.replace_namespaced_lease("leader", namespace, lease)
    assert renewed.spec.renew_time == renewed_at
    assert renewed.metadata.resource_version != lease.metadata.resource_version

    # a competitor holding a stale copy loses the race
    lease.spec.holder_identity = "candidate-b"
    with pytest.raises(ApiException) as exc:
        coord.replace_namespaced_lease("leader", namespace, lease)
    assert exc.value.status == 409

    # the competitor re-reads and takes over, bumping leaseTransitions
    current = coord.read_namespaced_lease("leader", namespace)
    current.spec.holder_identity = "candidate-b"
    current.spec.lease_transitions = (current.spec.lease_transitions or 0) + 1
    current.spec.acquire_time = renewed_at + datetime.timedelta(seconds=20)
    current.spec.renew_time = current.spec.acquire_time
    taken = coord.replace_namespaced_lease("leader", namespace, current)
    assert taken.spec.holder_identity == "candidate-b"
    assert taken.spec.lease_transitions == 1


def test_lease_micro_time_normalized_on_the_wire(api: client.ApiClient, namespace: str) -> None:
    coord = client.CoordinationV1Api(api)
    now = datetime.datetime(2026, 1, 1, 10, 0, 0, 123456, tzinfo=datetime.UTC)
    # the Python client sends datetime.isoformat(): "2026-01-01T10:00:00.123456+00:00"
    coord.create_namespaced_lease(
        namespace,
        client.V1Lease(metadata=client.V1ObjectMeta(name="py"), spec=client.V1LeaseSpec(renew_time=now)),
    )
    wire = raw(api, "GET", f"/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/py")
    assert wire["spec"]["renewTime"] == "2026-01-01T10:00:00.123456Z"

    # other offsets become UTC, nanoseconds are truncated to microseconds
    path = f"/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases"
    body = {"metadata": {"name": "go"}, "spec": {"renewTime": "2026-01-01T12:00:00.123456789+02:00"}}
    made = raw(api, "POST", path, body=body)
    assert made["spec"]["renewTime"] == "2026-01-01T10:00:00.123456Z"

    # a value that is no time at all is refused, as Go's decoder refuses it
    with pytest.raises(ApiException) as exc:
        raw(api, "POST", path, body={"metadata": {"name": "bad"}, "spec": {"renewTime": "garbage"}})
    assert exc.value.status == 400


def test_leader_election_with_lease_lock(api: client.ApiClient, namespace: str) -> None:
    """kubernetes.leaderelection with its LeaseLock: one leader at a time, handover once the leader stops."""
    from kubernetes.leaderelection import electionconfig, leaderelection
    from kubernetes.leaderelection.resourcelock.leaselock import LeaseLock

    coord = client.CoordinationV1Api(api)
    leading = {"a": threading.Event(), "b": threading.Event()}
    resign = {"a": threading.Event(), "b": threading.Event()}
    stopped = {"a": threading.Event(), "b": threading.Event()}

    def candidate(who: str) -> threading.Thread:
        lock = LeaseLock("election", namespace, f"candidate-{who}")
        lock.api_instance = coord  # the lock would otherwise use the global default configuration

        def lead() -> None:
            leading[who].set()
            resign[who].wait(20)
            raise RuntimeError("resigning")  # makes the elector stop renewing

        cfg = electionconfig.Config(
            lock,
            lease_duration=3,
            renew_deadline=2,
            retry_period=1,
            onstarted_leading=lead,
            onstopped_leading=stopped[who].set,
        )
        t = threading.Thread(target=leaderelection.LeaderElection(cfg).run, daemon=True)
        t.start()
        return t

    a = candidate("a")
    try:
        assert leading["a"].wait(10)
        lease = coord.read_namespaced_lease("election", namespace)
        assert lease.spec.holder_identity == "candidate-a"
        assert lease.spec.lease_duration_seconds == 3
        first_acquired = lease.spec.acquire_time
        b = candidate("b")
        # while a renews, b stays a follower
        assert not leading["b"].wait(3.5)
        renewed = coord.read_namespaced_lease("election", namespace)
        assert renewed.spec.holder_identity == "candidate-a"
        assert renewed.spec.renew_time > lease.spec.renew_time
        assert renewed.spec.acquire_time == first_acquired
        resign["a"].set()
        assert stopped["a"].wait(10)
        # a's lease expires and b takes over
        assert leading["b"].wait(10)
        taken = coord.read_namespaced_lease("election", namespace)
        assert taken.spec.holder_identity == "candidate-b"
        assert taken.spec.acquire_time > first_acquired
    finally:
        resign["a"].set()
        resign["b"].set()
    a.join(10)
    b.join(10)
    assert stopped["b"].is_set()


# --- custom resources ---------------------------------------------------------------------------


def test_integral_floats_come_back_as_ints(api: client.ApiClient, gadgets: str, namespace: str) -> None:
    """A Python float such as `3.0` goes through kube's float64 and comes back `3`: an int, so code
    that reads it back (`range(size)`) works as it does against kube."""
    custom = client.CustomObjectsApi(api)
    body = {"apiVersion": f"{WIDGET_GROUP}/v1", "kind": "Gadget", "metadata": {"name": "floaty"}}
    made = custom.create_namespaced_custom_object(
        WIDGET_GROUP, "v1", namespace, "gadgets", {**body, "spec": {"size": 3.0}}
    )
    assert made["spec"]["size"] == 3 and type(made["spec"]["size"]) is int
    patched = custom.patch_namespaced_custom_object(
        WIDGET_GROUP, "v1", namespace, "gadgets", "floaty", {"spec": {"size": 1e2}}
    )
    got = custom.get_namespaced_custom_object(WIDGET_GROUP, "v1", namespace, "gadgets", "floaty")
    assert type(patched["spec"]["size"]) is int and type(got["spec"]["size"]) is int, got
    assert got["metadata"]["resourceVersion"] == patched["metadata"]["resourceVersion"]


def test_custom_objects_crud(api: client.ApiClient, gadgets: str, namespace: str) -> None:
    custom = client.CustomObjectsApi(api)
    body = {
        "apiVersion": f"{WIDGET_GROUP}/v1",
        "kind": "Gadget",
        "metadata": {"name": "g1", "labels": {"kind": "test"}},
        "spec": {"size": 2, "tags": ["a"]},
    }
    made = custom.create_namespaced_custom_object(WIDGET_GROUP, "v1", namespace, "gadgets", body)
    assert made["spec"] == {"size": 2, "tags": ["a"], "color": "red"}  # defaulted
    assert made["metadata"]["namespace"] == namespace and made["metadata"]["uid"]

    got = custom.get_namespaced_custom_object(WIDGET_GROUP, "v1", namespace, "gadgets", "g1")
    assert got["spec"]["size"] == 2

    listed = custom.list_namespaced_custom_object(
        WIDGET_GROUP, "v1", namespace, "gadgets", label_selector="kind=test"
    )
    assert listed["kind"] == "GadgetList"
    assert [i["metadata"]["name"] for i in listed["items"]] == ["g1"]
    assert (
        custom.list_namespaced_custom_object(
            WIDGET_GROUP, "v1", namespace, "gadgets", label_selector="kind=x"
        )["items"]
        == []
    )

    # CustomObjectsApi sends dict patches as merge patches; lists are replaced wholesale
    patched = custom.patch_namespaced_custom_object(
        WIDGET_GROUP, "v1", namespace, "gadgets", "g1", {"spec": {"size": 5, "tags": ["b", "c"]}}
    )
    assert patched["spec"] == {"size": 5, "tags": ["b", "c"], "color": "red"}
    assert patched["metadata"]["generation"] == 2

    # schema validation
    with pytest.raises(ApiException) as exc:
        custom.patch_namespaced_custom_object(
            WIDGET_GROUP, "v1", namespace, "gadgets", "g1", {"spec": {"size": 0}}
        )
    assert exc.value.status == 422
    assert "spec.size" in exc.value.body

    # the status subresource ignores spec changes and leaves generation alone;
    # the main resource ignores status
    status = custom.patch_namespaced_custom_object_status(
        WIDGET_GROUP,
        "v1",
        namespace,
        "gadgets",
        "g1",
        {"status": {"phase": "Ready", "ready": True}, "spec": {"size": 9}},
    )
    assert status["status"] == {"phase": "Ready", "ready": True}
    assert status["spec"]["size"] == 5
    assert status["metadata"]["generation"] == 2
    ignored = custom.patch_namespaced_custom_object(
        WIDGET_GROUP, "v1", namespace, "gadgets", "g1", {"status": {"phase": "Hacked"}}
    )
    assert ignored["status"]["phase"] == "Ready"
    read_status = custom.get_namespaced_custom_object_status(WIDGET_GROUP, "v1", namespace, "gadgets", "g1")
    assert read_status["status"]["ready"] is True

    # replace with a stale resourceVersion conflicts
    stale = dict(got)
    stale["spec"] = {"size": 3}
    with pytest.raises(ApiException) as exc:
        custom.replace_namespaced_custom_object(WIDGET_GROUP, "v1", namespace, "gadgets", "g1", stale)
    assert exc.value.status == 409

    everywhere = custom.list_cluster_custom_object(
        WIDGET_GROUP, "v1", "gadgets", field_selector=f"metadata.namespace={namespace}"
    )
    assert [i["metadata"]["name"] for i in everywhere["items"]] == ["g1"]

    custom.delete_namespaced_custom_object(WIDGET_GROUP, "v1", namespace, "gadgets", "g1")
    assert (
        status_of(lambda: custom.get_namespaced_custom_object(WIDGET_GROUP, "v1", namespace, "gadgets", "g1"))
        == 404
    )


def test_unknown_fields_warn_by_default(api: client.ApiClient, gadgets: str, namespace: str) -> None:
    """Without fieldValidation the server prunes unknown fields and warns (kube-apiserver's default is Warn);
    only an explicit fieldValidation=Strict rejects them. The Python client never sends fieldValidation."""
    custom = client.CustomObjectsApi(api)
    body = {
        "apiVersion": f"{WIDGET_GROUP}/v1",
        "kind": "Gadget",
        "metadata": {"name": "loose"},
        "spec": {"size": 2, "unknown": "pruned"},
    }
    with pytest.raises(ApiException) as exc:
        custom.create_namespaced_custom_object(
            WIDGET_GROUP,
            "v1",
            namespace,
            "gadgets",
            {**body, "metadata": {"name": "strict"}},
            field_validation="Strict",
        )
    assert exc.value.status == 400
    message = orjson.loads(exc.value.body)["message"]
    prefix = 'Gadget in version "v1" cannot be handled as a Gadget: '
    assert message == prefix + 'strict decoding error: unknown field "spec.unknown"'

    made, code, headers = custom.create_namespaced_custom_object_with_http_info(
        WIDGET_GROUP, "v1", namespace, "gadgets", body
    )
    assert code == 201
    assert made["spec"] == {"size": 2, "color": "red"}
    assert 'unknown field \\"spec.unknown\\"' in (headers.get("Warning") or "")  # quoted as kube does

    ignored, _, ignored_headers = custom.create_namespaced_custom_object_with_http_info(
        WIDGET_GROUP,
        "v1",
        namespace,
        "gadgets",
        {**body, "metadata": {"name": "quiet"}},
        field_validation="Ignore",
    )
    assert ignored["spec"] == {"size": 2, "color": "red"}
    assert not ignored_headers.get("Warning")

    # the typed client validates bodies itself, so unknown fields on built-ins go through the raw ApiClient
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    cm = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "loose", "bogus2": 1},
        "data": {"a": "1"},
        "bogus": 1,
    }
    made_cm, cm_headers = raw_response(api, "POST", path, body=cm)
    assert made_cm["data"] == {"a": "1"}
    assert "bogus" not in made_cm and "bogus2" not in made_cm["metadata"]
    warning = cm_headers.get("Warning") or ""
    assert 'unknown field \\"bogus\\"' in warning and 'unknown field \\"metadata.bogus2\\"' in warning
    stored = raw(api, "GET", f"{path}/loose")
    assert "bogus" not in stored and "bogus2" not in stored["metadata"]
    with pytest.raises(ApiException) as exc:
        raw(
            api,
            "POST",
            path,
            query=[("fieldValidation", "Strict")],
            body={**cm, "metadata": {"name": "strict"}},
        )
    assert exc.value.status == 400


def test_watch_custom_objects(api: client.ApiClient, gadgets: str, namespace: str) -> None:
    custom = client.CustomObjectsApi(api)
    rv = custom.list_namespaced_custom_object(WIDGET_GROUP, "v1", namespace, "gadgets")["metadata"][
        "resourceVersion"
    ]
    body = {
        "apiVersion": f"{WIDGET_GROUP}/v1",
        "kind": "Gadget",
        "metadata": {"name": "gw"},
        "spec": {"size": 1},
    }
    custom.create_namespaced_custom_object(WIDGET_GROUP, "v1", namespace, "gadgets", body)
    custom.patch_namespaced_custom_object_status(
        WIDGET_GROUP, "v1", namespace, "gadgets", "gw", {"status": {"phase": "Up"}}
    )
    custom.delete_namespaced_custom_object(WIDGET_GROUP, "v1", namespace, "gadgets", "gw")
    w = watch.Watch()
    seen = []
    for ev in w.stream(
        custom.list_namespaced_custom_object,
        WIDGET_GROUP,
        "v1",
        namespace,
        "gadgets",
        resource_version=rv,
        timeout_seconds=5,
    ):
        seen.append(
            (ev["type"], ev["object"]["metadata"]["name"], (ev["object"].get("status") or {}).get("phase"))
        )
        if ev["type"] == "DELETED":
            w.stop()
    assert seen == [("ADDED", "gw", None), ("MODIFIED", "gw", "Up"), ("DELETED", "gw", "Up")]


def test_dynamic_client_discovery_and_get(api: client.ApiClient, gadgets: str, namespace: str) -> None:
    dyn = dynamic.DynamicClient(api)
    cm_api = dyn.resources.get(api_version="v1", kind="ConfigMap")
    assert cm_api.namespaced and cm_api.name == "configmaps"
    gadget_api = dyn.resources.get(api_version=f"{WIDGET_GROUP}/v1", kind="Gadget")
    assert gadget_api.name == "gadgets" and gadget_api.namespaced
    assert "status" in gadget_api.subresources
    rv = gadget_api.get(namespace=namespace).metadata.resourceVersion
    gadget_api.create(
        body={
            "apiVersion": f"{WIDGET_GROUP}/v1",
            "kind": "Gadget",
            "metadata": {"name": "dyn"},
            "spec": {"size": 4},
        },
        namespace=namespace,
    )
    got = gadget_api.get(name="dyn", namespace=namespace)
    assert got.spec.size == 4 and got.spec.color == "red"
    assert got.metadata.namespace == namespace
    listed = gadget_api.get(namespace=namespace)
    assert [i.metadata.name for i in listed.items] == ["dyn"]
    patched = gadget_api.patch(
        name="dyn",
        namespace=namespace,
        body={"spec": {"color": "blue"}},
        content_type="application/merge-patch+json",
    )
    assert patched.spec.color == "blue"
    status = gadget_api.status.patch(
        name="dyn",
        namespace=namespace,
        body={"status": {"phase": "Up"}},
        content_type="application/merge-patch+json",
    )
    assert status.status.phase == "Up"
    gadget_api.delete(name="dyn", namespace=namespace)
    with pytest.raises(dynamic.exceptions.NotFoundError):
        gadget_api.get(name="dyn", namespace=namespace)
    # the dynamic client's watch replays what happened since the list
    seen = []
    for ev in dyn.watch(gadget_api, namespace=namespace, resource_version=rv, timeout=5):
        seen.append((ev["type"], ev["object"].metadata.name))
        if ev["type"] == "DELETED":
            break
    assert seen == [("ADDED", "dyn"), ("MODIFIED", "dyn"), ("MODIFIED", "dyn"), ("DELETED", "dyn")]
    # by group/version/kind lookup across built-in groups too
    lease_api = dyn.resources.get(group="coordination.k8s.io", kind="Lease")
    assert lease_api.api_version == "v1"


def test_server_side_apply_dynamic(api: client.ApiClient, namespace: str) -> None:
    dyn = dynamic.DynamicClient(api)
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
    manifest = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "ssa", "namespace": namespace},
        "data": {"a": "1", "b": "2"},
    }
    first = cms.server_side_apply(body=manifest, name="ssa", namespace=namespace, field_manager="tool-a")
    assert first.to_dict()["data"] == {"a": "1", "b": "2"}
    managers = {m.manager: m.operation for m in first.metadata.managedFields}
    assert managers == {"tool-a": "Apply"}

    # a second manager owning a different field co-exists
    cms.server_side_apply(
        body={**manifest, "data": {"c": "3"}}, name="ssa", namespace=namespace, field_manager="tool-b"
    )
    # re-applying without b removes b, because tool-a owned it alone
    out = cms.server_side_apply(
        body={**manifest, "data": {"a": "1"}}, name="ssa", namespace=namespace, field_manager="tool-a"
    )
    assert out.to_dict()["data"] == {"a": "1", "c": "3"}

    # a conflicting value from another manager is refused, unless forced
    with pytest.raises(ApiException) as exc:
        cms.server_side_apply(
            body={**manifest, "data": {"a": "changed"}},
            name="ssa",
            namespace=namespace,
            field_manager="tool-b",
        )
    assert exc.value.status == 409
    assert "conflict" in exc.value.body.lower()
    forced = cms.server_side_apply(
        body={**manifest, "data": {"a": "changed", "c": "3"}},
        name="ssa",
        namespace=namespace,
        field_manager="tool-b",
        force_conflicts=True,
    )
    assert forced.to_dict()["data"] == {"a": "changed", "c": "3"}
    owners = {m.manager for m in forced.metadata.managedFields}
    assert "tool-b" in owners


def test_apply_of_a_bare_name_creates_without_managed_fields(api: client.ApiClient, namespace: str) -> None:
    """Applying only a name owns no field, so kube leaves managedFields out (not null); the next
    apply then records the fields already there as `before-first-apply`, as kube does."""
    cms = dynamic.DynamicClient(api).resources.get(api_version="v1", kind="ConfigMap")
    bare = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "bare"}}
    made = cms.server_side_apply(body=bare, namespace=namespace, field_manager="tool").to_dict()
    assert "managedFields" not in made["metadata"], made
    stored = cms.get(name="bare", namespace=namespace).to_dict()
    assert "managedFields" not in stored["metadata"], stored
    again = cms.server_side_apply(body=bare, namespace=namespace, field_manager="tool").to_dict()
    assert [m["manager"] for m in again["metadata"]["managedFields"]] == ["before-first-apply"]

    # a manager that stops applying its last field owns nothing: its entry goes, not stays stale
    owned = {**bare, "metadata": {"name": "owned"}, "data": {"a": "1"}}
    cms.server_side_apply(body=owned, namespace=namespace, field_manager="tool")
    dropped = cms.server_side_apply(
        body={**bare, "metadata": {"name": "owned"}}, namespace=namespace, field_manager="tool"
    ).to_dict()
    assert "data" not in dropped and "managedFields" not in dropped["metadata"], dropped
    taken = cms.server_side_apply(
        body={**owned, "data": {"a": "2"}}, namespace=namespace, field_manager="other"
    )
    owners = {m["manager"]: m["fieldsV1"] for m in taken.to_dict()["metadata"]["managedFields"]}
    assert "tool" not in owners and owners["other"] == {"f:data": {"f:a": {}}}, owners


def test_server_side_apply_yaml_via_api_client(api: client.ApiClient, gadgets: str, namespace: str) -> None:
    """Apply with a raw YAML body and content type application/apply-patch+yaml, as kubectl does."""
    yaml_body = (
        f"apiVersion: {WIDGET_GROUP}/v1\nkind: Gadget\nmetadata:\n  name: applied\n  namespace: {namespace}\n"
        "spec:\n  size: 7\n  tags: [x, y]\n"
    )
    path = f"/apis/{WIDGET_GROUP}/v1/namespaces/{namespace}/gadgets/applied"
    apply_yaml = "application/apply-patch+yaml"
    manager = [("fieldManager", "yaml-applier")]
    out = raw(api, "PATCH", path, query=manager, body=yaml_body, content_type=apply_yaml)
    assert out["spec"] == {"size": 7, "tags": ["x", "y"], "color": "red"}
    assert [m["manager"] for m in out["metadata"]["managedFields"]] == ["yaml-applier"]
    assert out["metadata"]["managedFields"][0]["operation"] == "Apply"
    out = raw(
        api,
        "PATCH",
        path,
        query=manager,
        body=yaml_body.replace("size: 7", "size: 8"),
        content_type=apply_yaml,
    )
    assert out["spec"]["size"] == 8
    assert out["metadata"]["generation"] == 2


def test_apply_requires_field_manager(api: client.ApiClient, namespace: str) -> None:
    body = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nomanager\ndata:\n  a: b\n"
    path = f"/api/v1/namespaces/{namespace}/configmaps/nomanager"
    with pytest.raises(ApiException) as exc:
        raw(api, "PATCH", path, body=body, content_type="application/apply-patch+yaml")
    assert exc.value.status == 422
    assert "fieldManager: Required value" in exc.value.body
    assert status_of(lambda: client.CoreV1Api(api).read_namespaced_config_map("nomanager", namespace)) == 404


def test_server_side_apply_typed_client(
    core: client.CoreV1Api, api: client.ApiClient, namespace: str
) -> None:
    """The typed API with Content-Type forced to apply-patch, as operators do SSA with the official client."""
    api.set_default_header("Content-Type", "application/apply-patch+yaml")
    try:
        out = core.patch_namespaced_config_map(
            "typed",
            namespace,
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "typed"}, "data": {"k": "v"}},
            field_manager="operator",
        )
    finally:
        api.default_headers.pop("Content-Type", None)
    assert out.data == {"k": "v"}
    assert out.metadata.managed_fields[0].manager == "operator"
    assert out.metadata.managed_fields[0].operation == "Apply"


# --- kubernetes.utils --------------------------------------------------------------------------


def test_utils_create_from_yaml_and_apply(
    api: client.ApiClient, core: client.CoreV1Api, namespace: str
) -> None:
    from kubernetes import utils

    manifests = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "from-yaml"}, "data": {"a": "1"}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "from-yaml"}},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": "from-yaml"},
            "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}],
        },
        {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": "from-yaml"},
            "spec": {"holderIdentity": "me"},
        },
    ]
    created = utils.create_from_yaml(api, yaml_objects=manifests, namespace=namespace)
    assert len(created) == 4
    assert core.read_namespaced_config_map("from-yaml", namespace).data == {"a": "1"}
    assert core.read_namespaced_service_account("from-yaml", namespace).metadata.name == "from-yaml"
    assert client.RbacAuthorizationV1Api(api).read_namespaced_role("from-yaml", namespace).rules[0].verbs == [
        "get"
    ]
    assert (
        client.CoordinationV1Api(api).read_namespaced_lease("from-yaml", namespace).spec.holder_identity
        == "me"
    )

    # creating again reports every object as already existing
    with pytest.raises(utils.FailToCreateError) as exc:
        utils.create_from_yaml(api, yaml_objects=manifests[:2], namespace=namespace)
    assert [e.status for e in exc.value.api_exceptions] == [409, 409]

    # apply=True is server-side apply with the dynamic client, so a changed manifest updates in place;
    # data.a was set by the create (manager OpenAPI-Generator), so taking it over is a conflict unless forced
    changed = [{**manifests[0], "data": {"a": "2"}}]
    with pytest.raises(utils.FailToCreateError) as exc:
        utils.create_from_yaml(api, yaml_objects=changed, namespace=namespace, apply=True)
    assert exc.value.api_exceptions[0].status == 409
    assert "OpenAPI-Generator" in exc.value.api_exceptions[0].body
    utils.create_from_yaml(api, yaml_objects=changed, namespace=namespace, apply=True, force_conflicts=True)
    cm = core.read_namespaced_config_map("from-yaml", namespace)
    assert cm.data == {"a": "2"}
    assert "python-client" in {m.manager for m in cm.metadata.managed_fields}


# --- events -------------------------------------------------------------------------------------


def test_core_events_with_field_selectors(core: client.CoreV1Api, namespace: str) -> None:
    def event(name: str, obj: str, reason: str, type_: str) -> client.CoreV1Event:
        return client.CoreV1Event(
            metadata=client.V1ObjectMeta(name=name),
            involved_object=client.V1ObjectReference(
                kind="ConfigMap", name=obj, namespace=namespace, api_version="v1"
            ),
            reason=reason,
            message=f"{reason} {obj}",
            type=type_,
            source=client.V1EventSource(component="py-controller"),
            first_timestamp=datetime.datetime.now(datetime.UTC),
            last_timestamp=datetime.datetime.now(datetime.UTC),
            count=1,
        )

    core.create_namespaced_event(namespace, event("e1", "cfg", "Synced", "Normal"))
    core.create_namespaced_event(namespace, event("e2", "cfg", "Failed", "Warning"))
    core.create_namespaced_event(namespace, event("e3", "other", "Synced", "Normal"))

    def names(**kw: str) -> list[str]:
        return sorted(e.metadata.name for e in core.list_namespaced_event(namespace, **kw).items)

    assert names(field_selector="involvedObject.name=cfg") == ["e1", "e2"]
    assert names(field_selector="involvedObject.name=cfg,type=Warning") == ["e2"]
    assert names(field_selector="reason=Synced") == ["e1", "e3"]
    assert names(field_selector="involvedObject.kind=ConfigMap,source=py-controller") == ["e1", "e2", "e3"]
    got = core.read_namespaced_event("e2", namespace)
    assert got.involved_object.name == "cfg" and got.count == 1
    got.count = 2
    assert core.replace_namespaced_event("e2", namespace, got).count == 2


def test_events_v1_and_core_events_are_one_resource(
    api: client.ApiClient, core: client.CoreV1Api, namespace: str
) -> None:
    events = client.EventsV1Api(api)
    events.create_namespaced_event(
        namespace,
        client.EventsV1Event(
            metadata=client.V1ObjectMeta(name="modern"),
            event_time=datetime.datetime.now(datetime.UTC),
            reporting_controller="example.com/py-controller",
            reporting_instance="py-controller-1",
            action="Reconcile",
            reason="Synced",
            note="all good",
            type="Normal",
            regarding=client.V1ObjectReference(
                kind="ConfigMap", name="cfg", namespace=namespace, api_version="v1"
            ),
        ),
    )
    legacy = core.read_namespaced_event("modern", namespace)
    assert legacy.involved_object.name == "cfg"
    assert legacy.message == "all good"
    assert legacy.reporting_component == "example.com/py-controller"
    assert [
        e.metadata.name for e in core.list_namespaced_event(namespace, field_selector="reason=Synced").items
    ] == ["modern"]
    core.create_namespaced_event(
        namespace,
        client.CoreV1Event(
            metadata=client.V1ObjectMeta(name="legacy"),
            involved_object=client.V1ObjectReference(kind="ConfigMap", name="cfg", namespace=namespace),
            reason="Old",
            message="from core",
            type="Normal",
        ),
    )
    # read raw: an event made without eventTime has a null one, which this client's model refuses
    modern = raw(api, "GET", f"/apis/events.k8s.io/v1/namespaces/{namespace}/events/legacy")
    assert modern["regarding"]["name"] == "cfg" and modern["note"] == "from core"
    assert modern["apiVersion"] == "events.k8s.io/v1" and "involvedObject" not in modern
    assert modern["eventTime"] is None
    events.delete_namespaced_event("legacy", namespace)
    assert status_of(lambda: core.read_namespaced_event("legacy", namespace)) == 404


# --- dry run, delete options --------------------------------------------------------------------


def test_dry_run(core: client.CoreV1Api, api: client.ApiClient, gadgets: str, namespace: str) -> None:
    dry = core.create_namespaced_config_map(
        namespace,
        client.V1ConfigMap(metadata=client.V1ObjectMeta(name="dry"), data={"a": "1"}),
        dry_run="All",
    )
    assert dry.metadata.name == "dry" and dry.data == {"a": "1"}
    assert status_of(lambda: core.read_namespaced_config_map("dry", namespace)) == 404

    core.create_namespaced_config_map(
        namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="real"), data={"a": "1"})
    )
    patched = core.patch_namespaced_config_map("real", namespace, {"data": {"a": "2"}}, dry_run="All")
    assert patched.data == {"a": "2"}
    assert core.read_namespaced_config_map("real", namespace).data == {"a": "1"}

    core.delete_namespaced_config_map("real", namespace, dry_run="All")
    assert core.read_namespaced_config_map("real", namespace).data == {"a": "1"}

    # dry-run still validates
    assert (
        status_of(
            lambda: core.create_namespaced_config_map(
                namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="BAD")), dry_run="All"
            )
        )
        == 422
    )
    # and unknown dry-run values are rejected, as kube's ValidateCreateOptions does
    assert (
        status_of(
            lambda: core.create_namespaced_config_map(
                namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="x")), dry_run="Some"
            )
        )
        == 422
    )

    custom = client.CustomObjectsApi(api)
    body = {
        "apiVersion": f"{WIDGET_GROUP}/v1",
        "kind": "Gadget",
        "metadata": {"name": "dg"},
        "spec": {"size": 1},
    }
    out = custom.create_namespaced_custom_object(
        WIDGET_GROUP, "v1", namespace, "gadgets", body, dry_run="All"
    )
    assert out["spec"]["color"] == "red"
    assert (
        status_of(lambda: custom.get_namespaced_custom_object(WIDGET_GROUP, "v1", namespace, "gadgets", "dg"))
        == 404
    )


def test_delete_options(core: client.CoreV1Api, namespace: str) -> None:
    owner = core.create_namespaced_config_map(
        namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="owner"))
    )

    # finalizers keep an object around, with deletionTimestamp set, until they are removed
    core.create_namespaced_config_map(
        namespace,
        client.V1ConfigMap(metadata=client.V1ObjectMeta(name="held", finalizers=["example.com/hold"])),
    )
    core.delete_namespaced_config_map(
        "held", namespace, grace_period_seconds=0, propagation_policy="Background"
    )
    held = core.read_namespaced_config_map("held", namespace)
    assert held.metadata.deletion_timestamp is not None
    assert held.metadata.finalizers == ["example.com/hold"]
    core.patch_namespaced_config_map("held", namespace, {"metadata": {"finalizers": None}})
    eventually(lambda: status_of(lambda: core.read_namespaced_config_map("held", namespace)) == 404)

    # preconditions on uid
    assert (
        status_of(
            lambda: core.delete_namespaced_config_map(
                "owner",
                namespace,
                body=client.V1DeleteOptions(
                    preconditions=client.V1Preconditions(uid="00000000-0000-0000-0000-000000000000")
                ),
            )
        )
        == 409
    )
    # an owner deleted with propagationPolicy=Orphan goes away and leaves its dependent in place
    core.create_namespaced_config_map(
        namespace,
        client.V1ConfigMap(
            metadata=client.V1ObjectMeta(
                name="dependent",
                owner_references=[
                    client.V1OwnerReference(
                        api_version="v1",
                        kind="ConfigMap",
                        name="owner",
                        uid=owner.metadata.uid,
                        block_owner_deletion=True,
                    )
                ],
            )
        ),
    )
    # with a body, kube reads the options from it alone (kubernetes/kubernetes#43329): the policy goes there
    core.delete_namespaced_config_map(
        "owner",
        namespace,
        body=client.V1DeleteOptions(
            propagation_policy="Orphan",
            grace_period_seconds=0,
            preconditions=client.V1Preconditions(uid=owner.metadata.uid),
        ),
    )
    eventually(lambda: status_of(lambda: core.read_namespaced_config_map("owner", namespace)) == 404)
    # orphaned: the dependent survives
    assert core.read_namespaced_config_map("dependent", namespace).metadata.name == "dependent"

    assert status_of(
        lambda: core.delete_namespaced_config_map("dependent", namespace, propagation_policy="Sideways")
    ) in (
        400,
        422,
    )

    # deletecollection with a label selector
    for i in range(3):
        core.create_namespaced_config_map(
            namespace,
            client.V1ConfigMap(metadata=client.V1ObjectMeta(name=f"bulk-{i}", labels={"bulk": "yes"})),
        )
    core.delete_collection_namespaced_config_map(namespace, label_selector="bulk=yes")
    assert core.list_namespaced_config_map(namespace, label_selector="bulk=yes").items == []
    assert core.read_namespaced_config_map("dependent", namespace)
