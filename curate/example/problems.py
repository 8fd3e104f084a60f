"""Planted problems for the built-in example: one function per kind of defect winnow's checks look for.

Each function takes a clean `Pair` (and a seeded Random) and returns a damaged copy, named by what it plants,
so the demo's report shows every rule family catching something real.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace

from winnow.curation.example.content import Pair


def garbage_symbols(pair: Pair, rng: random.Random) -> Pair:
    noise = "".join(rng.choice("#$%^&*@!~|<>{}[]") for _ in range(60))
    return replace(pair, response=f"{noise} {pair.response[:10]} {noise}")


def repeated_characters(pair: Pair, rng: random.Random) -> Pair:
    run = ("啊" if pair.lang == "zh" else "a") * rng.randint(12, 30)
    return replace(pair, response=f"{pair.response}{run}")


def mojibake(pair: Pair, rng: random.Random) -> Pair:
    junk = "锟斤拷烫烫烫" if pair.lang == "zh" else "Ã©tÃ© â€™ â€œquotedâ€\ufffd"
    return replace(pair, response=f"{junk}{pair.response}{junk}")


def html_residue(pair: Pair, rng: random.Random) -> Pair:
    return replace(pair, response=f'<div class="answer"><p>{pair.response}</p><br/><span>&nbsp;</span></div>')


def repeated_lines(pair: Pair, rng: random.Random) -> Pair:
    return replace(pair, response="\n".join([pair.response] * rng.randint(5, 9)))


def wrong_language(pair: Pair, rng: random.Random) -> Pair:
    """Instruction and response in different languages, on a task that is not translation."""
    if pair.lang == "zh":
        return replace(
            pair, response="I am sorry, but I will answer in English: the answer is given above in detail."
        )
    return replace(
        pair, response="这个问题的答案如下：请参考上面的内容，我们已经详细地说明了所有的步骤和结果。"
    )


def impure_language(pair: Pair, rng: random.Random) -> Pair:
    """A Chinese answer with a long English passage (or the reverse)."""
    if pair.lang == "zh":
        extra = " Furthermore, it is important to remember that this explanation applies in most everyday situations."
    else:
        extra = " 另外，需要注意的是，这个解释适用于大多数日常生活中的情况，请大家在实际使用中仔细体会其中的道理。"
    return replace(pair, response=pair.response + extra * 2)


def empty_response(pair: Pair, rng: random.Random) -> Pair:
    return replace(pair, response=rng.choice(["", "   ", "\n"]))


def placeholder_response(pair: Pair, rng: random.Random) -> Pair:
    return replace(pair, response=rng.choice(["N/A", "<noinput>", "...", "无", "略"]))


def echo_instruction(pair: Pair, rng: random.Random) -> Pair:
    return replace(pair, response=pair.instruction)


def merged_instructions(pair: Pair, rng: random.Random) -> Pair:
    tail = "\n##\n2. Instruction: Name three colors.\n2. Input: <noinput>\n2. Output: Red, green and blue."
    return replace(pair, response=pair.response + tail)


def invisible_content(pair: Pair, rng: random.Random) -> Pair:
    hint = rng.choice(
        ["<Picture Attached>", "see the image above", "如图所示", "https://example.com/data.png"]
    )
    return replace(pair, input=hint)


def refusal(pair: Pair, rng: random.Random) -> Pair:
    if pair.lang == "zh":
        return replace(pair, response="作为一个AI语言模型，我无法回答这个问题。")
    return replace(pair, response="As an AI language model, I cannot answer this question.")


def truncated(pair: Pair, rng: random.Random) -> Pair:
    if "```" in pair.response:
        return replace(pair, response=pair.response[: pair.response.rindex("```")].rstrip())
    words = pair.response.split(" ")
    cut = " ".join(words[: max(2, len(words) * 2 // 3)])
    return replace(pair, response=cut.rstrip(".。") + (" and the" if pair.lang == "en" else "，然后"))


def too_short_essay(pair: Pair, rng: random.Random) -> Pair:
    if pair.lang == "zh":
        return Pair("写一篇至少八百字的文章，介绍你最喜欢的城市。", "杭州很好。", "zh", "creative_writing")
    return Pair(
        "Write a detailed essay of at least 800 words about your favourite city.",
        "Paris is nice.",
        "en",
        "creative_writing",
    )


def unfilled_template(pair: Pair, rng: random.Random) -> Pair:
    return replace(
        pair, response=f"Hello! I am {{{{name}}}}, an assistant developed by {{{{author}}}}. {pair.response}"
    )


PROBLEMS: dict[str, Callable[[Pair, random.Random], Pair]] = {
    fn.__name__: fn
    for fn in (
        garbage_symbols,
        repeated_characters,
        mojibake,
        html_residue,
        repeated_lines,
        wrong_language,
        impure_language,
        empty_response,
        placeholder_response,
        echo_instruction,
        merged_instructions,
        invisible_content,
        refusal,
        truncated,
        too_short_essay,
        unfilled_template,
    )
}


def near_copy(pair: Pair, rng: random.Random) -> Pair:
    """A near-duplicate of the prompt (what dedup keys on): a punctuation change, a word inserted, or a token edited."""
    how = rng.choice(["punct", "insert", "edit"])
    text = pair.instruction
    if how == "punct":
        text = text.rstrip("?.。？!！") + ("!" if pair.lang == "en" else "！")
    elif how == "insert":
        text = ("Please tell me: " if pair.lang == "en" else "请问：") + text
    else:
        text = (
            text.replace("What", "So what", 1).replace("the", "this", 1)
            if pair.lang == "en"
            else text.replace("是", "究竟是", 1)
        )
    return replace(pair, instruction=text)
