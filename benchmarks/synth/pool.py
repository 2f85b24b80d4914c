"""Hand out each base article at most once; recombine sentences once the sources run out.

The sources hold ~13.5k usable articles, so corpora beyond ~20k documents need more
base text.  A remixed article takes each sentence from a different real article of
one topic, redraws its digits and replaces every third word (from a random offset)
with a word drawn from the sources' vocabulary, so that two remixes of one source
sentence share no word 3-gram and no run longer than two words: remixes are new text
with real vocabulary and sentence shapes, not unlabelled reuse. (Recombining whole
sentences made every remix share sentences with dozens of others, which no real
corpus does.) Counted as ``remixed`` in the summary.
"""
from __future__ import annotations

import random
from collections import defaultdict

from .sources import Article
from .transforms import jitter_numbers


class Pool:
    def __init__(self, articles: list[Article], rng: random.Random):
        self.arts = articles
        self.order = list(range(len(articles)))
        rng.shuffle(self.order)
        self.used = bytearray(len(articles))
        self.ptr = 0
        self.by_topic: dict[str, list[int]] = defaultdict(list)
        for i in self.order:
            self.by_topic[articles[i].topic].append(i)
        self.topic_ptr: dict[str, int] = defaultdict(int)
        self.topics = sorted(self.by_topic)
        self.remixed = 0
        self._vocab: list[str] | None = None

    def vocab(self) -> list[str]:
        if self._vocab is None:
            words = {w for a in self.arts for snt in a.sentences for w in snt.split() if w.isalpha()}
            self._vocab = sorted(words)
        return self._vocab

    def scramble(self, sentence: str, rng: random.Random) -> str:
        """Replace every third word, from a random offset, with a vocabulary word."""
        words = sentence.split()
        vocab = self.vocab()
        off = rng.randrange(3)
        for i in range(off, len(words), 3):
            words[i] = rng.choice(vocab)
        return " ".join(words)

    def _mark(self, i: int) -> Article:
        self.used[i] = 1
        return self.arts[i]

    def take(self, rng: random.Random, topic: str | None = None) -> Article:
        """An unused article (of ``topic`` when possible), else a remix."""
        if topic is not None:
            lst = self.by_topic.get(topic, [])
            p = self.topic_ptr[topic]
            while p < len(lst) and self.used[lst[p]]:
                p += 1
            self.topic_ptr[topic] = p
            if p < len(lst):
                return self._mark(lst[p])
        while self.ptr < len(self.order) and self.used[self.order[self.ptr]]:
            self.ptr += 1
        if self.ptr < len(self.order):
            return self._mark(self.order[self.ptr])
        return self.remix(rng, topic)

    def remix(self, rng: random.Random, topic: str | None) -> Article:
        if topic not in self.by_topic or len(self.by_topic[topic]) < 5:
            topic = rng.choice(self.topics)
        members = self.by_topic[topic]
        if len(members) < 5:
            members = self.order
        paragraphs = []
        for _ in range(rng.randint(3, 6)):
            par = []
            for _ in range(rng.randint(1, 3)):
                src = self.arts[rng.choice(members)].sentences
                par.append(self.scramble(jitter_numbers(rng.choice(src), rng), rng))
            paragraphs.append(tuple(par))
        self.remixed += 1
        head = self.arts[rng.choice(members)]
        return Article(f"remix/{self.remixed}", head.corpus, topic, jitter_numbers(head.title, rng),
                       head.city, tuple(paragraphs))
