"""The chatapp wire protocol, sans-I/O: frames in, typed messages out, and back."""

from .chats import (
    Chat,
    ChatMessage,
    Delivered,
    GroupChat,
    GroupMessage,
    History,
    OneChat,
    Sync,
)
from .codec import decode_event, decode_request, encode, encode_request
from .codes import CURRENT_VERSION, Dialect, Errno, MsgId
from .connection import ClientConnection, ServerConnection
from .errors import ProtocolError, Rid
from .events import (
    Ack,
    Error,
    Event,
    FriendAdded,
    LoginAck,
    Pong,
    Presence,
    RegAck,
)
from .fields import MAX_RID_LENGTH
from .framing import DEFAULT_MAX_FRAME, FrameSplitter
from .parts import (
    OFFLINE,
    ONLINE,
    FriendInfo,
    GroupInfo,
    MemberInfo,
)
from .requests import (
    AddFriend,
    AddGroup,
    ChangePassword,
    CreateGroup,
    Login,
    Logout,
    Ping,
    Register,
    Request,
)

__all__ = [
    "CURRENT_VERSION",
    "DEFAULT_MAX_FRAME",
    "MAX_RID_LENGTH",
    "OFFLINE",
    "ONLINE",
    "Ack",
    "AddFriend",
    "AddGroup",
    "ChangePassword",
    "Chat",
    "ChatMessage",
    "ClientConnection",
    "CreateGroup",
    "Delivered",
    "Dialect",
    "Errno",
    "Error",
    "Event",
    "FrameSplitter",
    "FriendAdded",
    "FriendInfo",
    "GroupChat",
    "GroupInfo",
    "GroupMessage",
    "History",
    "Login",
    "LoginAck",
    "Logout",
    "MemberInfo",
    "MsgId",
    "OneChat",
    "Ping",
    "Pong",
    "Presence",
    "ProtocolError",
    "RegAck",
    "Register",
    "Request",
    "Rid",
    "ServerConnection",
    "Sync",
    "decode_event",
    "decode_request",
    "encode",
    "encode_request",
]
