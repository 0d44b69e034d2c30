"""Admission webhooks registered in a workspace are called on its writes, as kube calls them."""

from __future__ import annotations

import base64
import http.server
import json
import ssl
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kcp.server import pki
from tests.support.server import Server

WS = "/apis/tenancy.kcp.io/v1alpha1/workspaces"
ADMISSION = "/apis/admissionregistration.k8s.io/v1"


class Hook:
    """An HTTPS webhook server: /validate denies configmaps with data.bad, and deletes of `keep`;
    /mutate labels what it sees. Every AdmissionReview request it got is kept."""

    def __init__(self, root: Path) -> None:
        keys = pki.ensure_pki(root, ["127.0.0.1"])
        self.ca_bundle = base64.b64encode(keys.ca_cert_pem).decode()
        self.requests: list[dict[str, Any]] = []
        hook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                review = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                request = review["request"]
                path, _, query = self.path.partition("?")
                version = review["apiVersion"]
                hook.requests.append({"path": path, "query": query, "review": version, **request})
                response: dict[str, Any] = {"uid": request["uid"], "allowed": True}
                obj, old = request.get("object") or {}, request.get("oldObject") or {}
                if path == "/validate" and (obj.get("data") or {}).get("bad"):
                    response = {**response, "allowed": False, "status": {"code": 403, "message": "bad data"}}
                if (
                    path == "/validate"
                    and request["operation"] == "DELETE"
                    and old["metadata"]["name"] == "keep"
                ):
                    response = {**response, "allowed": False, "status": {"message": "kept"}}
                if path == "/validate" and ((obj or old).get("data") or {}).get("old"):
                    response["warnings"] = ["the old key is deprecated"]
                labels = dict((obj.get("metadata") or {}).get("labels") or {})
                if path == "/mutate" and obj:
                    labels = {"mutated-by": "hook"}
                if path == "/mirror" and obj:  # copies label b, as far as it sees it
                    labels["mirror"] = labels.get("b", "none")
                if path == "/set-b" and obj:
                    labels["b"] = "1"
                if path in ("/mutate", "/mirror", "/set-b") and obj:
                    ops = [{"op": "add", "path": "/metadata/labels", "value": labels}]
                    response["patchType"] = "JSONPatch"
                    response["patch"] = base64.b64encode(json.dumps(ops).encode()).decode()
                envelope = {} if path == "/bare" else {"apiVersion": version, "kind": "AdmissionReview"}
                body = json.dumps({**envelope, "response": response})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(keys.cert_file, keys.key_file)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def hook(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hook]:
    server = Hook(tmp_path_factory.mktemp("hook"))
    yield server
    server.stop()


def webhook(kind: str, name: str, url: str, ca_bundle: str, **extra: Any) -> dict[str, Any]:
    rules = extra.pop("rules", None) or [
        {
            "operations": ["CREATE", "UPDATE", "DELETE"],
            "apiGroups": [""],
            "apiVersions": ["v1"],
            "resources": ["configmaps"],
        }
    ]
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": kind,
        "metadata": {"name": name},
        "webhooks": [
            {
                "name": name,
                "clientConfig": {"url": url, "caBundle": ca_bundle},
                "rules": rules,
                "sideEffects": "None",
                "admissionReviewVersions": ["v1"],
                **extra,
            }
        ],
    }


def workspace(kcp_server: Server) -> str:
    name = f"hooks-{uuid.uuid4().hex[:8]}"
    code, body, _ = kcp_server.request(
        "POST", f"/clusters/root{WS}", {"metadata": {"name": name}, "spec": {}}
    )
    assert code == 201 and body["status"]["phase"] == "Ready", body
    return f"/clusters/root:{name}"


def register(kcp_server: Server, base: str, config: dict[str, Any]) -> None:
    resource = (
        "mutatingwebhookconfigurations"
        if config["kind"].startswith("Mutating")
        else "validatingwebhookconfigurations"
    )
    code, body, _ = kcp_server.request("POST", f"{base}{ADMISSION}/{resource}", config)
    assert code == 201, body


def until(check: Any, what: str) -> None:
    deadline = time.monotonic() + 10
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_webhooks_deny_and_mutate_writes_in_their_workspace(kcp_server: Server, hook: Hook) -> None:
    base = workspace(kcp_server)
    register(
        kcp_server,
        base,
        webhook("ValidatingWebhookConfiguration", "deny.example.com", f"{hook.url}/validate", hook.ca_bundle),
    )
    code, stored, _ = kcp_server.request(
        "GET", f"{base}{ADMISSION}/validatingwebhookconfigurations/deny.example.com"
    )
    defaults = {
        "failurePolicy": "Fail",
        "matchPolicy": "Equivalent",
        "namespaceSelector": {},
        "timeoutSeconds": 10,
    }
    assert code == 200 and defaults.items() <= stored["webhooks"][0].items(), stored  # as kube defaults them
    assert stored["webhooks"][0]["objectSelector"] == {} and stored["webhooks"][0]["rules"][0]["scope"] == "*"
    register(
        kcp_server,
        base,
        webhook("MutatingWebhookConfiguration", "label.example.com", f"{hook.url}/mutate", hook.ca_bundle),
    )
    cms = f"{base}/api/v1/namespaces/default/configmaps"

    def denied_bad() -> bool:
        code, _, _ = kcp_server.request("POST", cms, {"metadata": {"name": "probe"}, "data": {"bad": "yes"}})
        return code == 403

    until(denied_bad, "the webhooks to take effect")
    code, body, _ = kcp_server.request("POST", cms, {"metadata": {"name": "bad"}, "data": {"bad": "yes"}})
    assert (
        code == 403 and body["message"] == 'admission webhook "deny.example.com" denied the request: bad data'
    )
    assert kcp_server.request("GET", f"{cms}/bad")[0] == 404

    code, made, _ = kcp_server.request("POST", cms, {"metadata": {"name": "good"}, "data": {"a": "1"}})
    assert code == 201 and made["metadata"]["labels"] == {"mutated-by": "hook"}, made
    seen = [r for r in hook.requests if r["name"] == "good" and r["operation"] == "CREATE"]
    assert {r["path"] for r in seen} == {"/validate", "/mutate"}
    assert {r["query"] for r in seen} == {"timeout=10s"}  # as kube's webhook client asks
    mutated = next(r for r in seen if r["path"] == "/mutate")
    assert "uid" not in mutated["object"]["metadata"]  # set by the server after mutating admission
    validated = next(r for r in seen if r["path"] == "/validate")
    assert validated["object"]["metadata"]["labels"] == {"mutated-by": "hook"}  # validating sees the mutation
    assert validated["kind"] == {"group": "", "version": "v1", "kind": "ConfigMap"}
    assert validated["resource"] == {"group": "", "version": "v1", "resource": "configmaps"}
    assert validated["namespace"] == "default" and validated["userInfo"]["username"] == "kcp-admin"
    assert validated["dryRun"] is False and validated["options"]["kind"] == "CreateOptions"

    code, body, _ = kcp_server.request(
        "PATCH", f"{cms}/good", {"data": {"bad": "yes"}}, content_type="application/merge-patch+json"
    )
    assert code == 403, body
    update = next(r for r in hook.requests if r["name"] == "good" and r["operation"] == "UPDATE")
    assert update["oldObject"]["data"] == {"a": "1"} and update["object"]["data"]["bad"] == "yes"
    assert kcp_server.request("GET", f"{cms}/good")[1]["data"] == {"a": "1"}

    assert kcp_server.request("POST", cms, {"metadata": {"name": "keep"}})[0] == 201
    code, body, _ = kcp_server.request("DELETE", f"{cms}/keep")
    assert code == 400 and body["message"] == 'admission webhook "deny.example.com" denied the request: kept'
    assert kcp_server.request("GET", f"{cms}/keep")[0] == 200

    code, dry, _ = kcp_server.request("POST", f"{cms}?dryRun=All", {"metadata": {"name": "dry"}})
    assert code == 201 and dry["metadata"]["labels"] == {"mutated-by": "hook"}
    assert any(r["name"] == "dry" and r["dryRun"] is True for r in hook.requests)
    assert kcp_server.request("GET", f"{cms}/dry")[0] == 404

    conditional = webhook(
        "ValidatingWebhookConfiguration",
        "only-team-a.example.com",
        f"{hook.url}/validate",
        hook.ca_bundle,
        matchConditions=[
            {"name": "team-a", "expression": "object != null && object.metadata.name.startsWith('team-a')"}
        ],
    )
    conditional["webhooks"][0]["rules"][0]["resources"] = ["secrets"]
    register(kcp_server, base, conditional)
    secrets_url = f"{base}/api/v1/namespaces/default/secrets"
    until(
        lambda: (
            kcp_server.request(
                "POST", secrets_url, {"metadata": {"name": "team-a-probe"}, "data": {"bad": "eWVz"}}
            )[0]
            == 403
        ),
        "the conditional webhook to take effect",
    )
    code, _, _ = kcp_server.request(
        "POST", secrets_url, {"metadata": {"name": "team-b"}, "data": {"bad": "eWVz"}}
    )
    assert code == 201  # its condition does not hold: not called

    code, _, headers = kcp_server.request("POST", cms, {"metadata": {"name": "warned"}, "data": {"old": "x"}})
    assert code == 201 and headers["Warning"] == '299 - "the old key is deprecated"'
    code, _, headers = kcp_server.request("DELETE", f"{cms}/warned")
    assert code == 200 and headers["Warning"] == '299 - "the old key is deprecated"'  # on delete too

    leases = f"{base}/apis/coordination.k8s.io/v1/namespaces/default/leases"
    before = len(hook.requests)
    assert kcp_server.request("POST", leases, {"metadata": {"name": "l"}})[0] == 201
    assert len(hook.requests) == before  # no rule names leases
    root_cms = "/clusters/root/api/v1/namespaces/default/configmaps"
    code, _, _ = kcp_server.request(
        "POST", root_cms, {"metadata": {"name": f"bad-{uuid.uuid4().hex[:6]}"}, "data": {"bad": "yes"}}
    )
    assert code == 201  # another workspace's webhooks do not apply here


def test_an_unreachable_webhook_fails_or_is_ignored_by_its_policy(kcp_server: Server, hook: Hook) -> None:
    base = workspace(kcp_server)
    gone = "https://127.0.0.1:9/nothing-listens-here"
    leases = [
        {
            "operations": ["CREATE"],
            "apiGroups": ["coordination.k8s.io"],
            "apiVersions": ["*"],
            "resources": ["leases"],
        }
    ]
    register(
        kcp_server,
        base,
        webhook(
            "ValidatingWebhookConfiguration",
            "strict.example.com",
            gone,
            hook.ca_bundle,
            rules=leases,
            timeoutSeconds=2,
        ),
    )
    events = [{"operations": ["*"], "apiGroups": ["*"], "apiVersions": ["*"], "resources": ["events"]}]
    register(
        kcp_server,
        base,
        webhook(
            "ValidatingWebhookConfiguration",
            "lenient.example.com",
            gone,
            hook.ca_bundle,
            rules=events,
            failurePolicy="Ignore",
        ),
    )
    leases_url = f"{base}/apis/coordination.k8s.io/v1/namespaces/default/leases"

    def failing() -> bool:
        code, body, _ = kcp_server.request(
            "POST", leases_url, {"metadata": {"name": f"l-{uuid.uuid4().hex[:6]}"}}
        )
        expected = (
            'Internal error occurred: failed calling webhook "strict.example.com": failed to call webhook: '
            f'Post "{gone}?timeout=2s": dial tcp 127.0.0.1:9: connect: connection refused'
        )
        return code == 500 and body["message"] == expected

    until(failing, "the strict webhook to take effect")
    event = {
        "metadata": {"name": "e"},
        "involvedObject": {"kind": "ConfigMap", "name": "x", "namespace": "default"},
        "reason": "R",
    }
    assert kcp_server.request("POST", f"{base}/api/v1/namespaces/default/events", event)[0] == 201


def test_configurations_kube_refuses_are_refused(kcp_server: Server, hook: Hook) -> None:
    base = workspace(kcp_server)
    url = f"{base}{ADMISSION}/validatingwebhookconfigurations"
    bad = webhook("ValidatingWebhookConfiguration", "bad", "http://u:p@x.example.com/v?a=1#f", hook.ca_bundle)
    bad["webhooks"][0] |= {"sideEffects": "Maybe", "admissionReviewVersions": ["v2"], "timeoutSeconds": 31}
    code, status, _ = kcp_server.request("POST", url, bad)
    assert code == 422 and status["reason"] == "Invalid", status
    assert [(c["field"], c["message"]) for c in status["details"]["causes"]] == [
        (
            "webhooks[0].name",
            'Invalid value: "bad": should be a domain with at least three segments separated by dots',
        ),
        ("webhooks[0].sideEffects", 'Unsupported value: "Maybe": supported values: "None", "NoneOnDryRun"'),
        (
            "webhooks[0].timeoutSeconds",
            "Invalid value: 31: the timeout value must be between 1 and 30 seconds",
        ),
        (
            "webhooks[0].clientConfig.url",
            "Invalid value: \"http\": 'https' is the only allowed URL scheme; desired format: https://host[/path]",
        ),
        (
            "webhooks[0].clientConfig.url",
            'Invalid value: "u:p": user information is not permitted in the URL',
        ),
        ("webhooks[0].clientConfig.url", 'Invalid value: "f": fragments are not permitted in the URL'),
        (
            "webhooks[0].clientConfig.url",
            'Invalid value: "a=1": query parameters are not permitted in the URL',
        ),
        (
            "webhooks[0].admissionReviewVersions",
            'Invalid value: []string{"v2"}: must include at least one of v1, v1beta1',
        ),
    ]
    twice = webhook("ValidatingWebhookConfiguration", "a.example.com", hook.url, hook.ca_bundle)
    twice["webhooks"] *= 2
    code, status, _ = kcp_server.request("POST", url, twice)
    assert code == 422 and status["details"]["causes"] == [
        {
            "reason": "FieldValueDuplicate",
            "message": 'Duplicate value: "a.example.com"',
            "field": "webhooks[1].name",
        }
    ], status
    code, status, _ = kcp_server.request(
        "POST", url, webhook("ValidatingWebhookConfiguration", "c.example.com", hook.url, "not base64!")
    )
    kind = "ValidatingWebhookConfiguration"
    assert code == 400 and status["message"] == (
        f'{kind} in version "v1" cannot be handled as a {kind}: illegal base64 data at input byte 3'
    ), status


def test_null_rules_and_conditions_are_empty_structs_as_go_decodes_them(kcp_server: Server) -> None:
    """A null where a struct goes in a list is Go's empty struct: kube's validation words, not a 500."""
    path = "/clusters/root/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations"
    hook = {
        "name": "n.example.com",
        "clientConfig": {"url": "https://example.com/hook"},
        "sideEffects": "None",
        "admissionReviewVersions": ["v1"],
        "rules": [None],
        "matchConditions": [None],
    }
    code, body, _ = kcp_server.request("POST", path, {"metadata": {"name": "nulls"}, "webhooks": [hook]})
    assert code == 422 and body["reason"] == "Invalid", body
    fields = {c["field"] for c in body["details"]["causes"]}
    assert "webhooks[0].rules[0].operations" in fields and "webhooks[0].matchConditions[0].name" in fields


def test_null_strings_in_lists_and_maps_are_empty_strings_as_go_decodes_them(
    kcp_server: Server, namespace: str
) -> None:
    """A null where a string goes in a list or map is Go's "": kube's validation words (the fuzz soak
    found `admissionReviewVersions: [null]` answered 500), and a ConfigMap stores it as ""."""
    path = "/clusters/root/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations"
    hook = {
        "name": "n.example.com",
        "clientConfig": {"url": "https://example.com/hook"},
        "sideEffects": "None",
        "admissionReviewVersions": [None],
    }
    code, body, _ = kcp_server.request("POST", path, {"metadata": {"name": "nulls"}, "webhooks": [hook]})
    assert code == 422 and body["reason"] == "Invalid", body
    messages = {c["field"]: c["message"] for c in body["details"]["causes"]}
    assert "webhooks[0].admissionReviewVersions[0]" in messages, messages
    cm = {"metadata": {"name": "nulls"}, "data": {"a": None}}
    code, body, _ = kcp_server.request("POST", f"/clusters/root/api/v1/namespaces/{namespace}/configmaps", cm)
    assert code == 201 and body["data"] == {"a": ""}, body


@pytest.mark.parametrize("policy", ["IfNeeded", "Never"])
def test_a_webhook_that_asks_is_called_again_after_a_later_change(
    kcp_server: Server, hook: Hook, policy: str
) -> None:
    """kube's reinvocationPolicy: `mirror` runs first and sees no label b; `set-b` adds it after, so
    an IfNeeded mirror is called once more and sees it, and a Never one is not."""
    base = workspace(kcp_server)
    register(
        kcp_server,
        base,
        webhook(
            "MutatingWebhookConfiguration",
            "a-mirror.example.com",
            hook.url + "/mirror",
            hook.ca_bundle,
            reinvocationPolicy=policy,
        ),
    )
    register(
        kcp_server,
        base,
        webhook("MutatingWebhookConfiguration", "b-set-b.example.com", hook.url + "/set-b", hook.ca_bundle),
    )
    path = f"{base}/api/v1/namespaces/default/configmaps"

    def created() -> Any:
        name = f"cm-{uuid.uuid4().hex[:6]}"
        code, body, _ = kcp_server.request("POST", path, {"metadata": {"name": name}})
        return body if code == 201 and (body["metadata"].get("labels") or {}).get("b") else None

    until(created, "both webhooks are registered")
    before = len([r for r in hook.requests if r["path"] == "/mirror"])
    body = created()
    calls = len([r for r in hook.requests if r["path"] == "/mirror"]) - before
    expected = "1" if policy == "IfNeeded" else "none"
    assert body["metadata"]["labels"] == {"mirror": expected, "b": "1"}
    assert calls == (2 if policy == "IfNeeded" else 1)


def test_the_review_version_is_the_first_the_webhook_lists(kcp_server: Server, hook: Hook) -> None:
    """kube sends the first AdmissionReview version a webhook lists that it speaks, and holds a v1
    answer to its apiVersion and kind (a v1beta1 one it takes as it comes)."""
    base = workspace(kcp_server)
    for name, versions in (("beta.example.com", ["v1beta1", "v1"]), ("strict.example.com", ["v1"])):
        config = webhook(
            "ValidatingWebhookConfiguration",
            name,
            hook.url + "/bare",
            hook.ca_bundle,
            admissionReviewVersions=versions,
            objectSelector={"matchLabels": {"hook": name}},
        )
        register(kcp_server, base, config)
    path = f"{base}/api/v1/namespaces/default/configmaps"

    def create(label: str) -> tuple[int, Any]:
        obj = {"metadata": {"generateName": "cm-", "labels": {"hook": label}}}
        code, body, _ = kcp_server.request("POST", path, obj)
        return code, body

    until(lambda: create("strict.example.com")[0] == 500, "the strict webhook is registered")
    assert create("strict.example.com")[1]["message"] == (
        'Internal error occurred: failed calling webhook "strict.example.com": received invalid webhook '
        "response: expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got /, Kind="
    )
    until(lambda: create("beta.example.com")[0] == 201, "the v1beta1 webhook answers")
    assert [r for r in hook.requests if r["path"] == "/bare"][-1]["review"] == "admission.k8s.io/v1beta1"
