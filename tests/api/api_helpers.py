"""Helpers for the API tests (imported by name: tests/ is not a package)."""
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from gallery.models import Job, Snapshot


def image_upload(name="photo.jpg", size=(64, 48), color=(200, 120, 40), fmt="JPEG") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format=fmt)
    return SimpleUploadedFile(name, buf.getvalue(), content_type=f"image/{fmt.lower()}")


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def finish(job: Job, *, with_snapshots: int = 2) -> Job:
    """Make `job` look like a worker ran it: snapshots, a result, 'succeeded'."""
    img = image_upload("x.png", fmt="PNG")
    for i in range(1, with_snapshots + 1):
        snap = Snapshot(job=job, iteration=i * 4, losses={"content": 1.0, "style": 2.0, "tv": 0.1, "total": 3.1})
        snap.image.save("snap.png", img, save=False)
        snap.save()
    job.result.save("result.png", img, save=False)
    job.status = Job.Status.SUCCEEDED
    job.iteration = job.total
    job.losses = {"content": 1.0, "style": 2.0, "tv": 0.1, "total": 3.1}
    job.save()
    return job


