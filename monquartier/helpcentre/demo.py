"""The help centre in the demo: its data migration already loaded the content; this puts
back what a flushed or hand-edited demo database lost, and sends nothing."""

from monquartier.helpcentre.initial_content import load_initial_content
from monquartier.helpcentre.models import Question, Topic


def create_demo_help() -> int:
    return load_initial_content(Topic, Question)
