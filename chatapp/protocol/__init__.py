"""The chatapp wire protocol, sans-I/O: frames in, typed messages out, and back."""

from .accounts import LoginAck, RegAck
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
    PageItem,
    Pong,
    Presence,
)
from .fields import MAX_RID_LENGTH
from .fitting import (
    LOGIN_FRAME,
    cut_page,
    fit,
    fit_login,
    fitting,
    page_frame,
    page_frame_bound,
    shares,
    size,
)
from .framing import DEFAULT_MAX_FRAME, FrameSplitter
from .lists import Friends, Groups, Members
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
from .settings import STRANGERS, ChangeSettings, SettingsInfo

__all__ = [
    "CURRENT_VERSION",
    "DEFAULT_MAX_FRAME",
    "LOGIN_FRAME",
    "MAX_RID_LENGTH",
    "OFFLINE",
    "ONLINE",
    "STRANGERS",
    "Ack",
    "AddFriend",
    "AddGroup",
    "ChangePassword",
    "ChangeSettings",
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
    "Friends",
    "GroupChat",
    "GroupInfo",
    "GroupMessage",
    "Groups",
    "History",
    "Login",
    "LoginAck",
    "Logout",
    "MemberInfo",
    "Members",
    "MsgId",
    "OneChat",
    "PageItem",
    "Ping",
    "Pong",
    "Presence",
    "ProtocolError",
    "RegAck",
    "Register",
    "Request",
    "Rid",
    "ServerConnection",
    "SettingsInfo",
    "Sync",
    "cut_page",
    "decode_event",
    "decode_request",
    "encode",
    "encode_request",
    "fit",
    "fit_login",
    "fitting",
    "page_frame",
    "page_frame_bound",
    "shares",
    "size",
]
