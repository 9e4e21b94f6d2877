from django.urls import path

from .views import accounts, jobs, media, photos, themes
from .views import job_cards, job_colors, job_detail, training
from .views import share

app_name = "gallery"
urlpatterns: list = [
    path("", themes.home, name="home"),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/settings/", accounts.account, name="account"),
    path("themes/", themes.theme_list, name="themes"),
    path("photos/", photos.photo_list, name="photos"),
    path("photos/<int:pk>/delete/", photos.photo_delete, name="photo-delete"),
    path("jobs/", jobs.job_list, name="job-list"),
    path("jobs/new/", jobs.job_new, name="job-new"),
    path("jobs/new/estimate/", jobs.job_estimate, name="job-estimate"),
    path("jobs/<int:pk>/delete/", jobs.job_delete, name="job-delete"),
    path("jobs/cards/", job_cards.job_cards, name="job-cards"),
    # Media, served only through views (private ones check the owner; see views/media.py).
    path("files/photos/<int:pk>/image/", media.photo_image, name="photo-image"),
    path("files/photos/<int:pk>/thumbnail/", media.photo_thumbnail, name="photo-thumbnail"),
    path("files/jobs/<int:pk>/result/", media.job_result, name="job-result"),
    path("files/jobs/<int:pk>/preview/", media.job_preview, name="job-preview"),
    path("files/jobs/<int:pk>/regions/", media.job_regions, name="job-regions"),
    path("files/snapshots/<int:pk>/image/", media.snapshot_image, name="snapshot-image"),
    path("files/training-samples/<int:pk>/image/", media.training_sample_image,
         name="training-sample-image"),
    path("files/sample-photo/", media.sample_photo, name="sample-photo"),
    path("files/themes/<slug:slug>/instant/", media.theme_instant_sample,
         name="theme-instant-sample"),
    path("files/themes/<slug:slug>/image/", media.theme_image, name="theme-image"),
    path("files/themes/<slug:slug>/thumbnail/", media.theme_thumbnail, name="theme-thumbnail"),
]

# job page (worker)
urlpatterns += [
    path("jobs/<int:pk>/", job_detail.job_detail, name="job-detail"),
    path("jobs/<int:pk>/progress/", job_detail.job_progress, name="job-progress"),
    path("jobs/<int:pk>/cancel/", job_detail.job_cancel, name="job-cancel"),
    path("jobs/<int:pk>/retry/", job_detail.job_retry, name="job-retry"),
    path("jobs/<int:pk>/colors/", job_colors.job_colors, name="job-colors"),
]

# private links: the owner shares a finished painting; its page and images need only the link
urlpatterns += [
    path("jobs/<int:pk>/share/", share.job_share, name="job-share"),
    path("jobs/<int:pk>/unshare/", share.job_unshare, name="job-unshare"),
    path("s/<str:token>/", share.shared_job, name="shared-job"),
    path("s/<str:token>/painting", share.shared_painting, name="shared-painting"),
    path("s/<str:token>/photo", share.shared_photo, name="shared-photo"),
]

# training runs of instant networks (staff)
urlpatterns += [
    path("themes/<slug:slug>/train/", training.training_new, name="training-new"),
    path("training/<int:pk>/", training.training_detail, name="training-detail"),
    path("training/<int:pk>/progress/", training.training_progress, name="training-progress"),
    path("training/<int:pk>/cancel/", training.training_cancel, name="training-cancel"),
]
