"""The OpenAPI generator: drf-spectacular's, plus the error answers every operation can give, so
that the schema describes each status code a client may see."""
from drf_spectacular import openapi
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

Detail = inline_serializer("Detail", {"detail": serializers.CharField()})

_ERRORS = {
    "400": OpenApiResponse(OpenApiTypes.OBJECT, description=(
        "Invalid input: an object whose keys are the fields in error (non_field_errors for the "
        "whole request), each with a list of messages.")),
    "401": OpenApiResponse(Detail, description="No credentials, or a bad token."),
    "403": OpenApiResponse(Detail, description="Not allowed (staff only, or a session request without its CSRF token)."),
    "404": OpenApiResponse(Detail, description="Not found, or not yours."),
    "415": OpenApiResponse(Detail, description="Unsupported content type."),
    "429": OpenApiResponse(Detail, description="Too many requests: see the Retry-After header."),
}


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        has_body = self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None
        codes = ["429"]
        if self.get_auth() and self.get_auth() != [{}]:
            codes += ["401", "403"]
        if has_body:
            codes += ["400", "415"]
        if "{" in self.path:
            codes.append("404")
        if self.method == "GET" and self._is_list_view():
            codes += ["400", "404"]  # a wrong filter; a page past the end
        for code in codes:
            if code not in responses:
                response = _ERRORS[code]
                responses[code] = self._get_response_for_code(response.response, code, direction=direction)
                responses[code]["description"] = response.description
        return dict(sorted(responses.items()))
