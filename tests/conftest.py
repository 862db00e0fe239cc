"""Shared fixtures: test settings, the personas, and helpers to read what was sent.

The personas (see ARCHITECTURE.md): Awa is a resident, Yao her neighbour, Mariam works
for the MonQuartier team (staff), Issa is an outsider with no tie to anyone.
"""

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.cache import cache, caches
from django.db.models.signals import post_migrate
from django.utils import translation

from monquartier.alerts.safeguards import load_terms
from monquartier.helpcentre.initial_content import load_initial_content
from monquartier.outbox.sms import dev as sms_dev
from monquartier.places.communes import load_communes
from tests import factories

# Every connection outside the loopback is refused (see tests/network_guard.py).
pytest_plugins = ["tests.network_guard"]


def _reload_communes(sender, using, **kwargs):
    # A transactional test ends with a flush, which empties the communes a data migration
    # loaded; the flush then sends post_migrate. Put them back for the tests that follow:
    # under xdist a worker runs them in any order, not transactional tests last.
    load_communes(apps.get_model("places", "Commune"))


post_migrate.connect(
    _reload_communes, sender=apps.get_app_config("places"), dispatch_uid="tests-communes"
)


def _reload_help_centre(sender, using, **kwargs):
    # Likewise the help centre's content, loaded by its data migration.
    load_initial_content(
        apps.get_model("helpcentre", "Topic"), apps.get_model("helpcentre", "Question")
    )


post_migrate.connect(
    _reload_help_centre, sender=apps.get_app_config("helpcentre"), dispatch_uid="tests-help"
)


def _reload_safeguard_terms(sender, using, **kwargs):
    # Likewise the safeguards' word lists (alerts/data/safeguards.txt).
    load_terms(apps.get_model("alerts", "SafeguardTerm"))


post_migrate.connect(
    _reload_safeguard_terms, sender=apps.get_app_config("alerts"), dispatch_uid="tests-safeguards"
)


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SMS_BACKEND = "monquartier.outbox.sms.LocmemSMSBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Tasks run as they are enqueued; tests of the worker itself switch back to the
    # database backend (see tests/outbox/test_tasks.py).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Argon2 is the production hasher (checked in test_settings.py); a fast one here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.MAP_TILES_URL = "http://127.0.0.1:9/tiles/{z}/{x}/{y}.png"


@pytest.fixture(autouse=True)
def _fresh_state():
    # Rate limits live in the cache: one test's attempts must not count in the next.
    cache.clear()
    caches["pages"].clear()
    sms_dev.outbox.clear()
    # A test that renders in English outside a request (a notification, an export) leaves
    # the thread's language behind: each test starts in the site's language.
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    sms_dev.outbox.clear()
    translation.deactivate()


@pytest.fixture
def communes(db):
    """Reference data that a transactional test's flush removes: put it back."""
    from monquartier.places.models import Commune

    load_communes(Commune)


@pytest.fixture
def sms_outbox():
    return sms_dev.outbox


@pytest.fixture
def awa(db):
    user = factories.make_user("Awa", "Koné", email="awa.kone@exemple.ci")
    factories.make_home(user)
    return user


@pytest.fixture
def yao(db):
    user = factories.make_user(
        "Yao", "Kouassi", email="yao.kouassi@exemple.ci", pseudonym="Yao de la Riviera"
    )
    factories.make_home(user, latitude=5.3595, longitude=-3.9605)
    return user


@pytest.fixture
def mariam(db):
    """Staff: the MonQuartier team."""
    return factories.make_user(
        "Mariam", "Bamba", email="mariam.bamba@monquartier.ci", is_staff=True
    )


@pytest.fixture
def issa(db):
    """An outsider: an account with no community and no tie to the others."""
    user = factories.make_user("Issa", "Ouattara", email="issa.ouattara@exemple.ci")
    factories.make_home(
        user, commune_slug="yopougon", quartier="Niangon", latitude=5.3265, longitude=-4.1060
    )
    return user


@pytest.fixture
def awa_client(client, awa):
    factories.log_in(client, awa)
    return client


# --- community personas: Riviera 2 (Awa référente, Yao member), Riviera 3 twinned
# (Koffi référent, Aya member), Yopougon far away (Issa), Salif pending in Riviera 2.


@pytest.fixture
def riviera(awa, yao):
    community = factories.make_community(awa, name="Riviera 2")
    factories.add_member(community, yao)
    return community


@pytest.fixture
def riviera3(db):
    # 800 m east of Riviera 2: near enough to twin.
    koffi = factories.make_user("Koffi", "Brou", email="koffi.brou@exemple.ci")
    return factories.make_community(koffi, name="Riviera 3", centre=(5.3590, -3.9538))


@pytest.fixture
def koffi(riviera3):
    from monquartier.communities.models import Membership

    return Membership.objects.referents().get(community=riviera3).user


@pytest.fixture
def aya(riviera3):
    return factories.add_member(
        riviera3,
        first_name="Aya",
        last_name="Kacou",
        email="aya.kacou@exemple.ci",
        pseudonym="Aya la couturière",
    )


@pytest.fixture
def twinned(riviera, riviera3, aya):
    return factories.twin(riviera, riviera3)


@pytest.fixture
def salif(riviera):
    """A pending member of Riviera 2."""
    user = factories.make_user("Salif", "Touré", email="salif.toure@exemple.ci")
    factories.add_pending(riviera, user)
    return user


@pytest.fixture
def run_tasks(settings):
    """Use the real database task backend; calling the fixture runs the ready tasks with
    the worker's own code (Worker.run_task), in this process and connection, until none
    is ready. A task that fails fails the test, with its traceback."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )

    def run(*, allow_failures: bool = False) -> int:
        done = 0
        while task := DBTaskResult.objects.ready().first():
            task.claim(worker.worker_id)
            worker.run_task(task)
            task.refresh_from_db()
            if task.status == "FAILED" and not allow_failures:
                raise AssertionError(f"Task {task.task_path} failed:\n{task.traceback}")
            done += 1
        return done

    return run


@pytest.fixture
def cocody_town_hall(db):
    """Cocody's partner town hall (the commune of Riviera)."""
    return factories.make_town_hall("cocody")


@pytest.fixture
def aicha(cocody_town_hall):
    """A town-hall agent of Cocody, allowed to manage the other agents."""
    return factories.make_agent(
        cocody_town_hall, email="aicha.diomande@mairie-cocody.ci", can_manage_agents=True
    )


@pytest.fixture(scope="session")
def refusing_port():
    """A loopback port that refuses every connection, for as long as the session lasts."""
    from tests.fakes import ports

    with ports.refusing() as port:
        yield port


@pytest.fixture(scope="session")
def browser(refusing_port):
    """One Chromium for the whole test process (tests/chromium.py)."""
    from playwright.sync_api import sync_playwright

    from tests.chromium import CHROMIUM, CHROMIUM_ARGS, OUTSIDE_REFUSED_ARGS

    args = [*CHROMIUM_ARGS, *(arg.format(port=refusing_port) for arg in OUTSIDE_REFUSED_ARGS)]
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
        yield chromium
        chromium.close()
