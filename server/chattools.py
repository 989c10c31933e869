"""The chat tools' handler modules, imported together so that their handlers register (`server.registry`)."""

from server import chatadmin, chathistory, chats, chatwrites

__all__ = ["chatadmin", "chathistory", "chats", "chatwrites"]
