"""tenancy.kcp.io/v1alpha1: Workspace and WorkspaceType, served in every logical cluster.

Fields follow kcp's Go types (`sdk/apis/tenancy/v1alpha1/types_workspace.go`,
`types_workspacetype.go`); like `kcpcore`, nested types stay inline as kcp's CRD OpenAPI has them.
Every field the tenancy controllers and admission read or write is here: a field missing from this
schema would be pruned on write, and silently break scheduling or initialization.
"""

from __future__ import annotations

from kcp.schema.builtin.fields import Schema, array, boolean, obj, string, string_map
from kcp.schema.builtin.kcpcore import conditions, initializers, phase, terminators
from kcp.schema.builtin.meta import LABEL_SELECTOR, kind
from kcp.schema.builtin.rbac import POLICY_RULE

GROUP = "tenancy.kcp.io"
PACKAGE = "io.kcp.tenancy.v1alpha1"  # kcp's kinds are CRDs: models are named by the reversed group

TYPE_NAME_PATTERN = r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?"  # kcp's, unanchored at the end
PATH_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(:[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"


def type_reference(description: str) -> Schema:
    """`WorkspaceTypeReference`: a type by name, in the workspace at `path`."""
    return obj(
        description,
        {
            "name": string("Name of the WorkspaceType, lower-case.") | {"pattern": TYPE_NAME_PATTERN},
            "path": string(
                "Absolute path of the workspace that holds the type, such as root:org. When omitted, "
                "the type is looked up in the parent workspace, then in each of its ancestors."
            )
            | {"pattern": PATH_PATTERN},
        },
        ("name",),
    )


def _type_selector(description: str) -> Schema:
    """`WorkspaceTypeSelector`: unset means no limit; `none` means none allowed; exactly one is set."""
    return obj(
        description,
        {
            "none": boolean("If true, no type is allowed; types must then be empty."),
            "types": array(
                "The allowed types; a type also matches every type it extends.",
                type_reference("A WorkspaceType that is allowed."),
            )
            | {"minItems": 1},
        },
    ) | {"oneOf": [{"required": ["none"]}, {"required": ["types"]}]}


def _workspace_spec() -> Schema:
    return obj(
        "What the workspace should be: its type and where it is scheduled.",
        {
            "type": type_reference(
                "The WorkspaceType of this workspace: it decides the initial content (initializers, "
                "default API bindings) and which parents and children are allowed. Defaults to the "
                "parent type's defaultChildWorkspaceType; immutable once set. Using a type needs the "
                "verb `use` on workspacetypes/<name> in the workspace that holds it."
            ),
            "location": obj(
                "Constraints on the shard the workspace is scheduled to; any shard when unset.",
                {"selector": LABEL_SELECTOR.field("Selects the Shards the workspace may be scheduled to.")},
            ),
            "cluster": string(
                "Name of the logical cluster that holds the workspace's content. Set by the system; "
                "cannot be changed or unset."
            ),
            "URL": string(
                "Address of the workspace's API: the shard's external URL plus /clusters/<path>. "
                "Set by the system; cannot be changed or unset."
            ),
            "mount": obj(
                "Mounts an external endpoint instead of a logical cluster (feature gate "
                "WorkspaceMounts); exclusive with type.",
                {
                    "ref": obj(
                        "The object that implements the mount.",
                        {
                            "apiVersion": string("API version of the mount object."),
                            "kind": string("Kind of the mount object."),
                            "name": string("Name of the mount object."),
                            "namespace": string("Namespace of the mount object, if it is namespaced."),
                        },
                        ("apiVersion", "kind", "name"),
                    )
                },
            ),
        },
    )


def _workspace_status() -> Schema:
    return obj(
        "Observed state of the workspace, mirrored from its logical cluster.",
        {
            "phase": phase(
                "Lifecycle phase: Scheduling until a logical cluster is assigned, Initializing until "
                "every initializer is done, then Ready; also Unavailable, Inactive, Terminating, Deleting."
            ),
            "conditions": conditions("workspace"),
            "initializers": initializers(
                "Initializers still to run in the workspace's logical cluster; it becomes Ready once "
                "none are left."
            ),
            "terminators": terminators("Terminators still to run before the workspace can be removed."),
        },
    )


def _workspace() -> Schema:
    return kind(
        (GROUP, "v1alpha1", "Workspace"),
        "A child workspace: a logical cluster with its own API surface, RBAC and content, reached "
        "at the path of its parent plus its name. The system schedules it to a shard and creates its "
        "LogicalCluster.",
        {
            "spec": _workspace_spec(),
            "status": _workspace_status(),
        },
    )


def _api_export_reference() -> Schema:
    return obj(
        "An APIExport to bind.",
        {
            "path": string(
                "Path of the workspace that holds the APIExport; the workspace of the type when empty."
            )
            | {"pattern": PATH_PATTERN},
            "export": string("Name of the APIExport."),
        },
        ("export",),
    )


def _workspace_type_spec() -> Schema:
    return obj(
        "How workspaces of this type are initialized, terminated and nested.",
        {
            "initializer": boolean(
                "If true, workspaces of this type get an initializer named after this type "
                "(<logical cluster of the type>:<type name>) and stay Initializing until a controller "
                "removes it."
            ),
            "terminator": boolean(
                "If true, workspaces of this type get a terminator named after this type and are not "
                "removed until a controller removes it."
            ),
            "extend": obj(
                "Types this type extends: it inherits their initializers and terminators, and counts as "
                "each of them when parents and children are checked.",
                {"with": array("The extended types.", type_reference("A type this type extends."))},
            ),
            "additionalWorkspaceLabels": string_map("Labels put on every new Workspace of this type."),
            "defaultChildWorkspaceType": type_reference(
                "The type of child workspaces created without spec.type. Not inherited through extend; "
                "without it, children must name their type."
            ),
            "limitAllowedChildren": _type_selector(
                "Which types child workspaces may have; any type when unset."
            ),
            "limitAllowedParents": _type_selector(
                "Which types the parent workspace may have; any type when unset."
            ),
            "defaultAPIBindings": array(
                "APIExports bound in every new workspace of this type during initialization.",
                _api_export_reference(),
            ),
            "defaultAPIBindingLifecycle": string(
                "InitializeOnly creates the default bindings once; Maintain keeps reconciling them.",
                enum=("InitializeOnly", "Maintain"),
            ),
            "authenticationConfigurations": array(
                "WorkspaceAuthenticationConfigurations applied to every workspace of this type.",
                obj(
                    "A WorkspaceAuthenticationConfiguration by name.",
                    {"name": string("Name of the WorkspaceAuthenticationConfiguration.")},
                    ("name",),
                ),
            ),
            "initializerPermissions": array(
                "What the initializer may do in a workspace through the initializing virtual workspace; "
                "when empty it acts as the workspace owner.",
                POLICY_RULE.item(),
            ),
            "terminatorPermissions": array(
                "What the terminator may do in a workspace through the terminating virtual workspace; "
                "when empty it acts as the workspace owner.",
                POLICY_RULE.item(),
            ),
        },
    )


def _workspace_type_status() -> Schema:
    return obj(
        "Observed state of the type.",
        {
            "conditions": conditions("workspace type"),
            "virtualWorkspaces": array(
                "Virtual workspace URLs for the initializer and terminator of this type.",
                obj(
                    "A virtual workspace serving workspaces of this type.",
                    {
                        "url": string("URL of the virtual workspace.", fmt="uri"),
                        "type": string(
                            "What the virtual workspace is for.", enum=("initializing", "terminating")
                        ),
                    },
                    ("url",),
                ),
            ),
        },
    )


def _workspace_type() -> Schema:
    return kind(
        (GROUP, "v1alpha1", "WorkspaceType"),
        "A kind of workspace: which initializers and terminators its workspaces get, which APIs they "
        "bind by default, and which parents and children it allows. Referenced as <path>:<name>.",
        {
            "spec": _workspace_type_spec(),
            "status": _workspace_type_status(),
        },
    )


DEFINITIONS = ()  # CRD kinds in kcp: nested types are published inline

KINDS = {
    ("v1alpha1", "Workspace"): _workspace,
    ("v1alpha1", "WorkspaceType"): _workspace_type,
}
