"""Pure-Python grading core: attempts in, grades out.

Nothing in this package imports Django or any project app; it depends only on the standard
library and ``jsonschema``, does no I/O and reads no clock, so it is trivially unit-testable.
"""
