"""Screens of the chat client: login, main and help."""
