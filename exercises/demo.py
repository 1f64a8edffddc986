"""The demo course, as plain data: `manage.py load_demo` writes it to the database.

Every exercise also keeps a reference prompt that passes and a naive prompt that fails on the
default local model (qwen2.5-coder-0.5b-instruct at temperature 0). Learners never see them:
they are for instructors and for `tests/demo/`, which grades both against the real model.
"""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DemoTestInput:
    name: str
    variables: dict[str, str]
    is_hidden: bool = False
    checks: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class DemoExercise:
    slug: str
    title: str
    lesson_slug: str
    instructions: str
    required_placeholders: list[str]
    rubric: list[dict[str, Any]]
    test_inputs: list[DemoTestInput]
    reference_prompt: str
    naive_prompt: str
    reference_system_prompt: str = ""
    naive_system_prompt: str = ""
    temperature: float = 0.0
    max_tokens: int = 80
    samples: int = 1
    pass_metric: str = "pass_rate"
    pass_threshold: float = 0.8
    hidden_sample_size: int | None = None


@dataclass(frozen=True)
class DemoLesson:
    slug: str
    title: str
    body: str


@dataclass(frozen=True)
class DemoCourse:
    slug: str
    title: str
    summary: str
    is_published: bool
    lessons: list[DemoLesson]
    exercises: list[DemoExercise]


# --------------------------------------------------------------------------------------------
# Lessons

LESSON_INSTRUCTIONS = DemoLesson(
    slug="say-exactly-what-you-want",
    title="Say exactly what you want: instructions, format and constraints",
    body="""\
A language model does not know what you had in mind: it only sees your words and continues
them in the most likely way. A vague prompt gets the *average* answer to a vague question:
friendly, chatty and in whatever shape the model likes. When a program reads the answer, or
when the answer must fit a slide, a form or a text message, that is not good enough.

## Name the task, the output and the limits

A good instruction answers three questions:

1. **What is the task?** Use a precise verb: *classify*, *summarise*, *extract*, *rewrite*.
2. **What should the answer look like?** A label, a sentence, a list, a JSON object?
3. **What are the limits?** Length, tone, words to avoid, what to do when unsure.

Compare:

```text
What is the sentiment of this review? The battery died after two days.
```

```text
Classify the sentiment of the review as positive or negative.
Answer with one word: positive or negative.

Review: The battery died after two days.
```

The first prompt gets a sentence, *"The sentiment of this review is negative."*, and on a
longer review a whole paragraph. The second gets `negative`, which code can compare with an
expected label.

## Ask for a machine-readable format

When code reads the answer, ask for the exact format and show it. JSON is the usual choice:

```text
Answer with ONLY a JSON object on one line, exactly like {"sentiment": "positive"}.
No code fences, no explanation.
```

Show the exact keys and allowed values. Small models often wrap JSON in a Markdown code
fence (```` ```json ````) or add a sentence before it, so say explicitly that you want neither.

## State constraints as numbers

"Keep it short" means different things to different readers; "one sentence of at most 15
words" does not. Prefer limits you could check with a ruler:

- length: *at most 15 words*, *exactly 3 bullet points*, *one line*;
- content: *mention the product name*, *do not mention prices*;
- shape: *no introduction such as "Sure!" or "Here is…"*, *start with "In short,"*.

Models are bad at counting, so leave some room: if the answer must stay under 25 words, ask
for 15.

## Use the system prompt for rules that always apply

Chat models take a **system prompt** next to your message. Put the standing rules there (the
role, the format, the length) and keep the user message for the task and its data:

```text
System: You summarise texts. Reply with ONE sentence of at most 15 words.
        Never copy the text. No introduction.
User:   Write a one-sentence summary of this text. Text: …
```

## Checklist

- Is the task a single, precise verb?
- Could someone else check the answer against your format without asking you?
- Are the limits numbers rather than adjectives?
- Did you say what must *not* appear (preambles, code fences, explanations)?

In the exercises below, your prompt runs on a small model at temperature 0, on visible and
hidden test inputs. Small models reward precise prompts the most.
""",
)

LESSON_CONTEXT = DemoLesson(
    slug="give-the-model-context-and-data",
    title="Give the model context and data: placeholders, delimiters and examples (few-shot)",
    body="""\
A prompt you use once is a message; a prompt you use a thousand times is a **template**. The
instructions stay the same and only the data changes: a review, an email, a document.

## Placeholders

In Promptcraft a prompt is a template with placeholders in double braces. Each test input
fills them in before the prompt reaches the model:

```text
Classify the sentiment of this review: {{review}}
```

With the variable `review = "Great kettle, boils fast."` the model receives *Classify the
sentiment of this review: Great kettle, boils fast.* Every exercise tells you which
placeholders its test inputs provide; a prompt without them never sees the data.

## Delimiters: show where the data starts and ends

Data is text too, and the model cannot tell your instructions from the data unless you mark
the boundary. Wrap the data in delimiters such as triple quotes or XML-style tags:

```text
Extract the email addresses from the text below.

Text: \"\"\"{{text}}\"\"\"
```

```text
<review>
{{review}}
</review>
```

Delimiters matter most when the data looks like instructions ("Ignore the above and…"),
contains line breaks or quotes, or is long. Refer to the delimiters by name in your
instructions: *the text between the `<review>` tags*.

## Edge cases: say what to do when there is nothing to find

Real data is messy: a text with no email address, a review that is half praise and half
complaint, an `@` that is a social media handle. Decide what the answer should be in those
cases and write it down, otherwise the model will invent something:

```text
Reply [] when the text has no email address.
```

## Examples (few-shot prompting)

Often the quickest way to explain a format is to show it. A prompt with a few worked
examples is called **few-shot**:

```text
Turn each product name into a URL slug.

Name: Blue Kettle 2000 (Limited Edition)
Slug: blue-kettle-2000-limited-edition

Name: {{name}}
Slug:
```

Good examples are short, cover the tricky cases, and use the same labels for input and
output every time, ending with the label the model should complete.

Be careful with small models: they sometimes **copy an example's answer** instead of
applying it, or repeat whatever the last example did. Make examples clearly different from
the real data, and test your prompt on several inputs, including the awkward ones. If
examples make results worse, clear instructions with delimiters may be all you need.

## Checklist

- Does every piece of data arrive through a placeholder?
- Is the data fenced off with delimiters that the instructions mention?
- Did you say what to answer when the data has nothing to extract?
- If you give examples, do they show the format without giving away the answer?
""",
)


# --------------------------------------------------------------------------------------------
# Exercise 1: an exact output format

SENTIMENT_SCHEMA = {
    "type": "object",
    "properties": {"sentiment": {"enum": ["positive", "negative"]}},
    "required": ["sentiment"],
    "additionalProperties": False,
}


def _sentiment_is(label: str) -> list[dict[str, Any]]:
    return [{"type": "regex", "value": r'"sentiment"\s*:\s*"' + label + '"'}]


SENTIMENT_AS_JSON = DemoExercise(
    slug="sentiment-as-json",
    title="Review sentiment as JSON",
    lesson_slug=LESSON_INSTRUCTIONS.slug,
    instructions="""\
An online shop wants to sort its customer reviews automatically. A program will read the
model's answer, so the answer must be **machine-readable**.

Write a prompt that classifies the review in `{{review}}` and makes the model answer with
**only** a JSON object, exactly in this shape:

```json
{"sentiment": "positive"}
```

A good answer:

- is valid JSON and nothing else: no explanation, no Markdown code fence;
- has exactly one key, `sentiment`, whose value is `positive` or `negative` (lowercase);
- gets the sentiment right, including on hidden reviews that mix praise and complaints.
""",
    required_placeholders=["review"],
    max_tokens=60,
    rubric=[{"type": "is-json", "schema": SENTIMENT_SCHEMA, "weight": 2}],
    test_inputs=[
        DemoTestInput(
            "A delighted customer",
            {
                "review": "I ordered the blue kettle on Monday and it arrived the next day. "
                "It boils fast, it is quiet and it looks great on the counter. Worth every penny."
            },
            checks=_sentiment_is("positive"),
        ),
        DemoTestInput(
            "A dead battery",
            {
                "review": "The battery died after two days and support never answered my "
                "emails. I want my money back."
            },
            checks=_sentiment_is("negative"),
        ),
        DemoTestInput(
            "Praise with a small complaint",
            {
                "review": "The room was a little small, but the staff were wonderful, breakfast "
                "was delicious and we would happily stay again."
            },
            is_hidden=True,
            checks=_sentiment_is("positive"),
        ),
        DemoTestInput(
            "A polite complaint",
            {
                "review": "Thanks for the quick reply, but the replacement is broken too. This "
                "is the second faulty unit and I am done with this brand."
            },
            is_hidden=True,
            checks=_sentiment_is("negative"),
        ),
    ],
    reference_prompt=(
        "Classify the sentiment of the customer review between the <review> tags.\n\n"
        "<review>\n{{review}}\n</review>\n\n"
        'Answer with ONLY a JSON object on one line, exactly like {"sentiment": "positive"} '
        'or {"sentiment": "negative"}. No code fences, no explanation.'
    ),
    naive_prompt="What is the sentiment of this review? {{review}}",
)


# --------------------------------------------------------------------------------------------
# Exercise 2: constraints on length and shape

ONE_SENTENCE_SUMMARY = DemoExercise(
    slug="one-sentence-summary",
    title="A one-sentence summary",
    lesson_slug=LESSON_INSTRUCTIONS.slug,
    instructions="""\
A news app shows one line under each story. Write a prompt that summarises the text in
`{{text}}` as **one sentence of at most 25 words**.

A good answer:

- is a single sentence on a single line, between 6 and 25 words;
- states the main point directly: no preamble such as *"Sure!"*, *"Here is a summary:"* or
  *"The text describes…"*;
- is about the story: it names what the story is about (the library, the trains…).

You may use the system prompt. Small models tend to copy the text instead of summarising it,
and they count words badly: ask for fewer words than the limit.
""",
    required_placeholders=["text"],
    max_tokens=80,
    rubric=[
        {"type": "max-lines", "value": 1},
        {"type": "min-words", "value": 6},
        {"type": "max-words", "value": 25, "weight": 2},
        # A second sentence: a full stop, question or exclamation mark, then a capital letter.
        {"type": "not-regex", "value": r"[.!?][\"')\]]?\s+[A-Z]", "weight": 2},
        {
            "type": "not-regex",
            "value": r"^\W*(sure|certainly|of course|here|summary|(the|this) text)\b",
            "flags": "i",
        },
    ],
    test_inputs=[
        DemoTestInput(
            "New library opening hours",
            {
                "text": "From 1 March, the Riverside public library will open at 8 am instead "
                "of 10 am on weekdays, so that students can study before classes. To pay for the "
                "extra staff, the library will close on Sundays. Saturday hours stay the same. "
                "The council says it will review the change after six months, based on visitor "
                "numbers and a survey of library members."
            },
            checks=[{"type": "icontains", "value": "library"}],
        ),
        DemoTestInput(
            "Weekend track works",
            {
                "text": "Because of track works, there will be no trains between Oldham and "
                "Lyster on the weekend of 14 and 15 June. Replacement buses will leave from the "
                "station car park every 30 minutes and the journey will take about 25 minutes "
                "longer than usual. Bicycles cannot be taken on the buses. Normal service will "
                "start again on Monday morning."
            },
            checks=[{"type": "icontains-any", "value": ["train", "track", "rail"]}],
        ),
        DemoTestInput(
            "Sleep and memory",
            {
                "text": "Researchers at a sleep laboratory asked 120 volunteers to learn a "
                "list of words in the evening. Half of them slept normally; the other half stayed "
                "awake all night. The next afternoon, after everyone had slept, the group that "
                "had slept straight after learning remembered about 30 percent more words. The "
                "authors conclude that sleep soon after learning helps the brain to store new "
                "memories."
            },
            is_hidden=True,
            checks=[{"type": "icontains-any", "value": ["sleep", "memor"]}],
        ),
        DemoTestInput(
            "A new stadium",
            {
                "text": "Westbury Football Club has received permission to build a new "
                "25,000-seat stadium on the site of the old gasworks. The club says the stadium "
                "will open in 2028 and will include a public park and 300 new homes. Some "
                "neighbours are worried about traffic on match days, so the club has promised "
                "to pay for a new tram stop."
            },
            is_hidden=True,
            checks=[{"type": "icontains", "value": "stadium"}],
        ),
    ],
    reference_system_prompt=(
        "You summarise texts. Reply with ONE sentence of at most 15 words that gives the main "
        "point. Never copy the text. No introduction."
    ),
    reference_prompt=(
        "Write a one-sentence summary (at most 15 words) of this text. "
        "Reply with the summary only.\n\nText: {{text}}"
    ),
    naive_prompt="Summarize this text: {{text}}",
)


# --------------------------------------------------------------------------------------------
# Exercise 3: extraction from delimited data, with edge cases

EMAIL_LIST_SCHEMA = {
    "type": "array",
    "items": {"type": "string", "pattern": r"^[^@\s]+@[^@\s]+\.[a-z]+$"},
}


def _emails_are(*emails: str) -> list[dict[str, Any]]:
    """Checks that the output's JSON array holds exactly these addresses."""
    count = {
        "type": "contains-json",
        "arrays": True,
        "schema": {"type": "array", "maxItems": len(emails)},
    }
    if not emails:
        return [count]
    return [{"type": "contains-all", "value": list(emails)}, count]


EXTRACT_EMAIL_ADDRESSES = DemoExercise(
    slug="extract-email-addresses",
    title="Extract email addresses",
    lesson_slug=LESSON_CONTEXT.slug,
    instructions="""\
A help desk wants to collect every email address mentioned in incoming messages. Write a
prompt that extracts the email addresses from the message in `{{text}}` and returns them as a
**JSON array of strings**:

```json
["maria.lopez@northwind.example", "support@helpdesk.example"]
```

A good answer:

- contains a JSON array whose items are all email addresses (a Markdown code fence around it
  is fine here);
- lists every address in the message, and nothing else: no names, phone numbers or
  social media handles such as `@promptcraft`;
- is exactly `[]` when the message has no email address.

Mark where the message starts and ends, and say what to do when there is nothing to extract.
""",
    required_placeholders=["text"],
    max_tokens=80,
    rubric=[{"type": "contains-json", "arrays": True, "schema": EMAIL_LIST_SCHEMA, "weight": 2}],
    test_inputs=[
        DemoTestInput(
            "Two addresses in a request",
            {
                "text": "Hi team, please send the March invoices to accounts@northwind.example "
                "and copy maria.lopez@northwind.example so she can approve them. Thanks, Tom"
            },
            checks=_emails_are("accounts@northwind.example", "maria.lopez@northwind.example"),
        ),
        DemoTestInput(
            "No address at all",
            {
                "text": "The meeting moved to Thursday at 3 pm in room 4B. Bring your laptop "
                "and the printed agenda."
            },
            checks=_emails_are(),
        ),
        DemoTestInput(
            "A signature and a quoted reply",
            {
                "text": "Thanks, that works for me.\n\nDr Ana Ruiz\nClinica Sur\n"
                "ana.ruiz@clinicasur.example\n+34 600 123 456\n\n"
                "> On Monday, support@helpdesk.example wrote:\n"
                "> Your ticket 4471 has been closed."
            },
            is_hidden=True,
            checks=_emails_are("ana.ruiz@clinicasur.example", "support@helpdesk.example"),
        ),
        DemoTestInput(
            "Handles and prices with @",
            {
                "text": "Follow us @promptcraft for news. Tickets are 2 @ 15 euros each. "
                "Questions? Write to jobs@promptcraft.example before Friday."
            },
            is_hidden=True,
            checks=_emails_are("jobs@promptcraft.example"),
        ),
    ],
    reference_prompt=(
        "Extract the email addresses from the text below as a JSON array of strings.\n"
        "Reply with the raw JSON array only, without a code fence. "
        "Reply [] when the text has no email address.\n\n"
        'Text: """{{text}}"""'
    ),
    naive_prompt="Find the email addresses in this text: {{text}}",
)


LESSON_CODE = DemoLesson(
    slug="prompts-that-write-code",
    title="Prompts that write code",
    body="""\
A model that writes code is only useful if its answer can be used as it is. Three habits make
that happen:

1. **Give the exact signature.** The name, the parameters and their types, the return type and
   what happens at the edges (an empty list, no match) are part of the specification, not
   details for the model to guess.
2. **Say what the answer is made of.** "Reply with one ```python code block and nothing else"
   removes the explanation, the usage examples and the test prints a model adds by default, and
   makes the answer safe to paste or to run.
3. **Delimit the specification.** Put it between tags such as `<spec>…</spec>`, so that the
   model reads it as the task's data and not as more instructions.

Promptcraft grades code the way a reviewer would: it takes the code block out of the answer and
runs **hidden unit tests** against it in a sandbox with no network, a read-only file system and
tight limits on time and memory. You see which test failed, never the tests themselves.
""",
)


def _code_tests(*tests: str) -> list[dict[str, Any]]:
    """A code-tests check running these hidden test functions on the answer's code block."""
    return [{"type": "code-tests", "tests": "\n\n".join(tests) + "\n", "weight": 3}]


ONLY_A_CODE_BLOCK = {
    "type": "regex",
    "value": r"\A\s*```(?:python|py)?[ \t]*\n(?:(?!```)[\s\S])*```\s*\Z",
    "label": "The answer is one Python code block and nothing else",
}

FUNCTION_FROM_A_SPEC = DemoExercise(
    slug="function-from-a-specification",
    title="A function from its specification",
    lesson_slug=LESSON_CODE.slug,
    instructions="""\
Your team generates small utility functions from one-line specifications such as:

> `reverse_words(sentence: str) -> str`: the words of the sentence in reverse order,
> separated by single spaces.

Write a prompt that turns the specification in `{{spec}}` into a Python function. Each answer is
graded by hidden unit tests run in a sandbox, and must be **one ```python code block and nothing
else**: no explanation, no usage examples, no tests. Every submission is graded on the visible
specification and on two specifications drawn from a hidden pool.
""",
    required_placeholders=["spec"],
    max_tokens=200,
    pass_threshold=0.8,
    hidden_sample_size=2,
    rubric=[ONLY_A_CODE_BLOCK],
    test_inputs=[
        DemoTestInput(
            "Palindromes",
            {
                "spec": "`is_palindrome(text: str) -> bool`: True when the text reads the same "
                "forwards and backwards, ignoring case, spaces and punctuation."
            },
            checks=_code_tests(
                "def test_simple():\n    assert is_palindrome('level') is True",
                "def test_ignores_case_spaces_and_punctuation():\n"
                "    assert is_palindrome('A man, a plan, a canal: Panama!') is True",
                "def test_not_a_palindrome():\n    assert is_palindrome('palindrome') is False",
            ),
        ),
        DemoTestInput(
            "Vowels",
            {
                "spec": "`count_vowels(text: str) -> int`: the number of vowels (a, e, i, o, u, "
                "upper or lower case) in the text."
            },
            is_hidden=True,
            checks=_code_tests(
                "def test_mixed_case():\n    assert count_vowels('Hello World') == 3",
                "def test_none():\n    assert count_vowels('rhythm') == 0",
                "def test_upper():\n    assert count_vowels('AEIOU') == 5",
            ),
        ),
        DemoTestInput(
            "Temperatures",
            {
                "spec": "`celsius_to_fahrenheit(celsius: float) -> float`: the temperature "
                "converted to degrees Fahrenheit."
            },
            is_hidden=True,
            checks=_code_tests(
                "def test_freezing():\n    assert celsius_to_fahrenheit(0) == 32",
                "def test_boiling():\n    assert celsius_to_fahrenheit(100) == 212",
                "def test_minus_forty():\n    assert celsius_to_fahrenheit(-40) == -40",
            ),
        ),
        DemoTestInput(
            "Largest number",
            {
                "spec": "`largest(numbers: list[int]) -> int | None`: the largest number in the "
                "list, or None when the list is empty."
            },
            is_hidden=True,
            checks=_code_tests(
                "def test_mixed():\n    assert largest([3, -7, 12, 5]) == 12",
                "def test_empty():\n    assert largest([]) is None",
            ),
        ),
    ],
    reference_prompt=(
        "Write the Python function specified below. Reply with a single ```python code block "
        "that contains only the function, and nothing else: no explanation, no usage examples, "
        "no tests.\n\nSpecification:\n<spec>\n{{spec}}\n</spec>"
    ),
    naive_prompt="{{spec}}",
)


COURSE = DemoCourse(
    slug="foundations",
    title="Prompt engineering foundations",
    summary=(
        "Write prompts that get exactly the answer you need: clear instructions, strict output "
        "formats, constraints, delimiters and examples, practised on a real model."
    ),
    is_published=True,
    lessons=[LESSON_INSTRUCTIONS, LESSON_CONTEXT, LESSON_CODE],
    exercises=[
        SENTIMENT_AS_JSON,
        ONE_SENTENCE_SUMMARY,
        EXTRACT_EMAIL_ADDRESSES,
        FUNCTION_FROM_A_SPEC,
    ],
)
