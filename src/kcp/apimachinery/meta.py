"""Object metadata: names, uids, timestamps, and the validation kube applies to every object."""

from __future__ import annotations

import os
import random
import re
import secrets
import string
import time
from datetime import UTC, datetime
from typing import Any

from kcp.apimachinery.errors import Cause
from kcp.apimachinery.labels import go_quote, label_key_errors, label_value_errors

DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # kube's: no vowels, no look-alikes
ANNOTATIONS_MAX_BYTES = 256 * 1024  # kube's TotalAnnotationSizeLimitB, keys and values together


def now_rfc3339() -> str:
    """The current second as meta/v1 Time; formatted once per second, it is on every write."""
    second = int(time.time())
    if second != _last_second[0]:
        _last_second[:] = [second, datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")]
    return str(_last_second[1])


_last_second: list[int | str] = [-1, ""]


def set_condition(
    conditions: list[dict[str, Any]],
    kind: str,
    status: str,
    reason: str = "",
    message: str = "",
    severity: str = "",
) -> list[dict[str, Any]]:
    """A copy of `conditions` with the one of type `kind` set (appended if absent); as with every
    kube condition, its lastTransitionTime moves only when its status does. Empty fields are left
    out; `severity` is kcp's (its conditions say how bad a False one is)."""
    previous = next((c for c in conditions if c.get("type") == kind), None)
    since = now_rfc3339()
    if previous is not None and previous.get("status") == status and "lastTransitionTime" in previous:
        since = previous["lastTransitionTime"]
    new = {"type": kind, "status": status, "severity": severity, "lastTransitionTime": since}
    new |= {"reason": reason, "message": message}
    new = {k: v for k, v in new.items() if v}
    if previous is None:
        return [*conditions, new]
    return [new if c is previous else c for c in conditions]


def initialized(conditions: list[dict[str, Any]], initializers: list[str]) -> list[dict[str, Any]]:
    """kcp's WorkspaceInitialized condition: False (severity Info) while initializers remain."""
    if not initializers:
        return set_condition(conditions, "WorkspaceInitialized", "True")
    message = f"Initializers still exist: [{' '.join(initializers)}]"  # Go's %v of a []string
    return set_condition(conditions, "WorkspaceInitialized", "False", "InitializerExists", message, "Info")


def parse_rfc3339(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def new_uid() -> str:
    """A random (version 4) UUID string. UIDs must be unique, not secret: a generator seeded once
    from the OS spares every write a getrandom() system call, which is slow on some VMs."""
    h = f"{_uids.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


_uids = random.Random(os.urandom(32))
_VARIANT = "89ab"  # RFC 4122: the top two bits of byte 8 are 10


def generate_name(base: str) -> str:
    """`generateName` + 5 random characters, base truncated so the result stays within 63."""
    base = base[: 63 - 5]
    return base + "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(5))


def _name_errors(value: str, limit: int, pattern: re.Pattern[str], message: str) -> list[str]:
    """kube's name checks: a length limit, then a pattern with a message that shows it."""
    errs = [f"must be no more than {limit} characters"] if len(value) > limit else []
    return errs + ([] if pattern.fullmatch(value) else [message])


def dns1123_subdomain_errors(value: str) -> list[str]:
    return _name_errors(
        value,
        253,
        DNS1123_SUBDOMAIN,
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.',"
        " and must start and end with an alphanumeric character (e.g. 'example.com', regex used for"
        " validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    )


def dns1123_label_errors(value: str) -> list[str]:
    return _name_errors(
        value,
        63,
        DNS1123_LABEL,
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and"
        " must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex"
        " used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    )


DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")


def dns1035_label_errors(value: str) -> list[str]:
    return _name_errors(
        value,
        63,
        DNS1035_LABEL,
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an"
        " alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123',"
        " regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    )


def path_segment_errors(value: str) -> list[str]:
    if value in (".", ".."):
        return [f"may not be '{value}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in value]


def _invalid(field: str, value: object, detail: str) -> Cause:
    shown = go_quote(value) if isinstance(value, str) else str(value)
    return Cause("FieldValueInvalid", f"Invalid value: {shown}: {detail}", field)


def _prefix_errors(prefix: str, name_rule: str) -> list[str]:
    """kube's name checks asked about a generateName (prefix=true): a path segment prefix may be "." or
    "..", and a DNS name's trailing dash is masked the way kube masks it (the last two characters -> "a")."""
    if name_rule == "path":
        return [f"may not contain '{c}'" for c in ("/", "%") if c in prefix]
    masked = prefix[:-2] + "a" if len(prefix) > 1 and prefix.endswith("-") else prefix
    return dns1123_label_errors(masked) if name_rule == "label" else dns1123_subdomain_errors(masked)


def validate_object_meta(
    meta: Any, *, namespaced: bool, name_rule: str = "subdomain", kube_finalizers: bool = False
) -> list[Cause]:
    """What kube's ValidateObjectMeta checks on every write; field paths start at `metadata`.
    `kube_finalizers`: also core's rule that an unqualified finalizer be a standard one (built-in
    kinds; custom resources get only the generic check)."""
    if not isinstance(meta, dict):
        return [Cause("FieldValueRequired", "Required value", "metadata")]
    causes: list[Cause] = []
    checker = {
        "subdomain": dns1123_subdomain_errors,
        "label": dns1123_label_errors,
        "path": path_segment_errors,
    }[name_rule]
    prefix = meta.get("generateName")
    if isinstance(prefix, str) and prefix:
        causes += [_invalid("metadata.generateName", prefix, e) for e in _prefix_errors(prefix, name_rule)]
    name = meta.get("name", "")
    if not isinstance(name, str) or not name:
        causes.append(
            Cause("FieldValueRequired", "Required value: name or generateName is required", "metadata.name")
        )
    else:
        causes += [_invalid("metadata.name", name, e) for e in checker(name)]
        if name_rule != "path":
            causes += [_invalid("metadata.name", name, e) for e in path_segment_errors(name) if not causes]
    for field in ("labels", "annotations"):
        values = meta.get(field)
        if values is None:
            continue
        if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
            causes.append(_invalid(f"metadata.{field}", "", "must be a map of strings"))
            continue
        for key, value in values.items():
            causes += [_invalid(f"metadata.{field}", key, e) for e in label_key_errors(key)]
            if field == "labels":
                causes += [_invalid("metadata.labels", value, e) for e in label_value_errors(value)]
        if field == "annotations" and sum(len(k.encode()) + len(v.encode()) for k, v in values.items()) > (
            ANNOTATIONS_MAX_BYTES
        ):
            causes.append(
                Cause(
                    "FieldValueTooLong",
                    f"Too long: may not be more than {ANNOTATIONS_MAX_BYTES} bytes",
                    "metadata.annotations",
                )
            )
    finalizers = meta.get("finalizers")
    if finalizers is not None and (
        not isinstance(finalizers, list) or not all(isinstance(f, str) for f in finalizers)
    ):
        causes.append(_invalid("metadata.finalizers", "", "must be a list of strings"))
    elif finalizers:
        causes += finalizer_errors(finalizers, "metadata.finalizers", kube=kube_finalizers)
    owners = meta.get("ownerReferences")
    if owners is not None:
        if not isinstance(owners, list):
            causes.append(_invalid("metadata.ownerReferences", "", "must be a list"))
        else:
            causes += _owner_reference_causes([r if isinstance(r, dict) else {} for r in owners])
    return causes


def _owner_reference_causes(refs: list[dict[str, Any]]) -> list[Cause]:
    """kube's ValidateOwnerReferences. Its paths name the list, never an item; a bad list or item is
    shown as Go's %#v shows it."""
    path, causes, controller = "metadata.ownerReferences", [], ""
    for ref in refs:
        api_version, kind = str(ref.get("apiVersion") or ""), str(ref.get("kind") or "")
        group, _, version = api_version.rpartition("/") if api_version.count("/") < 2 else ("", "", "")
        if not version:
            causes.append(_invalid(f"{path}.apiVersion", api_version, "version must not be empty"))
        causes += [
            _invalid(f"{path}.{f}", "", "must not be empty")
            for f in ("kind", "name", "uid")
            if not ref.get(f)
        ]
        if (group, version, kind) == ("", "v1", "Event"):
            why = "/v1, Kind=Event is disallowed from being an owner"
            causes.append(
                Cause("FieldValueInvalid", f"Invalid value: {_go_owner_reference(ref)}: {why}", path)
            )
        if ref.get("controller") is True:
            this = f"{kind}/{ref.get('name') or ''}"
            if not controller:
                controller = this
                continue
            shown = "[]v1.OwnerReference{" + ", ".join(_go_owner_reference(r) for r in refs) + "}"
            why = (
                "Only one reference can have Controller set to true. "
                f'Found "true" in references for {controller} and {this}'
            )
            causes.append(Cause("FieldValueInvalid", f"Invalid value: {shown}: {why}", path))
    return causes


def _go_owner_reference(ref: dict[str, Any]) -> str:
    """An OwnerReference as Go's %#v prints it. Go shows a set *bool by its address, which we do not have:
    a fixed stand-in takes its place."""

    def pointer(value: Any) -> str:
        return "(*bool)(nil)" if value is None else "(*bool)(0xc000000000)"

    fields = ", ".join(f"{go}:{go_quote(str(ref.get(key) or ''))}" for go, key in _OWNER_FIELDS)
    return (
        f"v1.OwnerReference{{{fields}, Controller:{pointer(ref.get('controller'))}, "
        f"BlockOwnerDeletion:{pointer(ref.get('blockOwnerDeletion'))}}}"
    )


_OWNER_FIELDS = (("APIVersion", "apiVersion"), ("Kind", "kind"), ("Name", "name"), ("UID", "uid"))


STANDARD_FINALIZERS = frozenset({"kubernetes", "orphan", "foregroundDeletion"})


_IMMUTABLE = "field is immutable"


def validate_object_meta_update(new: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    """kube's ValidateObjectMetaUpdate for what an update may not change once the server has carried
    over what it silently keeps (an empty uid, creationTimestamp, a set deletionTimestamp): a uid,
    deletionTimestamp or deletionGracePeriodSeconds that still differs is the client's error."""
    causes: list[Cause] = []
    if new.get("uid") != old.get("uid"):
        causes.append(_invalid("metadata.uid", new.get("uid") or "", _IMMUTABLE))
    if new.get("deletionTimestamp") != old.get("deletionTimestamp"):
        causes.append(
            _invalid("metadata.deletionTimestamp", _go_time(new.get("deletionTimestamp")), _IMMUTABLE)
        )
    grace = new.get("deletionGracePeriodSeconds")
    if grace != old.get("deletionGracePeriodSeconds"):
        causes.append(
            _invalid("metadata.deletionGracePeriodSeconds", "null" if grace is None else grace, _IMMUTABLE)
        )
    return causes


def _go_time(value: Any) -> str:
    """A *metav1.Time as field errors print it (Go's time.Time String), "null" when unset."""
    if not isinstance(value, str) or not value:
        return "null"
    try:
        return parse_rfc3339(value).strftime("%Y-%m-%d %H:%M:%S +0000 UTC")
    except ValueError:
        return value


_NOT_STANDARD = "name is neither a standard finalizer name nor is it fully qualified"


def finalizer_errors(finalizers: list[str], path: str, *, kube: bool) -> list[Cause]:
    """kube's ValidateFinalizers on metadata.finalizers (qualified names; not both orphan and
    foregroundDeletion), then, for built-in kinds, core's rule that a name without a `/` be standard."""
    causes = [_invalid(path, f, e) for f in finalizers for e in label_key_errors(f)]
    if "orphan" in finalizers and "foregroundDeletion" in finalizers:
        shown = "[]string{" + ", ".join(go_quote(f) for f in finalizers) + "}"
        detail = "finalizer orphan and foregroundDeletion cannot be both set"
        causes.append(Cause("FieldValueInvalid", f"Invalid value: {shown}: {detail}", path))
    if kube:
        causes += [
            _invalid(f"{path}[{i}]", f, _NOT_STANDARD)
            for i, f in enumerate(finalizers)
            if "/" not in f and f not in STANDARD_FINALIZERS
        ]
    return causes


def finalizer_name_errors(name: str, path: str) -> list[Cause]:
    """core's validateFinalizerName for one built-in finalizer (a namespace's spec.finalizers[i])."""
    causes = [_invalid(path, name, e) for e in label_key_errors(name)]
    if "/" not in name and name not in STANDARD_FINALIZERS:
        causes.append(_invalid(path, name, _NOT_STANDARD))
    return causes


def random_string(n: int, alphabet: str = string.ascii_lowercase + string.digits) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))
