from django import forms

from .models import ImportJob
from .services import MAX_FILE_CHARACTERS


class UploadForm(forms.Form):
    kind = forms.ChoiceField(choices=ImportJob.Kind.choices)
    file = forms.FileField(help_text="CSV in UTF-8, with a header row (download a template).")

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_CHARACTERS:
            raise forms.ValidationError("The file is too large (64 MB at most).")
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                "The file is not UTF-8 text: save it as “CSV UTF-8” and upload it again."
            ) from None
