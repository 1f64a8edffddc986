from django import forms


class AttemptForm(forms.Form):
    prompt = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
        strip=False,
        help_text="Use {{placeholders}} for each test input's variables.",
    )
    system_prompt = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        required=False,
        strip=False,
        help_text="Optional. Sent as the system message.",
    )
