"""core.kcp.io/v1alpha1 LogicalCluster, and the pieces tenancy.kcp.io shares with it.

Fields follow kcp's Go types (`sdk/apis/core/v1alpha1/logicalcluster_types.go`, conditions from
`sdk/apis/third_party/conditions`). In kcp these kinds are CRDs, so nested types stay inline, as its
CRD OpenAPI publishes them. Lists carry no list-type, as in kcp's CRDs: apply treats them as atomic.
Patterns and enums are published for clients; the strategies, not the schema, decide what is valid.
"""

from __future__ import annotations

from kcp.schema.builtin.fields import Schema, array, boolean, obj, string, strings, timestamp
from kcp.schema.builtin.meta import kind

GROUP = "core.kcp.io"
PACKAGE = "io.kcp.core.v1alpha1"  # kcp's kinds are CRDs: models are named by the reversed group

# `LogicalClusterPhaseType`: the one phase enum of both LogicalCluster and Workspace.
PHASES = ("Scheduling", "Initializing", "Ready", "Unavailable", "Inactive", "Terminating", "Deleting")
# `LogicalClusterInitializer` / `LogicalClusterTerminator`: `<path>:<type name>` or `system:<name>`.
INITIALIZER_PATTERN = (
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(:[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
    r"(:[a-z0-9][a-z0-9]([-a-z0-9]*[a-z0-9])?))|(system:.+)$"
)


def phase(description: str) -> Schema:
    return string(description, enum=PHASES)


def initializers(description: str) -> Schema:
    """A list of initializer names; a controller removes its own when its work is done."""
    return array(description, {"type": "string", "pattern": INITIALIZER_PATTERN})


def terminators(description: str) -> Schema:
    """A list of terminator names; a controller removes its own before the object may go."""
    return array(description, {"type": "string", "pattern": INITIALIZER_PATTERN})


def conditions(subject: str) -> Schema:
    """kcp's `conditions.kcp.io` conditions: kube's, plus a severity for False ones."""
    return array(
        f"Current processing state of the {subject}, one entry per condition type.",
        obj(
            "One aspect of the object's state, as kcp reports it.",
            {
                "type": string("Condition type, in CamelCase, such as Ready or WorkspaceScheduled."),
                "status": string("True, False or Unknown.", enum=("True", "False", "Unknown")),
                "severity": string("How bad a False condition is: Error, Warning or Info; empty when True."),
                "lastTransitionTime": timestamp("When the status last changed."),
                "reason": string("Machine-readable CamelCase reason for the last transition."),
                "message": string("Human-readable details of the last transition."),
            },
            ("type", "status", "lastTransitionTime"),
        ),
    )


def _owner() -> Schema:
    return obj(
        "The object this logical cluster belongs to, normally the Workspace in the parent logical cluster. "
        "Set by the system; the owner's deletion deletes the logical cluster.",
        {
            "apiVersion": string("API version of the owner, such as tenancy.kcp.io/v1alpha1."),
            "resource": string("Resource of the owner, such as workspaces."),
            "name": string("Name of the owner."),
            "namespace": string("Namespace of the owner; empty for cluster-scoped owners."),
            "cluster": string("Logical cluster the owner lives in."),
            "uid": string(
                "UID of the owner, so a re-created owner with the same name is not mistaken for it."
            ),
        },
        ("apiVersion", "resource", "name", "cluster", "uid"),
    )


def _created_by() -> Schema:
    extra = {"type": "object", "additionalProperties": strings("One value of extra user information.")}
    return obj(
        "The user who created the workspace of this logical cluster, from its owner annotation.",
        {
            "username": string("Name of the user."),
            "uid": string("Unique identifier of the user."),
            "groups": strings("Groups the user belongs to."),
            "extra": {**extra, "description": "Additional information from the authenticator."},
        },
    )


def _logical_cluster() -> Schema:
    return kind(
        (GROUP, "v1alpha1", "LogicalCluster"),
        "The singleton named `cluster` whose existence makes a logical cluster exist. It carries the "
        "cluster's owner, its lifecycle phase, and the initializers and terminators still to run.",
        {
            "spec": obj(
                "What the system wants of this logical cluster; only the system may change it.",
                {
                    "directlyDeletable": boolean(
                        "If true, the LogicalCluster object may be deleted from inside the logical "
                        "cluster; otherwise only the deletion of its owner removes it."
                    ),
                    "owner": _owner(),
                    "createdBy": _created_by(),
                    "initializers": initializers(
                        "Initializers of this logical cluster, copied to status when it starts initializing."
                    ),
                    "terminators": terminators(
                        "Terminators of this logical cluster, copied to status when its deletion starts."
                    ),
                },
            ),
            "status": obj(
                "Observed state of this logical cluster.",
                {
                    "URL": string("Address under which the logical cluster's API is served."),
                    "phase": phase(
                        "Lifecycle phase: Scheduling, Initializing, Ready, Unavailable, Inactive, "
                        "Terminating or Deleting."
                    ),
                    "conditions": conditions("logical cluster"),
                    "initializers": initializers(
                        "Initializers still to run; the logical cluster becomes Ready once this is empty. "
                        "Each initializer removes only its own entry, with a PATCH."
                    ),
                    "terminators": terminators(
                        "Terminators still to run; the logical cluster is removed once this is empty."
                    ),
                },
            ),
        },
    )


DEFINITIONS = ()  # CRD kinds in kcp: nested types are published inline

KINDS = {("v1alpha1", "LogicalCluster"): _logical_cluster}
