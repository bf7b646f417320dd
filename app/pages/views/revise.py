"""Revise: flashcards and a quiz made from the sources (app/jobs/revise.py). One card at a time: the student
types an answer or picks one, sees it checked against the sources' own words with the footnote, and the
cards missed come round again first. The deck downloads as CSV for Anki."""

import streamlit as st

from app.jobs.revise import BLANK, Card, deck_csv, make_deck
from app.pages import ui

DECK_SIZES = (10, 20, 30)

st.title("Revise")
st.markdown("Flashcards made **from the sources**: a sentence with a date, a name, a place or a term blanked "
            "out, or *who argued that …?* Type the answer (or pick one in quiz mode); every card shows the "
            "sentence it comes from. Cards you miss come back first.")

left, right = st.columns(2)
size = left.selectbox("Cards", DECK_SIZES, index=1, key="revise_size")
quiz = right.toggle("Quiz: pick from four", key="revise_quiz")

engine = ui.engine_or_stop()


def deck_state() -> dict:
    """The session's deck: the cards, the order still to go, and how often each was missed."""
    key = (engine.settings.where, engine.library.index.generation, size)
    state = st.session_state.get("revise")
    if state is None or state["key"] != key:
        cards = make_deck(engine, size)
        state = {"key": key, "cards": cards, "todo": list(range(len(cards))), "missed": [0] * len(cards),
                 "right": 0, "seen": 0, "last": None}
        st.session_state["revise"] = state
    return state


def card_html(card: Card) -> str:
    prompt = ui.esc(card.prompt).replace(ui.esc(BLANK), '<span style="border-bottom:2px solid #1f2937;'
                                                         'padding:0 2.5em"></span>')
    kind = {"when": "When?", "who": "Who?", "where": "Where?", "term": "What?", "argued": "Who argued it?"}[card.kind]
    return ('<div style="border:1px solid #cbd5e1;border-radius:.5em;padding:1em 1.2em;font-size:1.1rem;'
            f'line-height:1.6"><small style="color:#475569;font-weight:600">{kind}</small><div>{prompt}</div></div>')


def answer(state: dict, i: int, given: str) -> None:
    card = state["cards"][i]
    right = card.check(given)
    state["seen"] += 1
    state["right"] += right
    state["todo"].remove(i)
    if not right:
        state["missed"][i] += 1
        state["todo"].append(i)
    # hardest first: the cards missed most come round next, the rest keep their order
    state["todo"].sort(key=lambda j: -state["missed"][j])
    state["last"] = (i, given, right)


state = deck_state()
cards = state["cards"]
if not cards:
    st.info("The sources give no sentence Footnote can make a card from (no dates, names or arguments it can "
            "read). Add readings on the Sources page.", icon=":material/style:")
    st.stop()

done = len(cards) - len(set(state["todo"]))
st.progress(done / len(cards), text=f"{done} of {len(cards)} cards right · {state['right']} of "
                                    f"{state['seen']} answers right this session")

if state["last"] is not None:
    i, given, right = state["last"]
    card = cards[i]
    if right:
        st.success(f"Right: **{ui.md(card.answer)}**", icon=":material/check_circle:")
    else:
        said = f"You wrote {ui.md(given)}; " if given.strip() else ""
        st.error(f"{said}the sources say **{ui.md(card.answer)}**. This card will come round again.",
                 icon=":material/cancel:")
    ui.footnotes([card.citation], engine.library.docs, key=f"revise-fn-{state['seen']}")

if not state["todo"]:
    st.balloons()
    st.success("Deck done. Start again for a new round, or download the deck for Anki.", icon=":material/celebration:")
else:
    i = state["todo"][0]
    card = cards[i]
    st.markdown(card_html(card), unsafe_allow_html=True)
    with st.form(f"card-{state['seen']}", border=False):
        if quiz:
            given = st.radio("Your answer", card.choices, index=None, key=f"pick-{state['seen']}")
        else:
            given = st.text_input("Your answer", key=f"type-{state['seen']}", placeholder="Type it, then Check")
        if st.form_submit_button("Check", type="primary", icon=":material/task_alt:"):
            answer(state, i, given or "")
            st.rerun()

left, right = st.columns(2)
if left.button("Start again", icon=":material/restart_alt:", key="revise_restart"):
    st.session_state.pop("revise", None)
    st.rerun()
right.download_button("Download for Anki (.csv)", deck_csv(cards), file_name="footnote-deck.csv", mime="text/csv",
                      icon=":material/download:", key="revise_csv")
