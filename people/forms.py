from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fluid, Layout
from django.contrib.auth.forms import PasswordChangeForm


class OwnPasswordChangeForm(PasswordChangeForm):
    """Django's password change (the validators in AUTH_PASSWORD_VALIDATORS apply), laid out
    and worded the GOV.UK way."""

    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": "Your current password is not right. Enter it again.",
        "password_mismatch": "The new passwords do not match. Enter the same password twice.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Current password"
        self.fields["new_password1"].label = "New password"
        self.fields["new_password1"].help_text = ""
        self.fields["new_password2"].label = "Confirm new password"
        for name, message in (
            ("old_password", "Enter your current password"),
            ("new_password1", "Enter a new password"),
            ("new_password2", "Enter the new password again"),
        ):
            self.fields[name].error_messages["required"] = message
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("old_password", field_width=Fluid.ONE_HALF),
            Field.text("new_password1", field_width=Fluid.ONE_HALF),
            Field.text("new_password2", field_width=Fluid.ONE_HALF),
            Button("change", "Change password"),
        )
