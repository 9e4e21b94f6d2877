from django.apps import AppConfig


class GalleryConfig(AppConfig):
    name = "gallery"
    verbose_name = "Style gallery"

    def ready(self):
        # The worker's start-up hook (the reaper); it touches neither torch nor CUDA.
        from .api import tokens  # noqa: F401  (revokes a token when its password changes)
        from .worker import signals  # noqa: F401
