"""apiextensions.k8s.io/v1: CustomResourceDefinition, which adds kinds to a workspace."""

from __future__ import annotations

from kcp.schema.builtin.fields import (
    ATOMIC,
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
    strings,
    timestamp,
)
from kcp.schema.builtin.meta import kind

GROUP = "apiextensions.k8s.io"
PACKAGE = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1"

NAMES = Definition(
    f"{PACKAGE}.CustomResourceDefinitionNames",
    obj(
        "The names a custom resource is served and printed under.",
        {
            "plural": string("Lower-case plural, used in URLs: /apis/<group>/<version>/<plural>."),
            "singular": string("Lower-case singular; defaults to the lower-cased kind."),
            "shortNames": strings("Short aliases for kubectl, such as `wd` for widgets."),
            "kind": string("CamelCase singular type name of the objects."),
            "listKind": string("Kind of list responses; defaults to `<kind>List`."),
            "categories": strings("Groups of resources this one belongs to, such as `all`."),
        },
        ("plural", "kind"),
    ),
)

VALIDATION = Definition(
    f"{PACKAGE}.CustomResourceValidation",
    obj(
        "How objects of one version are validated, pruned and defaulted.",
        {
            "openAPIV3Schema": preserved(
                "Structural OpenAPI v3 schema of the objects; checked by the server when the CRD is written."
            ),
        },
    ),
)

SCALE = Definition(
    f"{PACKAGE}.CustomResourceSubresourceScale",
    obj(
        "Where the scale subresource finds replicas and the label selector.",
        {
            "specReplicasPath": string("JSON path to the desired replicas, under .spec."),
            "statusReplicasPath": string("JSON path to the observed replicas, under .status."),
            "labelSelectorPath": string("JSON path to a string label selector, under .status or .spec."),
        },
        ("specReplicasPath", "statusReplicasPath"),
    ),
)

SUBRESOURCES = Definition(
    f"{PACKAGE}.CustomResourceSubresources",
    obj(
        "Subresources served for one version.",
        {
            "status": preserved(
                "If present (as {}), .status is written only through the /status subresource."
            ),
            "scale": SCALE.field("If present, the /scale subresource is served."),
        },
    ),
)

COLUMN = Definition(
    f"{PACKAGE}.CustomResourceColumnDefinition",
    obj(
        "A column `kubectl get` prints.",
        {
            "name": string("Column header."),
            "type": string("OpenAPI type of the value: integer, number, string, boolean or date."),
            "format": string("OpenAPI format of the value."),
            "description": string("Human-readable description of the column."),
            "priority": int32("0 for the standard view; higher only with -o wide."),
            "jsonPath": string("Simple JSON path evaluated on each object for the cell value."),
        },
        ("name", "type", "jsonPath"),
    ),
)

SELECTABLE_FIELD = Definition(
    f"{PACKAGE}.SelectableField",
    obj(
        "A field that field selectors may use.",
        {"jsonPath": string("Simple JSON path to a string, integer or boolean field.")},
        ("jsonPath",),
    ),
)

VERSION = Definition(
    f"{PACKAGE}.CustomResourceDefinitionVersion",
    obj(
        "One version of a custom resource.",
        {
            "name": string("Version name, such as v1 or v1beta2, as used in URLs."),
            "served": boolean("Whether the version is served over REST."),
            "storage": boolean("Whether objects are stored in this version; exactly one version is."),
            "deprecated": boolean("Whether requests to this version get a deprecation warning."),
            "deprecationWarning": string("Overrides the default deprecation warning."),
            "schema": VALIDATION.field("Schema of the objects in this version."),
            "subresources": SUBRESOURCES.field("Subresources of this version."),
            "additionalPrinterColumns": array("Extra columns for kubectl get.", COLUMN.item()) | ATOMIC,
            "selectableFields": array("Fields usable in field selectors.", SELECTABLE_FIELD.item()) | ATOMIC,
        },
        ("name", "served", "storage"),
    ),
)

SERVICE_REFERENCE = Definition(
    f"{PACKAGE}.ServiceReference",
    obj(
        "A service a webhook is reached through.",
        {
            "namespace": string("Namespace of the service."),
            "name": string("Name of the service."),
            "path": string("URL path requests are sent to."),
            "port": int32("Port of the service; defaults to 443."),
        },
        ("namespace", "name"),
    ),
)

WEBHOOK_CLIENT_CONFIG = Definition(
    f"{PACKAGE}.WebhookClientConfig",
    obj(
        "How to reach a webhook: a URL or a service.",
        {
            "url": string("https URL of the webhook."),
            "service": SERVICE_REFERENCE.field("Service of the webhook, as an alternative to url."),
            "caBundle": string("PEM CA bundle to verify the webhook's certificate.", fmt="byte"),
        },
    ),
)

WEBHOOK_CONVERSION = Definition(
    f"{PACKAGE}.WebhookConversion",
    obj(
        "A conversion webhook.",
        {
            "clientConfig": WEBHOOK_CLIENT_CONFIG.field("How to reach the webhook."),
            "conversionReviewVersions": strings(
                "ConversionReview versions the webhook accepts, by preference."
            ),
        },
        ("conversionReviewVersions",),
    ),
)

CONVERSION = Definition(
    f"{PACKAGE}.CustomResourceConversion",
    obj(
        "How objects are converted between versions.",
        {
            "strategy": string("None (only apiVersion changes) or Webhook."),
            "webhook": WEBHOOK_CONVERSION.field("The webhook, for strategy Webhook."),
        },
        ("strategy",),
    ),
)

SPEC = Definition(
    f"{PACKAGE}.CustomResourceDefinitionSpec",
    obj(
        "What a custom resource is called and how it is served.",
        {
            "group": string("API group of the resource: /apis/<group>/..."),
            "names": NAMES.field("Names of the resource and its kind."),
            "scope": string("Namespaced or Cluster."),
            "versions": array("Versions served; the first is preferred in discovery.", VERSION.item())
            | ATOMIC,
            "conversion": CONVERSION.field("How to convert between versions."),
            "preserveUnknownFields": boolean("Deprecated; must be false in v1."),
        },
        ("group", "names", "scope", "versions"),
    ),
)

CONDITION = Definition(
    f"{PACKAGE}.CustomResourceDefinitionCondition",
    obj(
        "One aspect of a CRD's state, such as Established or NamesAccepted.",
        {
            "type": string("Condition type."),
            "status": string("True, False or Unknown."),
            "lastTransitionTime": timestamp("When the status last changed."),
            "reason": string("Machine-readable reason for the last transition."),
            "message": string("Human-readable details."),
            "observedGeneration": int64("metadata.generation the condition was computed from."),
        },
        ("type", "status"),
    ),
)

STATUS = Definition(
    f"{PACKAGE}.CustomResourceDefinitionStatus",
    obj(
        "Observed state of a CRD.",
        {
            "conditions": array("Latest observations of the CRD.", CONDITION.item())
            | map_list("type", merge=False),
            "acceptedNames": NAMES.field("Names actually served; may lag spec.names on a conflict."),
            "storedVersions": strings("Versions objects have ever been stored in."),
            "observedGeneration": int64("metadata.generation the status was computed from."),
        },
    ),
)

DEFINITIONS = (
    NAMES,
    VALIDATION,
    SCALE,
    SUBRESOURCES,
    COLUMN,
    SELECTABLE_FIELD,
    VERSION,
    SERVICE_REFERENCE,
    WEBHOOK_CLIENT_CONFIG,
    WEBHOOK_CONVERSION,
    CONVERSION,
    SPEC,
    CONDITION,
    STATUS,
)


def _crd() -> Schema:
    return kind(
        (GROUP, "v1", "CustomResourceDefinition"),
        "Adds a resource to the workspace, served under its own group and names.",
        {
            "spec": SPEC.field("The resource to serve."),
            "status": STATUS.field("Observed state of the CRD."),
        },
        ("spec",),
    )


KINDS = {("v1", "CustomResourceDefinition"): _crd}
