"""Who is asking: the authenticated (or impersonated) user, as kube's user.Info."""

from __future__ import annotations

from dataclasses import dataclass, field

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
