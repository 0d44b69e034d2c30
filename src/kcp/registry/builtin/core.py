"""core/v1 kinds: namespaces, configmaps, secrets, serviceaccounts, events."""

from __future__ import annotations

import base64
import binascii
import contextlib
import re
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from kcp.apimachinery.errors import Cause, Forbidden
from kcp.apimachinery.gojson import unmarshal_map_error
from kcp.apimachinery.meta import finalizer_name_errors
from kcp.apimachinery.resources import APIResource
from kcp.logicalcluster import ClusterName
from kcp.registry.namespacecontent import DEFAULT_ACCOUNT, ROOT_CA
from kcp.registry.strategy import Companions, Object, Strategy
from kcp.schema.fielderrors import invalid, too_long

if TYPE_CHECKING:
    from kcp.registry.namespacecontent import NamespaceContent
    from kcp.registry.options import RequestScope
    from kcp.registry.store import Store
    from kcp.registry.tokensecrets import TokenSecrets

_CONFIG_KEY = re.compile(r"[-._a-zA-Z0-9]+")
MAX_DATA_BYTES = 1024 * 1024  # kube's MaxSecretSize, for ConfigMaps too: what etcd can hold comfortably
NAMESPACE_FINALIZER = "kubernetes"
# kube's NamespaceLifecycle admission keeps these for ever; kcp lets them go with their workspace only
IMMORTAL_NAMESPACES = frozenset({"default", "kube-system", "kube-public"})

NAMESPACES = APIResource(
    "",
    "v1",
    "namespaces",
    "Namespace",
    False,
    "namespace",
    ("ns",),
    subresources=("status", "finalize"),
    verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
)
CONFIGMAPS = APIResource("", "v1", "configmaps", "ConfigMap", True, "configmap", ("cm",))
SECRETS = APIResource("", "v1", "secrets", "Secret", True, "secret")
SERVICEACCOUNTS = APIResource(
    "", "v1", "serviceaccounts", "ServiceAccount", True, "serviceaccount", ("sa",), subresources=("token",)
)
EVENTS = APIResource("", "v1", "events", "Event", True, "event", ("ev",))


class NamespaceStrategy(Strategy):
    name_rule = "label"
    has_status_subresource = True
    content: NamespaceContent | None = None  # what a new namespace starts with (set by the catalog)

    @contextlib.asynccontextmanager
    async def creating(self, store: Store, scope: RequestScope, obj: Object) -> AsyncIterator[Companions]:
        """The content goes in the namespace's own transaction, unless webhooks may see it."""
        cluster, name = ClusterName(str(scope.cluster)), obj["metadata"]["name"]
        if self.content is None:
            yield []
        elif store.webhooks is not None and store.webhooks.registered(cluster):
            yield []
            await self.content.fill(cluster, name)
        else:
            yield self.content.entries(cluster, name)

    def prepare_for_create(self, obj: Object) -> None:
        spec = obj.setdefault("spec", {})
        if isinstance(spec, dict):
            finalizers = list(spec.get("finalizers") or [])
            if NAMESPACE_FINALIZER not in finalizers:
                finalizers.append(NAMESPACE_FINALIZER)
            spec["finalizers"] = finalizers
        obj["status"] = {"phase": "Active"}
        self.default(obj)

    def prepare_for_update(self, new: Object, old: Object, subresource: str = "") -> None:
        """Only the finalize subresource may change spec.finalizers."""
        if subresource != "finalize" and "spec" in old:
            new["spec"] = old["spec"]
        self.default(new)

    def prepare_for_delete(self, obj: Object) -> None:
        obj.setdefault("status", {})["phase"] = "Terminating"

    async def admit_delete(self, store: Store, scope: RequestScope, obj: Object) -> None:
        """`default`, `kube-system` and `kube-public` stay while their workspace does (kcp's
        workspaceNamespaceLifecycle, kube's words)."""
        name = obj["metadata"]["name"]
        if name not in IMMORTAL_NAMESPACES:
            return
        cluster = ClusterName(str(scope.cluster))
        if store.tenancy is not None and await store.tenancy.cluster_deleting(cluster):
            return
        raise Forbidden(
            f'namespaces "{name}" is forbidden: this namespace may not be deleted',
            name=name,
            kind="namespaces",
        )

    def validate(self, obj: Object) -> list[Cause]:
        return [c for f in _spec_finalizers(obj) for c in finalizer_name_errors(f, "spec.finalizers")]

    def validate_update(self, new: Object, old: Object) -> list[Cause]:
        """spec.finalizers change only through finalize, whose errors name each item's index; the
        phase says whether the namespace is being deleted, and nothing else (kube's path and words)."""
        causes = _phase_errors(new)
        finalizers = _spec_finalizers(new)
        if finalizers != _spec_finalizers(old):
            causes += [
                c for i, f in enumerate(finalizers) for c in finalizer_name_errors(f, f"spec.finalizers[{i}]")
            ]
        return causes

    def default(self, obj: Object) -> None:
        meta = obj["metadata"]
        if meta.get("name"):
            meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = meta["name"]


def _phase_errors(obj: Object) -> list[Cause]:
    phase = (obj.get("status") or {}).get("phase") or ""
    if obj["metadata"].get("deletionTimestamp"):
        if phase != "Terminating":
            return [
                invalid(
                    "status.Phase", phase, "may only be 'Terminating' if `deletionTimestamp` is not empty"
                )
            ]
    elif phase != "Active":
        return [invalid("status.Phase", phase, "may only be 'Active' if `deletionTimestamp` is empty")]
    return []


def _spec_finalizers(obj: Object) -> list[str]:
    spec = obj.get("spec")
    return list((spec.get("finalizers") if isinstance(spec, dict) else None) or [])


def _byte_size(values: object, *, decoded: bool) -> int:
    """The bytes a map of values holds: base64 ones (already checked) count decoded."""
    if not isinstance(values, dict):
        return 0
    strings = [v for v in values.values() if isinstance(v, str)]
    if decoded:
        return sum(len(base64.b64decode(v)) for v in strings)
    return sum(len(v.encode()) for v in strings)


class ServiceAccountStrategy(Strategy):
    return_deleted_object = True  # kube answers a delete with the account, not a Status
    content: NamespaceContent | None = None  # puts `default` back (set by the catalog)
    tokens: TokenSecrets | None = None  # deletes the account's token Secrets (set by the catalog)

    async def deleted(self, store: Store, scope: RequestScope, obj: Object) -> None:
        if self.tokens is not None:
            await self.tokens.account_deleted(ClusterName(str(scope.cluster)), obj)
        if self.content is not None and obj["metadata"]["name"] == DEFAULT_ACCOUNT:
            await self.content.account_deleted(ClusterName(str(scope.cluster)), scope.namespace)


class ConfigMapStrategy(Strategy):
    """binaryData's base64 is checked while decoding (schema/gotypes.py), as kube's codec does."""

    # puts kube-root-ca.crt back (set by the catalog on the ConfigMap strategy only, not on Secrets')
    content: NamespaceContent | None = None

    async def deleted(self, store: Store, scope: RequestScope, obj: Object) -> None:
        if self.content is not None and obj["metadata"]["name"] == ROOT_CA:
            await self.content.root_ca_deleted(ClusterName(str(scope.cluster)), scope.namespace)

    async def updated(self, store: Store, scope: RequestScope, obj: Object) -> None:
        if self.content is not None and obj["metadata"]["name"] == ROOT_CA:
            await self.content.root_ca_updated(ClusterName(str(scope.cluster)), scope.namespace, obj)

    def validate(self, obj: Object) -> list[Cause]:
        causes: list[Cause] = []
        seen: set[str] = set()
        for field in ("data", "binaryData"):
            values = obj.get(field)
            if values is None:
                continue
            if not isinstance(values, dict):
                causes.append(Cause("FieldValueInvalid", "Invalid value: must be a map", field))
                continue
            for key, value in values.items():
                if not _CONFIG_KEY.fullmatch(key) or len(key) > 253:
                    causes.append(
                        Cause(
                            "FieldValueInvalid",
                            f'Invalid value: "{key}": a valid config '
                            "key must consist of alphanumeric characters, '-', '_' or '.' "
                            "(e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used "
                            "for validation is '[-._a-zA-Z0-9]+')",
                            f"{field}[{key}]",
                        )
                    )
                if key in seen:
                    causes.append(
                        Cause(
                            "FieldValueInvalid",
                            f'Invalid value: "{key}": duplicate of key present in data',
                            f"binaryData[{key}]",
                        )
                    )
                seen.add(key)
                if not isinstance(value, str):
                    causes.append(
                        Cause("FieldValueInvalid", "Invalid value: must be a string", f"{field}[{key}]")
                    )
        return causes + self._size_causes(obj)

    def _size_causes(self, obj: Object) -> list[Cause]:
        """kube counts data's bytes and binaryData's decoded bytes together, against the whole object."""
        total = _byte_size(obj.get("data"), decoded=False) + _byte_size(obj.get("binaryData"), decoded=True)
        return [too_long("[]", MAX_DATA_BYTES)] if total > MAX_DATA_BYTES else []

    def validate_update(self, new: Object, old: Object) -> list[Cause]:
        causes = self.validate(new)
        if old.get("immutable"):
            for field in ("data", "binaryData", "immutable"):
                if new.get(field) != old.get(field):
                    causes.append(
                        Cause(
                            "FieldValueForbidden",
                            "Forbidden: field is immutable when `immutable` is set",
                            field,
                        )
                    )
        return causes


SERVICE_ACCOUNT_NAME = "kubernetes.io/service-account.name"
_DOCKER_KEYS = {
    "kubernetes.io/dockercfg": ".dockercfg",
    "kubernetes.io/dockerconfigjson": ".dockerconfigjson",
}


def _secret_type_causes(secret: Object) -> list[Cause]:
    """kube's ValidateSecret for the well-known types: the keys each must carry (paths as kube writes
    them, its `data[%s]` slip included), and docker configs that Go's JSON decoder takes as an object."""
    sent = secret.get("data")
    data: dict[str, Any] = sent if isinstance(sent, dict) else {}
    kind = secret.get("type")

    def required(field: str) -> Cause:
        return Cause("FieldValueRequired", "Required value", field)

    if kind == "kubernetes.io/service-account-token":
        annotations = secret["metadata"].get("annotations")
        if not isinstance(annotations, dict) or not annotations.get(SERVICE_ACCOUNT_NAME):
            return [required(f"metadata.annotations[{SERVICE_ACCOUNT_NAME}]")]
    elif kind in _DOCKER_KEYS:
        key = _DOCKER_KEYS[kind]
        if key not in data:
            return [required(f"data[{key}]")]
        if err := _docker_config_error(data[key]):
            return [
                Cause(
                    "FieldValueInvalid", f'Invalid value: "<secret contents redacted>": {err}', f"data[{key}]"
                )
            ]
    elif kind == "kubernetes.io/basic-auth":
        if "username" not in data and "password" not in data:
            return [required("data[%s][username]"), required("data[%s][password]")]
    elif kind == "kubernetes.io/ssh-auth":
        if not data.get("ssh-privatekey"):
            return [required("data[%s][ssh-privatekey]")]
    elif kind == "kubernetes.io/tls":
        return [required(f"data[{key}]") for key in ("tls.crt", "tls.key") if key not in data]
    return []


def _docker_config_error(payload: Any) -> str:
    """Go's complaint about a docker config's bytes, "" for a JSON object (bad base64 and non-strings
    are refused before validation)."""
    try:
        return unmarshal_map_error(base64.b64decode(payload)) if isinstance(payload, str) else ""
    except binascii.Error:
        return ""


class SecretStrategy(ConfigMapStrategy):
    tokens: TokenSecrets | None = None  # fills service-account-token Secrets (set by the catalog)

    @contextlib.asynccontextmanager
    async def creating(self, store: Store, scope: RequestScope, obj: Object) -> AsyncIterator[Companions]:
        if self.tokens is not None:
            await self.tokens.fill(ClusterName(str(scope.cluster)), obj)
        yield []

    def _fold(self, obj: Object) -> None:
        """`stringData` is write-only: folded into base64 `data`, winning over `data`."""
        string_data = obj.pop("stringData", None)
        if isinstance(string_data, dict):
            data = obj.setdefault("data", {})
            for key, value in string_data.items():
                if isinstance(value, str) and isinstance(data, dict):
                    data[key] = base64.b64encode(value.encode()).decode()
        obj.setdefault("type", "Opaque")

    def prepare_for_create(self, obj: Object) -> None:
        self._fold(obj)

    def prepare_for_update(self, new: Object, old: Object, subresource: str = "") -> None:
        self._fold(new)

    def validate(self, obj: Object) -> list[Cause]:
        causes = [c for c in super().validate(obj) if not c.field.startswith("binaryData")]
        return causes + _secret_type_causes(obj)

    def _size_causes(self, obj: Object) -> list[Cause]:
        total = _byte_size(obj.get("data"), decoded=True)
        return [too_long("data", MAX_DATA_BYTES)] if total > MAX_DATA_BYTES else []

    def validate_update(self, new: Object, old: Object) -> list[Cause]:
        causes = super().validate_update(new, old)
        if new.get("type") != old.get("type"):
            causes.append(
                Cause("FieldValueInvalid", f'Invalid value: "{new.get("type")}": field is immutable', "type")
            )
        return causes
