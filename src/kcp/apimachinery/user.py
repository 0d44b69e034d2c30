"""Who is asking: the authenticated (or impersonated) user, as kube's user.Info."""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson

SYSTEM_MASTERS = "system:masters"
AUTHENTICATED = "system:authenticated"
UNAUTHENTICATED = "system:unauthenticated"
ANONYMOUS = "system:anonymous"


@dataclass(frozen=True, slots=True)
class UserInfo:
    name: str
    uid: str = ""
    groups: tuple[str, ...] = ()
    extra: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def is_master(self) -> bool:
        return SYSTEM_MASTERS in self.groups

    def to_dict(self) -> dict[str, object]:
        """The `userInfo` shape of TokenReview / SelfSubjectReview / SubjectAccessReview."""
        out: dict[str, object] = {"username": self.name, "groups": list(self.groups)}
        if self.uid:
            out["uid"] = self.uid
        if self.extra:
            out["extra"] = {k: list(v) for k, v in self.extra.items()}
        return out


def username_only(user_info_json: str) -> str:
    """An authentication/v1 UserInfo JSON cut down to its username: kcp keeps no more of a workspace's
    owner (annotation `experimental.tenancy.kcp.io/owner`) once it is Ready; unreadable input is kept."""
    try:
        info = orjson.loads(user_info_json)
    except orjson.JSONDecodeError:
        return user_info_json
    name = info.get("username") if isinstance(info, dict) else None
    return orjson.dumps({"username": name} if name else {}).decode()
