"""SETTINGS: a user reads and changes their privacy settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatapp.protocol import Ack, ChangeSettings, Event, MsgId, SettingsInfo

from ..storage import Settings
from . import checks

if TYPE_CHECKING:
    from ..session import Session


async def change_settings(session: Session, req: ChangeSettings) -> Event:
    """Changes the settings the request names (none: only reads); answers with them all."""
    me = checks.me(session, None)
    storage = session.server.storage
    current = await storage.settings(me.id)
    settings = Settings(
        current.strangers if req.strangers is None else req.strangers,
        current.findable if req.findable is None else req.findable,
        current.receipts if req.receipts is None else req.receipts,
    )
    if settings != current:
        await storage.save_settings(me.id, settings)
    if settings.strangers != current.strangers:  # chats to the user are screened by it
        await session.server.ties.changed(me.id)
    info = SettingsInfo(settings.strangers, settings.findable, settings.receipts)
    return Ack(MsgId.SETTINGS, rid=req.rid, settings=info)
