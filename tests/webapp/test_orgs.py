"""Organisations' public pages: profile, figures, lists sorted and kept in the URL, what stays
private (drafts, needs posted without the name, deal amounts, contacts), links from listings."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from models import (
    ContractType,
    Deal,
    DockingState,
    Field,
    Need,
    NeedStatus,
    Result,
    ResultStatus,
    User,
    utcnow,
)
from tests.support import page_text


def card_titles(response: Any, kind: str) -> list[str]:
    """The titles of the cards of ``kind`` on a page, in order."""
    return re.findall(rf'<h3><a href="/{kind}/\d+">(.*?)</a></h3>',
                      response.get_data(as_text=True))


def test_an_enterprise_page_shows_its_profile_and_its_named_needs(
        client: FlaskClient, db: Session, enterprise_user: User,
        make_need: Callable[..., Need]) -> None:
    org = enterprise_user.organization
    org.description = "专注锂电池装备。"
    db.commit()
    make_need(enterprise_user, title="公开的需求甲", field=Field.NEW_ENERGY)
    make_need(enterprise_user, title="匿名的需求乙", show_org_name=False)
    make_need(enterprise_user, title="草稿需求丙", status=NeedStatus.DRAFT)
    response = client.get(f"/orgs/{org.id}")
    assert response.status_code == 200
    text = page_text(response)
    assert "苏州精测装备有限公司" in text and "专注锂电池装备。" in text and "企业" in text
    assert card_titles(response, "needs") == ["公开的需求甲"]
    assert "匿名的需求乙" not in text and "草稿需求丙" not in text
    assert "新能源" in text  # its fields


def test_the_page_is_what_everyone_sees_even_for_its_members(
        as_enterprise: FlaskClient, enterprise_user: User,
        make_need: Callable[..., Need]) -> None:
    make_need(enterprise_user, title="匿名的需求乙", show_org_name=False)
    make_need(enterprise_user, title="草稿需求丙", status=NeedStatus.DRAFT)
    text = page_text(as_enterprise.get(f"/orgs/{enterprise_user.organization_id}"))
    assert "匿名的需求乙" not in text and "草稿需求丙" not in text


def test_an_institution_page_lists_results_sorted_as_the_url_says(
        client: FlaskClient, db: Session, institution_user: User,
        make_result: Callable[..., Result]) -> None:
    cheap = make_result(institution_user, title="便宜的成果", price_wan=Decimal("5"))
    dear = make_result(institution_user, title="昂贵的成果", price_wan=Decimal("500"))
    make_result(institution_user, title="撤回的成果", status=ResultStatus.WITHDRAWN)
    cheap.published_at = utcnow() - dt.timedelta(days=3)
    db.commit()
    url = f"/orgs/{institution_user.organization_id}"
    assert card_titles(client.get(url), "results") == [dear.title, cheap.title]  # newest first
    by_price = client.get(f"{url}?sort=price")
    assert card_titles(by_price, "results") == [cheap.title, dear.title]
    assert re.search(r'<option value="price"\s+selected', by_price.get_data(as_text=True))


def test_the_page_counts_deals_without_their_amounts_and_hides_contacts_from_strangers(
        client: FlaskClient, as_other_enterprise: FlaskClient, as_enterprise: FlaskClient,
        db: Session, enterprise_user: User, institution_user: User,
        make_docking: Callable[..., Any]) -> None:
    docking = make_docking(enterprise_user, institution_user, DockingState.SIGNED)
    db.add(Deal(docking_id=docking.id, contract_type=ContractType.LICENSE,
                amount_wan=Decimal("88.5"), signed_on=dt.date(2025, 3, 1)))
    db.commit()
    url = f"/orgs/{institution_user.organization_id}"
    for viewer in (client, as_other_enterprise):
        text = page_text(viewer.get(url))
        assert "1 项" in text and "88.5" not in text
        assert institution_user.email not in text
    # The enterprise it signed with has its contacts (webapp.contacts).
    assert institution_user.email in page_text(as_enterprise.get(url))


def test_listings_link_to_their_organisation_unless_posted_without_the_name(
        client: FlaskClient, enterprise_user: User, institution_user: User,
        make_need: Callable[..., Need], make_result: Callable[..., Result]) -> None:
    named = make_need(enterprise_user, title="公开的需求甲")
    hidden = make_need(enterprise_user, title="匿名的需求乙", show_org_name=False)
    result = make_result(institution_user)
    link = f'href="/orgs/{enterprise_user.organization_id}"'
    assert link in client.get(f"/needs/{named.id}").get_data(as_text=True)
    assert link not in client.get(f"/needs/{hidden.id}").get_data(as_text=True)
    listing = client.get("/needs").get_data(as_text=True)
    assert listing.count(link) == 1  # the named need's card only
    assert f'href="/orgs/{institution_user.organization_id}"' in \
        client.get(f"/results/{result.id}").get_data(as_text=True)
    assert f'href="/orgs/{institution_user.organization_id}"' in \
        client.get("/results").get_data(as_text=True)


def test_an_unknown_organisation_and_odd_arguments(client: FlaskClient,
                                                   institution_user: User) -> None:
    assert client.get("/orgs/999999").status_code == 404
    url = f"/orgs/{institution_user.organization_id}"
    assert client.get(f"{url}?tab=nonsense&sort=nonsense&page=-3&q=" + "锂" * 300).status_code == 200
