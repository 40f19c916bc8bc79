"""An organisation's public page: its profile, its figures, and its needs or results as a
list that can be searched, sorted and paged like the need and result lists."""

from __future__ import annotations

from flask import abort, current_app, render_template, request

from models import Organization

from ..contacts import organization_contacts_visible
from ..db import get_session
from ..dockings.services import member_contacts
from ..listings.args import choice_arg, text_arg
from ..needs.kind import NEEDS
from ..needs.services import NeedFilters
from ..pagination import page_number
from ..permissions import acting_user
from ..results.kind import RESULTS
from ..results.services import ResultFilters
from ..search import clean_query, order_of, search, sort_names
from . import bp
from .services import profile

TABS = ("needs", "results")


@bp.route("/<int:organization_id>")
def detail(organization_id: int) -> str:
    """An organisation's profile and one of its lists (``tab``: needs or results), sorted as
    ``sort`` says; its members' contacts for those ``webapp.contacts`` allows."""
    db = get_session()
    org = db.get(Organization, organization_id)
    if org is None:
        abort(404)
    user = acting_user()
    figures = profile(db, org.id)
    default_tab = "needs" if org.can_post_needs or (figures.needs and not figures.results) \
        else "results"
    tab = choice_arg("tab", TABS) or default_tab
    kind = NEEDS if tab == "needs" else RESULTS
    q, cut = clean_query(request.args.get("q", ""))
    filters = (NeedFilters if tab == "needs" else ResultFilters)(q=q, organization_id=org.id)
    sort, order = order_of(kind, text_arg("sort"), bool(q))
    # As everyone sees it (viewer None): the page is the organisation's public face, so its
    # own drafts and the needs it posted without its name stay off it even for its members.
    found = search(db, kind, filters, None, order=order, sort=sort,
                   page=page_number(text_arg("page")),
                   per_page=current_app.config["PAGE_SIZE"], facets=False)
    show_contacts = organization_contacts_visible(db, user, org.id)
    return render_template(
        "orgs/detail.html", org=org, figures=figures, tab=tab, found=found, page=found.page,
        filters=filters, sorts=sort_names(kind, bool(q)), notices=[n for n in (cut, found.notice) if n],
        contacts=member_contacts(db, org.id) if show_contacts else [])
