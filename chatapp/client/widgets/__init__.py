"""Widgets of the chat client, each with its CSS beside it."""
