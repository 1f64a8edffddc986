class InvalidPrompt(Exception):
    """The learner's prompt cannot be graded as written; the message says why."""


class NotRetryable(Exception):
    """Only a submission that ended in an error can be retried."""
