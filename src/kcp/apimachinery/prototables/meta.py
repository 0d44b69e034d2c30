"""meta/v1 message tables shared by every group: ObjectMeta, LabelSelector, DeleteOptions, Condition."""

from __future__ import annotations

from kcp.apimachinery.protobuf_types import (
    RAW_JSON,
    TIME,
    Kind,
    Message,
    Mode,
    boolean,
    int64,
    mapping,
    message,
    messages,
    string,
    strings,
)

OWNER_REFERENCE = Message(
    "OwnerReference",
    [
        string(5, "apiVersion", Mode.KEEP),
        string(1, "kind", Mode.KEEP),
        string(3, "name", Mode.KEEP),
        string(4, "uid", Mode.KEEP),
        boolean(6, "controller", Mode.PTR),
        boolean(7, "blockOwnerDeletion", Mode.PTR),
    ],
)

MANAGED_FIELDS_ENTRY = Message(
    "ManagedFieldsEntry",
    [
        string(1, "manager"),
        string(2, "operation"),
        string(3, "apiVersion"),
        message(4, "time", TIME, Mode.PTR),
        string(6, "fieldsType"),
        message(7, "fieldsV1", RAW_JSON, Mode.PTR),
        string(8, "subresource"),
    ],
)

OBJECT_META = Message(
    "ObjectMeta",
    [
        string(1, "name"),
        string(2, "generateName"),
        string(3, "namespace"),
        string(4, "selfLink"),
        string(5, "uid"),
        string(6, "resourceVersion"),
        int64(7, "generation"),
        message(8, "creationTimestamp", TIME, Mode.OMIT),  # `omitzero`: no null for the zero time
        message(9, "deletionTimestamp", TIME, Mode.PTR),
        int64(10, "deletionGracePeriodSeconds", Mode.PTR),
        mapping(11, "labels", Kind.STRING),
        mapping(12, "annotations", Kind.STRING),
        messages(13, "ownerReferences", OWNER_REFERENCE),
        strings(14, "finalizers"),
        messages(17, "managedFields", MANAGED_FIELDS_ENTRY),
    ],
)

LABEL_SELECTOR_REQUIREMENT = Message(
    "LabelSelectorRequirement",
    [string(1, "key", Mode.KEEP), string(2, "operator", Mode.KEEP), strings(3, "values")],
)
FIELD_SELECTOR_REQUIREMENT = Message(
    "FieldSelectorRequirement",
    [string(1, "key", Mode.KEEP), string(2, "operator", Mode.KEEP), strings(3, "values")],
)

LABEL_SELECTOR = Message(
    "LabelSelector",
    [mapping(1, "matchLabels", Kind.STRING), messages(2, "matchExpressions", LABEL_SELECTOR_REQUIREMENT)],
)

PRECONDITIONS = Message("Preconditions", [string(1, "uid", Mode.PTR), string(2, "resourceVersion", Mode.PTR)])

DELETE_OPTIONS = Message(
    "DeleteOptions",
    [
        int64(1, "gracePeriodSeconds", Mode.PTR),
        message(2, "preconditions", PRECONDITIONS, Mode.PTR),
        boolean(3, "orphanDependents", Mode.PTR),
        string(4, "propagationPolicy", Mode.PTR),
        strings(5, "dryRun"),
        boolean(6, "ignoreStoreReadErrorWithClusterBreakingPotential", Mode.PTR),
    ],
)

CONDITION = Message(
    "Condition",
    [
        string(1, "type", Mode.KEEP),
        string(2, "status", Mode.KEEP),
        int64(3, "observedGeneration"),
        message(4, "lastTransitionTime", TIME),
        string(5, "reason", Mode.KEEP),
        string(6, "message", Mode.KEEP),
    ],
)
