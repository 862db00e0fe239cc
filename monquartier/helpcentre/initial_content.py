"""The help centre's first content, in content/initial.json, loaded by migration 0003.

The JSON is the place to review or correct the text before it ships; once loaded, staff
edit it in the admin, and loading again only adds what is missing (a topic by its slug, a
question by its topic and slug): it never overwrites what staff changed.
"""

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "content" / "initial.json"
TOPIC_FIELDS = ("title", "title_en", "description", "description_en", "icon")
QUESTION_FIELDS = ("question", "question_en", "answer", "answer_en")


def initial_topics() -> list[dict[str, Any]]:
    return json.loads(DATA.read_text(encoding="utf-8"))


def load_initial_content(topic_model, question_model) -> int:
    """Add the topics and questions that are not there yet; return how many questions.

    Takes the model classes so that the data migration can pass its historical models."""
    added = 0
    for topic_order, row in enumerate(initial_topics(), start=1):
        topic, _ = topic_model.objects.get_or_create(
            slug=row["slug"],
            defaults={"order": topic_order * 10, **{field: row[field] for field in TOPIC_FIELDS}},
        )
        existing = set(question_model.objects.filter(topic=topic).values_list("slug", flat=True))
        new = [
            question_model(
                topic=topic,
                slug=question["slug"],
                order=question_order * 10,
                **{field: question[field] for field in QUESTION_FIELDS},
            )
            for question_order, question in enumerate(row["questions"], start=1)
            if question["slug"] not in existing
        ]
        question_model.objects.bulk_create(new)
        added += len(new)
    return added
