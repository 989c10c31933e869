"""vibecode-mcp: an MCP server for Bitrix24 through the VibeCode REST API."""

__version__ = "0.1.0"
