"""Built-in kinds' Table columns and rows, as kube's printers print them.

kubectl prints the server's cells verbatim, so columns and cells follow kube: built-in kinds its
printers (`pkg/printers/internalversion/printers.go`), always wide (kubectl hides priority-1
columns itself); Role, ClusterRole and CRDs its default convertor (NAME, CREATED AT). The column
and time helpers serve custom resources' columns too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from kcp.apimachinery.duration import human_duration

Obj = Mapping[str, Any]
Printer = Callable[[Obj, datetime], list[Any]]

# Column descriptions are kube's (the API types' swagger docs), which `kubectl explain` also shows.
DOC = {
    "name": "Name must be unique within a namespace. Is required when creating resources, although some "
    "resources may allow a client to request the generation of an appropriate name automatically. Name is "
    "primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
    "created": "CreationTimestamp is a timestamp representing the server time when this object was created. "
    "It is not guaranteed to be set in happens-before order across separate operations. Clients may not set "
    "this value. It is represented in RFC3339 form and is in UTC.  Populated by the system. Read-only. Null "
    "for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
    "fieldPath": "If referring to a piece of an object instead of an entire object, this string should "
    "contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For "
    "example, if the object reference is to a container within a pod, this would take on a value like: "
    '"spec.containers{name}" (where "name" refers to the name of the container that triggered the event) '
    'or if no container name is specified "spec.containers[2]" (container with index 2 in this pod). This '
    "syntax is chosen only to have some well-defined way of referencing a part of an object.",
    "configMapData": "Data contains the configuration data. Each key must consist of alphanumeric "
    "characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The "
    "keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during "
    "validation process.",
    "secretType": "Used to facilitate programmatic handling of secret data. More info: "
    "https://kubernetes.io/docs/concepts/configuration/secret/#secret-types",
    "secretData": "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' "
    "or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary "
    "(possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4",
    "secrets": "Secrets is a list of the secrets in the same namespace that pods running using this "
    "ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a "
    '"kubernetes.io/enforce-mountable-secrets" annotation set to "true". The '
    '"kubernetes.io/enforce-mountable-secrets" annotation is deprecated since v1.32. Prefer separate '
    "namespaces to isolate access to mounted secrets. This field should not be used to find auto-generated "
    "service account token secrets for use outside of pods. Instead, tokens can be requested directly using "
    "the TokenRequest API, or service account token secrets can be manually created. More info: "
    "https://kubernetes.io/docs/concepts/configuration/secret",
    "holder": "holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader "
    "Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.",
    "roleRef": "RoleRef can reference a Role in the current namespace or a ClusterRole in the global "
    "namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.",
    "clusterRoleRef": "RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef "
    "cannot be resolved, the Authorizer must return an error.",
    "source": "The component reporting this event. Should be a short machine understandable string.",
    "first": "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)",
    "reason": "This should be a short, machine understandable string that gives the reason for the "
    "transition into the object's current status.",
}


def col(name: str, type_: str, doc: str, *, fmt: str = "", priority: int = 0) -> dict[str, Any]:
    return {"name": name, "type": type_, "format": fmt, "description": doc, "priority": priority}


NAME = col("Name", "string", DOC["name"], fmt="name")
_AGE = col("Age", "string", DOC["created"])
_CREATED_AT = col("Created At", "date", DOC["created"])


# --- time ------------------------------------------------------------------------------------------

_RFC3339 = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)")
_ZERO_TIME = datetime(1, 1, 1, tzinfo=UTC)


def parse_time(value: Any) -> datetime | None:
    """A metav1.Time/MicroTime in UTC: None when unset or Go's zero time; ValueError when not RFC 3339."""
    if value is None or value == "":
        return None
    match = _RFC3339.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"not an RFC 3339 time: {value!r}")
    y, mo, d, h, mi, s, frac, zone = match.groups()
    offset = (
        timedelta()
        if zone == "Z"
        else (1 if zone[0] == "+" else -1) * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    )
    micros = int((frac or ".")[1:7].ljust(6, "0"))
    try:
        local = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), micros, tzinfo=timezone(offset))
        parsed = local.astimezone(UTC)
    except OverflowError:  # an offset pushing year 1 or 9999 out of range
        raise ValueError(f"time out of range: {value!r}") from None
    return None if parsed == _ZERO_TIME else parsed


def _when(value: Any) -> datetime | None:
    """A stored object's timestamp; one that does not parse counts as unset."""
    try:
        return parse_time(value)
    except ValueError:
        return None


def age_of(then: datetime | None, now: datetime) -> str:
    """translateTimestampSince: the age of a timestamp, `<unknown>` when there is none."""
    return "<unknown>" if then is None else human_duration((now - then).total_seconds())


def _since(value: Any, now: datetime) -> str:
    return age_of(_when(value), now)


def _get(obj: Any, *keys: str) -> Any:
    for key in keys:
        obj = obj.get(key) if isinstance(obj, Mapping) else None
    return obj


def name_of(obj: Obj) -> str:
    return _get(obj, "metadata", "name") or ""


def _age(obj: Obj, now: datetime) -> str:
    return _since(_get(obj, "metadata", "creationTimestamp"), now)


# --- built-in printers ----------------------------------------------------------------------------


def _event_row(event: Obj, now: datetime) -> list[Any]:
    """printEvent: LAST SEEN is the series' last observation, else lastTimestamp, else FIRST SEEN
    (firstTimestamp, else eventTime): old-API and new-API events both get an age."""
    first = age_of(_when(event.get("firstTimestamp")) or _when(event.get("eventTime")), now)
    last_at = _when(event.get("lastTimestamp"))
    last = age_of(last_at, now) if last_at else first
    count = event.get("count") or 0
    series = event.get("series")
    if series is not None:
        last, count = _since(series.get("lastObservedTime"), now), series.get("count") or 0
    elif count == 0:
        count = 1  # a singleton event of the new API carries no count
    ref = event.get("involvedObject") or {}
    kind = (ref.get("kind") or "").lower()
    target = f"{kind}/{ref['name']}" if ref.get("name") else kind
    source = event.get("source") or {}
    component = source.get("component") or event.get("reportingComponent") or ""
    instance = source.get("host") or event.get("reportingInstance") or ""
    message = (event.get("message") or "").strip()
    shown_source = f"{component}, {instance}" if instance else component
    return [last, event.get("type") or "", event.get("reason") or "", target, ref.get("fieldPath") or "",
            shown_source, message, first, count, name_of(event)]  # fmt: skip


def _events_v1_row(event: Obj, now: datetime) -> list[Any]:
    """kube prints events.k8s.io Events through core's printer, fields renamed back."""
    core = {
        "metadata": event.get("metadata"),
        "involvedObject": event.get("regarding"),
        "message": event.get("note"),
        "firstTimestamp": event.get("deprecatedFirstTimestamp"),
        "lastTimestamp": event.get("deprecatedLastTimestamp"),
        "count": event.get("deprecatedCount"),
        "source": event.get("deprecatedSource"),
        "reportingComponent": event.get("reportingController"),
    }
    keep = ("type", "reason", "eventTime", "series", "reportingInstance")
    return _event_row(core | {k: event.get(k) for k in keep}, now)


def _binding_row(binding: Obj, now: datetime) -> list[Any]:
    role_ref = binding.get("roleRef") or {}
    users, groups, service_accounts = [], [], []
    for subject in binding.get("subjects") or []:
        kind, name = subject.get("kind"), subject.get("name", "")
        if kind == "ServiceAccount":
            service_accounts.append(f"{subject.get('namespace', '')}/{name}")
        elif kind == "User":
            users.append(name)
        elif kind == "Group":
            groups.append(name)
    role = f"{role_ref.get('kind', '')}/{role_ref.get('name', '')}"
    return [name_of(binding), role, _age(binding, now), ", ".join(users), ", ".join(groups),
            ", ".join(service_accounts)]  # fmt: skip


def _created_at_row(obj: Obj, now: datetime) -> list[Any]:
    """rest.DefaultTableConvertor: the creation time itself, UTC, whole seconds."""
    at = _when(_get(obj, "metadata", "creationTimestamp")) or _ZERO_TIME
    return [name_of(obj), f"{at.year:04d}-{at:%m-%dT%H:%M:%S}Z"]  # strftime prints year 1 as "1"


def _count_row(*fields: str) -> Printer:
    """NAME, the number of entries in `fields` (together), AGE."""
    return lambda o, now: [name_of(o), sum(len(o.get(f) or ()) for f in fields), _age(o, now)]


def _binding_columns(what: str, role_doc: str) -> list[dict[str, Any]]:
    subjects = ("Users", "Groups", "ServiceAccounts")
    wide = [col(c, "string", f"{c} in the {what}", priority=1) for c in subjects]
    return [NAME, col("Role", "string", role_doc), _AGE, *wide]


_EVENT_COLUMNS = [
    col("Last Seen", "string", "The time at which the most recent occurrence of this event was recorded."),
    col("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future"),
    col("Reason", "string", DOC["reason"]),
    col("Object", "string", "The object that this event is about."),
    col("Subobject", "string", DOC["fieldPath"], priority=1),
    col("Source", "string", DOC["source"], priority=1),
    col("Message", "string", "A human-readable description of the status of this operation."),
    col("First Seen", "string", DOC["first"], priority=1),
    col("Count", "string", "The number of times this event has occurred.", priority=1),
    col("Name", "string", DOC["name"], fmt="name", priority=1),
]
_RBAC, _ADMISSION = "rbac.authorization.k8s.io", "admissionregistration.k8s.io"
_WEBHOOKS_DOC = "Webhooks indicates the number of webhooks registered in this configuration"
_WEBHOOK_TABLE = ([NAME, col("Webhooks", "integer", _WEBHOOKS_DOC), _AGE], _count_row("webhooks"))
_DEFAULT_TABLE = ([NAME, _CREATED_AT], _created_at_row)
_POLICY_COLUMNS = [
    NAME,
    col(
        "Validations",
        "integer",
        "Validations indicates the number of validation rules defined in this configuration",
    ),
    col("ParamKind", "string", "ParamKind specifies the kind of resources used to parameterize this policy"),
    _AGE,
]
_POLICY_BINDING_COLUMNS = [
    NAME,
    col(
        "PolicyName",
        "string",
        "PolicyName indicates the policy definition which the policy binding binded to",
    ),
    col("ParamRef", "string", "ParamRef indicates the param resource which sets the configration param"),
    _AGE,
]


def _policy_row(obj: Obj, now: datetime) -> list[Any]:
    kind = _get(obj, "spec", "paramKind")
    shown = (
        f"{kind.get('apiVersion') or ''}/{kind.get('kind') or ''}" if isinstance(kind, Mapping) else "<unset>"
    )
    return [name_of(obj), len(_get(obj, "spec", "validations") or ()), shown, _age(obj, now)]


def _policy_binding_row(obj: Obj, now: datetime) -> list[Any]:
    ref, shown = _get(obj, "spec", "paramRef"), "<unset>"
    if isinstance(ref, Mapping) and ref.get("name"):
        shown = f"{ref.get('namespace') or '*'}/{ref['name']}"
    elif isinstance(ref, Mapping) and isinstance(ref.get("selector"), Mapping):
        shown = _go_label_selector(ref["selector"])
    return [name_of(obj), _get(obj, "spec", "policyName") or "", shown, _age(obj, now)]


def _go_label_selector(selector: Obj) -> str:
    """The generated String() of a metav1.LabelSelector, which kube's printer shows."""
    labels = selector.get("matchLabels") or {}
    pairs = "".join(f"{k}: {labels[k]}," for k in sorted(labels))
    tests = "".join(
        f"LabelSelectorRequirement{{Key:{e.get('key', '')},Operator:{e.get('operator', '')},"
        f"Values:[{' '.join(e.get('values') or [])}],}},"
        for e in selector.get("matchExpressions") or []
        if isinstance(e, Mapping)
    )
    labels_part = f"MatchLabels:map[string]string{{{pairs}}}"
    return f"&LabelSelector{{{labels_part},MatchExpressions:[]LabelSelectorRequirement{{{tests}}},}}"


def _secret_row(obj: Obj, now: datetime) -> list[Any]:
    return [name_of(obj), obj.get("type") or "", len(obj.get("data") or ()), _age(obj, now)]


def _namespace_row(obj: Obj, now: datetime) -> list[Any]:
    return [name_of(obj), _get(obj, "status", "phase") or "", _age(obj, now)]


def _lease_row(obj: Obj, now: datetime) -> list[Any]:
    return [name_of(obj), _get(obj, "spec", "holderIdentity") or "", _age(obj, now)]


def _resource_quota_row(obj: Obj, now: datetime) -> list[Any]:
    """printResourceQuota: `name: used/hard` for each of status.hard, sorted; `limits.*` names go
    to LIMIT, the rest to REQUEST."""
    hard, used = _get(obj, "status", "hard") or {}, _get(obj, "status", "used") or {}
    request: list[str] = []
    limit: list[str] = []
    for name in sorted(hard):
        column = limit if name.split(".")[0] == "limits" and "." in name else request
        column.append(f"{name}: {used.get(name) or 0}/{hard[name]}")
    return [name_of(obj), _age(obj, now), ", ".join(request), ", ".join(limit)]


def _csr_row(obj: Obj, now: datetime) -> list[Any]:
    """printCertificateSigningRequest: CONDITION is Denied, else Approved, else Pending, then
    `,Failed` and `,Issued` as they apply."""
    kinds = {c.get("type") for c in _get(obj, "status", "conditions") or [] if isinstance(c, Mapping)}
    condition = "Denied" if "Denied" in kinds else "Approved" if "Approved" in kinds else "Pending"
    condition += ",Failed" * ("Failed" in kinds) + ",Issued" * bool(_get(obj, "status", "certificate"))
    seconds = _get(obj, "spec", "expirationSeconds")
    duration = human_duration(seconds) if isinstance(seconds, int) else "<none>"
    signer = _get(obj, "spec", "signerName") or "<none>"
    return [name_of(obj), _age(obj, now), signer, _get(obj, "spec", "username") or "", duration, condition]


_CSR_COLUMNS = [
    NAME,
    _AGE,
    col("SignerName", "string", "The requested signer, a qualified name."),
    col("Requestor", "string", "The PEM-encoded certificate request."),
    col("RequestedDuration", "string", "The requested validity of the issued certificate."),
    col("Condition", "string", "Conditions applied to the request: Approved, Denied or Failed."),
]
_QUOTA_COLUMNS = [
    NAME,
    _AGE,
    col(
        "Request", "string", "Request represents a minimum amount of cpu/memory that a container may consume."
    ),
    col(
        "Limit",
        "string",
        "Limits control the maximum amount of cpu/memory that a container may use independent of contention "
        "on the node.",
    ),
]
_SECRET_COLUMNS = [
    NAME,
    col("Type", "string", DOC["secretType"]),
    col("Data", "string", DOC["secretData"]),
    _AGE,
]
BUILTIN: dict[tuple[str, str], tuple[list[dict[str, Any]], Printer]] = {
    ("", "Namespace"): (
        [NAME, col("Status", "string", "The status of the namespace"), _AGE],
        _namespace_row,
    ),
    ("", "ConfigMap"): (
        [NAME, col("Data", "string", DOC["configMapData"]), _AGE],
        _count_row("data", "binaryData"),
    ),
    ("", "Secret"): (_SECRET_COLUMNS, _secret_row),
    ("", "ServiceAccount"): (
        [NAME, col("Secrets", "string", DOC["secrets"]), _AGE],
        _count_row("secrets"),
    ),
    ("", "Event"): (_EVENT_COLUMNS, _event_row),
    ("", "ResourceQuota"): (_QUOTA_COLUMNS, _resource_quota_row),
    ("events.k8s.io", "Event"): (_EVENT_COLUMNS, _events_v1_row),
    ("certificates.k8s.io", "CertificateSigningRequest"): (_CSR_COLUMNS, _csr_row),
    ("coordination.k8s.io", "Lease"): ([NAME, col("Holder", "string", DOC["holder"]), _AGE], _lease_row),
    (_RBAC, "Role"): _DEFAULT_TABLE,
    (_RBAC, "ClusterRole"): _DEFAULT_TABLE,
    (_RBAC, "RoleBinding"): (_binding_columns("roleBinding", DOC["roleRef"]), _binding_row),
    (_RBAC, "ClusterRoleBinding"): (
        _binding_columns("clusterRoleBinding", DOC["clusterRoleRef"]),
        _binding_row,
    ),
    ("apiextensions.k8s.io", "CustomResourceDefinition"): _DEFAULT_TABLE,
    (_ADMISSION, "ValidatingWebhookConfiguration"): _WEBHOOK_TABLE,
    (_ADMISSION, "MutatingWebhookConfiguration"): _WEBHOOK_TABLE,
    (_ADMISSION, "ValidatingAdmissionPolicy"): (_POLICY_COLUMNS, _policy_row),
    (_ADMISSION, "ValidatingAdmissionPolicyBinding"): (_POLICY_BINDING_COLUMNS, _policy_binding_row),
}
