"""The closed sets of the wire protocol: message ids, error numbers and dialects."""

from enum import IntEnum


class MsgId(IntEnum):
    """Message ids; 1 to 10 keep the numbers of the legacy protocol."""

    LOGIN = 1
    LOGIN_ACK = 2
    LOGOUT = 3
    REG = 4
    REG_ACK = 5
    ONE_CHAT = 6
    ADD_FRIEND = 7
    CREATE_GROUP = 8
    ADD_GROUP = 9
    GROUP_CHAT = 10
    # Current protocol (v2) only.
    ACK = 11
    ERROR = 12
    PRESENCE = 13
    PING = 14
    PONG = 15
    FRIEND_ADDED = 16
    DELIVERED = 17
    SYNC = 18
    HISTORY = 19
    FRIENDS = 20
    MEMBERS = 21
    GROUPS = 22
    PASSWORD = 23
    # Friends with consent (docs/protocol.md, "Friend requests").
    FRIEND_REQUEST = 24
    FRIEND_ANSWER = 25
    FRIEND_CANCEL = 26
    UNFRIEND = 27
    REQUESTS = 28
    FRIEND_EVENT = 29
    # Blocking and message requests from strangers.
    BLOCK = 30
    BLOCKS = 31
    MESSAGE_REQUESTS = 32
    SETTINGS = 33
    # Groups with roles and privacy.
    GROUP_INVITE = 34
    INVITES = 35
    INVITE_ANSWER = 36
    LEAVE_GROUP = 37
    REMOVE_MEMBER = 38
    SET_ROLE = 39
    EDIT_GROUP = 40
    GROUP_EVENT = 41
    MESSAGE_ANSWER = 43
    # Finding people, conversations, read markers and typing.
    USERS = 44
    CONVERSATIONS = 45
    READ = 46
    RECEIPT = 47
    TYPING = 48
    # Operating: an instance that is going away.
    DRAIN = 49
    # Several devices of one account.
    SENT = 50
    DEVICES = 51
    END_DEVICE = 52
    DEVICE_EVENT = 53


class Errno(IntEnum):
    """The `errno` of a reply; 0 is success. 1 and 2 mean what they meant in the legacy protocol."""

    OK = 0
    BAD_CREDENTIALS = 1
    ALREADY_ONLINE = 2
    NAME_TAKEN = 3
    NOT_LOGGED_IN = 4
    ALREADY_LOGGED_IN = 5
    NO_SUCH_USER = 6
    NO_SUCH_GROUP = 7
    NOT_A_MEMBER = 8
    ALREADY_FRIENDS = 9
    ALREADY_MEMBER = 10
    SELF_FRIEND = 11
    ID_MISMATCH = 12
    INVALID_ARGUMENT = 13
    RATE_LIMITED = 14
    LOGIN_LOCKED = 15
    BUSY = 16
    REGISTER_LOCKED = 17
    NO_SUCH_REQUEST = 18
    NOT_ACCEPTED = 19
    BAD_FRAME = 20
    UNKNOWN_MSGID = 21
    BAD_FIELD = 22
    FRAME_TOO_LARGE = 23
    INVITE_ONLY = 24
    FORBIDDEN = 25
    GROUP_FULL = 26
    NOT_FRIENDS = 27
    REQUEST_WAITING = 28
    TOO_MANY_PENDING = 60
    ACCOUNT_DISABLED = 63
    TOO_MANY_INVITES = 66
    INTERNAL = 50
    UNAVAILABLE = 51


class Dialect(IntEnum):
    """Which protocol a connection speaks: chosen by the `v` field of its LOGIN (or REG)."""

    LEGACY = 1
    V2 = 2


CURRENT_VERSION = Dialect.V2
