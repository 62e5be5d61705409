"""`{% error_summary form other_form %}`: the "There is a problem" box at the top of a form.

Long forms put it above their first field: each error is a link to its field (`#id_field`), so
that a person who cannot see the whole form at once (a phone, a screen magnifier, a screen
reader) learns what is wrong and gets there in one step. Nothing is rendered when the forms
have no errors. diam.js moves the focus to the box when the page loads.
"""

from __future__ import annotations

from typing import Any

from django import forms, template

register = template.Library()


def _href(field: forms.BoundField) -> str:
    """The id a link to `field` targets: its first input for radios and checkboxes."""
    widget = field.field.widget
    auto_id = field.auto_id
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return f"{auto_id}_0"
    return str(auto_id)


@register.inclusion_tag("core/_error_summary.html")
def error_summary(*forms_: Any) -> dict[str, Any]:
    errors: list[tuple[str, str]] = []  # (href or "", message)
    for form in forms_:
        if not form or not form.errors:
            continue
        errors += [("", str(message)) for message in form.non_field_errors()]
        for field in form:
            if field.is_hidden:  # nothing to go to: say what is wrong
                errors += [("", str(message)) for message in field.errors]
            else:
                errors += [(f"#{_href(field)}", f"{field.label}: {m}") for m in field.errors]
    return {"errors": errors}
