"""Calling the admission webhooks a logical cluster registered (admissionregistration.k8s.io/v1).

A write in a workspace goes to the webhooks configured in that workspace, as in kcp. Which clusters
have any configuration at all is kept as a set (filled by one scan, kept by a storage watch), so a
write elsewhere pays one set lookup; the configurations of recently used clusters are cached.
Webhooks are reached by `clientConfig.url` over HTTPS, trusting `caBundle` (no Services here).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import ssl
import uuid
from collections import OrderedDict
from typing import Any

import aiohttp
import cel
import orjson

from kcp.apimachinery import errors
from kcp.apimachinery.labels import go_quote, selector_from_dict
from kcp.apimachinery.patch import JSON_PATCH, apply_patch
from kcp.logicalcluster import ClusterName, cluster_of_key, object_key, object_prefix
from kcp.registry.admission import Attributes
from kcp.storage import Storage
from kcp.storage.presence import Presence

log = logging.getLogger(__name__)
GROUP = "admissionregistration.k8s.io"
VALIDATING, MUTATING = "validatingwebhookconfigurations", "mutatingwebhookconfigurations"
PREFIX = f"/registry/{GROUP}/"
REVIEW_VERSION = "admission.k8s.io/v1"
_CACHED_CLUSTERS = 256
_CACHED_CONTEXTS = 64
_CACHED_PROGRAMS = 1024
Hook = tuple[str, dict[str, Any]]  # (configuration name, webhook)


class AdmissionWebhooks:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._configs: OrderedDict[ClusterName, tuple[list[Hook], list[Hook]]] = OrderedDict()
        self._presence = Presence(
            storage,
            (f"{PREFIX}{MUTATING}/", f"{PREFIX}{VALIDATING}/"),
            cluster_of_key,
            on_change=lambda cluster: self._configs.pop(ClusterName(cluster), None),
            on_forget=self._configs.clear,
        )
        self._contexts: OrderedDict[str, ssl.SSLContext] = OrderedDict()
        self._programs: OrderedDict[str, Any] = OrderedDict()  # compiled matchConditions
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession()
        self._presence.start()

    async def close(self) -> None:
        await self._presence.close()
        if self._session is not None:
            await self._session.close()

    def registered(self, cluster: ClusterName) -> bool:
        return self._presence.may_hold(cluster)

    async def _hooks(self, cluster: ClusterName) -> tuple[list[Hook], list[Hook]]:
        """(mutating, validating) webhooks of a cluster, configurations in name order as kube runs them."""
        cached = self._configs.get(cluster)
        if cached is not None:
            self._configs.move_to_end(cluster)
            return cached
        seen = self._presence.changes
        out: list[list[Hook]] = []
        for resource in (MUTATING, VALIDATING):
            page = await self.storage.list(object_prefix(GROUP, resource, cluster))
            configs = sorted(
                (orjson.loads(e.value) for e in page.entries), key=lambda c: c["metadata"]["name"]
            )
            out.append([(c["metadata"]["name"], h) for c in configs for h in c.get("webhooks") or []])
        hooks = (out[0], out[1])
        if seen != self._presence.changes:
            return hooks  # a configuration changed while this was read: use it once, keep nothing
        if not hooks[0] and not hooks[1]:
            self._presence.absent(cluster, seen)
        self._configs[cluster] = hooks
        if len(self._configs) > _CACHED_CLUSTERS:
            self._configs.popitem(last=False)
        return hooks

    # -- calling them -----------------------------------------------------------------------------

    async def mutate(self, attrs: Attributes) -> None:
        """Each matching webhook in order; then, once, those with `reinvocationPolicy: IfNeeded` that
        a later webhook's change came after (kube's reinvocation: never one for its own change)."""
        mutating, _ = await self._hooks(attrs.cluster)
        invoked: set[int] = set()  # reinvocable webhooks called since the last change
        again: set[int] = set()
        for i, (config, hook) in enumerate(mutating):
            if not await self._matches(hook, attrs):
                continue
            if await self._mutated(config, hook, attrs):
                again |= invoked
                invoked = set()
            if hook.get("reinvocationPolicy") == "IfNeeded":
                invoked.add(i)
        for i, (config, hook) in enumerate(mutating):
            if i in again and await self._matches(hook, attrs):
                await self._mutated(config, hook, attrs)

    async def _mutated(self, config: str, hook: dict[str, Any], attrs: Attributes) -> bool:
        """Call one mutating webhook and apply its patch; whether the object changed."""
        response = await self._call(config, hook, attrs)
        patch = response.get("patch")
        if not patch or attrs.obj is None:
            return False
        if response.get("patchType", "JSONPatch") != "JSONPatch":
            raise self._failed(hook, f"unsupported patch type {response.get('patchType')!r}")
        try:
            patched = apply_patch(JSON_PATCH, attrs.obj, orjson.loads(base64.b64decode(patch)), None)
        except (ValueError, errors.StatusError) as e:
            raise self._failed(hook, f"the patch could not be applied: {e}") from None
        changed = bool(patched != attrs.obj)
        attrs.obj = patched
        return changed

    async def validate(self, attrs: Attributes) -> None:
        _, validating = await self._hooks(attrs.cluster)
        matching = [(c, h) for c, h in validating if await self._matches(h, attrs)]
        # kube calls validating webhooks in parallel; the first denial in order is the answer
        results = await asyncio.gather(
            *(self._call(c, h, attrs) for c, h in matching), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def _matches(self, hook: dict[str, Any], attrs: Attributes) -> bool:
        if not any(rule_matches(rule, attrs) for rule in hook.get("rules") or []):
            return False
        labels = [((o.get("metadata") or {}).get("labels") or {}) for o in (attrs.obj, attrs.old) if o]
        objects = hook.get("objectSelector")
        if objects and not any(selector_from_dict(objects).matches(lbl) for lbl in labels or [{}]):
            return False
        if not await self._namespace_matches(hook, attrs, labels):
            return False
        return self._conditions_hold(hook, attrs)

    async def _namespace_matches(self, hook: dict[str, Any], attrs: Attributes, labels: list[Any]) -> bool:
        namespaces = hook.get("namespaceSelector")
        if not namespaces:
            return True
        if attrs.resource.resource == "namespaces" and attrs.resource.group == "":
            ns_labels = labels[0] if labels else {}
        elif attrs.resource.namespaced:
            entry = await self.storage.get(object_key("", "namespaces", attrs.cluster, "", attrs.namespace))
            ns_labels = (orjson.loads(entry.value)["metadata"].get("labels") or {}) if entry else {}
        else:
            return True  # cluster-scoped objects are not in a namespace to select on
        return selector_from_dict(namespaces).matches(ns_labels)

    def _conditions_hold(self, hook: dict[str, Any], attrs: Attributes) -> bool:
        """`matchConditions`: CEL over object, oldObject and request; all must hold. One that cannot
        be evaluated fails the request, or skips the webhook when its failure policy is Ignore."""
        conditions = hook.get("matchConditions") or []
        if not conditions:
            return True
        request = {k: v for k, v in admission_request("", attrs).items() if k not in ("object", "oldObject")}
        context = cel.Context({"object": attrs.obj, "oldObject": attrs.old, "request": request})
        for condition in conditions:
            try:
                if self._program(str(condition.get("expression", ""))).execute(context) is not True:
                    return False
            except Exception as e:  # the CEL library raises whatever a bad expression makes it raise
                if hook.get("failurePolicy", "Fail") == "Ignore":
                    return False
                why = f'failed to evaluate match condition "{condition.get("name", "")}": {e}'
                raise self._failed(hook, why) from None
        return True

    def _program(self, expression: str) -> Any:
        program = self._programs.get(expression)
        if program is None:
            program = self._programs[expression] = cel.compile(expression)
            if len(self._programs) > _CACHED_PROGRAMS:
                self._programs.popitem(last=False)
        return program

    async def _call(self, config: str, hook: dict[str, Any], attrs: Attributes) -> dict[str, Any]:
        """One AdmissionReview round trip; raises the webhook's denial, or its failure when the
        failure policy is Fail (an unreachable webhook under Ignore is skipped)."""
        name = hook.get("name", config)
        effects = hook.get("sideEffects", "Unknown")
        if attrs.dry_run and effects not in ("None", "NoneOnDryRun"):
            raise errors.BadRequest(f'admission webhook "{name}" does not support dry run')
        uid = str(uuid.uuid4())
        version = _review_version(hook)
        review = {"apiVersion": version, "kind": "AdmissionReview", "request": admission_request(uid, attrs)}
        try:
            response = _verified(await self._post(hook, review), uid, version)
        except (aiohttp.ClientError, TimeoutError, ValueError, ssl.SSLError) as e:
            why = _why(e, _called_url(hook))
            if hook.get("failurePolicy", "Fail") == "Ignore":
                log.warning("admission webhook %s failed, ignored by its failure policy: %s", name, why)
                return {}
            raise self._failed(hook, why) from None
        if not response.get("allowed"):
            raise _denied(name, response.get("status") or {})
        attrs.warnings += [str(w) for w in response.get("warnings") or []]
        return response

    async def _post(self, hook: dict[str, Any], review: dict[str, Any]) -> Any:
        client = hook.get("clientConfig") or {}
        if not client.get("url"):
            raise ValueError("only clientConfig.url is supported: this server runs no Services")
        assert self._session is not None
        timeout = aiohttp.ClientTimeout(total=float(_timeout_seconds(hook)))
        async with self._session.post(
            _called_url(hook),
            data=orjson.dumps(review),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            ssl=self._context(client.get("caBundle") or ""),
            timeout=timeout,
        ) as resp:
            body = await resp.read()
            if resp.status >= 300:
                raise ValueError(f"the server responded with {resp.status}")
            return orjson.loads(body)

    def _context(self, ca_bundle: str) -> ssl.SSLContext:
        context = self._contexts.get(ca_bundle)
        if context is None:
            context = ssl.create_default_context()
            if ca_bundle:
                context.load_verify_locations(cadata=base64.b64decode(ca_bundle).decode())
            self._contexts[ca_bundle] = context
            if len(self._contexts) > _CACHED_CONTEXTS:
                self._contexts.popitem(last=False)
        return context

    @staticmethod
    def _failed(hook: dict[str, Any], why: str) -> errors.StatusError:
        return errors.InternalError(
            f'Internal error occurred: failed calling webhook "{hook.get("name", "")}": {why}'
        )


def _review_version(hook: dict[str, Any]) -> str:
    """The first AdmissionReview version the webhook lists that this server sends, as kube picks it
    (configurations are refused unless one is there)."""
    for version in hook.get("admissionReviewVersions") or []:
        if version in ("v1", "v1beta1"):
            return f"admission.k8s.io/{version}"
    return REVIEW_VERSION


def _verified(answer: Any, uid: str, version: str) -> dict[str, Any]:
    """The review's response, checked as kube's VerifyAdmissionResponse checks it (ValueError)."""
    invalid = "received invalid webhook response: "
    response = answer.get("response") if isinstance(answer, dict) else None
    if not isinstance(response, dict):
        raise ValueError(invalid + "webhook response was absent")
    if response.get("uid") != uid:
        got_uid = str(response.get("uid") or "")
        raise ValueError(f"{invalid}expected response.uid={go_quote(uid)}, got {go_quote(got_uid)}")
    if version == REVIEW_VERSION:
        api_version = str(answer.get("apiVersion") or "")
        group, _, ver = api_version.rpartition("/")
        got = f"{group}/{ver}, Kind={answer.get('kind') or ''}"
        wanted = f"{REVIEW_VERSION}, Kind=AdmissionReview"
        if got != wanted:
            raise ValueError(f"{invalid}expected webhook response of {wanted}, got {got}")
    return response


def _timeout_seconds(hook: dict[str, Any]) -> int:
    return int(hook.get("timeoutSeconds") or 10)


def _called_url(hook: dict[str, Any]) -> str:
    """The URL kube's webhook client posts to: the configured one (validated to have no query) with
    the call's timeout as `?timeout=<N>s`, which a webhook may read to budget its work."""
    url = str((hook.get("clientConfig") or {}).get("url", ""))
    return f"{url}?timeout={_timeout_seconds(hook)}s"


def _why(error: BaseException, url: str) -> str:
    """A call's failure in the words of kube's webhook client, without Python object reprs."""
    if isinstance(error, ValueError):
        return str(error)
    if isinstance(error, TimeoutError):
        reason = "context deadline exceeded"
    elif isinstance(error, aiohttp.ClientConnectorCertificateError | ssl.SSLError):
        reason = f"tls: failed to verify certificate: {getattr(error, 'certificate_error', error)}"
    elif isinstance(error, aiohttp.ClientConnectorError):
        os_error = error.os_error
        detail = "connection refused" if isinstance(os_error, ConnectionRefusedError) else os_error.strerror
        reason = f"dial tcp {error.host}:{error.port}: connect: {detail or os_error}"
    else:
        reason = type(error).__name__ if not str(error) else str(error)
    return f'failed to call webhook: Post "{url}": {reason}'


def rule_matches(rule: dict[str, Any], attrs: Attributes) -> bool:
    res = attrs.resource

    def has(field: str, value: str) -> bool:
        values = rule.get(field) or []
        return "*" in values or value in values

    if not (
        has("operations", attrs.operation) and has("apiGroups", res.group) and has("apiVersions", res.version)
    ):
        return False
    scope = rule.get("scope", "*")
    if (scope == "Cluster" and res.namespaced) or (scope == "Namespaced" and not res.namespaced):
        return False
    for wanted in rule.get("resources") or []:
        name, _, sub = wanted.partition("/")
        if name in ("*", res.resource) and (sub == attrs.subresource or (sub == "*" and "/" in wanted)):
            return True
    return False


def admission_request(uid: str, attrs: Attributes) -> dict[str, Any]:
    res = attrs.resource
    kind = {"group": res.group, "version": res.version, "kind": res.kind}
    resource = {"group": res.group, "version": res.version, "resource": res.resource}
    request: dict[str, Any] = {
        "uid": uid,
        "kind": kind,
        "resource": resource,
        "requestKind": kind,
        "requestResource": resource,
        "name": attrs.name,
        "operation": attrs.operation,
        "userInfo": attrs.user.to_dict(),
        "object": attrs.obj,
        "oldObject": attrs.old,
        "dryRun": attrs.dry_run,
        "options": attrs.options,
    }
    if attrs.subresource:
        request["subResource"] = attrs.subresource
    if attrs.namespace:
        request["namespace"] = attrs.namespace
    return request


def _denied(name: str, status: dict[str, Any]) -> errors.StatusError:
    """kube's ToStatusErr: the webhook's code (at least 400) and message, said to be from it."""
    denied = f'admission webhook "{name}" denied the request'
    message = status.get("message") or status.get("reason")
    code = status.get("code")
    cls = errors.for_code(max(code, 400) if isinstance(code, int) else 400)
    return cls(f"{denied}: {message}" if message else f"{denied} without explanation")
