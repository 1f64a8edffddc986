import factory

from accounts.models import Role, User
from courses.models import Course, Lesson
from exercises.models import Exercise, TestInput
from grading.models import Submission


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    role = Role.LEARNER
    password = factory.django.Password("correct horse battery staple")


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    title = factory.Sequence(lambda n: f"Course {n}")
    slug = factory.Sequence(lambda n: f"course-{n}")
    summary = "Learn to write prompts."
    is_published = True


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lesson

    course = factory.SubFactory(CourseFactory)
    title = factory.Sequence(lambda n: f"Lesson {n}")
    slug = factory.Sequence(lambda n: f"lesson-{n}")
    body = "# Be specific\n\nSay **exactly** what you want."


class ExerciseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exercise

    course = factory.SubFactory(CourseFactory)
    lesson = factory.SubFactory(LessonFactory, course=factory.SelfAttribute("..course"))
    title = factory.Sequence(lambda n: f"Exercise {n}")
    slug = factory.Sequence(lambda n: f"exercise-{n}")
    instructions = "Make the model name the capital of {{country}}."
    model = "local/stub"
    rubric = factory.LazyFunction(lambda: [{"type": "icontains", "value": "capital"}])
    pass_threshold = 1.0
    required_placeholders = factory.LazyFunction(lambda: ["country"])


class TestInputFactory(factory.django.DjangoModelFactory):
    __test__ = False  # not a pytest test class

    class Meta:
        model = TestInput

    exercise = factory.SubFactory(ExerciseFactory)
    name = factory.Sequence(lambda n: f"Input {n}")
    variables = factory.LazyFunction(lambda: {"country": "France"})
    is_hidden = False


class SubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Submission

    learner = factory.SubFactory(UserFactory)
    exercise = factory.SubFactory(ExerciseFactory)
    number = factory.Sequence(lambda n: n + 1)
    prompt = "Name the capital of {{country}}."
    model = factory.SelfAttribute("exercise.model_name")
