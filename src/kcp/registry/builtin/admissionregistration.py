"""admissionregistration.k8s.io/v1 webhook configurations, defaulted as kube defaults them.

The server calls the webhooks (server/webhooks.py); what is stored shows the values it acts on, and
is validated as kube validates it (admissionregistration/validation), so a configuration kube refuses
is refused here with the same causes.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import cel

from kcp.apimachinery.errors import Cause
from kcp.apimachinery.labels import go_quote, label_key_errors, label_value_errors
from kcp.apimachinery.meta import dns1035_label_errors, dns1123_subdomain_errors
from kcp.apimachinery.resources import APIResource
from kcp.registry.strategy import Object, Strategy
from kcp.schema.fielderrors import (
    JSONText,
    duplicate,
    forbidden,
    invalid,
    not_supported,
    required,
    too_many,
)

GROUP = "admissionregistration.k8s.io"
VALIDATING_WEBHOOKS = APIResource(
    GROUP,
    "v1",
    "validatingwebhookconfigurations",
    "ValidatingWebhookConfiguration",
    False,
    "validatingwebhookconfiguration",
    categories=("api-extensions",),
)
MUTATING_WEBHOOKS = APIResource(
    GROUP,
    "v1",
    "mutatingwebhookconfigurations",
    "MutatingWebhookConfiguration",
    False,
    "mutatingwebhookconfiguration",
    categories=("api-extensions",),
)
_DEFAULTS = {
    "failurePolicy": "Fail",
    "matchPolicy": "Equivalent",
    "namespaceSelector": {},
    "objectSelector": {},
    "timeoutSeconds": 10,
}


class WebhookConfigurationStrategy(Strategy):
    tracks_generation = True
    core_finalizers = False

    def default(self, obj: Object) -> None:
        mutating = self.resource.kind == MUTATING_WEBHOOKS.kind
        for hook in obj.get("webhooks") or []:
            if not isinstance(hook, dict):
                continue
            for field, value in _DEFAULTS.items():
                hook.setdefault(field, dict(value) if isinstance(value, dict) else value)
            if mutating:
                hook.setdefault("reinvocationPolicy", "Never")
            for rule in hook.get("rules") or []:
                if isinstance(rule, dict):
                    rule.setdefault("scope", "*")
            service = (hook.get("clientConfig") or {}).get("service")
            if isinstance(service, dict):
                service.setdefault("port", 443)

    def validate(self, obj: Object) -> list[Cause]:
        """kube's Validate{Validating,Mutating}WebhookConfiguration, in its order: each webhook, its
        admissionReviewVersions, then names that repeat."""
        mutating = self.resource.kind == MUTATING_WEBHOOKS.kind
        causes: list[Cause] = []
        names: set[str] = set()
        for i, hook in enumerate(obj.get("webhooks") or []):
            path = f"webhooks[{i}]"
            causes += _webhook_causes(hook, path, mutating)
            causes += _review_version_causes(
                hook.get("admissionReviewVersions") or [], f"{path}.admissionReviewVersions"
            )
            name = hook.get("name") or ""
            if name in names:
                causes.append(duplicate(f"{path}.name", name))
            elif name:
                names.add(name)
        return causes


_SUPPORTED = {
    "failurePolicy": ["Fail", "Ignore"],
    "matchPolicy": ["Equivalent", "Exact"],
    "sideEffects": ["None", "NoneOnDryRun"],  # v1 allows only webhooks without side effects
    "reinvocationPolicy": ["IfNeeded", "Never"],
}
_OPERATIONS = ["*", "CONNECT", "CREATE", "DELETE", "UPDATE"]
_SCOPES = ["*", "Cluster", "Namespaced"]
_REVIEW_VERSIONS = ("v1", "v1beta1")  # what this server (and kube) can send
_URL_FORM = "; desired format: https://host[/path]"


def _webhook_causes(hook: Object, path: str, mutating: bool) -> list[Cause]:
    causes = _fully_qualified(hook.get("name") or "", f"{path}.name")
    for j, rule in enumerate(hook.get("rules") or []):
        causes += rule_causes(rule, f"{path}.rules[{j}]")
    for field in ("failurePolicy", "matchPolicy"):
        if hook.get(field) is not None and hook[field] not in _SUPPORTED[field]:
            causes.append(not_supported(f"{path}.{field}", hook[field], _SUPPORTED[field]))
    effects = hook.get("sideEffects")
    if effects is None:
        causes.append(required(f"{path}.sideEffects", "must specify one of None, NoneOnDryRun"))
    elif effects not in _SUPPORTED["sideEffects"]:
        causes.append(not_supported(f"{path}.sideEffects", effects, _SUPPORTED["sideEffects"]))
    timeout = hook.get("timeoutSeconds")
    if timeout is not None and not 1 <= timeout <= 30:
        causes.append(
            invalid(f"{path}.timeoutSeconds", timeout, "the timeout value must be between 1 and 30 seconds")
        )
    for field in ("namespaceSelector", "objectSelector"):
        if isinstance(hook.get(field), dict):
            causes += selector_causes(hook[field], f"{path}.{field}")
    policy = hook.get("reinvocationPolicy")
    if mutating and policy is not None and policy not in _SUPPORTED["reinvocationPolicy"]:
        causes.append(not_supported(f"{path}.reinvocationPolicy", policy, _SUPPORTED["reinvocationPolicy"]))
    client = hook.get("clientConfig") or {}
    url, service = client.get("url"), client.get("service")
    if (url is None) == (service is None):
        causes.append(required(f"{path}.clientConfig", "exactly one of url or service is required"))
    elif url is not None:
        causes += _url_causes(url, f"{path}.clientConfig.url")
    elif isinstance(service, dict):
        causes += _service_causes(service, f"{path}.clientConfig.service")
    conditions = hook.get("matchConditions") or []
    return causes + match_condition_causes(conditions, f"{path}.matchConditions", _webhook_expression_causes)


def _fully_qualified(name: str, path: str) -> list[Cause]:
    """apimachinery's IsFullyQualifiedName: a DNS subdomain of at least three segments."""
    if not name:
        return [required(path, "")]
    if errs := dns1123_subdomain_errors(name):
        return [invalid(path, name, ",".join(errs))]
    if len(name.split(".")) < 3:
        return [invalid(path, name, "should be a domain with at least three segments separated by dots")]
    return []


def go_slice(go_type: str, values: list[str]) -> JSONText:
    """Go's %#v of a string slice, as field errors show a whole list."""
    return JSONText(f"[]{go_type}{{" + ", ".join(go_quote(v) for v in values) + "}")


def rule_causes(rule: Object, path: str) -> list[Cause]:
    """kube's validateRuleWithOperations and validateRule (subresources allowed)."""
    causes: list[Cause] = []
    operations = rule.get("operations") or []
    if not operations:
        causes.append(required(f"{path}.operations", ""))
    if len(operations) > 1 and "*" in operations:
        value = go_slice("admissionregistration.OperationType", operations)
        causes.append(
            invalid(f"{path}.operations", value, "if '*' is present, must not specify other operations")
        )
    for k, op in enumerate(operations):
        if op not in _OPERATIONS:
            causes.append(not_supported(f"{path}.operations[{k}]", op, _OPERATIONS))
    for field, what in (("apiGroups", "API groups"), ("apiVersions", "API versions")):
        values = rule.get(field) or []
        if not values:
            causes.append(required(f"{path}.{field}", ""))
        if len(values) > 1 and "*" in values:
            detail = f"if '*' is present, must not specify other {what}"
            causes.append(invalid(f"{path}.{field}", go_slice("string", values), detail))
    for k, version in enumerate(rule.get("apiVersions") or []):
        if version == "":
            causes.append(required(f"{path}.apiVersions[{k}]", ""))
    causes += _resources_causes(rule.get("resources") or [], f"{path}.resources")
    scope = rule.get("scope")
    if scope is not None and scope not in _SCOPES:
        causes.append(not_supported(f"{path}.scope", scope, _SCOPES))
    return causes


def _resources_causes(resources: list[str], path: str) -> list[Cause]:
    """kube's validateResources: `x/*`, `*/x`, `*/*` and `*` may not overlap what they cover."""
    causes: list[Cause] = [] if resources else [required(path, "")]
    wildcard_subresources: set[str] = set()  # x/*
    wildcard_resources: set[str] = set()  # */x
    single = without_subresource = False
    for k, item in enumerate(resources):
        if item == "":
            causes.append(required(f"{path}[{k}]", ""))
            continue
        single = single or item == "*"
        if "/" not in item:
            without_subresource = item != "*"
            continue
        res, sub = item.split("/", 1)
        if res in wildcard_subresources:
            causes.append(invalid(f"{path}[{k}]", item, f"if '{res}/*' is present, must not specify {item}"))
        if sub in wildcard_resources:
            causes.append(invalid(f"{path}[{k}]", item, f"if '*/{sub}' is present, must not specify {item}"))
        if sub == "*":
            wildcard_subresources.add(res)
        if res == "*":
            wildcard_resources.add(sub)
    shown = go_slice("string", resources)
    if len(resources) > 1 and "*/*" in resources:
        causes.append(invalid(path, shown, "if '*/*' is present, must not specify other resources"))
    if single and without_subresource:
        causes.append(
            invalid(path, shown, "if '*' is present, must not specify other resources without subresources")
        )
    return causes


def selector_causes(selector: Object, path: str) -> list[Cause]:
    """apimachinery's ValidateLabelSelector, label values checked strictly (as on create)."""
    causes: list[Cause] = []
    for key, value in (selector.get("matchLabels") or {}).items():
        causes += [invalid(f"{path}.matchLabels", key, e) for e in label_key_errors(key)]
        causes += [invalid(f"{path}.matchLabels", value, e) for e in label_value_errors(value)]
    for k, expr in enumerate(selector.get("matchExpressions") or []):
        at, op, values = f"{path}.matchExpressions[{k}]", expr.get("operator") or "", expr.get("values") or []
        if op in ("In", "NotIn"):
            if not values:
                causes.append(
                    required(f"{at}.values", "must be specified when `operator` is 'In' or 'NotIn'")
                )
        elif op in ("Exists", "DoesNotExist"):
            if values:
                detail = "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
                causes.append(forbidden(f"{at}.values", detail))
        else:
            causes.append(invalid(f"{at}.operator", op, "not a valid selector operator"))
        key = expr.get("key") or ""
        causes += [invalid(f"{at}.key", key, e) for e in label_key_errors(key)]
        for v, value in enumerate(values):
            causes += [invalid(f"{at}.values[{v}]", value, e) for e in label_value_errors(value)]
    return causes


def _url_causes(url: str, path: str) -> list[Cause]:
    """apiserver's ValidateWebhookURL with https forced."""
    try:
        parts = urlsplit(url)
        host = parts.netloc.rpartition("@")[2]
    except ValueError as e:
        return [required(path, f"url must be a valid URL: {e}{_URL_FORM}")]
    causes: list[Cause] = []
    if parts.scheme != "https":
        causes.append(invalid(path, parts.scheme, "'https' is the only allowed URL scheme" + _URL_FORM))
    if not host:
        causes.append(invalid(path, host, "host must be provided" + _URL_FORM))
    if "@" in parts.netloc:
        causes.append(
            invalid(path, parts.netloc.rpartition("@")[0], "user information is not permitted in the URL")
        )
    if parts.fragment:
        causes.append(invalid(path, parts.fragment, "fragments are not permitted in the URL"))
    if parts.query:
        causes.append(invalid(path, parts.query, "query parameters are not permitted in the URL"))
    return causes


def _service_causes(service: Object, path: str) -> list[Cause]:
    """apiserver's ValidateWebhookService (the port defaults to 443)."""
    causes: list[Cause] = []
    if not service.get("name"):
        causes.append(required(f"{path}.name", "service name is required"))
    if not service.get("namespace"):
        causes.append(required(f"{path}.namespace", "service namespace is required"))
    port = service.get("port", 443)
    if not 1 <= port <= 65535:
        causes.append(
            invalid(f"{path}.port", port, "port is not valid: must be between 1 and 65535, inclusive")
        )
    url_path = service.get("path")
    if url_path in (None, "", "/"):
        return causes
    if url_path == "//":
        return [*causes, invalid(f"{path}.path", url_path, "segment[0] may not be empty")]
    if not url_path.startswith("/"):
        causes.append(invalid(f"{path}.path", url_path, "must start with a '/'"))
    trimmed = url_path[1:]
    trimmed = trimmed[:-1] if trimmed.endswith("/") else trimmed
    for k, step in enumerate(trimmed.split("/")):
        if not step:
            causes.append(invalid(f"{path}.path", url_path, f"segment[{k}] may not be empty"))
            continue
        causes += [
            invalid(f"{path}.path", url_path, f"segment[{k}]: {e}") for e in dns1123_subdomain_errors(step)
        ]
    return causes


def match_condition_causes(
    conditions: list[Object], path: str, expression_causes: Callable[[str, str], list[Cause]]
) -> list[Cause]:
    """kube's validateMatchConditions: at most 64, named by unique qualified names, each expression
    checked by `expression_causes(field path, expression)` (webhooks and policies compile them
    against different variables)."""
    causes: list[Cause] = [too_many(path, len(conditions), 64)] if len(conditions) > 64 else []
    names: set[str] = set()
    for k, condition in enumerate(conditions):
        at = f"{path}[{k}]"
        expression = str(condition.get("expression") or "")
        if not expression.strip():
            causes.append(required(f"{at}.expression", ""))
        else:
            causes += expression_causes(f"{at}.expression", expression)
        name = str(condition.get("name") or "")
        if not name:
            causes.append(required(f"{at}.name", ""))
        else:
            causes += [invalid(f"{at}.name", name, e) for e in label_key_errors(name)]
            if name in names:
                causes.append(duplicate(f"{at}.name", name))
            names.add(name)
    return causes


def _webhook_expression_causes(at: str, expression: str) -> list[Cause]:
    """A webhook's condition must compile; whether it yields a bool is found when it runs."""
    why = _compile_error(expression)
    return [invalid(at, expression, f"compilation failed: {why}")] if why else []


def _compile_error(expression: str) -> str:
    """cel-go's parse error (`ERROR: <input>:1:5: Syntax error: ...`), or "" when it compiles."""
    try:
        cel.compile(expression)
    except ValueError as e:
        text = str(e)
        return text[text.find("ERROR:") :] if "ERROR:" in text else text
    return ""


def _review_version_causes(versions: list[str], path: str) -> list[Cause]:
    """kube's validateAdmissionReviewVersions: distinct DNS-1035 labels, one this server speaks."""
    if not versions:
        return [required(path, "must specify one of v1, v1beta1")]
    causes: list[Cause] = []
    seen: set[str] = set()
    for k, version in enumerate(versions):
        if version in seen:
            causes.append(invalid(f"{path}[{k}]", version, "duplicate version"))
            continue
        seen.add(version)
        causes += [invalid(f"{path}[{k}]", version, e) for e in dns1035_label_errors(version)]
    if not seen & set(_REVIEW_VERSIONS):
        causes.append(invalid(path, go_slice("string", versions), "must include at least one of v1, v1beta1"))
    return causes
