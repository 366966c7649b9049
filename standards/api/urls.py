"""Routes of the standards API under /api/v1/standards/ (viewsets on the shared router)."""

from standards.api import views


def register(router) -> None:
    router.register("standards/items", views.StandardItemViewSet, basename="standard-item")
    router.register("standards/profiles", views.ServiceLevelProfileViewSet, basename="service-level-profile")
    router.register("standards/profile-settings", views.ProfileSettingViewSet, basename="profile-setting")
