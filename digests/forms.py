"""The subscription form, shared by the dashboard and the admin."""

from zoneinfo import available_timezones

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group

from core.reporting import all_reports, get_report

from .exceptions import DigestError
from .models import ReportSubscription
from .rendering import checked_filters, filters_from_query

TIMEZONES = sorted(available_timezones())
QUERY_LENGTH = 1000


def report_choices(user: AbstractBaseUser | None) -> list[tuple[str, str]]:
    """The registered reports, those ``user`` may see when given."""
    return [
        (report.slug, f"{report.section} · {report.title}")
        for report in all_reports()
        if user is None or user.has_perm(report.permission)
    ]


class SubscriptionForm(forms.ModelForm):
    report_slug = forms.ChoiceField(label="Report")
    query = forms.CharField(
        label="Filters",
        required=False,
        max_length=QUERY_LENGTH,
        help_text="The report page's query string, e.g. channel=2&group_by=channel.",
    )
    timezone = forms.ChoiceField(label="Time zone", choices=[(name, name) for name in TIMEZONES])
    recipient_users = forms.ModelMultipleChoiceField(
        label="Recipients",
        required=False,
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        widget=forms.CheckboxSelectMultiple,
    )
    recipient_groups = forms.ModelMultipleChoiceField(
        label="Recipient roles",
        required=False,
        queryset=Group.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ReportSubscription
        fields = [
            "name",
            "report_slug",
            "frequency",
            "weekday",
            "day_of_month",
            "time_of_day",
            "timezone",
            "format",
            "recipient_users",
            "recipient_groups",
            "is_active",
        ]
        widgets = {"time_of_day": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def __init__(self, *args, user: AbstractBaseUser | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["report_slug"].choices = report_choices(user)
        if self.instance.pk:
            self.fields["query"].initial = self.instance.filters_query

    def clean(self) -> dict:
        cleaned = super().clean()
        if not (cleaned.get("recipient_users") or cleaned.get("recipient_groups")):
            raise forms.ValidationError("Choose at least one recipient or role.")
        self.instance.filters = filters_from_query(cleaned.get("query", ""))
        report = get_report(cleaned.get("report_slug", ""))
        if report is not None:
            try:
                checked_filters(report, self.instance.filters_query)
            except DigestError as error:
                self.add_error("query", error.message)
        return cleaned
