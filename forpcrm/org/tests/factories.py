"""Factories for org models (usable by every app's tests)."""

import factory
from factory.django import DjangoModelFactory

from forpcrm.org.models import User

PASSWORD = "pass1234"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.roles.set(extracted)
