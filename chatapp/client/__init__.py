"""chatapp-client: the Textual terminal client."""
