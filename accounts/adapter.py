from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Everyone who signs up starts as a learner (the model's default role); other roles are
    granted by staff in the admin."""
