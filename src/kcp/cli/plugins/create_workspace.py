"""`kubectl create workspace <name>` (and the deprecated `kubectl ws create`): create, wait, maybe enter.

The Workspace is created in the current workspace (or `-w`). A `--type` without a colon is sent
without a path and the server resolves it (kcp looks in the current workspace, then its ancestors);
the printed type is the one the server returns, so `team` prints as `root:team`.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Any, NoReturn

from kcp.apimachinery.errors import StatusError
from kcp.apimachinery.labels import Operator, go_quote, parse_selector
from kcp.cli.plugins import paths
from kcp.cli.plugins.clientconfig import ClientConfig
from kcp.cli.plugins.create_context import create_context
from kcp.cli.plugins.errors import PluginError
from kcp.cli.plugins.options import ArgumentParser, add_client_flags, client_config, run_main
from kcp.cli.plugins.rest import APIError, RestClient
from kcp.cli.plugins.tenancy import READY, WORKSPACES, in_cluster, type_string
from kcp.cli.plugins.use import use_workspace

APPEAR_TIMEOUT = 5.0
APPEAR_INTERVAL = 0.1
# kcp polls every 500 ms; a workspace is usually ready within tens of milliseconds, so start small
READY_INTERVALS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.5)


@dataclass(frozen=True)
class CreateOptions:
    name: str
    type: str = ""
    enter: bool = False
    ignore_existing: bool = False
    location_selector: str = ""
    create_context: str = ""
    ready_timeout: float = 60.0


def parser(prog: str) -> ArgumentParser:
    p = ArgumentParser(prog, "Creates a new workspace")
    add_client_flags(p, workspace_flag=True)
    p.add_argument("name", nargs="*", help="name of the workspace to create")
    p.add_argument(
        "--type",
        default="",
        help="A workspace type. The default type depends on where this child workspace is created.",
    )
    p.add_argument("--enter", action="store_true", help="Immediately enter the created workspace")
    p.add_argument(
        "--ignore-existing",
        action="store_true",
        help="Ignore if the workspace already exists. Requires none or absolute type path. "
        "Overwrites the context if --create-context is set.",
    )
    p.add_argument(
        "--location-selector",
        default="",
        help="A label selector to select the scheduling location of the created workspace.",
    )
    p.add_argument(
        "--create-context",
        default="",
        help="Create a kubeconfig context for the new workspace with the given name.",
    )
    return p


def run(argv: list[str], prog: str) -> None:
    args = parser(prog).parse(argv)
    if len(args.name) != 1:  # cobra's ExactArgs(1)
        raise PluginError(f"accepts 1 arg(s), received {len(args.name)}")
    options = CreateOptions(
        name=args.name[0],
        type=args.type,
        enter=args.enter,
        ignore_existing=args.ignore_existing,
        location_selector=args.location_selector,
        create_context=args.create_context,
    )
    create_workspace(client_config(args), options)


def main() -> NoReturn:
    run_main(run, "kubectl create workspace")


def create_workspace(config: ClientConfig, options: CreateOptions) -> None:
    selector = _label_selector(options.location_selector)
    host = config.host()
    try:
        _, current = paths.split_cluster_url(host)
    except PluginError:
        raise PluginError(f"current URL {go_quote(host)} does not point to a workspace") from None
    if options.ignore_existing and options.type and not options.type.startswith(paths.ROOT):
        raise PluginError("--ignore-existing must not be used with non-absolute type path")
    requested = _type_reference(options.type)
    spec: dict[str, Any] = {}
    if requested is not None:
        spec["type"] = requested
    if selector is not None:
        spec["location"] = {"selector": selector}
    body = {
        "apiVersion": "tenancy.kcp.io/v1alpha1",
        "kind": "Workspace",
        "metadata": {"name": options.name},
        "spec": spec,
    }

    client = config.client()
    url = in_cluster(current, WORKSPACES)
    pre_existing = False
    try:
        workspace: dict[str, Any] = client.post(url, body)
    except APIError as err:
        if not (err.already_exists and options.ignore_existing):
            raise
        pre_existing = True
        workspace = client.get(in_cluster(current, WORKSPACES, options.name))

    actual = (workspace.get("spec") or {}).get("type") or {}
    reference = f"Workspace {go_quote(options.name)} (type {type_string(actual)})"
    ready = _phase(workspace) == READY
    if pre_existing:
        if requested is not None and (
            (actual.get("name") and actual.get("name") != requested["name"])
            or (actual.get("path") or "") != requested.get("path", "")
        ):
            raise PluginError(
                f"workspace {go_quote(options.name)} cannot be created with type {type_string(requested)}, "
                f"it already exists with different type {type_string(actual)}"
            )
        print(
            f"{reference} already exists."
            if ready
            else f"{reference} already exists. Waiting for it to be ready..."
        )
    else:  # kcp's POST never answers Ready, so its users always see this line; ours often does
        print(f"{reference} created. Waiting for it to be ready...")

    _wait_until_visible(client, current, options.name)
    if not ready:
        workspace = _wait_until_ready(client, current, options.name, options.ready_timeout)
    print(f"{reference} is ready to use.")

    if options.create_context:
        create_context(
            config,
            options.create_context,
            overwrite=options.ignore_existing,
            keep_current=not options.enter,
            cluster_url=str((workspace.get("spec") or {}).get("URL", "")),
        )
    elif options.enter:
        use_workspace(config, str(workspace["metadata"]["name"]))


def _type_reference(value: str) -> dict[str, str] | None:
    """`team` → {name: team} (the server fills the path); `root:team` → {name: team, path: root}."""
    if not value:
        return None
    path, sep, name = value.rpartition(":")
    return {"name": name.lower(), "path": path} if sep else {"name": name.lower()}


def _phase(workspace: dict[str, Any]) -> str:
    return str((workspace.get("status") or {}).get("phase", ""))


def _wait_until_visible(client: RestClient, cluster: str, name: str) -> None:
    """A caching server may not list a new Workspace at once: poll until a GET finds it."""
    deadline = time.monotonic() + APPEAR_TIMEOUT
    while True:
        try:
            client.get(in_cluster(cluster, WORKSPACES, name))
            return
        except APIError as err:
            if not err.not_found or time.monotonic() >= deadline:
                raise
        time.sleep(APPEAR_INTERVAL)


def _wait_until_ready(client: RestClient, cluster: str, name: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    for attempt in itertools.count():
        workspace: dict[str, Any] = client.get(in_cluster(cluster, WORKSPACES, name))
        if _phase(workspace) == READY:
            return workspace
        if time.monotonic() >= deadline:
            raise PluginError("context deadline exceeded")
        time.sleep(READY_INTERVALS[min(attempt, len(READY_INTERVALS) - 1)])
    raise AssertionError("unreachable")


def _label_selector(text: str) -> dict[str, Any] | None:
    """metav1.ParseToLabelSelector: the string form as matchLabels and matchExpressions."""
    if not text:
        return None
    try:
        requirements = parse_selector(text).requirements
    except StatusError as err:
        raise PluginError(f"invalid location selector: {err}") from None
    match_labels: dict[str, str] = {}
    expressions: list[dict[str, Any]] = []
    api_ops = {
        Operator.IN: "In",
        Operator.NOT_IN: "NotIn",
        Operator.NOT_EQUALS: "NotIn",
        Operator.EXISTS: "Exists",
        Operator.DOES_NOT_EXIST: "DoesNotExist",
    }
    for req in requirements:
        if req.operator in (Operator.EQUALS, Operator.DOUBLE_EQUALS):
            match_labels[req.key] = req.values[0]
        elif req.operator in api_ops:
            expression: dict[str, Any] = {"key": req.key, "operator": api_ops[req.operator]}
            if req.values:
                expression["values"] = sorted(req.values)
            expressions.append(expression)
        else:
            raise PluginError(
                f"invalid location selector: {go_quote(str(req.operator))} isn't supported in label selectors"
            )
    selector: dict[str, Any] = {}
    if match_labels:
        selector["matchLabels"] = match_labels
    if expressions:
        selector["matchExpressions"] = expressions
    return selector
