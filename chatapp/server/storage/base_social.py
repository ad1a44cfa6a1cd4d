"""The Storage protocols of the social model: friend requests with consent, groups with
roles and privacy, blocks and message requests, and people (search by name,
conversations, read markers). Their errors are base.py's, with the others; Storage
(base.py) joins these protocols to the rest."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from .block_rows import Held, MessageRequest, Ties
from .group_rows import Departure, GroupEdit, GroupProfile, Invitation, Membership
from .people_rows import ConversationRow
from .rows import (
    Contact,
    Conversation,
    FriendRequest,
    Group,
    NewMessage,
    RequestCounts,
    RequestOutcome,
    StoredMessage,
)


class Friendships(Protocol):
    """Friend requests, answered with consent, and friendships ended. Accepted
    friendships are the rows Social.friends lists (mutual); a request waits apart until
    its target accepts or declines it, or its requester cancels it. Pages are ordered by
    the other user's id, as Social's are."""

    async def request_friend(
        self, user_id: int, target_id: int, now_ms: int, *, most: int
    ) -> RequestOutcome:
        """Asks `target_id` to be the user's friend; where the target had asked the user
        already, accepts that request instead (both in one transaction). Asking again
        changes nothing (`new` false).

        Raises NoSuchUser for an unknown user (or the user themself), AlreadyExists for
        friends, and TooManyRequests where `most` requests of the user wait already.
        """

    async def answer_request(self, user_id: int, requester_id: int, accept: bool) -> Contact:
        """Accepts (mutual friends from now on) or declines the request `requester_id`
        made to the user; returns the requester. Raises NoSuchRequest."""

    async def cancel_request(self, user_id: int, target_id: int) -> Contact:
        """Withdraws the user's request to `target_id`; returns the target. Raises
        NoSuchRequest."""

    async def remove_friendship(self, user_id: int, friend_id: int) -> Contact:
        """Ends a friendship, for both; returns the former friend. Raises NotFriends."""

    async def requests_in(self, user_id: int, after: int | None, limit: int) -> list[FriendRequest]:
        """A page of the requests waiting for the user's answer, by requester."""

    async def requests_out(
        self, user_id: int, after: int | None, limit: int
    ) -> list[FriendRequest]:
        """A page of the user's requests waiting for others' answers, by target."""

    async def request_counts(self, user_id: int) -> RequestCounts:
        """How many requests wait for the user, and how many of theirs wait for others."""

    async def cancel_requests_between(self, a: int, b: int) -> int:
        """Forgets the requests between two users, either way; returns how many."""


class GroupRoles(Protocol):
    """Groups with roles and privacy: creating, joining, invitations, leaving, roles and
    settings. Joins count the group's members in the transaction that adds one, so that
    no two instances together pass `max_members`."""

    async def create_group(
        self,
        name: str,
        desc: str,
        creator_id: int,
        *,
        skeleton: str | None = None,
        public: bool = True,
        history: str = "all",
        joined_mid: int = 0,
    ) -> Group:
        """Creates a group whose only member is its creator (role `creator`); raises
        NameTaken as create_user does."""

    async def join_group(
        self, group_id: int, user_id: int, *, joined_mid: int = 0, max_members: int = 0
    ) -> Group:
        """Adds a `normal` member (the `creator` of a group nobody is in); returns the
        group with its new count. An invite-only group takes only a user it invited, and
        spends the invitation. `max_members` 0: no limit.

        Raises NoSuchGroup, AlreadyExists, InviteOnly and GroupFull.
        """

    async def group_profile(self, group_id: int) -> GroupProfile | None:
        """The group with its privacy and count of members, if it exists."""

    async def membership(self, group_id: int, user_id: int) -> Membership | None:
        """The user's role and joining point in the group, if they are a member."""

    async def invite(
        self, group_id: int, inviter_id: int, invitee_id: int, now_ms: int, *, max_pending: int
    ) -> bool:
        """Invites a user into a group; False where they were invited already (the first
        invitation stands). Raises NoSuchGroup, NoSuchUser, AlreadyExists (a member) and
        GroupFull (`max_pending` invitations wait already)."""

    async def invitations(self, user_id: int, after: int | None, limit: int) -> list[Invitation]:
        """A page of the user's pending invitations, by group id."""

    async def answer_invitation(
        self, group_id: int, user_id: int, accept: bool, *, joined_mid: int, max_members: int
    ) -> Group | None:
        """Spends the user's invitation into the group: joins it (the group, with its new
        count) or declines (None). Raises NoSuchInvitation, and GroupFull when accepting
        (the invitation stays)."""

    async def drop_member(self, group_id: int, user_id: int) -> Departure:
        """Takes a member out of a group. A creator who leaves others behind passes the
        role to the longest-standing admin, else the longest-standing member.

        Raises NoSuchGroup and NotAMember.
        """

    async def set_role(self, group_id: int, user_id: int, role: str) -> None:
        """Gives a member a role; raises NotAMember."""

    async def edit_group(
        self, group_id: int, edit: GroupEdit, *, skeleton: str | None = None
    ) -> GroupProfile:
        """Changes what `edit` gives of the group's settings; a new name holds `skeleton`
        in place of the old one's. Raises NoSuchGroup and NameTaken."""


class People(Protocol):
    """Finding users by name prefix, each user's conversations and read markers (migration
    009). A backend keeps each conversation's last message as it logs messages, and gives
    every user the key a prefix search compares when it opens the database."""

    async def users_by_prefix(self, prefix: str, limit: int) -> list[Contact]:
        """Up to `limit` users whose names start with `prefix`, case-insensitively (the
        keys of people_rows.name_fold), in the order of those keys, leaving out those whose
        settings say they may not be found so."""

    async def conversations(
        self, user_id: int, before: int | None, limit: int, unread_cap: int
    ) -> list[ConversationRow]:
        """Up to `limit` of the user's conversations, one-to-one and in the groups they are
        in, whose last message is older than message `before` (all where None), newest
        first; each with its unread count up to `unread_cap`."""

    async def message_by_id(self, mid: int) -> StoredMessage | None:
        """The logged message with this id, if any."""

    async def mark_read(self, user_id: int, conversation: Conversation, mid: int) -> int:
        """Moves the user's read marker in the conversation up to `mid` (never back);
        returns where it was before (0: nowhere). Raises NoSuchUser for an unknown user."""

    async def readers(self, conversation: Conversation, mid: int, excluding: int) -> int:
        """How many members of a group conversation, but `excluding`, have a read marker at
        or beyond `mid` and let others see their reading (settings.receipts)."""


class Blocks(Protocol):
    """Who blocks whom, and message requests: the chats of strangers held until the
    recipient answers. Lists come in pages ordered by id, as Social's do."""

    async def block(self, user_id: int, blocked_id: int, *, most: int) -> bool:
        """Records that `user_id` blocks `blocked_id` (again: no change) and, in the same
        transaction, ends their friendship and the friend requests between them either way,
        drops what `blocked_id` has held for `user_id` and the invitations `blocked_id`
        made them, and forgets that `user_id` accepted them. Returns whether they were friends.
        Raises NoSuchUser, and LimitReached("blocks") where `user_id` blocks `most`."""

    async def unblock(self, user_id: int, blocked_id: int) -> bool:
        """Ends the block; returns whether there was one."""

    async def blocks(self, user_id: int, after: int | None, limit: int) -> list[Contact]:
        """A page of the users `user_id` blocks."""

    async def blocked(self, user_id: int, by_id: int) -> bool:
        """Whether `user_id` is blocked by `by_id`."""

    async def blocked_by_any(self, user_id: int, by_ids: Sequence[int]) -> set[int]:
        """Those of `by_ids` that block `user_id`."""

    async def ties(self, user_id: int) -> Ties:
        """The user's strangers setting, whom they block and whom they accepted, in one read."""

    async def hold_message(self, new: NewMessage, *, per_sender: int, per_recipient: int) -> Held:
        """Keeps a chat to one recipient apart as a message request. A cid held before
        holds nothing new (Held.fresh is False); nor does a chat from a sender the
        recipient accepted (Held.accepted: log it instead). Raises LimitReached("sender") where the
        sender has `per_sender` held for the recipient, LimitReached("recipient") where
        `per_recipient` are held for the recipient in all, NoSuchUser."""

    async def message_requests(
        self, user_id: int, after: int | None, limit: int, first: int
    ) -> list[MessageRequest]:
        """A page of the senders with messages held for the user, by sender id, each with
        its count and first `first` messages."""

    async def accept_sender(self, user_id: int, sender_id: int) -> list[tuple[int, StoredMessage]]:
        """Accepts the sender's message request: the sender is recorded as accepted and
        their held messages move to the log, in the order they came, in one transaction.
        Returns the user's deliveries of them as (seq, message); an empty list where none
        were held (nothing changes then)."""

    async def decline_sender(self, user_id: int, sender_id: int) -> int:
        """Deletes the messages the sender has held for the user; returns how many."""
