"""meta/v1: the object and list metadata every kind embeds, and what API operations exchange: the
option query parameters and the bodies (DeleteOptions, Status, WatchEvent, Patch)."""

from __future__ import annotations

from kcp.schema.builtin.fields import (
    ATOMIC,
    ATOMIC_STRUCT,
    Definition,
    Schema,
    array,
    boolean,
    int32,
    int64,
    map_list,
    obj,
    preserved,
    string,
    string_map,
    strings,
    timestamp,
)

PACKAGE = "io.k8s.apimachinery.pkg.apis.meta.v1"

API_VERSION = string("Version of the schema this object follows, as `group/version` (or `v1` for core).")
KIND = string("Kind of this object, in CamelCase; the server fills it in responses.")

OWNER_REFERENCE = Definition(
    f"{PACKAGE}.OwnerReference",
    obj(
        "Points at an object that owns this one; the garbage collector deletes dependents of deleted owners.",
        {
            "apiVersion": string("API version of the owner."),
            "kind": string("Kind of the owner."),
            "name": string("Name of the owner."),
            "uid": string("UID of the owner."),
            "controller": boolean("True if the owner is the managing controller; at most one owner may be."),
            "blockOwnerDeletion": boolean(
                "If true, foreground deletion of the owner waits until this dependent is gone."
            ),
        },
        ("apiVersion", "kind", "name", "uid"),
    )
    | ATOMIC_STRUCT,
)

MANAGED_FIELDS_ENTRY = Definition(
    f"{PACKAGE}.ManagedFieldsEntry",
    obj(
        "Records which fields one manager owns, for server-side apply conflict detection.",
        {
            "manager": string("Name of the workflow that manages these fields."),
            "operation": string("Apply or Update: the kind of request that set these fields."),
            "apiVersion": string("API version the field set is expressed in."),
            "time": timestamp("When these fields were last changed by this manager."),
            "fieldsType": string("Format of fieldsV1; only FieldsV1 exists."),
            "fieldsV1": preserved("The owned fields, as a trie of field paths."),
            "subresource": string("Subresource the request went through, empty for the main resource."),
        },
    ),
)

OBJECT_META = Definition(
    f"{PACKAGE}.ObjectMeta",
    obj(
        "Metadata every persisted object carries: identity, labels, ownership and lifecycle.",
        {
            "name": string("Unique name within the namespace (or the cluster, for cluster-scoped kinds)."),
            "generateName": string("Prefix the server appends random characters to when name is empty."),
            "namespace": string("Namespace of a namespaced object; empty for cluster-scoped kinds."),
            "selfLink": string("Deprecated; never set."),
            "uid": string("Server-assigned identifier, unique for the lifetime of the object."),
            "resourceVersion": string("Opaque version for optimistic concurrency and watches."),
            "generation": int64("Sequence number of spec changes, set by the server."),
            "creationTimestamp": timestamp("When the object was created, set by the server."),
            "deletionTimestamp": timestamp("When deletion was requested; set by the server, read-only."),
            "deletionGracePeriodSeconds": int64("Seconds left for graceful termination once deleted."),
            "labels": string_map("Key/value pairs for selection and grouping."),
            "annotations": string_map("Key/value pairs for tools and extensions; not for selection."),
            "ownerReferences": array("Objects this one depends on.", OWNER_REFERENCE.item())
            | map_list("uid", merge=True),
            "finalizers": strings("Names of finalizers that must be removed before the object is deleted.")
            | {"x-kubernetes-list-type": "set", "x-kubernetes-patch-strategy": "merge"},
            "managedFields": array("Field ownership per manager.", MANAGED_FIELDS_ENTRY.item()) | ATOMIC,
        },
    ),
)

LIST_META = Definition(
    f"{PACKAGE}.ListMeta",
    obj(
        "Metadata of a list response.",
        {
            "selfLink": string("Deprecated; never set."),
            "resourceVersion": string("Version of the collection, to start a watch from."),
            "continue": string("Token for the next page when the list was limited."),
            "remainingItemCount": int64("Estimated number of items after this page."),
        },
    ),
)

LABEL_SELECTOR_REQUIREMENT = Definition(
    f"{PACKAGE}.LabelSelectorRequirement",
    obj(
        "One label test: a key, an operator and values.",
        {
            "key": string("Label key the test applies to."),
            "operator": string("In, NotIn, Exists or DoesNotExist."),
            "values": strings("Values for In and NotIn; empty for Exists and DoesNotExist."),
        },
        ("key", "operator"),
    ),
)

LABEL_SELECTOR = Definition(
    f"{PACKAGE}.LabelSelector",
    obj(
        "Selects objects by label; all conditions must hold, and an empty selector matches everything.",
        {
            "matchLabels": string_map("Labels that must be present with exactly these values."),
            "matchExpressions": array("Label tests, ANDed.", LABEL_SELECTOR_REQUIREMENT.item()) | ATOMIC,
        },
    )
    | ATOMIC_STRUCT,
)

FIELD_SELECTOR_REQUIREMENT = Definition(
    f"{PACKAGE}.FieldSelectorRequirement",
    obj(
        "One field test: a field path, an operator and values.",
        {
            "key": string("Field path the test applies to."),
            "operator": string("In, NotIn, Exists or DoesNotExist."),
            "values": strings("Values for In and NotIn."),
        },
        ("key", "operator"),
    ),
)

CONDITION = Definition(
    f"{PACKAGE}.Condition",
    obj(
        "One aspect of an object's current state.",
        {
            "type": string("Condition type, in CamelCase or domain/CamelCase."),
            "status": string("True, False or Unknown.", enum=("True", "False", "Unknown")),
            "observedGeneration": int64("metadata.generation the condition was computed from."),
            "lastTransitionTime": timestamp("When the status last changed."),
            "reason": string("Machine-readable CamelCase reason for the last transition."),
            "message": string("Human-readable details of the last transition."),
        },
        ("type", "status", "lastTransitionTime", "reason", "message"),
    ),
)

PRECONDITIONS = Definition(
    f"{PACKAGE}.Preconditions",
    obj(
        "Conditions the object must meet for a delete to proceed.",
        {
            "resourceVersion": string("Delete only if the object still has this resourceVersion."),
            "uid": string("Delete only if the object still has this UID."),
        },
    ),
)

DELETE_OPTIONS = Definition(
    f"{PACKAGE}.DeleteOptions",
    obj(
        "Options of a delete request, sent as its body.",
        {
            "apiVersion": API_VERSION,
            "kind": KIND,
            "dryRun": strings("If set to All, run every stage but persist nothing."),
            "gracePeriodSeconds": int64("Seconds before the object is removed; zero means at once."),
            "ignoreStoreReadErrorWithClusterBreakingPotential": boolean(
                "Delete even if the stored object cannot be read; dangerous, needs extra permission."
            ),
            "orphanDependents": boolean("Deprecated; use propagationPolicy."),
            "preconditions": PRECONDITIONS.field("Must hold for the delete to proceed."),
            "propagationPolicy": string("Orphan, Background or Foreground garbage collection of dependents."),
        },
    ),
)

STATUS_CAUSE = Definition(
    f"{PACKAGE}.StatusCause",
    obj(
        "One reason a request failed, often tied to a field.",
        {
            "reason": string("Machine-readable cause, such as FieldValueInvalid."),
            "message": string("Human-readable explanation."),
            "field": string("Path of the field at fault, such as spec.replicas."),
        },
    ),
)

STATUS_DETAILS = Definition(
    f"{PACKAGE}.StatusDetails",
    obj(
        "Extra data about a failure, depending on its reason.",
        {
            "name": string("Name of the object concerned."),
            "group": string("API group of the object concerned."),
            "kind": string("Kind of the object concerned."),
            "uid": string("UID of the object concerned."),
            "causes": array("The individual causes.", STATUS_CAUSE.item()) | ATOMIC,
            "retryAfterSeconds": int32("Seconds the client should wait before retrying."),
        },
    ),
)

STATUS = Definition(
    f"{PACKAGE}.Status",
    obj(
        "Outcome of a call that does not return an object, and the body of every error.",
        {
            "apiVersion": API_VERSION,
            "kind": KIND,
            "metadata": LIST_META.field("Standard list metadata."),
            "status": string("Success or Failure."),
            "message": string("Human-readable description of the outcome."),
            "reason": string("Machine-readable reason for a failure, such as NotFound."),
            "details": STATUS_DETAILS.field("Extra data depending on the reason."),
            "code": int32("HTTP status code of this outcome."),
        },
    ),
)

WATCH_EVENT = Definition(
    f"{PACKAGE}.WatchEvent",
    obj(
        "One event of a watch stream.",
        {
            "type": string("ADDED, MODIFIED, DELETED, BOOKMARK or ERROR."),
            "object": preserved("The object as of the event; a Status for ERROR."),
        },
        ("type", "object"),
    ),
)

PATCH = Definition(
    f"{PACKAGE}.Patch",
    {"description": "A patch body; its format is named by the request's Content-Type.", "type": "object"},
)

# Types the path operations reference; the publishers add them to every document that has paths.
OPERATION_TYPES = (DELETE_OPTIONS, STATUS, WATCH_EVENT, PATCH)
DEFINITIONS = (
    OWNER_REFERENCE,
    MANAGED_FIELDS_ENTRY,
    OBJECT_META,
    LIST_META,
    LABEL_SELECTOR_REQUIREMENT,
    LABEL_SELECTOR,
    FIELD_SELECTOR_REQUIREMENT,
    CONDITION,
    PRECONDITIONS,
    STATUS_CAUSE,
    STATUS_DETAILS,
    *OPERATION_TYPES,
)

# Query and path parameters of the operations: name -> (in, type, description). The query ones are the
# fields of meta/v1 ListOptions, CreateOptions, UpdateOptions, PatchOptions and DeleteOptions.
PARAMETERS: dict[str, tuple[str, str, str]] = {
    "name": ("path", "string", "Name of the object."),
    "namespace": ("path", "string", "Namespace of the objects."),
    "pretty": ("query", "string", "If 'true', indent the response."),
    "allowWatchBookmarks": (
        "query",
        "boolean",
        "Ask for BOOKMARK events in a watch; the server may ignore it.",
    ),
    "continue": ("query", "string", "Token from a previous page of a limited list."),
    "fieldSelector": ("query", "string", "Only objects whose fields match this selector."),
    "labelSelector": ("query", "string", "Only objects whose labels match this selector."),
    "limit": ("query", "integer", "At most this many items; the response says how to continue."),
    "resourceVersion": ("query", "string", "Serve from this resourceVersion; see resourceVersionMatch."),
    "resourceVersionMatch": (
        "query",
        "string",
        "How resourceVersion applies to a list: Exact or NotOlderThan.",
    ),
    "sendInitialEvents": (
        "query",
        "boolean",
        "Start a watch with synthetic ADDED events for current objects.",
    ),
    "timeoutSeconds": ("query", "integer", "End the list or watch call after this many seconds."),
    "watch": ("query", "boolean", "Stream changes instead of returning a list."),
    "dryRun": ("query", "string", "All: run every stage of the request but persist nothing."),
    "fieldManager": ("query", "string", "Name of the actor making the change, for field ownership."),
    "fieldValidation": (
        "query",
        "string",
        "What to do with unknown or duplicate fields: Ignore, Warn (the default) or Strict (reject).",
    ),
    "force": ("query", "boolean", "Take over conflicting fields in a server-side apply."),
    "gracePeriodSeconds": ("query", "integer", "Seconds before the object is removed; zero means at once."),
    "ignoreStoreReadErrorWithClusterBreakingPotential": (
        "query",
        "boolean",
        "Delete even if the stored object cannot be read; dangerous.",
    ),
    "orphanDependents": ("query", "boolean", "Deprecated; use propagationPolicy."),
    "propagationPolicy": (
        "query",
        "string",
        "Orphan, Background or Foreground garbage collection of dependents.",
    ),
}


def kind(
    gvk: tuple[str, str, str],
    description: str,
    properties: dict[str, Schema],
    required: tuple[str, ...] = (),
) -> Schema:
    """A top-level kind: type meta, object meta, the kind's own fields and its group-version-kind."""
    group, version, kind_name = gvk
    out = obj(
        description,
        {
            "apiVersion": API_VERSION,
            "kind": KIND,
            "metadata": OBJECT_META.field("Standard object metadata."),
            **properties,
        },
        required,
    )
    out["x-kubernetes-group-version-kind"] = [{"group": group, "kind": kind_name, "version": version}]
    return out
