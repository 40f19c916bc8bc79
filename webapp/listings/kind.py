"""What a kind of listing is, for the generic pages and API operations."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select

from models import Match, Organization, User

if TYPE_CHECKING:
    from ..search import SearchSpec


@dataclass(frozen=True)
class Transition:
    """A change of state offered on a listing's page and in the API (``POST …/<name>``)."""

    name: str
    action: Callable[[Any], None]
    done: str  # flashed on the page once done (marked with N_, translated when shown)
    summary: str  # the API operation's description


@dataclass(frozen=True, kw_only=True)
class ListingKind:
    """A kind of listing: its names, model, who may post and see it, its services and the words
    its pages say. Messages are marked with ``models.i18n.N_`` and translated when shown."""

    name: str  # the URL segment, the blueprint and the API tag: "needs"
    singular: str  # the template variable and the id's stem: "need"
    model: type[Any]
    noun: str  # "需求"
    post_refused: str  # why an organisation may not post this kind
    may_post: Callable[[Organization], bool]
    can_view: Callable[[User | None, Any], bool]
    create: Callable[..., Any]  # (session, author, input, publish=...) -> listing
    update: Callable[..., Any]  # (session, listing, input, actor=...) -> listing, revision kept
    revised: Mapping[str, str]  # the fields an edit's revision records, with their labels
    required: Mapping[str, str]  # the fields publishing needs (a draft needs only its title)
    query: Callable[[Any, User | None], Select[Any]]  # (filters, viewer) -> the list's statement
    publish: Callable[[Any], None]
    publishable: Callable[[Any], bool]  # whether saving a form may also publish it
    transitions: Sequence[Transition]
    matches: Callable[..., list[Match]]  # (session, id, limit=...) -> stored suggestions
    search: SearchSpec  # how its list is searched, counted by facets and sorted
    published: str  # "需求已发布。"
    drafted: str
    updated: str

    @property
    def id_arg(self) -> str:
        """The name of the listing's id in URLs: ``need_id``."""
        return f"{self.singular}_id"
