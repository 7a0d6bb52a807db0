"""The parser reads sets, not sentences: what people send a coach, and what must still log.

Three tables: sentences that must never log (greetings, thanks, questions, pain reports,
excuses, plans, emoji, numbers in dates, times and ages, a few other languages), real log
replies that must read to exact sets, and ambiguous replies that must ask back with the
reading they would log. Then properties over generated sentences and set lists.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.parser import (
    MAX_LOAD,
    MAX_REPS,
    MAX_RIR,
    MAX_SECONDS,
    MAX_SETS,
    LogParseError,
    NeedsConfirmation,
    NotALog,
    ParsedLog,
    ParsedSet,
    Reading,
    format_sets,
    parse_exercise_list,
    parse_log,
    read_exercise_list,
    read_log,
)
from bot.core.text import fold

# --- never logs -------------------------------------------------------------------------

NEVER_LOGS = [
    "Hey! Just got back from a 5 day trip, ready to go again",
    "Sorry I missed 2 sessions last week",
    "Can I do the workout in the evening instead, like 8pm?",
    "my physio said no deadlifts for 6 weeks",
    "How many calories does this burn?",
    "I'm 52, is this ok for my age?",
    "I have about 25 min, what should I prioritise?",
    "Lost 2kg this month 🎉",
    "my back feels 100x better",
    "10/10 would recommend",
    "on a scale of 1-10 my pain is a 4",
    "pain is like 3/10 today",
    "back pain 6/10",
    "Rate my form? ",
    "I'll be offline until Jan 5",
    "Day 12 of my streak!",
    "2 weeks in and already feeling stronger",
    "3 months of this and no more back pain",
    "We're 4 people doing this together",
    "The 2 of us are doing it as a couple",
    "my 6yo joined me lol",
    "I can barely walk after yesterday 😂",
    "skipping is not an option",
    "no skipping allowed",
    "never skip 💪",
    "Don't let me skip tomorrow",
    "remind me not to skip",
    "I almost skipped but didn't",
    "is it ok to skip one day?",
    "what happens if I skip?",
    "should I do it or skip?",
    "done with my coffee, starting now",
    "about to start",
    "starting now",
    "starting in 5",
    "warming up",
    "on it",
    "give me a minute",
    "one moment",
    "halfway there",
    "2 more to go",
    "1 exercise left",
    "3 exercises left",
    "just the bridges left",
    "will finish after lunch",
    "finishing later",
    "not finished yet, got interrupted",
    "had to stop halfway, phone rang",
    "I'll log it later",
    "can you log it for me as done tomorrow?",
    "what did I do last week?",
    "show me my history",
    "how much did I lift last time?",
    "last time I did 3x10, should I go up?",
    "last week I did 12 12 10, is that good?",
    "yesterday 3x12 felt easy, today?",
    "can I log yesterday's 3x10?",
    "my lower back has been tight for like 3 days now",
    "hamstrings still sore from monday",
    "I slept maybe 6 hours, feeling rough",
    "worked a 12 hour shift",
    "had 2 coffees already",
    "it's 6am here",
    "ugh it's 5:45 and I'm up",
    "can we move it to 7pm?",
    "can you send it at 8 instead",
    "I'm free after 5",
    "I get off work at 6",
    "on my lunch break, 30 mins",
    "got 10 minutes?",
    "give me 20 min",
    "I'll be home in 15 minutes",
    "only had 4 hours sleep",
    "been 3 weeks since I started",
    "this is week 4 for me",
    "I've been doing this for 2 months",
    "started 2 weeks ago",
    "my goal is to do 20 push ups",
    "I want to deadlift 100kg by summer",
    "how do I get to 3x15?",
    "when do I go up to 20kg?",
    "should I use 12kg or 16kg?",
    "is 10kg ok for a beginner?",
    "what if I can only do 5?",
    "I could only do 5 on the last one?",
    "is it bad if I only did 2 sets?",
    "do I rest 60 or 90 seconds?",
    "how long is the session, 30 min?",
    "why 3 sets and not 4?",
    "3 sets or 4?",
    "12 or 15 reps?",
    "what does rpe 8 mean?",
    "what's rir?",
    "ok but what's an rdl",
    "I'm not sure I did it right",
    "I think my form was off",
    "felt it in my lower back, is that normal?",
    "my knee hurt on the 2nd set",
    "pain in my left hip",
    "sharp pain, stopping",
    "I stopped because of pain",
    "I'll try again tomorrow",
    "maybe later tonight",
    "not now",
    "not right now",
    "not yet, at work",
    "busy, later",
    "I'm at work",
    "in a meeting",
    "driving",
    "on the train",
    "at the airport",
    "on vacation until the 20th",
    "away for a week",
    "sick with covid",
    "doctor said rest for 2 weeks",
    "physio told me to avoid deadlifts",
    "I have a herniated disc",
    "pregnant 20 weeks",
    "my baby is 3 months old",
    "kids are sick",
    "my dog ate my resistance band",
    "lol my cat sat on me during planks",
    "the weather is great",
    "good vibes",
    "you're awesome coach",
    "thank you for the reminder",
    "thanks for checking in",
    "appreciate the push",
    "this bot is great",
    "wow",
    "omg",
    "yay",
    "woohoo",
    "nice one",
    "great job me",
    "proud of myself",
    "I'm so proud 🥹",
    "😭",
    "🥲",
    "💀",
    "😴",
    "🤕",
    "🤒",
    "🏋️",
    "🏋️\u200d♀️",
    "🧘",
    "👀",
    "🙄",
    "⏰",
    "📅",
    "hi!! 😊",
    "heyyy",
    "good evening",
    "evening",
    "happy monday",
    "tgif",
    "ttyl",
    "gn",
    "gm coach ☀️",
    "Hola, ¿cómo estás?",
    "estoy cansado",
    "hoy no puedo",
    "mañana sí",
    "Ich bin müde",
    "heute keine Zeit",
    "vielleicht morgen",
    "je suis fatigué",
    "pas aujourd'hui?",
    "demain peut-être",
    "oggi no",
    "amanhã",
    "hi",
    "hello",
    "hey coach",
    "hi coach!",
    "good morning",
    "good morning ☀️",
    "morning!",
    "gm",
    "good night",
    "night night",
    "hey there",
    "yo",
    "sup",
    "hello?",
    "hiya 👋",
    "👋",
    "thanks",
    "thank you",
    "thanks!",
    "thanks coach 🙏",
    "thx",
    "ty",
    "cheers",
    "appreciate it",
    "thank you so much, this is great",
    "you're the best",
    "love this bot",
    "nice",
    "cool",
    "awesome",
    "great, thanks",
    "sounds good",
    "got it",
    "understood",
    "okay thanks",
    "ok cool",
    "perfect",
    "lol",
    "haha",
    "😂",
    "🙏",
    "❤️",
    "🔥🔥🔥",
    "😅",
    "🤔",
    "what's today?",
    "what do I do today?",
    "what's the workout",
    "what is an rdl?",
    "how do I do a glute bridge?",
    "how many sets?",
    "how many reps should I do?",
    "how long should I rest?",
    "how heavy should I go?",
    "what weight should I use?",
    "is 16kg too heavy?",
    "is it ok if I do 3 sets instead of 4?",
    "can I do this at home?",
    "can I swap the rdl?",
    "can I train 2 days in a row?",
    "should I train today?",
    "should I skip today?",
    "should I skip if I'm sore?",
    "should I do 3x10 or 4x8?",
    "do I need a bench?",
    "do I need dumbbells?",
    "does this work for beginners?",
    "are we done?",
    "are we done",
    "are we done for today",
    "am I done?",
    "is that it?",
    "was that it?",
    "done?",
    "done yet?",
    "all done?",
    "skip?",
    "can I skip?",
    "can I skip today?",
    "did I skip?",
    "did I log that?",
    "did you get my last message?",
    "did it save?",
    "what's next?",
    "when is the next session?",
    "when do I train next?",
    "why rdl again?",
    "why so many reps?",
    "where do I see my progress?",
    "who made you?",
    "which one is harder?",
    "how's my progress?",
    "how am I doing?",
    "any tips for lower back pain?",
    "is 5 hours of sleep enough?",
    "what if my back hurts?",
    "don't skip",
    "don't skip!",
    "I will not skip",
    "I won't skip",
    "I won't skip today",
    "never skip leg day",
    "no skipping",
    "not skipping today",
    "I'm not skipping",
    "I didn't skip",
    "didn't skip, just late",
    "we don't skip",
    "I would never skip",
    "not done",
    "not done yet",
    "not yet",
    "not finished",
    "haven't finished",
    "I'm not done",
    "not quite done",
    "almost done",
    "nearly done",
    "half done",
    "halfway done",
    "mostly done",
    "partly done",
    "almost there",
    "will be done soon",
    "I'll be done in 10",
    "done in 20 minutes",
    "done soon",
    "done later",
    "when I'm done",
    "once I'm done I'll log it",
    "I'll log it when done",
    "I'll tell you when I'm done",
    "let you know when done",
    "gonna get it done tonight",
    "will do it later",
    "I'll do it tomorrow",
    "I'll do it after work",
    "doing it tonight",
    "I'll train later",
    "later",
    "tomorrow",
    "maybe tomorrow",
    "skip tomorrow",
    "I'll skip tomorrow",
    "skipping tomorrow",
    "will skip next week",
    "I might skip friday?",
    "can't do it today",
    "can't today",
    "cannot train today",
    "can't make it today, sorry",
    "I can't do it",
    "I can't do this",
    "can't",
    "my back hurts for 2 days",
    "my back hurts",
    "my back has been sore for 3 days",
    "lower back is killing me",
    "my knee hurts",
    "knee hurts a bit today",
    "hamstrings are so sore",
    "glutes are sore from yesterday",
    "neck pain since 2 days",
    "I tweaked my back",
    "I think I pulled something",
    "shoulder feels weird",
    "my hip clicks",
    "ouch",
    "feeling sick",
    "I have a cold",
    "I have the flu",
    "slept 5 hours",
    "slept 5 hours last night",
    "only slept 4 hours",
    "I slept 8 hours",
    "barely slept, 3 hours",
    "woke up at 6",
    "woke up at 5am",
    "I get up at 6:30",
    "trained at 7",
    "see you in 3 days",
    "see you tomorrow",
    "see you later",
    "talk tomorrow",
    "back in 2 weeks",
    "on holiday for 10 days",
    "I'm traveling for 5 days",
    "traveling until the 12th",
    "back on the 15th",
    "I'll be back on monday",
    "2nd time this week",
    "3rd week in a row",
    "first time doing this",
    "my 2nd session ever",
    "day 3",
    "week 2",
    "week 2 of the program",
    "day 14 done?",
    "top 10 exercises?",
    "top 5 tips",
    "number 1 fan",
    "call me at 555-1234",
    "my number is 555 123 4567",
    "+44 7700 900123",
    "my code is 4821",
    "room 12",
    "bus 42",
    "see you at 9:15",
    "meeting at 10:30",
    "at 9:15",
    "by 6pm",
    "around 7",
    "at 6pm",
    "7am",
    "6:30am",
    "gym opens at 6",
    "the gym closes at 22:00",
    "on 12/05/2026",
    "on 12/05",
    "12/05/2026",
    "2026-05-12",
    "born in 1990",
    "since 2019",
    "back in 2020",
    "it's 2026",
    "march 3rd",
    "may 5",
    "5 may",
    "on may 5th",
    "jan 12",
    "I'm 35",
    "I'm 42 years old",
    "I'm 35 years old",
    "35 yo",
    "age 50",
    "I weigh 80 kg",
    "I weigh 180 lbs",
    "I lost 3 kg",
    "gained 2 kg this month",
    "my max deadlift is 140 kg",
    "I can deadlift 100kg",
    "I have 2 kids",
    "I have 3 kids and no time",
    "my 2 kids kept me up till 3",
    "we have 2 dogs",
    "I walked 10k steps",
    "walked 5 km",
    "ran 5k",
    "ran 3 miles",
    "did a 20 min walk",
    "went for a 20 min walk",
    "walked for 30 minutes",
    "20 minutes of walking",
    "took 2 rest days",
    "took 3 days off",
    "had 2 rest days",
    "rested for 2 days",
    "I train 3 times a week",
    "3 times a week is enough?",
    "2x a week is enough",
    "2x this week",
    "I want to train 4 days a week",
    "can we do 3 days a week?",
    "I only have 20 minutes",
    "I have 15 minutes today",
    "give me 5 min",
    "in 5 minutes",
    "5 more minutes",
    "10 minutes late sorry",
    "running 10 min late",
    "I'll start in 10",
    "be there in 5",
    "brb",
    "one sec",
    "hold on",
    "wait",
    "hang on",
    "gimme a sec",
    "sorry",
    "sorry, busy day",
    "busy",
    "too busy today",
    "work is crazy",
    "long day",
    "tired",
    "so tired",
    "exhausted",
    "I'm exhausted today",
    "no energy",
    "not feeling it",
    "not feeling great",
    "feeling lazy",
    "I don't want to",
    "don't feel like it",
    "I'm on my period",
    "I'm pregnant, is this safe?",
    "it's my birthday",
    "happy new year",
    "merry christmas",
    "happy friday!",
    "it's raining",
    "it's so hot today",
    "30 degrees today",
    "it's 30°C outside",
    "100% agree",
    "I'm 80% sure",
    "50/50 today",
    "1 of 3",
    "set 1 of 3",
    "2 of 4",
    "4 out of 5 days",
    "ok so what now",
    "what now",
    "now what",
    "and then?",
    "hmm",
    "idk",
    "no idea",
    "huh",
    "what",
    "?",
    "??",
    "...",
    ".",
    "!",
    "k",
    "kk",
    "okk",
    "ok ok",
    "yes please",
    "yes, let's go",
    "sure",
    "sure thing",
    "let's go",
    "let's do this",
    "ready",
    "I'm ready",
    "start",
    "go",
    "next",
    "help",
    "/help",
    "menu",
    "settings",
    "change my time",
    "can you remind me at 7?",
    "remind me at 6pm",
    "change reminder to 18:00",
    "set my time to 7:30",
    "move my session to tomorrow",
    "pause for 2 weeks",
    "stop",
    "cancel",
    "unsubscribe",
    "who are you",
    "are you a bot?",
    "are you human?",
    "you're a bot lol",
    "this is hard",
    "this is too easy",
    "the program is too easy",
    "can you make it harder?",
    "make it easier please",
    "I'm a beginner",
    "I'm intermediate",
    "I have dumbbells",
    "I only have bands",
    "I have a 16kg kettlebell",
    "my dumbbells go up to 20kg",
    "I bought a 24 kg kettlebell",
    "my gym has a cable machine",
    "I'll buy a kettlebell",
    "hola",
    "buenos días",
    "gracias",
    "¿qué hago hoy?",
    "me duele la espalda",
    "no puedo hoy",
    "mañana",
    "hallo",
    "guten Morgen",
    "danke",
    "danke schön",
    "Rücken tut weh",
    "heute nicht trainieren?",
    "bonjour",
    "merci",
    "merci beaucoup",
    "j'ai mal au dos",
    "à demain",
    "ciao",
    "grazie",
    "obrigado",
    "спасибо",
    "привет",
    "спина болит",
    "谢谢",
    "你好",
    "ありがとう",
    "こんにちは",
    "شكرا",
    "مرحبا",
    "शुक्रिया",
    "नमस्ते",
    "done with work, starting soon",
    "finished work at 5, training later",
    "I finished my coffee",
    "I'm done with this program",
    "3 sets of what?",
    "how about 3x10?",
    "what about 12 10 10?",
    "should I do 3x12 @ 16kg?",
    "can I do 4x8 instead?",
    "is 3x10 enough?",
    "12 10 10?",
    "10 reps?",
    "do I log 12 or 10?",
    "I'll do 3x10 tomorrow",
    "tomorrow I'll do 3x12",
    "planning 3x8 @ 60kg next week",
    "next time 3x12",
    "my goal is 100 kg",
]


@pytest.mark.parametrize("text", NEVER_LOGS)
def test_sentences_never_log(text: str) -> None:
    """Not logged, not even offered: the coach answers instead of asking "Log 2 reps?"."""
    with pytest.raises(LogParseError) as caught:
        read_log(text)
    assert "`" not in caught.value.message
    assert not isinstance(caught.value, NeedsConfirmation)
    with pytest.raises(LogParseError):
        parse_log(text)


@pytest.mark.parametrize("text", NEVER_LOGS)
def test_sentences_never_log_as_a_list_either(text: str) -> None:
    """The list reader (used when a reply names exercises) doesn't log them as done."""
    try:
        entries = read_exercise_list(text)
    except LogParseError:
        return
    # A name-only entry reads as done; the coach logs it only when every name is an exercise
    # of the day, which none of these sentences' "names" are. Sets must never appear.
    for _, reading in entries:
        assert reading.log.kind != "sets" or reading.needs_confirmation, entries


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("done?", "question"),
        ("are we done", "question"),
        ("did I skip?", "question"),
        ("should I skip today?", "question"),
        ("don't skip", "negated"),
        ("I will not skip", "negated"),
        ("I didn't skip", "negated"),
        ("not done", "not_yet"),
        ("almost done", "not_yet"),
        ("haven't done it yet", "not_yet"),
        ("will be done soon", "not_yet"),
        ("skip tomorrow", "plan"),
        ("I'll do 3x10 tomorrow", "plan"),
        ("can't do it today", "cant"),
        ("my back hurts for 2 days", "pain"),
        ("slept 5 hours", "prose"),
        ("see you in 3 days", "prose"),
        ("pizza", "unreadable"),
    ],
)
def test_says_why_it_is_not_a_log(text: str, reason: str) -> None:
    with pytest.raises(NotALog) as caught:
        read_log(text)
    assert caught.value.reason == reason
    assert caught.value.message == str(caught.value)
    assert '"' in caught.value.message  # says what would log
    assert "`" not in caught.value.message


# --- real log replies ------------------------------------------------------------------

_SPEC = re.compile(r"(\d+)(s?)(?:\*(\d+))?(?:@([\d.]+)(kg|lb)?)?(?:~(rpe|rir)([\d.]+))?")


def spec(text: str) -> tuple[ParsedSet, ...]:
    """A test-side spelling of sets, read without the parser: "12*3@16kg~rpe8 30s"."""
    out: list[ParsedSet] = []
    for piece in text.split():
        m = _SPEC.fullmatch(piece)
        assert m, piece
        n, hold, count, load, unit, effort, value = m.groups()
        one = ParsedSet(
            reps=None if hold else int(n),
            seconds=int(n) if hold else None,
            load=float(load) if load else None,
            unit=unit,  # type: ignore[arg-type]
            rpe=float(value) if effort == "rpe" else None,
            rir=int(value) if effort == "rir" else None,
        )
        out += [one] * int(count or 1)
    return tuple(out)


LOGS = [
    ("12 12 12 but form broke down on the last", "12*3"),
    ("10, 10 and 8", "10*2 8"),
    ("8 8 6 struggled", "8*2 6"),
    ("did 15 15 15 no problem", "15*3"),
    ("all 3 sets of 12", "12*3"),
    ("3 sets of 12 done", "12*3"),
    ("finished all 3x12", "12*3"),
    ("3x12 w 16kg kb", "12*3@16kg"),
    ("16kg 3x10", "10*3@16kg"),
    ("3x10 at 16", "10*3@16"),
    ("10 reps x3 @ 20kg", "10*3@20kg"),
    ("3 x 8 reps @ 100 lbs", "8*3@100lb"),
    ("12, 12, 10 @ 25lb", "12*2@25lb 10@25lb"),
    ("2 sets of 15", "15*2"),
    ("1 set of 20", "20"),
    ("plank 60s", "60s"),
    ("held plank for 45 seconds", "45s"),
    ("3x 45s hold", "45s*3"),
    ("superman 3 x 20s", "20s*3"),
    ("bridge 20 20 20 super easy", "20*3"),
    ("rdl 3x12 20kg felt it in hammies", "12*3@20kg"),
    ("3x12 (each leg)", "12*3"),
    ("10/10/10 per side", "10*3"),
    ("12 12 12 ✅✅✅", "12*3"),
    ("✅ 12 12 12", "12*3"),
    ("Done 12/12/12", "12*3"),
    ("12 12 12 rpe 7", "12*2 12~rpe7"),
    ("3x10 @ 30kg RPE 9, grindy", "10*3@30kg~rpe9"),
    ("3 x 5 @ 60kg, RIR 2", "5*3@60kg~rir2"),
    ("did 12 on the first set, 10 on the second", "12 10"),
    ("set 1: 12, set 2: 10, set 3: 10", "12 10 10"),
    ("set 1 - 12, set 2 - 10", "12 10"),
    ("round 1: 45s, round 2: 40s", "45s 40s"),
    ("1st set 12, 2nd 10, 3rd 8", "12 10 8"),
    ("3 x 12 per side (36 total)", "12*3"),
    ("12+12+12 = 36", "12*3"),
    ("3 sets: 10 10 8", "10 10 8"),
    ("3 sets of 10 10 8", "10 10 8"),
    ("3x10 2x16kg", "10*3@16kg"),
    ("1 min 30 s", "90s"),
    ("15 each leg x 2", "15*2"),
    ("10 10 10 on the left, 8 8 8 on the right", "8*3"),  # a set is both sides
    ("12, 11, 10 (last one was hard)", "12 11 10"),
    ("3 rounds of 45s", "45s*3"),
    ("12/10/8 @ 16", "12@16 10@16 8@16"),
    ("10-10-10 w/ 16kg", "10*3@16kg"),
    ("3x10 (16kg)", "10*3@16kg"),
    ("3x10 with two 12kg dumbbells", "10*3@12kg"),
    ("45 degree back extension 3x10", "10*3"),
    ("10 10 10", "10*3"),
    ("10,10,10", "10*3"),
    ("10 10 8 💪", "10*2 8"),
    ("15 15 12", "15*2 12"),
    ("12/12/10", "12*2 10"),
    ("12 12 11 @ 20kg", "12*2@20kg 11@20kg"),
    ("3 x 12 with 16kg", "12*3@16kg"),
    ("3x12 16kg", "12*3@16kg"),
    ("3x12 16 kg", "12*3@16kg"),
    ("3 x 10 @ 24", "10*3@24"),
    ("3 sets 12 reps 20kg", "12*3@20kg"),
    ("3 sets of 12 with 20kg", "12*3@20kg"),
    ("did 3 sets of 12", "12*3"),
    ("did 3x12 at 20kg", "12*3@20kg"),
    ("3x12 @ 20kg, last set was hard", "12*3@20kg"),
    ("3x12@20kg rpe 9", "12*3@20kg~rpe9"),
    ("3 x 8 @ 60 kg RPE 8", "8*3@60kg~rpe8"),
    ("3x8 60kg @8 rpe", "8*3@60kg~rpe8"),
    ("3x5 @ 80kg rir 1", "5*3@80kg~rir1"),
    ("12 @ 20kg rpe 7, 10 @ 20kg rpe 9", "12@20kg~rpe7 10@20kg~rpe9"),
    ("20 20 20", "20*3"),
    ("20, 20, 18", "20*2 18"),
    ("25 reps", "25"),
    ("30 secs", "30s"),
    ("45s 45s 40s", "45s*2 40s"),
    ("3 x 45s", "45s*3"),
    ("3x45 sec", "45s*3"),
    ("held 30s each", "30s"),
    ("60s, 60s, 45s", "60s*2 45s"),
    ("1 minute", "60s"),
    ("1 min 30 s", "90s"),
    ("2x1min", "60s*2"),
    ("plank 3x45s", "45s*3"),
    ("did the plank 3x30s", "30s*3"),
    ("bridge 3x15", "15*3"),
    ("rdl 3x10 @ 16kg", "10*3@16kg"),
    ("3x10 each leg", "10*3"),
    ("10 10 10 each side", "10*3"),
    ("12 per side", "12"),
    ("15 each leg x 2", "15*2"),
    ("3x12 per arm @ 12kg", "12*3@12kg"),
    ("3x10 with 12kg dumbbells", "10*3@12kg"),
    ("3 x 10 using 16kg kb", "10*3@16kg"),
    ("3x10 bw", "10*3"),
    ("3x15 no weight", "15*3"),
    ("3x10 with a band", "10*3"),
    ("12 12 12 felt easy", "12*3"),
    ("12 12 12 - easy", "12*3"),
    ("12 12 12, could do more", "12*3"),
    ("10 10 8, struggled on the last", "10*2 8"),
    ("done 3x10", "10*3"),
    ("Done: 12 12 10", "12*2 10"),
    ("✅ 3x10", "10*3"),
    ("3x10 ✅", "10*3"),
    ("12 10 10 👍", "12 10*2"),
    ("3x10 done", "10*3"),
    ("not bad, 12 10 10", "12 10 10"),
    ("so after work I went to the gym and did 3x10 with the 20kg bell", "10*3@20kg"),
    ("12 10 10", "12 10 10"),
    ("12 12 12", "12*3"),
    ("10/10/8", "10 10 8"),
    ("12,10,8", "12 10 8"),
    ("12, 10, 8", "12 10 8"),
    ("12-10-8", "12 10 8"),
    ("12", "12"),
    ("12!", "12"),
    ("15", "15"),
    ("8", "8"),
    ("12 reps", "12"),
    ("15 reps", "15"),
    ("3x12", "12*3"),
    ("3x10", "10*3"),
    ("3 x 10", "10*3"),
    ("3×10", "10*3"),
    ("3X12", "12*3"),
    ("4x8", "8*4"),
    ("2x15", "15*2"),
    ("3 sets of 10", "10*3"),
    ("3 sets of 12 reps", "12*3"),
    ("3 sets x 10 reps", "10*3"),
    ("3 sets 10 reps", "10*3"),
    ("10 reps x 3", "10*3"),
    ("3x12 @ 16kg", "12*3@16kg"),
    ("3x12 @16kg", "12*3@16kg"),
    ("3x12@16kg", "12*3@16kg"),
    ("3x10 @ 20 kg", "10*3@20kg"),
    ("3x10 with 24kg", "10*3@24kg"),
    ("3x10 at 22,5 kg", "10*3@22.5kg"),
    ("3x10 @ 22.5kg", "10*3@22.5kg"),
    ("3x8 @ 60kg", "8*3@60kg"),
    ("3x8 @ 135 lbs", "8*3@135lb"),
    ("3x10 35 lbs", "10*3@35lb"),
    ("3x10 35#", "10*3@35lb"),
    ("12 10 10 @16", "12@16 10@16 10@16"),
    ("12 10 10 @ 16kg", "12@16kg 10@16kg 10@16kg"),
    ("12 10 8 with 20kg", "12@20kg 10@20kg 8@20kg"),
    ("12@16 10@18", "12@16 10@18"),
    ("12 @ 16kg, 10 @ 18kg", "12@16kg 10@18kg"),
    ("12 10 @16 8 @18", "12@16 10@16 8@18"),
    ("16kg x 10", "10@16kg"),
    ("10 x 16kg", "10@16kg"),
    ("3x10x16", "10*3@16"),
    ("3x10x16kg", "10*3@16kg"),
    ("with 20kg 3x10", "10*3@20kg"),
    ("20kg: 12 10 10", "12@20kg 10@20kg 10@20kg"),
    ("3x10 bw", "10*3"),
    ("3x10 bodyweight", "10*3"),
    ("bw 3x10", "10*3"),
    ("3x30s", "30s*3"),
    ("2x45s", "45s*2"),
    ("3 x 30 sec", "30s*3"),
    ("45 sec", "45s"),
    ("45s", "45s"),
    ("30 seconds", "30s"),
    ("1 min", "60s"),
    ("1:30", "90s"),
    ("30s 30s 25s", "30s 30s 25s"),
    ("45s x 3", "45s*3"),
    ("held 45s", "45s"),
    ("plank 1 min", "60s"),
    ("3 sets of 20 seconds", "20s*3"),
    ("did 12 10 10", "12 10 10"),
    ("Did 12 10 10", "12 10 10"),
    ("did 3x10", "10*3"),
    ("did 3x12 @ 16kg", "12*3@16kg"),
    ("I did 3 sets of 10 with 20kg", "10*3@20kg"),
    ("did 12 10 10 felt good", "12 10 10"),
    ("12 10 10 felt good", "12 10 10"),
    ("12 10 10, felt easy", "12 10 10"),
    ("12 10 10 easy", "12 10 10"),
    ("3x12 @ 16kg, easy", "12*3@16kg"),
    ("3x12 @ 16kg, felt heavy", "12*3@16kg"),
    ("3x10 tough", "10*3"),
    ("3x10 too easy", "10*3"),
    ("3x10 with my 20kg bell", "10*3@20kg"),
    ("12 10 10, lower back tight", "12 10 10"),
    ("12 10 10, 60s rest", "12 10 10"),
    ("rest 90 sec, 12 10", "12 10"),
    ("12 10 10 ✅", "12 10 10"),
    ("12 10 10 💪", "12 10 10"),
    ("3x10 💪", "10*3"),
    ("3x10 🔥", "10*3"),
    ("done 3x12", "12*3"),
    ("done: 3x12", "12*3"),
    ("done, 12 10 10", "12 10 10"),
    ("all done 3x10", "10*3"),
    ("finished 3x10 @ 20kg", "10*3@20kg"),
    ("3x8 @ 60kg rpe 8", "8*3@60kg~rpe8"),
    ("3x8 @ 60kg RPE 8", "8*3@60kg~rpe8"),
    ("3x8 @ 60kg @rpe8", "8*3@60kg~rpe8"),
    ("3x8 rir 2", "8*3~rir2"),
    ("3x8 @ 60kg rir 2", "8*3@60kg~rir2"),
    ("12 10 10 rpe 8", "12 10 10~rpe8"),
    ("12 rpe 7, 10 rpe 9", "12~rpe7 10~rpe9"),
    ("3x5 @ 100kg rpe 7.5", "5*3@100kg~rpe7.5"),
    ("3x8 rpe 8-9", "8*3~rpe8.5"),
    ("rpe 8 3x8", "8*3~rpe8"),
    ("3x8 rir 0", "8*3~rir0"),
    ("3x10 rpe: 8", "10*3~rpe8"),
    ("10 each side", "10"),
    ("10 per side", "10"),
    ("12 per leg", "12"),
    ("3x10 each side", "10*3"),
    ("3x10 per leg", "10*3"),
    ("12 on the 2nd set", "12"),
    ("rdl 3x10", "10*3"),
    ("RDL 3x10 @ 40kg", "10*3@40kg"),
    ("romanian deadlift 3x8", "8*3"),
    ("glute bridge 15 15 15", "15 15 15"),
    ("hip thrust 3x10 @ 60kg", "10*3@60kg"),
    ("kb swing 20 20 20", "20 20 20"),
    ("Single-leg Romanian deadlift (bodyweight) 3x8", "8*3"),
    ("Romanian deadlift (barbell) 3x8 @ 60kg", "8*3@60kg"),
    ("１２ １０ １０", "12 10 10"),
    ("３x１２", "12*3"),
    ("١٢ ١٠ ١٠", "12 10 10"),
    ("٣x١٢", "12*3"),
    ("۱۲ ۱۰", "12 10"),
    ("१२ १०", "12 10"),
    ("3 mal 10", "10*3"),
    ("3 Sätze à 10", "10*3"),
    ("3 series de 12", "12*3"),
    ("3 x 10 Wiederholungen", "10*3"),
    ("12 and 10 and 8", "12 10 8"),
    ("12 then 10 then 8", "12 10 8"),
    ("12 + 10 + 8", "12 10 8"),
    ("12 10 10 today", "12 10 10"),
    ("3x10 today", "10*3"),
    ("did 3x10 today, felt good", "10*3"),
    ("3x10, 2x8", "10*3 8*2"),
    ("3x12, 1x8", "12*3 8"),
    ("12 12 10 @ 16kg, felt strong", "12@16kg 12@16kg 10@16kg"),
    ("3x10 @ 16 kg felt solid", "10*3@16kg"),
    ("3x10 went well", "10*3"),
    ("3 x 12 @ 20kg dumbbells", "12*3@20kg"),
    ("4 x 6 @ 80 kg", "6*4@80kg"),
    ("5x5 @ 100kg", "5*5@100kg"),
    ("3x10 @ 0kg", "10*3"),
]


@pytest.mark.parametrize(("text", "expected"), LOGS)
def test_real_log_replies_read_to_exact_sets(text: str, expected: str) -> None:
    assert read_log(text) == Reading(ParsedLog("sets", spec(expected)))
    assert parse_log(text) == ParsedLog("sets", spec(expected))


DONE_OR_SKIP = [
    ("done", "done"),
    ("Done!", "done"),
    ("done ✅", "done"),
    ("all done", "done"),
    ("all done, felt great", "done"),
    ("done, that was tough", "done"),
    ("done for today", "done"),
    ("did it", "done"),
    ("did it!", "done"),
    ("did them all", "done"),
    ("finished", "done"),
    ("finished 💪", "done"),
    ("completed", "done"),
    ("as prescribed", "done"),
    ("done as planned", "done"),
    ("✅", "done"),
    ("👍", "done"),
    ("💪", "done"),
    ("yes", "done"),
    ("ok", "done"),
    ("fertig", "done"),
    ("hecho", "done"),
    ("I'm done", "done"),
    ("just done", "done"),
    ("dnoe", "done"),
    ("doen!", "done"),
    ("DONE!!!", "done"),
    ("Done ✔", "done"),
    ("done 👍", "done"),
    ("ok done", "done"),
    ("all good, done", "done"),
    ("✅✅", "done"),
    ("skpi", "skip"),
    ("skiped", "skip"),
    ("skip pls", "skip"),
    ("nah skip", "skip"),
    ("no, skip", "skip"),
    ("gonna skip today", "skip"),
    ("I'll skip today", "skip"),
    ("sick, skip", "skip"),
    ("not today sorry, sick", "skip"),
    ("skip", "skip"),
    ("Skip.", "skip"),
    ("skipped", "skip"),
    ("skipping today", "skip"),
    ("skipping today, back hurts", "skip"),
    ("skip today, will do it tomorrow", "skip"),
    ("skip this one", "skip"),
    ("pass", "skip"),
    ("not today", "skip"),
    ("not today, sorry", "skip"),
    ("no time", "skip"),
    ("no time today", "skip"),
    ("nope", "skip"),
    ("no", "skip"),
    ("didn't do it", "skip"),
    ("did not get to it", "skip"),
    ("missed it", "skip"),
    ("❌", "skip"),
    ("can't make it, skip", "skip"),
]


@pytest.mark.parametrize(("text", "kind"), DONE_OR_SKIP)
def test_done_and_skip_words(text: str, kind: str) -> None:
    assert read_log(text) == Reading(ParsedLog(kind, ()))  # type: ignore[arg-type]


# --- ask back --------------------------------------------------------------------------

ASKS = [
    ("thinking about skipping...", "skip", ""),
    ("might skip, feeling meh", "skip", ""),
    ("did 2", "sets", "2"),
    ("did 8", "sets", "8"),
    ("only 8", "sets", "8"),
    ("got 10", "sets", "10"),
    ("managed 6", "sets", "6"),
    ("8 today", "sets", "8"),
    ("12 felt good", "sets", "12"),
    ("bridge 15", "sets", "15"),
    ("about 10", "sets", "10"),
    ("like 12", "sets", "12"),
    ("1 sec", "sets", "1s"),
    ("goal is 3x15", "sets", "15*3"),
    ("aiming for 20 reps", "sets", "20"),
    ("did 3x10, back hurts, resting tomorrow", "sets", "10*3"),
    ("I did it at 7am", "done", ""),
    ("did all 3 sets", "done", ""),
    ("1 of 3 done", "done", ""),
    ("skip the last set", "skip", ""),
    ("12x3", "sets", "12*3"),  # reps first, more likely than 12 sets of 3
    ("done, my back was killing me and the neighbours were loud", "done", ""),
]


@pytest.mark.parametrize(("text", "kind", "expected"), ASKS)
def test_ambiguous_replies_ask_back_with_the_reading(text: str, kind: str, expected: str) -> None:
    reading = read_log(text)
    assert reading.needs_confirmation
    assert reading.why
    assert reading.log == ParsedLog(kind, spec(expected))  # type: ignore[arg-type]
    with pytest.raises(NeedsConfirmation) as caught:
        parse_log(text)
    assert caught.value.reading == reading
    assert "`" not in caught.value.message
    assert Reading.from_json(reading.to_json()) == reading


def test_the_question_names_the_reading() -> None:
    with pytest.raises(NeedsConfirmation) as caught:
        parse_log("did 2")
    assert "2 reps" in caught.value.message


# --- lists -----------------------------------------------------------------------------

LISTS = [
    (
        "single-leg romanian deadlift 3x8, dumbbell bent-over row 3x12",
        [("single-leg romanian deadlift", "8*3"), ("dumbbell bent-over row", "12*3")],
    ),
    (
        "Single-leg Romanian deadlift (bodyweight) 3x8, back extension 12 12",
        [("single-leg romanian deadlift (bodyweight)", "8*3"), ("back extension", "12 12")],
    ),
    (
        "Romanian deadlift (barbell) 3x8 @ 60kg rpe 8, glute bridge 15 15 rir 2",
        [("romanian deadlift (barbell)", "8*3@60kg~rpe8"), ("glute bridge", "15 15~rir2")],
    ),
    ("rdl 3x10, back extension 10 10", [("rdl", "10*3"), ("back extension", "10 10")]),
    ("rdl 3x10, lower back tight, bridge 15", [("rdl", "10*3"), ("bridge", "15")]),
    ("rdl 12, 10, 8", [("rdl", "12 10 8")]),
    ("rdl (each side) 10 10", [("rdl", "10 10")]),
    ("rdl 3x10\nbridge 2x15\nplank 3x30s", [("rdl", "10*3"), ("bridge", "15*2"),
                                            ("plank", "30s*3")]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), LISTS)
def test_each_comma_part_is_its_own_entry(text: str, expected: list[tuple[str, str]]) -> None:
    got = parse_exercise_list(text)
    assert [(name, log.sets) for name, log in got] == [(n, spec(e)) for n, e in expected]


def test_a_list_reply_with_a_question_is_not_a_log() -> None:
    with pytest.raises(NotALog):
        read_exercise_list("rdl 3x10, bridge done?")


def test_rdl_and_back_extension_parts_name_both() -> None:
    names = [name for name, _ in parse_exercise_list("rdl 3x10, back extension")]
    assert names == ["rdl", "back extension"]


# --- properties ------------------------------------------------------------------------

_PROSE = st.sampled_from(
    [
        "my back hurts for {n} days",
        "my {n} kids kept me up",
        "slept {n} hours",
        "only slept {n} hours last night",
        "see you in {n} days",
        "back in {n} weeks",
        "took {n} days off",
        "I have {n} kids",
        "I train {n} times a week",
        "{n}x a week is plenty",
        "top {n} tips?",
        "since {n} I have trained",
        "it hurts since {n} days",
        "meet at {h}:{mm}",
        "at {h}:{mm}",
        "woke up at {h}am",
        "on {d}/{m}/2026",
        "I'm {n} years old",
        "walked {n} km",
        "{n}% sure",
        "how many reps, {n}?",
        "should I do {n}?",
        "is {n} enough?",
        "can I do {n} tomorrow",
        "I'll do {n} tomorrow",
        "will do {n} later",
    ]
)


@given(
    _PROSE,
    st.integers(1, MAX_REPS),
    st.integers(1, 12),
    st.integers(0, 59),
    st.integers(1, 28),
    st.integers(1, 12),
)
def test_numbers_inside_sentences_never_log(
    template: str, n: int, h: int, mm: int, d: int, m: int
) -> None:
    text = template.format(n=n, h=h, mm=f"{mm:02d}", d=d, m=m)
    with pytest.raises(LogParseError) as caught:
        read_log(text)
    assert not isinstance(caught.value, NeedsConfirmation), text


_SETS = st.builds(
    ParsedSet,
    reps=st.integers(1, MAX_REPS),
    seconds=st.none(),
    load=st.none(),
    unit=st.none(),
) | st.builds(
    ParsedSet,
    reps=st.none(),
    seconds=st.integers(5, MAX_SECONDS),  # a lone "1s" asks: "1 sec" is a moment
    load=st.none(),
    unit=st.none(),
)


@st.composite
def _set(draw: st.DrawFn) -> ParsedSet:
    base = draw(_SETS)
    unit = draw(st.sampled_from([None, "kg", "lb"]))
    load = draw(
        st.none()
        | st.decimals("0.5", str(MAX_LOAD[unit or "kg"]), places=1).map(lambda x: float(str(x)))
    )
    effort = draw(st.sampled_from(["none", "rpe", "rir"]))
    rpe = draw(st.integers(2, 20)) / 2 if effort == "rpe" else None
    rir = draw(st.integers(0, MAX_RIR)) if effort == "rir" else None
    return ParsedSet(base.reps, base.seconds, load, unit if load else None, rpe, rir)  # type: ignore[arg-type]


@given(st.lists(_set(), min_size=1, max_size=MAX_SETS))
def test_formatted_sets_read_back(sets: list[ParsedSet]) -> None:
    text = format_sets(tuple(sets))
    # The one unit a reply types is every bare load's ("12@35 10@16kg" is kilograms).
    units = {s.unit for s in sets if s.load and s.unit}
    if len(units) == 1:
        sets = [replace(s, unit=s.unit or units.copy().pop()) if s.load else s for s in sets]
    assert parse_log(text) == ParsedLog("sets", tuple(sets)), text
    assert "`" not in format_sets(tuple(sets), plain=True)


_ODD = st.sampled_from("²³¹⁴₂①⑫½¼¾ⅫⅣ➊")
_ANY = st.text(
    alphabet=st.characters(categories=["Nd", "No", "Nl", "L", "P", "S", "Zs"]), max_size=30
)


@given(st.one_of(_ANY, st.lists(st.sampled_from(
    ["12", "3x10", "@", "16kg", "rpe", "8", "rir", "2", "done", "skip", "?", "not", "don't",
     "tomorrow", "days", "hours", "at", "7:30", "am", "(", ")", "barbell", ",", "rdl", "of",
     "²", "١٢", "１２", "½", "in", "top", "did", "2nd", "50/50", "12/05/2026", "x", "a", "week"]
), max_size=12).map(" ".join)))  # fmt: skip
def test_readers_raise_only_log_parse_error(text: str) -> None:
    for read in (read_log, read_exercise_list):
        try:
            result = read(text)
        except LogParseError as err:
            assert err.message
            assert "`" not in err.message
            continue
        readings = [result] if isinstance(result, Reading) else [r for _, r in result]
        for reading in readings:
            for s in reading.log.sets:
                assert s.rpe is None or 1 <= s.rpe <= 10
                assert s.rir is None or 0 <= s.rir <= MAX_RIR


@given(st.text(max_size=5), _ODD, st.text(max_size=5))
def test_odd_numerals_are_refused_by_name(before: str, glyph: str, after: str) -> None:
    with pytest.raises(LogParseError) as caught:
        read_log(f"{before}{glyph}{after}")
    if "²" not in before + after:  # the first odd numeral is the one named
        assert glyph in caught.value.message or any(c in caught.value.message for c in before)


# --- every name the library uses parses -------------------------------------------------


def _library_names() -> list[str]:
    from bot.content import default_library

    names: set[str] = set()
    for ex in default_library().exercises.values():
        names.add(ex.name)
        names.update(ex.aliases)
    return sorted(names)


@pytest.mark.parametrize("name", _library_names())
def test_every_library_name_parses_in_a_list(name: str) -> None:
    """The session message's example reply is built from these names: they must read back."""
    folded = fold(name).strip()
    for body, expected in (
        ("3x10", "10*3"),
        ("12 10 10 @ 16kg rpe 8", "12@16kg 10@16kg 10@16kg~rpe8"),
    ):
        assert read_exercise_list(f"{name} {body}") == [
            (folded, Reading(ParsedLog("sets", spec(expected))))
        ]
    got = parse_exercise_list(f"rdl 3x10, {name} 2x12")
    assert [n for n, _ in got] == ["rdl", folded]
    assert parse_exercise_list(name) == [(folded, ParsedLog("done", ()))]
