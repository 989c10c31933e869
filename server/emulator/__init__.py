"""The demo portal: an independent, in-memory implementation of the VibeCode Entity API.

`Portal` holds the data and answers requests; `EmulatorTransport` plugs it into httpx with no
sockets; `python -m server.emulator` serves it over HTTP.
"""

from .api import DEMO_API_KEY, Portal
from .pipeline import Request, Response
from .transport import EmulatorTransport

__all__ = ["DEMO_API_KEY", "EmulatorTransport", "Portal", "Request", "Response"]
