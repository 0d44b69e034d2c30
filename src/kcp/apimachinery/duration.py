"""Human-readable durations, as kube-apiserver prints ages in Table cells.

kubectl prints the AGE cell the server sends verbatim, so the rounding here must be kube's
(apimachinery `util/duration.HumanDuration`): ~2-3 significant figures, whole units truncated.
"""

from __future__ import annotations


def human_duration(seconds: float) -> str:
    """`5s`, `3m20s`, `4h5m`, `2d3h`, `3y12d`: the precision shrinks as the duration grows.

    Up to one second in the future counts as now (clock skew between writer and reader);
    anything further ahead is `<invalid>`.
    """
    whole = int(seconds)  # truncates toward zero, like Go's int(d.Seconds())
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 120:
        return f"{whole}s"
    minutes = whole // 60
    if minutes < 10:
        rest = whole % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = whole // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if hours < 24 * 8:
        rest = hours % 24
        return f"{days}d{rest}h" if rest else f"{days}d"
    if hours < 24 * 365 * 2:
        return f"{days}d"
    years = days // 365
    if hours < 24 * 365 * 8:
        rest = days % 365
        return f"{years}y{rest}d" if rest else f"{years}y"
    return f"{years}y"
