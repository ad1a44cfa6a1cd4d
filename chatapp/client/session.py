"""Session: the client's requests without its UI; each one sent on the Connection of the
moment, its answer filed in the ChatState. No Textual: the app runs these in workers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence

from chatapp.protocol import (
    ONLINE,
    REQUESTED,
    Ack,
    AddFriend,
    AddGroup,
    Conversations,
    CreateGroup,
    Errno,
    FindUsers,
    FriendInfo,
    Friends,
    GroupChat,
    GroupInfo,
    Groups,
    History,
    LoginAck,
    Logout,
    MemberInfo,
    Members,
    OneChat,
)

from . import social
from .commands import MAX_ID, Add, Close, Create, Join, Msg, Social, is_number
from .conversation import ConvKey, Kind
from .device import base_name
from .net import ClientError, Connection, Disconnected, LinkState, RequestFailed
from .reading import file_conversations
from .state import ChatState

ConnectionFactory = Callable[[str, int], Connection]


DEVICE_NAME = base_name()
"""The device a password login opens where the connection names none (chatapp-client's
own connections name theirs: device.claim_device_name)."""


class NoSuchUser(ClientError):
    """Nobody has the id or the name asked for."""


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
        if conn.device is None:
            conn.device = DEVICE_NAME
        if isinstance(user, int) or is_number(user):
            if not 1 <= int(user) <= MAX_ID:  # beyond what the wire can carry
                raise ClientError(f"no user with id {user}")
            await conn.login(password, id=int(user))
        else:
            await conn.login(password, name=user)
        self.state.server = f"{host}:{port}"

    async def sign_out(self, everywhere: bool = False) -> None:
        """Logs out, keeping the connection, and forgets the session's state; `everywhere`
        ends every device of the account first (LOGOUT all)."""
        if everywhere:  # refused or unanswered: the session stays, as the user may try again
            await self.link().request(Logout(all=True))
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

    async def run(
        self, command: Add | Create | Join | Msg | Close | Social
    ) -> tuple[str, ConvKey | None]:
        """Runs /add, /create, /join, /close, or /msg to somebody not known here: what to
        tell the user, and the conversation to open."""
        match command:
            case Social():
                return await social.run(self, command)
            case Msg(user):
                key = await self.find_user(user)
                name = self.state.title(key)
                if key.id in self.state.friends:
                    return f"Chat with {name} (#{key.id})", key
                return f"{name} (#{key.id}) is not a friend: /add {key.id} to add", key
            case Close():
                if (conv := self.state.close()) is None:
                    raise ClientError("No conversation is open")
                return f"Closed the conversation with {conv.title}", None
            case Add(user):
                user_id = user if isinstance(user, int) else (await self.who_is(user))[0]
                friend, asked = await self.add_friend(user_id)
                if asked:
                    return f"Asked {friend.name} (#{friend.id}) to be your friend", None
                return f"{friend.name} (#{friend.id}) is a friend now", None
            case Create(name, desc):
                group, verb = await self.create_group(name, desc), "Created"
            case Join(group_id):
                group, verb = await self.join_group(group_id), "Joined"
        return f"{verb} group {group.groupname} (id {group.id})", ConvKey(Kind.GROUP, group.id)

    async def add_friend(self, user_id: int) -> tuple[FriendInfo, bool]:
        """Asks a user to be a friend, or accepts their request: the friend, and whether
        the request waits for their answer."""
        ack = await self.link().request(AddFriend(user_id))
        friend = ack.friend or FriendInfo(user_id, f"user {user_id}")
        self.state.add_friend(friend)
        return friend, ack.state == REQUESTED

    async def create_group(self, name: str, desc: str) -> GroupInfo:
        ack = await self.link().request(CreateGroup(name, desc))
        me = MemberInfo(self.state.user_id, self.state.user_name, ONLINE, "creator")
        group = GroupInfo(ack.groupid or 0, name, desc, (me,), count=1)
        self.state.add_group(group)
        return group

    async def join_group(self, group_id: int) -> GroupInfo:
        ack = await self.link().request(AddGroup(group_id))
        group = ack.group or GroupInfo(group_id, f"group {group_id}", "")
        self.state.add_group(group)
        return group

    async def who_is(self, user: int | str) -> tuple[int, str]:
        """The id and name of the user with id or exact name `user` (USERS); NoSuchUser
        where nobody has it."""
        ask = FindUsers(id=user) if isinstance(user, int) else FindUsers(name=user)
        try:
            found = (await self.link().request(ask)).users or ()
        except RequestFailed as exc:
            if exc.errno is not Errno.NO_SUCH_USER:
                raise
            found = ()
        if not found:
            raise NoSuchUser(
                f"no user with id {user}" if isinstance(user, int) else f"nobody is called {user}"
            )
        return found[0].id, found[0].name

    async def find_user(self, user: int | str) -> ConvKey:
        """Files the conversation with the user who has id or exact name `user`, titled by
        their name as the server knows it; nobody has it: NoSuchUser, and no conversation."""
        user_id, name = await self.who_is(user)
        key = ConvKey(Kind.USER, user_id)
        self.state.named(key, name)
        return key

    async def title_for(self, key: ConvKey) -> None:
        """What a conversation's title waits for: a group's members, or the name of a user
        who is no friend. A user the server does not know is no conversation: it is closed."""
        if key.kind is Kind.GROUP:
            return await self.more_members(key.id)
        try:
            await self.find_user(key.id)
        except NoSuchUser:
            self.state.close(key)
            raise

    # --- Lists beyond the first page -----------------------------------------------------

    async def rest_of_lists(self, ack: LoginAck) -> None:
        """Asks for the friends and groups beyond the first pages that a login ack holds,
        page after page, and files them."""
        if ack.more_friends:
            async for reply in self._pages(Friends, _last(ack.friends)):
                for friend in reply.friends or ():
                    self.state.add_friend(friend)
        if ack.more_groups:
            async for reply in self._pages(Groups, _last(ack.groups)):
                for group in reply.groups or ():
                    self.state.add_group(group)
        await self.recent_people()

    async def recent_people(self) -> None:
        """Lists the latest conversations (CONVERSATIONS, one page): the people who are no
        friends, by name (the friend list alone forgets them on a restart), and each one's
        unread count and read marker as the server keeps them (reading.file_conversations)."""
        reply = await self.link().request(Conversations())
        file_conversations(self.state, reply.conversations or ())

    async def more_members(self, group_id: int) -> None:
        """Asks for the next page of a group's members, after those known, and files it."""
        group = self.state.groups.get(group_id)
        after = _last(group.users) if group is not None else None
        reply = await self.link().request(Members(group_id, after=after))
        self.state.add_members(group_id, reply.members or ())

    async def _pages(self, ask: type[Friends | Groups], after: int | None) -> AsyncIterator[Ack]:
        """The replies to FRIENDS or GROUPS, each after the last id of the one before,
        until one says there is no more."""
        while True:
            reply = await self.link().request(ask(after=after))
            yield reply
            items = reply.friends or reply.groups or ()
            if not (reply.more and items):
                return
            after = items[-1].id


def _last(items: Sequence[FriendInfo | GroupInfo | MemberInfo]) -> int | None:
    return items[-1].id if items else None
