"""News in scripts and languages other than English: tokens, dates and wire credits."""

from __future__ import annotations

import unicodedata
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dedup
from dedup.stages.credits import find_credits
from dedup.stages.dates import find_date
from dedup.stages.normalize import tokenize, words
from dedup.stages.spaceless import WordBreaker

# A Lao wire item and a copy that changed one word in each sentence (Lao, like Thai,
# Khmer and Myanmar, puts no spaces between words: a space ends a phrase).
_LAO = ("ລັດຖະບານລາວໄດ້ອະນຸມັດງົບປະມານໃໝ່ສຳລັບການກໍ່ສ້າງທາງຫຼວງແຫ່ງຊາດເລກທີສິບສາມ ເພື່ອເຊື່ອມຕໍ່ນະຄອນຫຼວງວຽງຈັນກັບແຂວງພາກໃຕ້ "
        "ລັດຖະມົນຕີກະຊວງໂຍທາທິການແລະຂົນສົ່ງກ່າວວ່າໂຄງການນີ້ຈະສຳເລັດພາຍໃນສາມປີ ແລະຈະສ້າງວຽກເຮັດງານທຳໃຫ້ປະຊາຊົນຫຼາຍພັນຄົນ "
        "ປະຊາຊົນໃນເຂດຊົນນະບົດຫວັງວ່າການເດີນທາງໄປຕະຫຼາດແລະໂຮງໝໍຈະສະດວກຂຶ້ນກວ່າເກົ່າ")


# icu4py has no wheel for Python 3.10: there the spaceless scripts are read a letter at a
# time (with its marks), as the README says, and what ICU's word cuts give is not tested
needs_icu = pytest.mark.skipif(WordBreaker is None, reason="no icu4py on this Python: letter tokens (README)")


@pytest.mark.skipif(WordBreaker is not None, reason="ICU cuts words on this Python")
def test_without_icu_spaceless_scripts_are_read_a_letter_at_a_time():
    assert words("ที่นี่ ภาษา") == ["ที่", "นี่", "ภ", "า", "ษ", "า"]  # each letter with its marks


@needs_icu
def test_spaceless_scripts_are_tokens_below_the_phrase():
    """A space-separated run of Thai or Lao is a phrase: as one token, a copy that edits one
    word of it shares nothing with its source. The runs are cut into words."""
    assert words("ภาษาไทย") == ["ภาษา", "ไทย"]
    assert words("ที่นี่") == ["ที่", "นี่"]  # the marks stay with their letter
    assert words("ລັດຖະບານລາວ abc") == ["ລັດຖະບານ", "ລາວ", "abc"]
    copy = _LAO.replace("ງົບປະມານ", "ເງິນ").replace("ສາມປີ", "ສີ່ປີ").replace("ຕະຫຼາດ", "ຮ້ານຄ້າ")
    got = dedup.compare(_LAO, copy)
    assert got.passages and got.coverage_source > 0.5, got
    for p in got.passages:  # offsets slice the texts whole: marks never cut from their letter
        for text, a in ((_LAO, p.source_start), (copy, p.target_start)):
            assert unicodedata.category(text[a])[0] != "M"


@settings(max_examples=200)
@given(st.text(alphabet=st.sampled_from("กขคเแโาิีึุู่้๊๋์ ັິີ ຄງຈ ក ខ ា ិ က ခ ် ြ a1"), max_size=40))
def test_spaceless_tokens_tile_their_letters(text):
    """Every letter of a spaceless script is in exactly one token, and a token never starts with a mark."""
    starts, ends, _ = tokenize(text)
    covered = [False] * len(text)
    for a, b in zip(starts.tolist(), ends.tolist()):
        assert unicodedata.category(text[a])[0] != "M" or a == 0 or not text[a - 1].strip() or text[a - 1] in "a1"
        for i in range(a, b):
            assert not covered[i]
            covered[i] = True
    for i, c in enumerate(text):
        if unicodedata.category(c)[0] == "L":
            assert covered[i]


@needs_icu
def test_a_long_shared_name_does_not_link_independent_thai_reports():
    """Two reports of different events that both name the prime minister and finance
    minister (a name and title of 52 letters, 9 words): as a token per letter, the title
    alone made a passage and linked them; as words it weighs what it does in English."""
    title = "นายเศรษฐา ทวีสิน นายกรัฐมนตรีและรัฐมนตรีว่าการกระทรวงการคลัง"
    a = (f"{title} เปิดเผยเมื่อวันจันทร์ว่ารัฐบาลจะเดินหน้าโครงการแจกเงินดิจิทัลให้ประชาชนตามกำหนดเดิม "
         "แม้จะมีเสียงคัดค้านจากนักเศรษฐศาสตร์หลายคน โดยระบุว่าเงินงบประมาณจะมาจากการบริหารจัดการภายใน")
    b = (f"ในการประชุมคณะรัฐมนตรีวันอังคาร {title} ได้สั่งการให้หน่วยงานที่เกี่ยวข้องเร่งแก้ปัญหาภัยแล้ง"
         "ในภาคตะวันออกเฉียงเหนือ พร้อมอนุมัติงบกลางสำหรับขุดบ่อบาดาลและซ่อมแซมระบบประปาหมู่บ้าน")
    assert dedup.compare(a, b).kind is None  # not linked (compare shows the shared title as a passage)
    copy = a.replace("วันจันทร์", "วันอังคาร").replace("หลายคน", "บางคน")
    assert dedup.compare(a, copy).kind == "duplicate"


def _article(dateline: str) -> str:
    return f"Headline\n\n{dateline} " + "words of the story go on here " * 4 + "to the end.\n\nAnother paragraph.\n"


@pytest.mark.parametrize("dateline", [
    "İSTANBUL, 7 Ekim 2023 (AA) -",                   # Turkish
    "ΑΘΗΝΑ, 7 Οκτωβρίου 2023 -",                      # Greek, genitive
    "ΑΘΗΝΑ, 7 ΟΚΤΩΒΡΙΟΥ 2023 -",                      # Greek capitals drop the accent
    "القاهرة، 7 أكتوبر 2023 -",                        # Arabic
    "القاهرة، ٧ أكتوبر ٢٠٢٣ -",                        # Arabic-Indic digits
    "ירושלים, 7 באוקטובר 2023 -",                     # Hebrew, with its preposition
    "मुंबई, 7 अक्टूबर 2023 -",                         # Hindi: vowel signs in the month
    "WARSZAWA, 7 października 2023 (PAP) -",         # Polish
    "AMSTERDAM, 7 oktober 2023 (ANP) -",             # Dutch
    "MADRID, 7 de octubre de 2023 (EFE).-",          # EFE's full stop after the credit
    "МОСКВА, 7 октября 2023 г. /ТАСС/.",             # TASS: the year's "г." and /ТАСС/.
    "新华社上海２０２３年１０月７日电",                    # full-width digits
])
def test_datelines_of_the_news_languages(dateline):
    assert find_date(_article(dateline)) == datetime(2023, 10, 7), dateline


@pytest.mark.parametrize("dateline", ["İSTANBUL, 31 Şubat 2023 (AA) -", "ΑΘΗΝΑ, 7 Οκτωμπρίου 2023 -",
                                      "القاهرة، 7 أكتوبرر 2023 -", "新华社上海２０２３年２月３０日电"])
def test_impossible_or_misspelt_dates_are_no_dates(dateline):
    assert find_date(_article(dateline)) is None


@given(st.text(max_size=60))
def test_date_reading_never_raises(text):
    find_date(_article(text))
    find_date(text)


def test_slash_credits_close_the_dateline():
    """TASS signs "/TASS/" between slashes: the dateline's credit, whatever its full stops."""
    for line in ("MOSCOW, October 7 /TASS/ -", "МОСКВА, 7 октября. /ТАСС/.", "MADRID, 7 oct (EFE).-"):
        assert find_credits(_article(line)), line


@pytest.mark.parametrize("opening,agency,date", [
    ("New Delhi, Mar 7 (PTI) The government on Saturday announced a new plan for public transport in the capital.", "PTI", None),
    ("NEW DELHI, October 7, 2023 (PTI) The government on Saturday announced a new plan for public transport.", "PTI", "2023-10-07"),
    ("Mumbai, Oct 7 (IANS) Shares rose sharply on Saturday as investors bought banking stocks after the results.", "IANS", None),
    ("Rio de Janeiro, Oct 7 (AFP) The government on Saturday announced a new plan for public transport in the city.", "AFP", None),
    ("नई दिल्ली, 7 अक्टूबर 2023 (भाषा) सरकार ने शनिवार को राजधानी में सार्वजनिक परिवहन की नई योजना की घोषणा की।", "PTI", "2023-10-07"),
])
def test_a_dateline_closed_by_an_agency_in_brackets_needs_no_dash(opening, agency, date):
    """PTI, IANS and Bernama close the dateline with the credit alone ("New Delhi, Mar 7
    (PTI) The ..."): the credit and the date there are read, as after a dash."""
    text = _article(opening)
    assert find_credits(text) == [agency]
    found = find_date(text)
    assert (found and found.date().isoformat()) == date


@pytest.mark.parametrize("opening", [
    "The Associated Press (AP) reported on Saturday that the government had announced a new transport plan.",
    "Apple Inc (AAPL.O) said on Saturday, in a statement, that it would buy back shares worth billions of dollars.",
    "Born in Co Kerry on 24 April 1927 (aged 90) he farmed all his life, and later sang in the county's choirs.",
    # a comma and an agency's name in brackets, but no place and date before them
    "The ministry said on March 3, 2020, that Anadolu Agency (AA) had been given access to the site of the crash.",
    "Police said on Tuesday, March 3, 2020 (AP) that the man had fled across the border before dawn.",
    "London, the capital (PA) has seen more rain this month than in any March since records began.",
    "Turkey's state news agency, Anadolu Agency (AA) reported that rescue teams worked through the night.",
])
def test_a_bracket_after_a_sentences_first_words_is_no_dateline(opening):
    """Not a place, a comma and a date before an agency's name in brackets: no credit, no date
    (a body sentence's date must never become the publication date)."""
    text = _article(opening)
    assert find_credits(text) == [] and find_date(text) is None


@pytest.mark.parametrize("opening,agency", [
    ("【ワシントン共同】米政府は7日、新たな経済対策を発表した。", "Kyodo"),
    ("（ソウル共同）韓国政府は7日、新たな経済対策を発表した。", "Kyodo"),
    ("(부산=연합뉴스) 이민호 기자 = 부산시는 7일 새 교통 대책을 발표했다.", "Yonhap"),
    ("新华社上海10月7日电（记者王磊）上海市7日发布新的交通措施。", "Xinhua"),
    ("القاهرة، 7 أكتوبر 2023 (رويترز) - أعلنت الحكومة المصرية يوم السبت خطة جديدة للنقل العام في العاصمة.", "Reuters"),
    ("بيروت، 7 أكتوبر 2023 (أ ف ب) - أعلنت الحكومة اللبنانية يوم السبت خطة جديدة للنقل العام في العاصمة.", "AFP"),
    ("LISBOA, 7 de outubro de 2023 (Lusa) - O Governo aprovou no sábado um novo plano para os transportes públicos.", "Lusa"),
    ("ΑΘΗΝΑ, 7 Οκτωβρίου 2023 (ΑΠΕ-ΜΠΕ) - Η κυβέρνηση ανακοίνωσε το Σάββατο νέο σχέδιο για τις συγκοινωνίες.", "ANA-MPA"),
])
def test_wire_credits_in_other_scripts(opening, agency):
    """A CJK name is glued to the place ("【東京共同】", "新华社上海…电"): no word boundary
    there. A bracketed label closing with the agency opens Japanese and Korean wire copy."""
    assert find_credits(f"見出し Headline\n\n{opening}\n\n{opening}\n") == [agency]


@pytest.mark.parametrize("line,agency", [("（共同通信）", "Kyodo"), ("저작권자(c) 연합뉴스, 무단 전재-재배포 금지", "Yonhap"),
                                         ("المصدر: رويترز", "Reuters"), ("来源：新华社", "Xinhua")])
def test_sign_offs_in_other_scripts(line, agency):
    assert find_credits(f"Headline\n\n{_LAO}\n\n{line}\n") == [agency]


def test_agency_words_in_a_headline_are_no_credit():
    """'共同' is Kyodo only where a credit stands: 'joint' in a headline credits nothing."""
    assert find_credits("日米共同声明を発表\n\n両政府は7日、共同声明を発表した。\n") == []


_INVISIBLE = "\u00ad\u200c\u200d\u2060\u200e\u200f"  # soft hyphen, ZWNJ, ZWJ, word joiner, bidi marks


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from("Bahnsteig éü дом كتاب हिन्दी .,-"), max_size=40), st.data())
def test_invisible_characters_inside_words_change_no_token(text, data):
    """A soft hyphen ("Bahn\\u00adsteige", as hyphenating sites print every long word), a
    Persian or Devanagari joiner, a bidi mark inside a word: the same word (UAX #29, WB4)."""
    out = []
    for c in text:  # an invisible character between some pairs of word characters
        if out and out[-1].isalnum() and c.isalnum() and data.draw(st.booleans()):
            out.append(data.draw(st.sampled_from(_INVISIBLE)))
        out.append(c)
    marked = "".join(out)
    assert tokenize(marked)[2].tolist() == tokenize(text)[2].tolist()
    starts, ends, _ = tokenize(marked)
    for a, b in zip(starts.tolist(), ends.tolist()):  # a token never starts or ends invisible
        assert marked[a] not in _INVISIBLE and marked[b - 1] not in _INVISIBLE


def test_invisible_characters_between_words_are_no_tokens():
    assert words("👩\u200d👩\u200d👧 a \u200d b\u00ad") == ["a", "b"]


def test_optional_vowel_marks_and_tatweel_are_the_same_word():
    """Arabic harakat, Hebrew niqqud and the tatweel are optional: a copy printed with
    them (or a source with them, a copy without) is the same text."""
    assert words("مُحَمَّدٌ كـتـاب") == words("محمد كتاب")
    assert words("שָׁלוֹם") == words("שלום")
    plain = ("أعلنت وزارة الصحة يوم الأحد عن خطة جديدة لتطوير المستشفيات الحكومية في المحافظات الجنوبية "
             "وقال الوزير إن الخطة تشمل بناء عشرة مستشفيات جديدة وتدريب آلاف الممرضين خلال السنوات الخمس المقبلة "
             "وأضاف أن الحكومة خصصت ميزانية كبيرة للمشروع بدعم من شركاء دوليين ")
    pointed = plain.replace("الصحة", "الصِّحَّة").replace("جديدة", "جَدِيدَة").replace("الوزير", "الوَزِير") \
        .replace("المستشفيات", "المسـتـشـفـيـات").replace("الحكومة", "الحُكُومَة").replace("كبيرة", "كَبِيرَة")
    got = dedup.compare(plain, pointed)
    assert got.kind == "duplicate" and got.coverage_source > 0.9, got


@pytest.mark.parametrize("text,expected", [
    ("กรุงเทพฯ 7 ตุลาคม 2566 -", datetime(2023, 10, 7)),       # Buddhist Era: 2566 is 2023
    ("กรุงเทพฯ 7 ต.ค. 2566 -", datetime(2023, 10, 7)),          # the abbreviation, with its dots
    ("กรุงเทพฯ 7 ตุลาคม พ.ศ. 2566 -", datetime(2023, 10, 7)),
    ("กรุงเทพฯ 31 กุมภาพันธ์ 2566 -", None),
    ("LONDON, 7 October 2566 -", None),                          # a Buddhist year needs a Thai month
])
def test_thai_dates_count_buddhist_era_years(text, expected):
    assert find_date(_article(text)) == expected


def test_a_page_without_spaces_is_not_kept_in_the_cache():
    from dedup.stages import spaceless
    from dedup.stages.normalize import tokenize

    run = "ประเทศไทยมีการเลือกตั้งทั่วไปในวันอาทิตย์" * 40  # one run of 1,640 letters and marks
    before = spaceless._cached_cuts.cache_info().currsize
    starts, ends, _ = tokenize(run)
    assert len(starts) > 40 and spaceless._cached_cuts.cache_info().currsize == before
    short = "ประเทศไทย"
    assert spaceless.word_cuts(short) == spaceless._cuts(short)
