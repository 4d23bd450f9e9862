"""Reading long messages in sentences (domain/reading.py) and the customer's drivers
(domain/aggregate.py), without a model: scores are given per model input."""

from sentiment.domain.aggregate import Aggregate, Observation
from sentiment.domain.reading import COEF, FEATURES, SPLIT_WORDS, columns, fold_long, plan, read
from sentiment.domain.scoring import Label, score_from_probs

HAPPY = score_from_probs([0.97, 0.02, 0.01], [0.01, 0.95, 0.01, 0.01])
NEUTRAL = score_from_probs([0.05, 0.9, 0.05], [0.02, 0.05, 0.1, 0.02])
FRUSTRATED = score_from_probs([0.01, 0.02, 0.97], [0.96, 0.01, 0.02, 0.6])

SENTENCES = [
    "Thank you all so much for the lovely stay, the room was beautiful and so quiet.",
    "Breakfast was wonderful and the staff at the front desk could not do enough for us.",
    "The shower flooded the bathroom every morning and nobody came although we asked twice.",
    "We loved the spa and the pool and the walk along the cliffs that you recommended.",
    "We will be back next summer with the whole family, thanks again to everyone there.",
]


def _offsets(text: str) -> list[tuple[int, int]]:
    out, at = [], 0
    for s in SENTENCES:
        start = text.index(s, at)
        out.append((start, start + len(s)))
        at = start + len(s)
    return out


def test_a_short_message_is_read_whole_with_one_span():
    p = plan("Thanks, see you Friday!", [(0, 7), (8, 23)])
    assert p.texts == ["Thanks, see you Friday!"]
    r = read(p, [HAPPY])
    assert r.score == HAPPY and r.sentences == 0
    (span,) = r.spans
    assert (span.start, span.end, span.drives) == (0, 23, ("label", "satisfaction"))


def test_a_long_message_is_read_whole_sentence_by_sentence_and_in_context():
    text = " ".join(SENTENCES)
    assert len(text.split()) > SPLIT_WORDS
    p = plan(text, _offsets(text))
    texts = p.texts
    assert len(texts) == 1 + 2 * 5
    assert texts[0] == text and texts[1:6] == SENTENCES
    assert texts[6] == " ".join(SENTENCES[:2]) and texts[8] == " ".join(SENTENCES[1:4])


def test_one_complaint_among_pleasantries_makes_the_letter_frustrated_and_explains_it():
    text = " ".join(SENTENCES)
    p = plan(text, _offsets(text))
    # head + tail reads praise; the complaint sentence is Frustrated alone and in context
    alone = [HAPPY, HAPPY, FRUSTRATED, HAPPY, HAPPY]
    context = [HAPPY, FRUSTRATED, FRUSTRATED, FRUSTRATED, HAPPY]
    r = read(p, [HAPPY, *alone, *context])
    assert r.score.label is Label.FRUSTRATED and r.sentences == 5
    drivers = [s for s in r.spans if "label" in s.drives]
    assert [s.text for s in drivers] == [SENTENCES[2]]
    assert text[drivers[0].start : drivers[0].end] == SENTENCES[2]
    assert drivers[0].score.label is Label.FRUSTRATED
    assert "frustration" in drivers[0].drives


def test_praise_throughout_stays_happy():
    text = " ".join(SENTENCES)
    p = plan(text, _offsets(text))
    r = read(p, [HAPPY] * 11)
    assert r.score.label is Label.HAPPY
    assert all(s.score.label is Label.HAPPY for s in r.spans if "label" in s.drives)


def test_a_customer_s_drivers_are_the_messages_that_pulled_the_score_to_its_label():
    agg = Aggregate()
    for message_id, score in [("m1", HAPPY), ("m2", NEUTRAL), ("m3", FRUSTRATED)]:
        agg = agg.observe(Observation.of_message(score, message_id))
    agg = agg.observe(Observation.of_message(FRUSTRATED, "m4"))
    assert agg.label is Label.FRUSTRATED
    drivers = agg.drivers()
    assert [d.source for d in drivers] == ["m4", "m3"]  # the newest weighs most
    assert drivers[0].weight > drivers[1].weight and drivers[0].contribution < 0
    assert abs(sum(c.contribution for c in agg.contributors()) - agg.score) < 1e-9
    # the state survives storage
    assert Aggregate.from_state(agg.to_state()).drivers() == drivers


def test_the_aggregator_s_features_are_columns_of_every_long_reading():
    text = " ".join(SENTENCES)
    p = plan(text, _offsets(text))
    x = columns(HAPPY, [HAPPY, NEUTRAL, FRUSTRATED, HAPPY, HAPPY], [HAPPY] * 5)
    assert set(FEATURES) <= set(x) and len(COEF[0]) == len(FEATURES)
    assert x["alone max F"] == FRUSTRATED.probs[2] and x["alone place of max F"] == 0.5
    assert x["alone mean H after max F"] == HAPPY.probs[0]
    assert read(p, [HAPPY] * 11).score.probs == fold_long(columns(HAPPY, [HAPPY] * 5, [HAPPY] * 5))
