"""GeoReport v2 documents in JSON and XML, and the spec's error shape.

The JSON follows the spec's "Spark convention" mapping of the XML: a list is a JSON array in
JSON and a container element of singular children in XML (``<services><service>``), ``None``
is ``null`` or an empty element, booleans are ``true``/``false``.
"""

import json
import re
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# The child element of each list, by the list's element name.
LIST_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# Characters XML 1.0 cannot carry at all, even escaped.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

OPEN311_NOT_FOUND = _("Not found.")
OPEN311_UNKNOWN_FORMAT = _("Unknown format: use .json or .xml.")


class Open311Error(Exception):
    """An error answered in the spec's shape: one or more (code, description) with an HTTP status."""

    def __init__(self, status: int, *descriptions: Any) -> None:
        super().__init__(status, descriptions)
        self.status = status
        self.descriptions = [str(d) for d in descriptions] or [str(OPEN311_NOT_FOUND)]


def render(root: str, data: Any, fmt: str, *, status: int = 200) -> HttpResponse:
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, cls=DjangoJSONEncoder).encode("utf-8")
    else:
        body = XML_DECLARATION + tostring(to_xml(root, data), encoding="utf-8", xml_declaration=False)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def render_error(error: Open311Error, fmt: str) -> HttpResponse:
    data = [{"code": error.status, "description": d} for d in error.descriptions]
    return render("errors", data, fmt if fmt in FORMATS else "xml", status=error.status)


def to_xml(root: str, data: Any) -> Element:
    element = Element(root)
    _fill(element, data)
    return element


def _fill(element: Element, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        element.text = "true" if value else "false"
    elif isinstance(value, dict):
        for key, item in value.items():
            _fill(SubElement(element, key), item)
    elif isinstance(value, list | tuple):
        child = LIST_ITEMS[element.tag]
        for item in value:
            _fill(SubElement(element, child), item)
    else:
        element.text = XML_ILLEGAL.sub("", str(value))
