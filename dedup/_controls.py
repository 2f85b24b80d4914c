"""Characters that must never reach a terminal or a tab title from the data: C0 and C1
controls, DEL, and the Unicode marks that reorder or hide text (the bidirectional marks,
overrides and isolates). One definition for every display (the cluster table, ``show``
and ``compare``, the HTML report's title), each adding what it keeps or drops besides."""

# the bidirectional marks (LRM, RLM), embeddings and overrides (U+202A-E), isolates (U+2066-9)
BIDI = "\u200e\u200f\u202a-\u202e\u2066-\u2069"
# as a regex character class's body, with the C0 controls, DEL and C1 controls
CONTROLS = "\\x00-\\x1f\\x7f-\\x9f" + BIDI
