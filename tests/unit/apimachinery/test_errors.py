"""Status errors word their messages as kube's do."""

from __future__ import annotations

from kcp.apimachinery.errors import Cause, Invalid


def test_several_field_errors_read_as_kubes_aggregate() -> None:
    one = Cause("FieldValueRequired", "Required value", "data[tls.key]")
    assert (
        Invalid.object("Secret", "", "s", [one]).message
        == 'Secret "s" is invalid: data[tls.key]: Required value'
    )
    other = Cause("FieldValueForbidden", "Forbidden: may not be specified for non-apply patch", "force")
    both = Invalid.object("PatchOptions", "meta.k8s.io", "", [one, other, one])
    assert both.message == (
        'PatchOptions.meta.k8s.io "" is invalid: '
        "[data[tls.key]: Required value, force: Forbidden: may not be specified for non-apply patch]"
    )
    assert len(both.causes) == 3  # the causes keep every error, the message each text once
