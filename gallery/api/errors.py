"""The API answers JSON even when Django, not DRF, refuses a request.

Django turns a body over DATA_UPLOAD_MAX_MEMORY_SIZE (RequestDataTooBig) and other suspicious
requests into a 400 rendered by `handler400`, and a crash into
`handler500`: these handlers answer as the pages do, except under /api/, where the answer is
`{"detail": ...}` like every DRF error (a missing URL there is gallery.api.views.not_found's).
"""
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.views import defaults

API_PREFIX = "/api/"


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def bad_request(request, exception):
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return JsonResponse({"detail": "The request body is too large."}, status=413)
    return JsonResponse({"detail": "Bad request."}, status=400)


def server_error(request):
    if not _is_api(request):
        return defaults.server_error(request)
    return JsonResponse({"detail": "Server error."}, status=500)
