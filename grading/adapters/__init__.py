"""The I/O the grading service injects into the pure core: model clients (LiteLLM), the
executor and its response cache, embeddings, and the code sandbox with its runner.

Direction: ``grading.core`` ← ``grading.adapters`` ← ``grading.services`` ← tasks and views.
Adapters never import services, tasks, views or models.
"""

import os

# The one place this is set, before any adapter imports litellm: without it, importing litellm
# fetches a price list from the internet.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
