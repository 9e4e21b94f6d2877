"""The API's JSON parser: a body nested too deeply is a 400, not Python's RecursionError."""
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class JSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.") from None
