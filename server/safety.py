"""Who may write what: the write tier, and when a human must confirm a write first.

Tiers: `read-only` (no write tool listed or callable), `safe-write` (create and update; no delete;
bulk writes only with a human's confirmation), `full` (every write; deletes and bulk writes above
the threshold still need a human's confirmation). A client that cannot ask its human is refused,
unless the operator set `VIBECODE_ALLOW_UNCONFIRMED_WRITES`; no tool argument can stand in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from server.errors import ReadOnlyRefusal, WriteRefused

Tier = Literal["read-only", "safe-write", "full"]
ENABLE_HINT = (
    "Use an MCP client that can ask you to confirm (elicitation), or have the operator set "
    "VIBECODE_ALLOW_UNCONFIRMED_WRITES=true to allow such writes without a confirmation."
)


# Operations named as upstream names them that write like one of the three: registering a requisite
# link replaces the record's link (an update), unregistering removes it (a delete). Chats: a message or
# a file sent is a create; deleting a message, leaving and removing a member take something away.
ALIASES = {
    "register": "update",
    "unregister": "delete",
    "send": "create",
    "attach": "create",
    "edit_message": "update",
    "rename": "update",
    "add_members": "update",
    "mark_read": "update",
    "delete_message": "delete",
    "leave": "delete",
    "remove_member": "delete",
}


def write_kind(op: str, args: Mapping[str, Any]) -> str | None:
    """create / update / delete for a write tool's call (entity batch by its action); None for reads."""
    op = ALIASES.get(op, op)
    if op in ("create", "update", "delete"):
        return op
    if op == "products_edit":  # set replaces every row, removing the current ones: a delete for the tiers
        return {"add": "create", "update": "update", "delete": "delete", "set": "delete"}.get(str(args.get("edit")))
    if op == "act":  # a timeline comment: unbind and delete_note remove something
        return "delete" if args.get("change") in ("unbind", "delete_note") else "update"
    if op in ("batch", "bulk_update", "bulk_delete"):
        action = str(args.get("action") or op.removeprefix("bulk_"))
        return action if action in ("create", "update", "delete") else None
    return None


@dataclass(frozen=True)
class WritePolicy:
    """The operator's write settings, applied at listing and again at every call."""

    tier: Tier = "full"
    confirm_above: int = 10
    allow_unconfirmed: bool = False

    def lists(self, op: str, writes: bool) -> bool:
        """Whether a tool of operation `op` is offered at all under this tier."""
        if not writes:
            return True
        if self.tier == "read-only":
            return False
        return not (self.tier == "safe-write" and ALIASES.get(op, op) == "delete")

    def check(self, tool: str, kind: str | None) -> None:
        """Refuse a write the tier does not allow, before anything is read or sent.

        Raises:
            WriteRefused: naming the tier and the setting that allows the write.
        """
        if kind is None:
            return
        if self.tier == "read-only":
            raise ReadOnlyRefusal(
                f"{tool} changes the portal and this server runs read-only.",
                hint="The operator can allow writes with VIBECODE_WRITE_MODE=safe-write or full "
                "(and VIBECODE_READ_ONLY unset); reads work as usual.",
            )
        if self.tier == "safe-write" and kind == "delete":
            raise WriteRefused(
                f"{tool} would delete records, and this server's write mode is safe-write (no deletes).",
                code="WRITE_MODE",
                hint="The operator can allow deletes with VIBECODE_WRITE_MODE=full.",
            )

    def needs_confirmation(self, kind: str, count: int, bulk: bool) -> bool:
        """Deletes (and replaces) always, and bulk writes of more records than the threshold, ask a human first.

        In safe-write every bulk write asks.
        """
        if kind in ("delete", "set"):  # set: a replace that removes the current records first
            return True
        if bulk and self.tier == "safe-write":
            return True
        return bulk and count > self.confirm_above
