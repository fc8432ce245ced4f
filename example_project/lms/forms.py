"""The LMS's own forms: a user's time zone and the demo's one-click sign-in."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.forms import CharField, Form, HiddenInput, ModelForm
from django.utils.translation import gettext_lazy as _

from lms.models import UserProfile


class ProfileForm(ModelForm):
    class Meta:
        model = UserProfile
        fields = ["timezone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The empty choice is a real choice here: name what it means.
        field = self.fields["timezone"]
        field.choices = [("", _("Your browser's zone")), *list(field.choices)[1:]]


def demo_accounts():
    """Who the one-click sign-in lists and signs in: active users marked as demo users, never
    staff or superusers (the admin signs in with a password), whatever their profile says."""
    return get_user_model()._default_manager.filter(
        is_active=True, profile__is_demo=True, is_staff=False, is_superuser=False
    )


class DemoLoginForm(Form):
    """Which demo user to sign in as; only the users of ``demo_accounts()`` are accepted."""

    username = CharField(widget=HiddenInput)
    user = None

    def clean_username(self):
        name = self.cleaned_data["username"]
        self.user = demo_accounts().filter(**{get_user_model().USERNAME_FIELD: name}).first()
        if self.user is None:
            raise ValidationError(_("There is no demo user of that name."))
        return name
