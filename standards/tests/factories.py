"""Shared set-up of the standards tests: a quality manager, a committee member, small builders."""

from django.conf import settings

from core import services as core_services
from core.choices import Role
from lib.testing import BaseTestCase, make_user
from standards import services
from standards.models import ProfileSetting, ServiceLevelProfile, StandardItem


class StandardsTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.quality = make_user("quality", name="李品质", phone="13900000009")
        core_services.membership_grant(
            company=cls.company, user=cls.quality, role=Role.QUALITY_MANAGER, actor=cls.admin
        )
        cls.committee = make_user("committee", name="业委会陈", phone="13900000010")
        core_services.membership_grant(
            company=cls.company, project=cls.project, user=cls.committee, role=Role.COMMITTEE, actor=cls.admin
        )

    def login(self, user) -> None:
        super().login(user)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


ITEM_DATA = {
    "discipline": "cleaning",
    "code": "cln-lobby-floor",
    "title": "大堂地面养护",
    "requirement": "大堂地面每日推尘2次，每周晶面养护1次，地面光亮无污渍。",
    "frequency": "每日2次",
    "rrule": "FREQ=DAILY",
    "time_limit_minutes": None,
    "judgement": "目视检查地面光亮、无污渍。",
    "photo_required": True,
    "note": "",
}


def item_create(case, *, company=None, actor=None, **overrides) -> StandardItem:
    return services.standard_item_create(
        company=company or case.company, data={**ITEM_DATA, **overrides}, actor=actor or case.quality
    )


def item(company, code: str) -> StandardItem:
    return StandardItem.objects.get(company=company, code=code)


def profile(company, code: str) -> ServiceLevelProfile:
    return ServiceLevelProfile.objects.get(company=company, code=code)


def setting(company, profile_code: str, key: str) -> ProfileSetting:
    return ProfileSetting.objects.get(company=company, profile__code=profile_code, key=key)
