"""Issue #14, defect 2: a member app's client token (public: it ships inside the app) never acts as
another member. The campaign's reproduction: with member A0's Bearer token, or a garbage one,
``POST /members/{A1's id}/offers/{id}/use`` answered 200, and like and list worked the same way."""

from __future__ import annotations

from sqlalchemy import func, select

from loyaltyhub.auth import permits
from loyaltyhub.member_offers.models import OfferUsage, OfferUseRefusal
from tests.member_offers import factories as mo


def counts(api) -> tuple[int, int]:
    usages = api.session.execute(select(func.count()).select_from(OfferUsage)).scalar_one()
    refusals = api.session.execute(select(func.count()).select_from(OfferUseRefusal)).scalar_one()
    return usages, refusals


def test_a_members_token_with_the_app_token_does_not_act_as_another_member(api, factory):
    offer = mo.offer(api.session, api.club)
    a0, a1 = api.member, mo.member(api.session, api.club)
    api.token = factory.client_token([api.club], permits.app_permits())
    as_a0 = {"Authorization": f"Bearer {mo.member_token(api.session, a0)}"}
    missing = {"error": "Missing permit BL:Api:Members:ActAs"}
    for call in (
        lambda h: api.use(offer.id, ref=a1.id, headers=h),
        lambda h: api.client.post(api.url(f"/{offer.id}/like", a1.id), headers=api.headers(**h)),
        lambda h: api.get(ref=a1.id, headers=h),
        lambda h: api.get(f"/{offer.id}", ref=a1.id, headers=h),
    ):
        for sent in (as_a0, {}):
            response = call(sent)
            assert (response.status_code, response.json()) == (403, missing)
        garbage = call({"Authorization": "Bearer garbage"})
        assert garbage.status_code == 460, garbage.text
    assert counts(api) == (0, 0), "nothing was used, and no refusal was recorded for A1"
    # A0 uses the offer as itself: by `me`, or by its own id with its own token.
    assert api.use(offer.id, ref="me", headers=as_a0).status_code == 200
    assert api.get(f"/{offer.id}", ref=a0.id, headers=as_a0).status_code == 200


def test_a_back_end_token_holding_the_permit_acts_on_any_member(api, factory):
    offer = mo.offer(api.session, api.club)
    other = mo.member(api.session, api.club)
    api.token = factory.client_token([api.club], [*permits.app_permits(), permits.MEMBERS_ACT_AS])
    assert api.use(offer.id, ref=other.id).status_code == 200
    bad = api.use(offer.id, ref=other.id, headers={"Authorization": "Bearer lhm_abc_def"})
    assert bad.status_code == 460, "a Bearer token that is sent is checked even when the client is trusted"
    assert counts(api) == (1, 0)
