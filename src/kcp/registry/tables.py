"""Table conversion (`meta.k8s.io/v1 Table`): what `kubectl get` prints, as kube-apiserver builds it.

kubectl prints the server's cells verbatim, so columns and cells follow kube: built-in kinds its
printers (`pkg/printers/internalversion/printers.go`), always wide (kubectl hides priority-1
columns itself); Role, ClusterRole and CRDs its default convertor (NAME, CREATED AT); custom
resources their CRD's additionalPrinterColumns (apiextensions `tableconvertor`), AGE when none.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from kcp.apimachinery.duration import human_duration
from kcp.apimachinery.errors import BadRequest
from kcp.apimachinery.labels import go_quote

Obj = Mapping[str, Any]
Printer = Callable[[Obj, datetime], list[Any]]

# Column descriptions are kube's (the API types' swagger docs), which `kubectl explain` also shows.
_DOC = {
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


def _col(name: str, type_: str, doc: str, *, fmt: str = "", priority: int = 0) -> dict[str, Any]:
    return {"name": name, "type": type_, "format": fmt, "description": doc, "priority": priority}


_NAME = _col("Name", "string", _DOC["name"], fmt="name")
_AGE = _col("Age", "string", _DOC["created"])
_CREATED_AT = _col("Created At", "date", _DOC["created"])


# --- time ------------------------------------------------------------------------------------------

_RFC3339 = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)")
_ZERO_TIME = datetime(1, 1, 1, tzinfo=UTC)


def _parse_time(value: Any) -> datetime | None:
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
        return _parse_time(value)
    except ValueError:
        return None


def _age_of(then: datetime | None, now: datetime) -> str:
    """translateTimestampSince: the age of a timestamp, `<unknown>` when there is none."""
    return "<unknown>" if then is None else human_duration((now - then).total_seconds())


def _since(value: Any, now: datetime) -> str:
    return _age_of(_when(value), now)


def _get(obj: Any, *keys: str) -> Any:
    for key in keys:
        obj = obj.get(key) if isinstance(obj, Mapping) else None
    return obj


def _name(obj: Obj) -> str:
    return _get(obj, "metadata", "name") or ""


def _age(obj: Obj, now: datetime) -> str:
    return _since(_get(obj, "metadata", "creationTimestamp"), now)


# --- built-in printers ----------------------------------------------------------------------------


def _event_row(event: Obj, now: datetime) -> list[Any]:
    """printEvent: LAST SEEN is the series' last observation, else lastTimestamp, else FIRST SEEN
    (firstTimestamp, else eventTime): old-API and new-API events both get an age."""
    first = _age_of(_when(event.get("firstTimestamp")) or _when(event.get("eventTime")), now)
    last_at = _when(event.get("lastTimestamp"))
    last = _age_of(last_at, now) if last_at else first
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
            shown_source, message, first, count, _name(event)]  # fmt: skip


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
    return [_name(binding), role, _age(binding, now), ", ".join(users), ", ".join(groups),
            ", ".join(service_accounts)]  # fmt: skip


def _created_at_row(obj: Obj, now: datetime) -> list[Any]:
    """rest.DefaultTableConvertor: the creation time itself, UTC, whole seconds."""
    at = _when(_get(obj, "metadata", "creationTimestamp")) or _ZERO_TIME
    return [_name(obj), f"{at.year:04d}-{at:%m-%dT%H:%M:%S}Z"]  # strftime prints year 1 as "1"


def _count_row(*fields: str) -> Printer:
    """NAME, the number of entries in `fields` (together), AGE."""
    return lambda o, now: [_name(o), sum(len(o.get(f) or ()) for f in fields), _age(o, now)]


def _binding_columns(what: str, role_doc: str) -> list[dict[str, Any]]:
    subjects = ("Users", "Groups", "ServiceAccounts")
    wide = [_col(c, "string", f"{c} in the {what}", priority=1) for c in subjects]
    return [_NAME, _col("Role", "string", role_doc), _AGE, *wide]


_EVENT_COLUMNS = [
    _col("Last Seen", "string", "The time at which the most recent occurrence of this event was recorded."),
    _col("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future"),
    _col("Reason", "string", _DOC["reason"]),
    _col("Object", "string", "The object that this event is about."),
    _col("Subobject", "string", _DOC["fieldPath"], priority=1),
    _col("Source", "string", _DOC["source"], priority=1),
    _col("Message", "string", "A human-readable description of the status of this operation."),
    _col("First Seen", "string", _DOC["first"], priority=1),
    _col("Count", "string", "The number of times this event has occurred.", priority=1),
    _col("Name", "string", _DOC["name"], fmt="name", priority=1),
]
_RBAC, _ADMISSION = "rbac.authorization.k8s.io", "admissionregistration.k8s.io"
_WEBHOOKS_DOC = "Webhooks indicates the number of webhooks registered in this configuration"
_WEBHOOK_TABLE = ([_NAME, _col("Webhooks", "integer", _WEBHOOKS_DOC), _AGE], _count_row("webhooks"))
_DEFAULT_TABLE = ([_NAME, _CREATED_AT], _created_at_row)


def _secret_row(obj: Obj, now: datetime) -> list[Any]:
    return [_name(obj), obj.get("type") or "", len(obj.get("data") or ()), _age(obj, now)]


def _namespace_row(obj: Obj, now: datetime) -> list[Any]:
    return [_name(obj), _get(obj, "status", "phase") or "", _age(obj, now)]


def _lease_row(obj: Obj, now: datetime) -> list[Any]:
    return [_name(obj), _get(obj, "spec", "holderIdentity") or "", _age(obj, now)]


_SECRET_COLUMNS = [
    _NAME,
    _col("Type", "string", _DOC["secretType"]),
    _col("Data", "string", _DOC["secretData"]),
    _AGE,
]
_BUILTIN: dict[tuple[str, str], tuple[list[dict[str, Any]], Printer]] = {
    ("", "Namespace"): (
        [_NAME, _col("Status", "string", "The status of the namespace"), _AGE],
        _namespace_row,
    ),
    ("", "ConfigMap"): (
        [_NAME, _col("Data", "string", _DOC["configMapData"]), _AGE],
        _count_row("data", "binaryData"),
    ),
    ("", "Secret"): (_SECRET_COLUMNS, _secret_row),
    ("", "ServiceAccount"): (
        [_NAME, _col("Secrets", "string", _DOC["secrets"]), _AGE],
        _count_row("secrets"),
    ),
    ("", "Event"): (_EVENT_COLUMNS, _event_row),
    ("events.k8s.io", "Event"): (_EVENT_COLUMNS, _events_v1_row),
    ("coordination.k8s.io", "Lease"): ([_NAME, _col("Holder", "string", _DOC["holder"]), _AGE], _lease_row),
    (_RBAC, "Role"): _DEFAULT_TABLE,
    (_RBAC, "ClusterRole"): _DEFAULT_TABLE,
    (_RBAC, "RoleBinding"): (_binding_columns("roleBinding", _DOC["roleRef"]), _binding_row),
    (_RBAC, "ClusterRoleBinding"): (
        _binding_columns("clusterRoleBinding", _DOC["clusterRoleRef"]),
        _binding_row,
    ),
    ("apiextensions.k8s.io", "CustomResourceDefinition"): _DEFAULT_TABLE,
    (_ADMISSION, "ValidatingWebhookConfiguration"): _WEBHOOK_TABLE,
    (_ADMISSION, "MutatingWebhookConfiguration"): _WEBHOOK_TABLE,
}


# --- custom resources: additionalPrinterColumns over a small JSONPath ----------------------------


class JSONPathError(ValueError):
    """A path kube's parser rejects (the column is dropped), or that fails on one object (empty cell)."""


_TERMINATORS = frozenset(" \t\r\n.,[]$@{}")
_SLICE = re.compile(r"(-?\d*)(?::(-?\d*))?", re.ASCII)
_FILTER = re.compile(r"([^!<>=]+)([!<>=]+)(.+?)")
_NUMBER = re.compile(r"[+-]?[\d.]+", re.ASCII)
# ("field", name) | ("wild", None) | ("slice", (start, end, derived)) | ("filter", (op, left, right))
Step = tuple[str, Any]


def compile_jsonpath(text: str) -> list[Step]:
    """kubectl's JSONPath, as CRD columns use it: `.a.b`, `['k']`, `[0]`, `[1:3]`, `[*]`, `.*`,
    `[?(@.type=="Ready")]` (==, !=, <, >, <=, >=, or bare existence). Recursive descent (`..`)
    and unions (`[a,b]`) are not supported and raise like a syntax error."""
    steps: list[Step] = []
    i, n = 0, len(text)
    while i < n:
        if text.startswith("..", i):
            raise JSONPathError("recursive descent is not supported")
        if text[i] in " @$":  # kube skips spaces and the root/current markers
            i += 1
        elif text[i] == ".":
            j = i + 1
            while j < n and text[j] not in _TERMINATORS:
                j += 2 if text[j] == "\\" else 1
            name = text[i + 1 : j].replace("\\", "")
            steps.append(("wild", None) if name == "*" else ("field", name))
            i = j
        elif text.startswith("[?(", i):
            j = _filter_end(text, i + 3)
            if text[j + 1 : j + 2] != "]":
                raise JSONPathError("unclosed array expect ]")
            steps.append(("filter", _compile_filter(text[i + 3 : j])))
            i = j + 2
        elif text[i] == "[":
            j = text.find("]", i)
            if j < 0:
                raise JSONPathError("unterminated array")
            steps.extend(_compile_bracket(text[i + 1 : j]))
            i = j + 1
        else:
            raise JSONPathError(f"unrecognized character in action: {text[i]!r}")
    return steps


def _compile_bracket(inner: str) -> list[Step]:
    if len(inner) >= 2 and inner[0] == inner[-1] == "'" and "'" not in inner[1:-1]:
        return compile_jsonpath("." + inner[1:-1])  # kube reads `['a.b']` as `.a.b`: dots need `\.`
    if inner == "*":
        return [("slice", (None, None, False))]
    match = _SLICE.fullmatch(inner)
    if match is None or not inner or "-" in (match[1], match[2]):
        raise JSONPathError(f"invalid array index {inner}")
    start = int(match[1]) if match[1] else None
    if match[2] is None:  # `[n]` is the slice n:n+1
        return [("slice", (start or 0, (start or 0) + 1, True))]
    return [("slice", (start, int(match[2]) if match[2] else None, False))]


def _filter_end(text: str, start: int) -> int:
    """The `)` closing a filter: the first one outside a quoted literal."""
    begin = end = False
    pair = ""
    for j in range(start, len(text)):
        ch = text[j]
        if ch == "\n":
            break
        if ch in "\"'":
            if not begin:
                begin, pair = True, ch
            elif text[j - 1] != "\\" and ch == pair:
                end = True
        elif ch == ")" and begin == end:
            return j
    raise JSONPathError("unterminated filter")


def _compile_filter(body: str) -> tuple[str, Step, Step | None]:
    match = _FILTER.fullmatch(body)
    if match is None:
        return ("exists", _operand(body), None)
    return (match[2], _operand(match[1]), _operand(match[3]))


def _operand(text: str) -> Step:
    text = text.strip(" ")
    if len(text) >= 2 and text[0] in "\"'" and text[-1] == text[0]:
        return ("literal", re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), text[1:-1]))
    if _NUMBER.fullmatch(text):
        try:
            return ("literal", int(text) if text.lstrip("+-").isdigit() else float(text))
        except ValueError:
            raise JSONPathError(f"cannot parse number {text}") from None
    if text in ("true", "false"):
        return ("literal", text == "true")
    return ("path", compile_jsonpath(text))


def find_jsonpath(steps: Sequence[Step], obj: Any) -> list[Any]:
    """Every match, in order; a missing key yields none (kube's AllowMissingKeys)."""
    values = [obj]
    for kind, arg in steps:
        found: list[Any] = []
        for value in values:
            if kind == "filter":
                found.extend(_filter(value, *arg))
            elif value is None:
                continue
            elif kind == "field" and isinstance(value, dict) and arg in value:
                found.append(value[arg])
            elif kind == "wild" and isinstance(value, dict | list):
                found.extend(value.values() if isinstance(value, dict) else value)
            elif kind == "slice":
                found.extend(_slice(value, *arg))
        values = found
    return values


def _slice(value: Any, start: int | None, end: int | None, derived: bool) -> list[Any]:
    if not isinstance(value, list):
        raise JSONPathError(f"{type(value).__name__} is not array or slice")
    n = len(value)
    lo = 0 if start is None else start + n if start < 0 else start
    hi = n if end is None else end + n if end < 0 or (end == 0 and derived) else end
    if hi != lo and not (0 <= lo < n and lo <= hi <= n):
        raise JSONPathError(f"array index out of bounds: index {lo}, length {n}")
    return value[lo:hi]


def _filter(value: Any, op: str, left: Step, right: Step | None) -> list[Any]:
    if not isinstance(value, list):
        raise JSONPathError(f"{value!r} is not array or slice and cannot be filtered")
    kept = []
    for item in value:
        if op == "exists":
            try:
                if _operand_values(left, item):
                    kept.append(item)
            except JSONPathError:
                pass
            continue
        lefts, rights = _operand_values(left, item), _operand_values(right, item) if right else []
        if len(lefts) != 1 or len(rights) != 1:
            raise JSONPathError("can only compare one element at a time")
        if _compare(op, lefts[0], rights[0]):
            kept.append(item)
    return kept


def _operand_values(operand: Step, item: Any) -> list[Any]:
    return [operand[1]] if operand[0] == "literal" else find_jsonpath(operand[1], item)


def _compare(op: str, a: Any, b: Any) -> bool:
    """text/template's eq/lt: same basic kind on both sides, or an error (an empty cell)."""
    kinds = [next((k for k in (bool, int, float, str) if isinstance(v, k)), None) for v in (a, b)]
    if kinds[0] is None or kinds[0] is not kinds[1]:
        raise JSONPathError("incompatible types for comparison")
    if op in ("==", "!="):
        return bool(a == b) == (op == "==")
    if kinds[0] is bool or op not in ("<", ">", "<=", ">="):
        raise JSONPathError(f"unrecognized filter operator {op}")
    result: bool = {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
    return result


def _go_text(value: Any) -> str:
    """How kube's jsonpath prints a value: maps and lists as JSON, the rest like Go's fmt."""
    if isinstance(value, dict | list):
        return _go_json(value)
    if value is None:
        return "<no value>"
    if isinstance(value, bool):
        return "true" if value else "false"
    return _go_float(value, json_style=False) if isinstance(value, float) else str(value)


def _go_json(value: Any) -> str:
    """encoding/json.Marshal: sorted keys, no spaces, <>& escaped."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{_go_json(str(k))}:{_go_json(value[k])}" for k in sorted(value)) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_go_json(v) for v in value) + "]"
    if isinstance(value, float):
        return _go_float(value, json_style=True)
    text = json.dumps(value, ensure_ascii=False)
    for ch in "<>&\u2028\u2029":
        text = text.replace(ch, f"\\u{ord(ch):04x}")
    return text


def _go_float(value: float, *, json_style: bool) -> str:
    """Shortest digits; exponent form as Go's %v (exp < -4 or >= 21) or json (< 1e-6 or >= 1e21)."""
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    sign = "-" if value < 0 else ""
    _, digit_tuple, exponent = Decimal(repr(abs(value))).normalize().as_tuple()
    digits, point = "".join(map(str, digit_tuple)), len(digit_tuple) + int(exponent) - 1
    if point < (-6 if json_style else -4) or point >= 21:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        width = 1 if json_style and point < 0 else 2
        return f"{sign}{mantissa}e{'-' if point < 0 else '+'}{abs(point):0{width}d}"
    if point < 0:
        return f"{sign}0.{'0' * (-point - 1)}{digits}"
    if point + 1 >= len(digits):
        return sign + digits + "0" * (point + 1 - len(digits))
    return f"{sign}{digits[: point + 1]}.{digits[point + 1 :]}"


def _typed_cell(type_: str, value: Any, now: datetime) -> Any:
    """cellForJSONValue: a value of the wrong JSON type is an empty cell."""
    if type_ == "integer" and isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    if type_ == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if type_ == "boolean" and isinstance(value, bool):
        return value
    if type_ == "date" and isinstance(value, str):
        try:
            return _age_of(_parse_time("" if value == "null" else value), now)
        except ValueError:
            return "<invalid>"
    return None


_DEFAULT_PRINTER_COLUMNS = [
    {"name": "Age", "type": "date", "description": _DOC["created"], "jsonPath": ".metadata.creationTimestamp"}
]


def _custom_table(printer_columns: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], Printer]:
    """NAME plus the CRD's columns; like kube, an unparsable jsonPath drops it and those after."""
    definitions, paths = [_NAME], []
    for column in printer_columns or _DEFAULT_PRINTER_COLUMNS:
        path_text = column.get("jsonPath", "")
        try:
            paths.append((column.get("type", ""), compile_jsonpath(path_text)))
        except JSONPathError:
            break
        doc = (
            column.get("description")
            or f"Custom resource definition column (in JSONPath format): {path_text}"
        )
        fmt, priority = column.get("format", ""), int(column.get("priority", 0))
        definitions.append(
            _col(column.get("name", ""), column.get("type", ""), doc, fmt=fmt, priority=priority)
        )

    def row(obj: Obj, now: datetime) -> list[Any]:
        cells: list[Any] = [_name(obj)]
        for type_, steps in paths:
            try:
                found = find_jsonpath(steps, obj)
            except JSONPathError:
                found = []
            if not found:
                cells.append(None)
            else:
                cells.append(_go_text(found[0]) if type_ == "string" else _typed_cell(type_, found[0], now))
        return cells

    return definitions, row


# --- the Table ------------------------------------------------------------------------------------


def _partial_metadata(obj: Obj) -> dict[str, Any]:
    return {
        "apiVersion": "meta.k8s.io/v1",
        "kind": "PartialObjectMetadata",
        "metadata": obj.get("metadata", {}),
    }


_EMBED: dict[str, Callable[[Obj], Any]] = {
    "None": lambda obj: None,
    "Metadata": _partial_metadata,
    "": _partial_metadata,
    "Object": lambda obj: obj,
}


def to_table(
    kind_key: tuple[str, str],
    objects: Sequence[Obj],
    *,
    list_meta: Mapping[str, Any],
    include_object: str = "Metadata",
    now: datetime,
    printer_columns: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The Table for `objects` of (group, kind); `printer_columns` marks a custom resource.

    `list_meta` gives resourceVersion, continue and remainingItemCount (for a single object,
    its resourceVersion). `include_object` is the request's includeObject: None, Metadata
    (PartialObjectMetadata, kube's default) or Object.
    """
    embed = _EMBED.get(include_object)
    if embed is None:
        raise BadRequest(f"unrecognized includeObject value: {go_quote(include_object)}")
    if printer_columns is None and kind_key in _BUILTIN:
        columns, printer = _BUILTIN[kind_key]
    else:
        columns, printer = _custom_table(printer_columns or [])
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    metadata = {k: list_meta[k] for k in ("resourceVersion", "continue") if list_meta.get(k)}
    if list_meta.get("remainingItemCount") is not None:
        metadata["remainingItemCount"] = list_meta["remainingItemCount"]
    return {
        "apiVersion": "meta.k8s.io/v1",
        "kind": "Table",
        "metadata": metadata,
        "columnDefinitions": [dict(c) for c in columns],
        "rows": [{"cells": printer(obj, now), "object": embed(obj)} for obj in objects],
    }
