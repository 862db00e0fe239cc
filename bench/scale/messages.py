"""The messages' rows: conversations between neighbours, their participants and messages."""

from collections.abc import Iterator

from bench.scale.plan import Plan
from bench.scale.shape import ALERT_DAYS, CONVERSATION_SHARE, MESSAGE_TEXTS


class MessageRows(Plan):
    """The messages' rows: conversations between neighbours, their participants and messages."""

    def conversation_plan(self) -> None:
        """Conversations between members with an e-mail (those who can log in), of one
        community, now and then with a twinned one; messages alternate between them."""
        self.conversations: list[tuple[int, list[int], list[tuple[int, float]]]] = []
        number = 0
        for place in self.places:
            writers = [user for user in place.members.tolist() if self.has_email[user]]
            if len(writers) < 2:
                continue
            starters = self.np_rng.random(len(writers)) < CONVERSATION_SHARE
            for starter in [user for user, go in zip(writers, starters, strict=True) if go]:
                pool = writers
                if place.twins and self.rng.random() < 0.1:
                    twin = self.places[self.rng.choice(place.twins)]
                    pool = [
                        user for user in twin.members.tolist() if self.has_email[user]
                    ] or writers
                others = {self.rng.choice(pool) for _ in range(1 if self.rng.random() < 0.8 else 3)}
                others.discard(starter)
                if not others:
                    continue
                number += 1
                people = [starter, *sorted(others)]
                count = 1 + int(self.np_rng.geometric(0.3))
                when = self.rng.uniform(
                    max(place.created, self.clock.days_ago(ALERT_DAYS)), self.clock.now - 86_400
                )
                thread = []
                for k in range(count):
                    thread.append((people[k % len(people)], when))
                    when += self.rng.uniform(60, 36_000)
                self.conversations.append((number, people, thread))

    def conversation_rows(self) -> Iterator[tuple]:
        at = self.clock.at
        for number, _people, thread in self.conversations:
            yield (number, at(thread[0][1]), at(thread[-1][1]))

    def participant_rows(self) -> Iterator[tuple]:
        at = self.clock.at
        number = 0
        for conversation_id, people, thread in self.conversations:
            last_sender, last_time = thread[-1]
            for user_id in people:
                number += 1
                if user_id == last_sender or self.rng.random() < 0.7:
                    read = at(last_time)
                elif len(thread) > 1 and self.rng.random() < 0.5:
                    read = at(thread[-2][1])
                else:
                    read = None
                yield (number, conversation_id, user_id, at(thread[0][1]), read)

    def message_rows(self) -> Iterator[tuple]:
        at = self.clock.at
        number = 0
        for conversation_id, _people, thread in self.conversations:
            for sender, when in thread:
                number += 1
                yield (
                    number,
                    conversation_id,
                    sender,
                    MESSAGE_TEXTS[number % len(MESSAGE_TEXTS)],
                    at(when),
                    None,
                    None,
                    "",
                )
