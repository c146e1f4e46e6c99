"""Problems of a network file as messages the catalogs can translate.

The command line prints them in English; the admin page shows them in the reader's
language. So each is a template marked for the catalogs (``N_``) with its values apart,
raised where the check is made (a ``Message`` is a ``ValueError``, as pydantic expects),
and pydantic's own checks are given templates of their own here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic_core import ErrorDetails

from kezek.codes import CODE_PATTERN
from kezek.i18n import N_


class Message(ValueError):
    """A sentence with its values: English by ``str()``, or through a catalog's gettext."""

    def __init__(self, template: str, **params: Any) -> None:
        self.template = template
        self.params = params
        super().__init__(self.text(lambda text: text))

    def text(self, gettext: Callable[[str], str]) -> str:
        return gettext(self.template) % self.params


# Pydantic's checks, by error type, with the fix; values come from the error's context.
_BUILT_IN: Mapping[str, str] = {
    "missing": N_("this field is required; add this field"),
    "extra_forbidden": N_("this field is not known; remove it, or check its spelling"),
    "string_pattern_mismatch": N_("does not match %(pattern)s; correct it"),
    "too_short": N_("has too few entries; add at least one entry"),
    "too_long": N_("give at most %(max_length)s entries"),
    "string_too_short": N_("write a non-empty value"),
    "string_too_long": N_("write at most %(max_length)s characters"),
    "string_type": N_("write text in quotes"),
    "int_type": N_("write a whole number"),
    "int_parsing": N_("write a whole number"),
    "int_from_float": N_("write a whole number"),
    "float_type": N_("write a number"),
    "float_parsing": N_("write a number"),
    "bool_type": N_("write true or false"),
    "bool_parsing": N_("write true or false"),
    "greater_than_equal": N_("use a value of at least %(ge)s"),
    "less_than_equal": N_("use a value of at most %(le)s"),
    "greater_than": N_("use a value above %(gt)s"),
    "less_than": N_("use a value below %(lt)s"),
    "literal_error": N_("use one of %(expected)s"),
    "list_type": N_("write a list in square brackets"),
    "dict_type": N_("write a table"),
    "model_type": N_("write a table"),
    "model_attributes_type": N_("write a table"),
    "date_type": N_("write a date such as 2025-05-01"),
    "date_parsing": N_("write a date such as 2025-05-01"),
    "date_from_datetime_parsing": N_("write a date such as 2025-05-01"),
}
# The patterns of the network file, each with the rule people can follow.
_PATTERNS: Mapping[str, str] = {
    CODE_PATTERN: N_("use lower-case letters, digits, '-' or '_', at most 32 characters"),
    r"^[A-Z]{1,2}$": N_("use one or two capital Latin letters, such as A"),
    r"^[A-Z]{2}$": N_("use a two-letter country code in capitals, such as RU"),
}
_ONE_OF = N_("%(detail)s")  # a check without a template of ours: pydantic's own words


def from_pydantic(error: ErrorDetails) -> Message:
    """The message for one error of a pydantic validation, with its fix."""
    context = error.get("ctx", {})
    cause = context.get("error")
    if isinstance(cause, Message):
        return cause
    if error["type"] == "string_pattern_mismatch" and context.get("pattern") in _PATTERNS:
        return Message(_PATTERNS[context["pattern"]])
    template = _BUILT_IN.get(error["type"])
    if template is None:
        return Message(_ONE_OF, detail=error["msg"].removeprefix("Value error, "))
    return Message(template, **{k: str(v) for k, v in context.items() if f"%({k})" in template})
