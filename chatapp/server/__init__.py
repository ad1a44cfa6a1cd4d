"""chatapp-server: the asyncio chat server."""
