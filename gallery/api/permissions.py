from rest_framework import permissions


class IsStaffOrReadOnly(permissions.BasePermission):
    """Anyone signed in may read; only staff may write."""

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or bool(request.user and request.user.is_staff)
