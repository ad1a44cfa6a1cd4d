"""Session: the client's requests without its UI; each one sent on the Connection of the
moment, its answer filed in the ChatState. No Textual: the app runs these in workers."""

from __future__ import annotations

from collections.abc import Callable

from chatapp.protocol import (
    ONLINE,
    Ack,
    AddFriend,
    AddGroup,
    CreateGroup,
    FriendInfo,
    GroupChat,
    GroupInfo,
    History,
    MemberInfo,
    OneChat,
)

from .commands import Add, Create, Join
from .conversation import ConvKey, Kind
from .net import Connection, Disconnected, LinkState
from .state import ChatState

ConnectionFactory = Callable[[str, int], Connection]


class Session:
    """One ChatState and the Connection that feeds it; `on_new` hears of each new Connection
    as it is made, to read its events."""

    def __init__(
        self,
        state: ChatState,
        factory: ConnectionFactory,
        on_new: Callable[[Connection], None],
    ) -> None:
        self.state = state
        self.connection: Connection | None = None
        self._factory = factory
        self._on_new = on_new

    async def connect(self, host: str, port: int) -> Connection:
        """The connection to host:port, opened: the current one if it goes there and is not
        closed, else a new one (the old one closed)."""
        conn = self.connection
        reusable = conn is not None and conn.state is not LinkState.CLOSED
        if conn is not None and reusable and (conn.host, conn.port) == (host, port):
            await conn.connect()
            return conn
        if conn is not None:
            await conn.close()
        self.connection = conn = self._factory(host, port)
        self._on_new(conn)
        await conn.connect()
        return conn

    async def register(self, host: str, port: int, name: str, password: str) -> int:
        """Connects and creates an account; returns its id."""
        conn = await self.connect(host, port)
        return await conn.register(name, password)

    async def sign_in(self, host: str, port: int, user: str | int, password: str) -> None:
        """Connects and logs in by id, or by name (a name of digits is an id)."""
        conn = await self.connect(host, port)
        if isinstance(user, int) or user.isdigit():
            await conn.login(password, id=int(user))
        else:
            await conn.login(password, name=user)
        self.state.server = f"{host}:{port}"

    async def sign_out(self) -> None:
        """Logs out, keeping the connection, and forgets the session's state."""
        if self.connection is not None:
            await self.connection.logout()
        self.state.reset()

    def link(self) -> Connection:
        if self.connection is None:
            raise Disconnected("not connected")
        return self.connection

    async def send(self, key: ConvKey, text: str) -> Ack:
        """Sends text to a user or a group."""
        chat = OneChat(key.id, text) if key.kind is Kind.USER else GroupChat(key.id, text)
        return await self.link().request(chat)

    def next_page(self, key: ConvKey) -> History | None:
        """The request for the page before the oldest loaded (the newest, the first time),
        marked as on its way; None while one is on its way or once the beginning is in."""
        paging = self.state.conversation(key).paging
        if paging.loading or paging.complete:
            return None
        paging.started, paging.loading, paging.error = True, True, ""
        if key.kind is Kind.USER:
            return History(peer=key.id, before=paging.before)
        return History(groupid=key.id, before=paging.before)

    async def run(self, command: Add | Create | Join) -> tuple[str, ConvKey | None]:
        """Runs /add, /create or /join: what to tell the user, and the group to open."""
        match command:
            case Add(user_id):
                friend = await self.add_friend(user_id)
                return f"{friend.name} (#{friend.id}) is a friend now", None
            case Create(name, desc):
                group, verb = await self.create_group(name, desc), "Created"
            case Join(group_id):
                group, verb = await self.join_group(group_id), "Joined"
        return f"{verb} group {group.groupname} (id {group.id})", ConvKey(Kind.GROUP, group.id)

    async def add_friend(self, user_id: int) -> FriendInfo:
        ack = await self.link().request(AddFriend(user_id))
        friend = ack.friend or FriendInfo(user_id, f"user {user_id}")
        self.state.add_friend(friend)
        return friend

    async def create_group(self, name: str, desc: str) -> GroupInfo:
        ack = await self.link().request(CreateGroup(name, desc))
        me = MemberInfo(self.state.user_id, self.state.user_name, ONLINE, "creator")
        group = GroupInfo(ack.groupid or 0, name, desc, (me,))
        self.state.add_group(group)
        return group

    async def join_group(self, group_id: int) -> GroupInfo:
        ack = await self.link().request(AddGroup(group_id))
        group = ack.group or GroupInfo(group_id, f"group {group_id}", "")
        self.state.add_group(group)
        return group
