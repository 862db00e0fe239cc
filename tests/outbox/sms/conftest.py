import pytest


@pytest.fixture
def closing():
    """closing(Backend, **options) builds an SMS backend; its connections are closed
    after the test."""
    made = []

    def make(backend_class, **options):
        made.append(backend_class(**options))
        return made[-1]

    yield make
    for backend in made:
        backend.close()
