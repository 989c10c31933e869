"""The chat tools' handler modules, imported together so that their handlers register (`server.registry`)."""

from server import chatadmin, chatfiles, chathistory, chats, chatwrites

__all__ = ["chatadmin", "chatfiles", "chathistory", "chats", "chatwrites"]
