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


class DemoLoginForm(Form):
    """Which demo user to sign in as; only users marked as demo users are accepted."""

    username = CharField(widget=HiddenInput)
    user = None

    def clean_username(self):
        name = self.cleaned_data["username"]
        User = get_user_model()
        self.user = User._default_manager.filter(
            is_active=True, profile__is_demo=True, **{User.USERNAME_FIELD: name}
        ).first()
        if self.user is None:
            raise ValidationError(_("There is no demo user of that name."))
        return name
