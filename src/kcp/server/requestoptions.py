"""A request's options (List, Create, Update, Patch, DeleteOptions), read and checked as kube's handlers do.

A value Go cannot decode is a 400; one that decodes but is not allowed is a 422 Invalid on the options
kind (`PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: ...`), one cause per complaint, so that
clients see the same field paths kube reports.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from aiohttp import web
from multidict import MultiMapping

from kcp.apimachinery.errors import BadRequest, Cause, Invalid
from kcp.apimachinery.fields import (
    NAME,
    FieldOperator,
    FieldRequirement,
    FieldSelector,
    convert_custom_resource_selector,
    convert_field_selector,
    parse_field_selector,
)
from kcp.apimachinery.goint import parse_int64
from kcp.apimachinery.labels import go_quote, parse_selector
from kcp.apimachinery.managedfields import field_manager_causes
from kcp.apimachinery.serialization import decode_json
from kcp.registry.options import DeleteOptions, ListOptions, WriteOptions
from kcp.registry.store import APPLY_PATCH, Store
from kcp.schema.builtin.meta import DELETE_OPTIONS
from kcp.schema.gotypes import go_type, type_error
from kcp.server.requestinfo import parse_bool

META_GROUP = "meta.k8s.io"
FIELD_RVM = "resourceVersionMatch"
_WRITE_KINDS = {"POST": "CreateOptions", "PUT": "UpdateOptions", "PATCH": "PatchOptions"}
_FIELD_VALIDATIONS = ("", "Ignore", "Strict", "Warn")  # as kube lists them, "" meaning its default
_PROPAGATION = ("Foreground", "Background", "Orphan")


def _not_supported(field: str, shown: str, values: Sequence[str]) -> Cause:
    supported = ", ".join(go_quote(v) for v in values)
    return Cause(
        "FieldValueNotSupported", f"Unsupported value: {shown}: supported values: {supported}", field
    )


def _dry_run_causes(values: Sequence[Any]) -> list[Cause]:
    """kube's ValidateDryRun: only "All"; it shows the whole list as Go's %#v."""
    if all(v == "All" for v in values):
        return []
    shown = "[]string{" + ", ".join(go_quote(str(v)) for v in values) + "}"
    return [_not_supported("dryRun", shown, ["All"])]


# --- list and watch ---------------------------------------------------------------------------------------


def _check_list_options(opts: ListOptions, watch: bool) -> None:
    """kube's ValidateListOptions: which resourceVersionMatch and sendInitialEvents go together."""
    match, rv, causes = opts.resource_version_match, opts.resource_version, []

    def forbid(field: str, why: str) -> None:
        causes.append(Cause("FieldValueForbidden", f"Forbidden: {why}", field))

    if watch:
        if opts.send_initial_events is not None and match != "NotOlderThan":
            forbid(FIELD_RVM, "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan")
        if match and opts.send_initial_events is None:
            forbid(
                FIELD_RVM, "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"
            )
        if match and match != "NotOlderThan":
            causes.append(_not_supported(FIELD_RVM, go_quote(match), ["NotOlderThan"]))
    else:
        if match and not rv:
            forbid(FIELD_RVM, "resourceVersionMatch is forbidden unless resourceVersion is provided")
        if match and match not in ("Exact", "NotOlderThan"):
            causes.append(_not_supported(FIELD_RVM, go_quote(match), ["Exact", "NotOlderThan", ""]))
        if match == "Exact" and rv == "0":
            forbid(FIELD_RVM, 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"')
        if opts.send_initial_events is not None:
            forbid("sendInitialEvents", "sendInitialEvents is forbidden for list")
    if match and opts.continue_token:
        forbid(FIELD_RVM, "resourceVersionMatch is forbidden when continue is provided")
    if causes:
        raise Invalid.object("ListOptions", META_GROUP, "", causes)
    if not watch and opts.continue_token and rv not in ("", "0"):
        # kube's storage refuses this before it reads the token: the token pins its own revision
        raise BadRequest("specifying resource version is not allowed when using continue")


def _is_int64(text: str) -> bool:
    try:
        parse_int64(text)
    except ValueError:
        return False
    return True


def list_options(
    query: Mapping[str, str], store: Store, predicate: Any = None, *, watch: bool = False
) -> ListOptions:
    limit_raw = query.get("limit", "")
    try:
        limit = parse_int64(limit_raw) if limit_raw else 0
    except ValueError:
        raise BadRequest(f'limit: Invalid value: "{limit_raw}": must be an integer') from None
    timeout = query.get("timeoutSeconds", "")
    if timeout and not _is_int64(timeout):  # decoded as ListOptions, whether watching or not
        raise BadRequest("timeoutSeconds must be an integer")
    label = query.get("labelSelector", "")
    field = query.get("fieldSelector", "")
    initial = query.get("sendInitialEvents", "")
    opts = ListOptions(
        label_selector=parse_selector(label) if label else None,
        field_selector=_field_selector(field, store) if field else None,
        limit=max(limit, 0),
        continue_token=query.get("continue", ""),
        resource_version=query.get("resourceVersion", ""),
        resource_version_match=query.get(FIELD_RVM, ""),
        allow_bookmarks=parse_bool(query.get("allowWatchBookmarks"), "allowWatchBookmarks"),
        send_initial_events=parse_bool(initial, "sendInitialEvents") if initial else None,
        predicate=predicate,
    )
    _check_list_options(opts, watch)
    return opts


def named(opts: ListOptions, name: str) -> ListOptions:
    """Options narrowed to the object a path names, as kube's handler does: a field selector may only
    repeat that name."""
    if not name:
        return opts
    selector = opts.field_selector
    if selector is not None and not selector.empty:
        if not any(
            r.field == NAME and r.operator is not FieldOperator.NOT_EQUALS and r.value == name
            for r in selector.requirements
        ):
            raise BadRequest("fieldSelector metadata.name doesn't match requested name")
        return opts
    only = FieldSelector((FieldRequirement(NAME, FieldOperator.EQUALS, name),))
    return dataclasses.replace(opts, field_selector=only)


def _field_selector(text: str, store: Store) -> FieldSelector:
    """Parse, then refuse fields the kind cannot select on (400), as kube does."""
    selector = parse_field_selector(text)
    res = store.resource
    if not store.strategy.strategic_patch:  # custom resources: also their CRD version's selectableFields
        return convert_custom_resource_selector(
            selector, namespaced=res.namespaced, selectable=store.strategy.field_extractors
        )
    return convert_field_selector(selector, res.group, res.kind)


# --- writes -----------------------------------------------------------------------------------------------


def write_options(request: web.Request) -> WriteOptions:
    """Create-, Update- or PatchOptions (by the method) from the query, validated as kube's
    ValidateCreate/Update/PatchOptions: `force` only for apply, a fieldManager apply needs, dryRun All."""
    query = request.query
    kind = _WRITE_KINDS.get(request.method, "UpdateOptions")
    media = request.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    apply = kind == "PatchOptions" and media == APPLY_PATCH
    manager = query.get("fieldManager", "")
    validation = query.get("fieldValidation", "")
    force = parse_bool(query.get("force"), "force")
    dry_run = query.getall("dryRun", [])
    causes: list[Cause] = []
    if kind == "PatchOptions" and not apply and "force" in query:
        causes.append(
            Cause("FieldValueForbidden", "Forbidden: may not be specified for non-apply patch", "force")
        )
    causes += field_manager_causes(manager, apply=apply)
    causes += _dry_run_causes(dry_run)
    if validation not in _FIELD_VALIDATIONS:
        causes.append(_not_supported("fieldValidation", go_quote(validation), _FIELD_VALIDATIONS))
    if causes:
        raise Invalid.object(kind, META_GROUP, "", causes)
    return WriteOptions(
        dry_run=bool(dry_run),
        # kube's managerOrUserAgent: without a fieldManager, the client's name
        field_manager=manager or request.headers.get("User-Agent", "").split("/", 1)[0][:128],
        field_validation=validation or "Warn",  # kube-apiserver's default; kubectl asks Strict
        force=force,
    )


# --- deletes ----------------------------------------------------------------------------------------------

_DELETE_OPTIONS = go_type(DELETE_OPTIONS.body, DELETE_OPTIONS.name)


_META_SCHEME = "k8s.io/apimachinery/pkg/apis/meta/internalversion/scheme/register.go:28"


def delete_options(request: web.Request, body: bytes) -> DeleteOptions:
    """DeleteOptions from the body when there is one (kube then ignores the query), else from the query;
    validated as kube's ValidateDeleteOptions."""
    sent: Mapping[str, Any] | MultiMapping[str]
    if body.strip():
        decoded = decode_json(body)
        if not isinstance(decoded, dict):
            raise BadRequest("DeleteOptions must be an object")
        if err := type_error(_DELETE_OPTIONS, decoded):  # the decoder's error, before anything reads it
            raise BadRequest(err)
        kind = decoded.get("kind")
        if kind not in (None, "", "DeleteOptions"):  # what kube's meta scheme answers for another kind
            version = decoded.get("apiVersion") or "v1"
            raise BadRequest(
                f'no kind "{kind}" is registered for version "{version}" in scheme "{_META_SCHEME}"'
            )
        sent, dry_run = decoded, decoded.get("dryRun") or []
        orphan = decoded.get("orphanDependents")
    else:
        sent = request.query
        dry_run = sent.getall("dryRun", [])
        flag = sent.get("orphanDependents")
        orphan = flag == "true" if flag in ("true", "false") else None
    grace, policy = sent.get("gracePeriodSeconds"), sent.get("propagationPolicy")
    causes: list[Cause] = []
    if isinstance(orphan, bool) and policy is not None:
        why = "orphanDependents and deletionPropagation cannot be both set"
        causes.append(
            Cause("FieldValueInvalid", f"Invalid value: {go_quote(str(policy))}: {why}", "propagationPolicy")
        )
    if policy is not None and policy not in _PROPAGATION:
        causes.append(_not_supported("propagationPolicy", go_quote(str(policy)), [*_PROPAGATION, "nil"]))
    causes += _dry_run_causes(dry_run)
    if causes:
        raise Invalid.object("DeleteOptions", META_GROUP, "", causes)
    try:
        grace_seconds = None if grace is None else grace if isinstance(grace, int) else parse_int64(grace)
    except (TypeError, ValueError):
        raise BadRequest("gracePeriodSeconds must be an integer") from None
    if isinstance(orphan, bool):  # the deprecated spelling of Orphan / Background
        policy = "Orphan" if orphan else "Background"
    pre = sent.get("preconditions") if isinstance(sent, dict) else None
    pre = pre if isinstance(pre, dict) else {}
    return DeleteOptions(
        dry_run=bool(dry_run),
        grace_period_seconds=grace_seconds,
        propagation_policy=str(policy or ""),
        precondition_uid=str(pre.get("uid") or ""),
        precondition_resource_version=str(pre.get("resourceVersion") or ""),
        orphan_dependents=orphan if isinstance(orphan, bool) else None,
    )
