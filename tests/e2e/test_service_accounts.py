"""A ServiceAccount's token, used by the official `kubernetes` client, in a workspace other than root.

kcp lets a service account into the workspace that issued its token without `access` on `/`
(its workspace content authorizer's "local service account access"); RBAC then decides. In any
other workspace the same token is a foreign identity and is refused.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import orjson
import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException

from tests.support.polling import eventually
from tests.support.server import Server

WORKSPACES = "/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspaces"


def ready_workspace(server: Server, name: str) -> str:
    body = {"apiVersion": "tenancy.kcp.io/v1alpha1", "kind": "Workspace", "metadata": {"name": name}}
    code, made, _ = server.request("POST", WORKSPACES, body)
    assert code == 201, made

    def ready() -> bool:
        code, ws, _ = server.request("GET", f"{WORKSPACES}/{name}")
        return code == 200 and ws.get("status", {}).get("phase") == "Ready"

    eventually(ready, f"workspace {name} Ready")
    return f"root:{name}"


@pytest.fixture
def two_workspaces(kcp_server: Server) -> Iterator[tuple[str, str]]:
    names = [f"sa-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    yield ready_workspace(kcp_server, names[0]), ready_workspace(kcp_server, names[1])
    for name in names:
        kcp_server.request("DELETE", f"{WORKSPACES}/{name}")


def api_client(server: Server, cluster: str, token: str) -> client.ApiClient:
    cfg = client.Configuration()
    cfg.host = f"{server.base_url}/clusters/{cluster}"
    cfg.ssl_ca_cert = str(server.root / "ca.crt")
    cfg.api_key = {"authorization": f"Bearer {token}"}
    return client.ApiClient(cfg)


def status_of(call: object) -> int:
    try:
        call()  # type: ignore[operator]
    except ApiException as e:
        return int(e.status)
    return 0


def test_service_account_token_in_its_own_workspace(
    kcp_server: Server, two_workspaces: tuple[str, str]
) -> None:
    home, other = two_workspaces
    with api_client(kcp_server, home, kcp_server.token) as admin_api:
        core = client.CoreV1Api(admin_api)
        rbac = client.RbacAuthorizationV1Api(admin_api)
        core.create_namespaced_service_account(
            "default", client.V1ServiceAccount(metadata=client.V1ObjectMeta(name="bot"))
        )
        rbac.create_namespaced_role(
            "default",
            client.V1Role(
                metadata=client.V1ObjectMeta(name="cm-reader"),
                rules=[client.V1PolicyRule(api_groups=[""], resources=["configmaps"], verbs=["get", "list"])],
            ),
        )
        rbac.create_namespaced_role_binding(
            "default",
            client.V1RoleBinding(
                metadata=client.V1ObjectMeta(name="cm-reader"),
                role_ref=client.V1RoleRef(
                    api_group="rbac.authorization.k8s.io", kind="Role", name="cm-reader"
                ),
                subjects=[client.RbacV1Subject(kind="ServiceAccount", name="bot", namespace="default")],
            ),
        )
        core.create_namespaced_config_map(
            "default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="visible"))
        )
        token = core.create_namespaced_service_account_token(
            "bot",
            "default",
            client.AuthenticationV1TokenRequest(spec=client.V1TokenRequestSpec(audiences=[])),
        ).status.token

    with api_client(kcp_server, home, token) as bot_api:
        bot = client.CoreV1Api(bot_api)
        listed = eventually(lambda: bot.list_namespaced_config_map("default").items, "configmaps listed")
        assert "visible" in [c.metadata.name for c in listed]
        assert bot.read_namespaced_config_map("visible", "default").metadata.name == "visible"
        me = client.AuthenticationV1Api(bot_api).create_self_subject_review(client.V1SelfSubjectReview())
        assert me.status.user_info.username == "system:serviceaccount:default:bot"
        assert "system:serviceaccounts:default" in me.status.user_info.groups
        # what RBAC grants, and nothing more
        with pytest.raises(ApiException) as refused:
            bot.create_namespaced_config_map(
                "default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="no"))
            )
        assert refused.value.status == 403
        message = orjson.loads(refused.value.body)["message"]
        assert 'User "system:serviceaccount:default:bot" cannot create' in message
        assert "workspace access not permitted" not in message
        assert status_of(lambda: bot.list_namespaced_secret("default")) == 403
        assert status_of(lambda: bot.list_namespace()) == 403
    # it may enter its workspace, so it may learn that a child does not exist
    with api_client(kcp_server, f"{home}:missing", token) as lost_api:
        assert status_of(lambda: client.CoreV1Api(lost_api).list_namespaced_config_map("default")) == 404

    # elsewhere the same token is nobody in particular: no access to the workspace at all
    with api_client(kcp_server, other, token) as foreign_api:
        with pytest.raises(ApiException) as foreign:
            client.CoreV1Api(foreign_api).list_namespaced_config_map("default")
        assert foreign.value.status == 403
        message = orjson.loads(foreign.value.body)["message"]
        assert 'User "system:anonymous"' in message and message.endswith("workspace access not permitted")
        assert (
            status_of(
                lambda: client.AuthenticationV1Api(foreign_api).create_self_subject_review(
                    client.V1SelfSubjectReview()
                )
            )
            == 403
        )
