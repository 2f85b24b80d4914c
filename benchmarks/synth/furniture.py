"""Outlets and their site furniture (menus, cookie/copyright/share lines, related blocks, captions).

Every outlet is drawn once per seed and keeps its furniture for all of its documents,
related or not, so repeated boilerplate is the main false-positive trap.  Outlets
differ in which pieces they show, in what order, with which separators and wording,
so a detector cannot learn one template shape.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

WIRES = ("Reuters", "AP", "AFP", "Xinhua")

_SECTIONS = ["Home", "News", "World", "Business", "Markets", "Politics", "Sport", "Tech",
             "Science", "Opinion", "Entertainment", "Culture", "Health", "Money", "Local",
             "Video", "Weather", "Lifestyle", "Economy", "Asia", "Europe", "Americas"]
_NAME_A = ["Daily", "Morning", "Evening", "Global", "Metro", "National", "Capital", "Valley",
           "Harbour", "Northern", "Coastal", "Pacific", "Atlantic", "Central", "Union", "Free"]
_NAME_B = ["Ledger", "Herald", "Courier", "Gazette", "Tribune", "Post", "Observer", "Times",
           "Chronicle", "Dispatch", "Express", "Record", "Sentinel", "Monitor", "Journal", "Wire"]
_TLD = [".com", ".co.uk", ".net", ".com.au", ".in", ".ie", ".news", ".co.nz"]
_FIRST = ["Anna", "James", "Priya", "Tom", "Mei", "Carlos", "Fatima", "Olu", "Sarah", "Ken",
          "Lena", "David", "Aisha", "Marco", "Yuki", "Grace", "Ivan", "Nadia", "Paul", "Rosa"]
_LAST = ["Hughes", "Okafor", "Tanaka", "Silva", "Kowalski", "Brennan", "Nair", "Fischer",
         "Dubois", "Chen", "Moreau", "Walsh", "Haddad", "Lindqvist", "Reyes", "Park"]
_AGENCIES = ["Getty Images", "AFP", "Reuters", "AP Photo", "EPA", "Bloomberg", "Alamy", "PA"]
_CAPTIONS = ["A general view of the building", "File photo", "Traders at work on the floor",
             "Officials speak to reporters", "The company's headquarters", "People walk past a sign",
             "A view of the port", "Supporters gather outside", "The skyline at dusk",
             "Workers on the production line", "Delegates arrive for the meeting",
             "A customer at a branch", "Fans in the stands", "Cargo ships wait offshore"]
_COOKIE = [
    "We use cookies to improve your experience on our site. By continuing to browse you agree to our use of cookies.",
    "This website uses cookies. Read our Cookie Policy to find out more. Accept all | Manage preferences",
    "Cookies help us deliver our services. By using our services, you agree to our use of cookies. Learn more",
    "We and our partners store and access information on your device to personalise ads and content. [Accept] [Reject]",
    "Our site uses cookies and similar technologies. You can change your settings at any time.",
]
_SHARE = ["Share this article: Facebook | Twitter | WhatsApp | Email", "Share  Tweet  Pin  Email",
          "SHARE ON: f  t  in", "Share via: Facebook, X, LinkedIn, Copy link", "Share | Save | Print",
          "Share this story", "Email  Facebook  Twitter  Reddit  Print"]
_RELATED_HEAD = ["Related news", "Related stories", "You may also like", "Read more:", "MOST READ",
                 "More from {name}", "Recommended", "Trending now", "ALSO READ", "Top stories"]
_PROMO = ["Sign up for our morning briefing and get the day's top stories in your inbox.",
          "Subscribe now for unlimited access. First month free.",
          "Get breaking news alerts on our app. Download now.",
          "Support independent journalism. Become a member today.",
          "Never miss a story: follow us on social media.",
          "Want the latest headlines? Join our newsletter."]
_END = ["Report an error", "Comments are closed.", "Join the conversation", "Back to top",
        "Was this article helpful? Yes | No", "Follow us on Twitter and Facebook",
        "Send us your tips and story ideas.", "Editorial standards | Corrections policy"]
_TOPBAR = ["Skip to main content", "Subscribe | Sign in", "Log in  Register", "Today's paper",
           "Edition: International", "Search", "Newsletters", "Listen live", "Menu"]
_AD = ["Advertisement", "ADVERTISEMENT", "Story continues below advertisement",
       "- Advertisement -", "Sponsored content", "Continue reading below"]


_SECTION = {"earn": "Business", "acq": "Business", "money-fx": "Markets", "interest": "Markets",
            "crude": "Energy", "grain": "Commodities", "trade": "Economy", "ship": "Business"}


def section(topic: str) -> str:
    """Site section shown in breadcrumbs for a Reuters topic or BBC category."""
    return _SECTION.get(topic, topic if topic in ("business", "politics", "sport", "tech",
                                                  "entertainment") else "World")


@dataclass
class Outlet:
    """An outlet's fixed rendering choices and furniture lines."""

    name: str
    is_wire: bool
    par_sep: str  # "\n\n", "\n" or " " (no paragraph breaks)
    title_in_text: bool
    top: list[str] = field(default_factory=list)
    bottom: list[str] = field(default_factory=list)
    byline: str = ""  # pattern with {first} {last} {name}; empty = none
    dateline_fmt: str = ""  # pattern with {date}; empty = none
    caption_fmt: str = ""  # pattern with {caption} {photog} {agency}; empty = none
    ad_line: str = ""
    section_fmt: str = ""  # breadcrumb pattern with {section}
    inline: object = None  # callable inserting furniture into the paragraphs (see .inline)

    def header(self, rng: random.Random, section: str, date: str) -> list[str]:
        """Furniture lines above the article for one document."""
        lines = list(self.top)
        if self.section_fmt:
            lines.append(self.section_fmt.format(section=section.title()))
        if self.dateline_fmt:
            lines.append(self.dateline_fmt.format(date=date))
        if self.byline:
            lines.append(self.byline.format(first=rng.choice(_FIRST), last=rng.choice(_LAST),
                                            name=self.name))
        return lines

    def caption(self, rng: random.Random) -> str:
        return self.caption_fmt.format(caption=rng.choice(_CAPTIONS), agency=rng.choice(_AGENCIES),
                                       photog=f"{rng.choice(_FIRST)} {rng.choice(_LAST)}")


def _menu(rng: random.Random) -> str:
    secs = rng.sample(_SECTIONS, rng.randint(4, 9))
    return rng.choice([" | ", " · ", " / ", "  ", " • ", "\t"]).join(secs)


def _copyright(rng: random.Random, name: str, domain: str) -> str:
    year = rng.choice([2023, 2024, 2025])
    return rng.choice([
        f"© {year} {name}. All rights reserved.",
        f"Copyright {year} {name} Media Group Ltd. This material may not be published, broadcast, rewritten or redistributed.",
        f"(c) {name} {year}",
        f"All content © {domain}, {year}. Terms of use | Privacy policy",
        f"{name} is not responsible for the content of external sites.",
    ])


def _related(rng: random.Random, name: str, titles: list[str]) -> list[str]:
    head = rng.choice(_RELATED_HEAD).format(name=name)
    bullet = rng.choice(["", "- ", "• ", "> ", "» "])
    items = [bullet + t for t in rng.sample(titles, min(len(titles), rng.randint(3, 6)))]
    if rng.random() < 0.3:  # some sites put the whole block on one line
        return [head + " " + " | ".join(t.strip("-•>» ") for t in items)]
    return [head] + items


def make_outlet(rng: random.Random, name: str, is_wire: bool, titles: list[str]) -> Outlet:
    """Draw one outlet; wires get sparse furniture, web outlets get a random mix."""
    domain = name.lower().replace(" ", "") + rng.choice(_TLD)
    if is_wire:
        o = Outlet(name, True, "\n\n", False)
        if rng.random() < 0.5:
            o.bottom.append(_copyright(rng, name, domain))
        return o
    o = Outlet(name, False, rng.choices(["\n\n", "\n", " "], [0.65, 0.25, 0.10])[0],
               rng.random() < 0.5)
    top: list[str] = []
    if rng.random() < 0.6:
        top.append(rng.choice([name, name.upper(), domain, f"{name} | {rng.choice(_TOPBAR)}"]))
    top += rng.sample(_TOPBAR, rng.randint(0, 2))
    if rng.random() < 0.8:
        top.append(_menu(rng))
    if rng.random() < 0.3:
        top.append(rng.choice(_COOKIE))
    o.top = top
    if rng.random() < 0.5:
        o.section_fmt = rng.choice(["Home > {section}", "Home › News › {section}", "{section}",
                                    "SECTIONS / {section}", "You are here: {section}"])
    if rng.random() < 0.5:
        o.dateline_fmt = rng.choice(["Published {date}", "Updated: {date}", "{date}",
                                     "Posted on {date}", "First published on {date}"])
    if rng.random() < 0.5:
        o.byline = rng.choice(["By {first} {last}", "{first} {last}, {name}", "By {first} {last} | {name} staff",
                               "Written by {first} {last}", "{name} Staff Reporter"])
    if rng.random() < 0.6:
        o.caption_fmt = rng.choice([
            "{caption}. (Photo: {photog}/{agency})", "Image: {agency}", "PHOTO: {caption} / {agency}",
            "{caption} Photograph: {photog}/{agency}", "[Image caption: {caption}] [Image source: {agency}]",
            "▲ {caption}. Credit: {agency}"])
    if rng.random() < 0.4:
        o.ad_line = rng.choice(_AD)
    bottom: list[str] = []
    pool = [
        lambda: [rng.choice(_SHARE)],
        lambda: _related(rng, name, titles),
        lambda: [rng.choice(_PROMO)],
        lambda: [_copyright(rng, name, domain)],
        lambda: [rng.choice(_END)],
        lambda: [rng.choice(_COOKIE)],
        lambda: ["Tags: " + ", ".join(rng.sample(_SECTIONS, 3))],
    ]
    for i in rng.sample(range(len(pool)), rng.randint(2, 5)):
        bottom += pool[i]()
    if rng.random() < 0.3:
        o.top.append(rng.choice(_SHARE))
    o.bottom = bottom
    return o


def make_outlets(rng: random.Random, titles: list[str]) -> tuple[list[Outlet], dict[str, Outlet]]:
    """Return (web outlets, wires by name); 20-40 web outlets with unique names."""
    n = rng.randint(20, 40)
    names: list[str] = []
    while len(names) < n:
        style = rng.random()
        if style < 0.6:
            nm = f"The {rng.choice(_NAME_A)} {rng.choice(_NAME_B)}"
        elif style < 0.85:
            nm = f"{rng.choice(_NAME_A)}{rng.choice(_NAME_B)} Online"
        else:
            nm = f"{rng.choice(_NAME_B)}{rng.randint(24, 365)}"
        if nm not in names:
            names.append(nm)
    outlets = [make_outlet(rng, nm, False, titles) for nm in names]
    wires = {w: make_outlet(rng, w, True, titles) for w in WIRES}
    return outlets, wires
