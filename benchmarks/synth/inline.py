"""Inline furniture (phenomenon ``inline-furniture``): site furniture inside paragraphs.

Share bars run into an article's last sentence; newsletter, tip-line and app-promo
blurbs sit between or inside paragraphs. Each outlet may have its own blurbs (naming
it), and a few widgets (a shared CMS's share bar or app promo) are used by many
outlets. The text is drawn from slot lists, so every seed gives other wording; the
inserted units carry key ``None``, so truth spans never include them.

Opt-in: :func:`equip` sets ``Outlet.inline`` (``None`` by default, so the default
corpus is unchanged). Insertions use their own random stream.
"""
from __future__ import annotations

import random
import string

_NETWORKS = ["Facebook", "Twitter", "X", "WhatsApp", "Telegram", "LinkedIn", "Reddit", "Pinterest",
             "Tumblr", "Email", "Messenger", "Flipboard", "Digg", "Pocket", "Print", "Copy link"]
_SHARE_HEAD = ["Send", "Share", "Share this", "SHARE", "Spread the word", "Share article", ""]
_ASK = ["Want more stories like this?", "Don't miss a thing.", "Like what you read?", "Stay informed.",
        "Never miss a headline.", "Busy day?", "Short on time?", "Enjoying this article?"]
_DO = ["Sign up for", "Subscribe to", "Register for", "Get", "Join readers of"]
_WHAT = ["the free {adj} newsletter", "our {adj} briefing", "the {adj} digest", "our {adj} email",
         "the {adj} round-up"]
_ADJ = ["morning", "evening", "weekly", "daily", "weekend", "lunchtime", "breaking news", "business"]
_GAIN = ["and get the day's biggest stories in your inbox", "and receive the headlines before breakfast",
         "for the stories everyone will be talking about", "and get our best journalism every day",
         "to get analysis from our reporters delivered to you", "and never miss an important update"]
_TIP = ["Do you have information you want to share with {name}?", "Got a story tip for {name}?",
        "Have you witnessed something newsworthy?", "Is there something {name} should investigate?",
        "Do you know more about this story?"]
_TIP_HOW = ["Here's how.", "Contact our newsroom in confidence.", "Send it to our reporters securely.",
            "Get in touch with the news desk today.", "Find out how to reach us."]
_APP = ["Get the latest scores and headlines sent straight to your phone.",
        "Download the {name} app for breaking news alerts on the go.",
        "Read every story on your phone with our free app, now with offline reading.",
        "Turn on notifications to follow this story as it develops.",
        "Listen to this article and others with the {name} audio app.",
        "Our new app brings you live updates, videos and puzzles in one place."]
_CHOOSE = ["Subscribe, choose the community that you most identify with and get stories that matter to you.",
           "Pick the topics you follow and we will send you the stories that matter most.",
           "Choose your region and interests to personalise your news feed.",
           "Create a free account to save articles and comment on stories."]


def _newsletter(rng: random.Random, name: str) -> str:
    what = rng.choice(_WHAT).format(adj=rng.choice(_ADJ))
    return f"{rng.choice(_ASK)} {rng.choice(_DO)} {what} {rng.choice(_GAIN)}."


def _tip(rng: random.Random, name: str) -> str:
    out = f"{rng.choice(_TIP).format(name=name)} {rng.choice(_TIP_HOW)}"
    if rng.random() < 0.5:
        out += " " + rng.choice(_CHOOSE)
    return out


def _app(rng: random.Random, name: str) -> str:
    out = rng.choice(_APP).format(name=name)
    if rng.random() < 0.4:
        out += " " + rng.choice(_CHOOSE)
    return out


def _share_bar(rng: random.Random) -> tuple[str, bool]:
    """A share bar's fixed text, and whether a per-article permalink follows it."""
    head = rng.choice(_SHARE_HEAD)
    nets = rng.sample(_NETWORKS, rng.randint(5, 10))
    return " ".join(([head] if head else []) + nets), rng.random() < 0.5


class Widget:
    """One piece of inline furniture and where it goes."""

    def __init__(self, text: str, kind: str, p: float, permalink: str = ""):
        self.text, self.kind, self.p, self.permalink = text, kind, p, permalink

    def render(self, rng: random.Random) -> str:
        if not self.permalink:
            return self.text
        code = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(5))
        return f"{self.text} Permalink {self.permalink}/p/{code}"


class Inline:
    """An outlet's inline furniture: inserts its widgets into a document's paragraphs."""

    def __init__(self, widgets: list[Widget], rng: random.Random):
        self.widgets, self.rng = widgets, rng

    def __call__(self, body: list[list]) -> list[list]:
        rng = self.rng
        body = [list(p) for p in body]
        for w in self.widgets:
            if not body or rng.random() >= w.p:
                continue
            unit = (w.render(rng), None)
            if w.kind == "share":  # runs into the last sentence
                body[-1].append(unit)
            elif rng.random() < 0.5 and len(body) > 1:  # a paragraph of its own
                body.insert(rng.randint(1, len(body) - 1), [unit])
            else:  # between two sentences of a paragraph
                par = body[rng.randrange(len(body))]
                par.insert(rng.randint(1, len(par)) if len(par) > 1 else len(par), unit)
        return body


def equip(outlets: list, rng: random.Random, shared: int = 4) -> None:
    """Give outlets inline furniture: their own blurbs, and ``shared`` widgets each used
    by a random 20-50% of outlets."""
    own: dict[str, list[Widget]] = {o.name: [] for o in outlets}
    for o in outlets:
        domain = "https://" + o.name.lower().replace(" ", "") + ".com"
        if rng.random() < 0.6:
            maker = rng.choice([_newsletter, _tip, _app])
            own[o.name].append(Widget(maker(rng, o.name), "blurb", rng.uniform(0.4, 0.9)))
        if rng.random() < 0.4:
            text, link = _share_bar(rng)
            own[o.name].append(Widget(text, "share", rng.uniform(0.5, 0.9), domain if link else ""))
    for k in range(shared):
        if k % 2 == 0:
            text, link = _share_bar(rng)
            w = Widget(text, "share", 0.0, "https://cms-widgets.net" if link else "")
        else:
            w = Widget(rng.choice([_newsletter, _app])(rng, "our partners"), "blurb", 0.0)
        for o in rng.sample(outlets, max(1, int(len(outlets) * rng.uniform(0.2, 0.5)))):
            own[o.name].append(Widget(w.text, w.kind, rng.uniform(0.3, 0.8), w.permalink))
    for o in outlets:
        if own[o.name]:
            o.inline = Inline(own[o.name], random.Random(rng.getrandbits(64)))
