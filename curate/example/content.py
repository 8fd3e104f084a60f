"""Clean instruction/response pairs for the built-in example, in English and Chinese, across many tasks.

Each generator takes a seeded `random.Random` and returns one `Pair`: instruction, optional input (context),
response, language and task. The facts are small tables written here, so every row is correct and
reproducible; variety comes from combining them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Pair:
    instruction: str
    response: str
    lang: str
    task: str
    input: str = ""


CAPITALS = [
    ("France", "Paris", "法国", "巴黎"),
    ("Japan", "Tokyo", "日本", "东京"),
    ("Italy", "Rome", "意大利", "罗马"),
    ("Egypt", "Cairo", "埃及", "开罗"),
    ("Canada", "Ottawa", "加拿大", "渥太华"),
    ("Spain", "Madrid", "西班牙", "马德里"),
    ("Germany", "Berlin", "德国", "柏林"),
    ("Brazil", "Brasília", "巴西", "巴西利亚"),
    ("Kenya", "Nairobi", "肯尼亚", "内罗毕"),
    ("Australia", "Canberra", "澳大利亚", "堪培拉"),
    ("Russia", "Moscow", "俄罗斯", "莫斯科"),
    ("India", "New Delhi", "印度", "新德里"),
    ("Mexico", "Mexico City", "墨西哥", "墨西哥城"),
    ("Norway", "Oslo", "挪威", "奥斯陆"),
    ("Peru", "Lima", "秘鲁", "利马"),
    ("Greece", "Athens", "希腊", "雅典"),
    ("Thailand", "Bangkok", "泰国", "曼谷"),
    ("Turkey", "Ankara", "土耳其", "安卡拉"),
]
SENTENCES = [
    ("I like reading books in the evening.", "我喜欢在晚上看书。"),
    ("The weather is very nice today.", "今天天气很好。"),
    ("Please close the window before you leave.", "离开之前请关上窗户。"),
    ("My brother works at a hospital.", "我哥哥在医院工作。"),
    ("We are going to the park this weekend.", "这个周末我们要去公园。"),
    ("This restaurant serves delicious noodles.", "这家餐馆的面条很好吃。"),
    ("She has been learning the piano for three years.", "她学钢琴已经三年了。"),
    ("The train leaves at eight o'clock.", "火车八点出发。"),
    ("Drinking water is good for your health.", "喝水对健康有好处。"),
    ("The library is closed on Mondays.", "图书馆星期一闭馆。"),
    ("He forgot his umbrella at the office.", "他把伞忘在办公室了。"),
    ("Our team finished the project on time.", "我们团队按时完成了项目。"),
]
REVIEWS = [
    ("The food was cold and the waiter was rude.", "negative", "饭菜是凉的，服务员也很粗鲁。", "负面"),
    (
        "Absolutely loved the movie, the acting was brilliant.",
        "positive",
        "非常喜欢这部电影，演技太棒了。",
        "正面",
    ),
    ("The phone battery dies after two hours.", "negative", "手机电池两个小时就没电了。", "负面"),
    ("Fast delivery and the package was well protected.", "positive", "发货很快，包装也很结实。", "正面"),
    ("The hotel room was clean and quiet.", "positive", "酒店房间干净又安静。", "正面"),
    ("The app crashes every time I open it.", "negative", "这个应用每次打开都会崩溃。", "负面"),
]
FUNCTIONS = [
    (
        "sum of a list of numbers",
        "列表中所有数字之和",
        "total",
        "def total(numbers):\n    return sum(numbers)",
    ),
    ("largest value in a list", "列表中的最大值", "largest", "def largest(values):\n    return max(values)"),
    ("reverse of a string", "字符串的反转", "reverse", "def reverse(text):\n    return text[::-1]"),
    (
        "number of vowels in a string",
        "字符串中元音字母的个数",
        "count_vowels",
        'def count_vowels(text):\n    return sum(1 for ch in text.lower() if ch in "aeiou")',
    ),
    (
        "factorial of n",
        "n 的阶乘",
        "factorial",
        "def factorial(n):\n    result = 1\n    for i in range(2, n + 1):\n        result *= i\n    return result",
    ),
    ("whether a number is even", "一个数是否为偶数", "is_even", "def is_even(n):\n    return n % 2 == 0"),
]
PEOPLE = ["Alice", "Bob", "Chen Wei", "Maria", "Omar", "Li Na", "Kenji", "Sofia"]
CITIES_ZH = ["北京", "上海", "杭州", "成都", "西安", "广州", "南京", "武汉"]
ITEMS = [("apples", "苹果"), ("books", "书"), ("pencils", "铅笔"), ("cups", "杯子"), ("tickets", "票")]


def _math_en(rng: random.Random) -> Pair:
    a, b = rng.randint(10, 999), rng.randint(10, 999)
    op = rng.choice(["+", "-", "*"])
    value = {"+": a + b, "-": a - b, "*": a * b}[op]
    word = {"+": "sum", "-": "difference", "*": "product"}[op]
    return Pair(
        f"What is {a} {op} {b}?", f"The {word} of {a} and {b} is {a} {op} {b} = {value}.", "en", "math"
    )


def _math_zh(rng: random.Random) -> Pair:
    kind = rng.choice(["shop", "speed", "calc"])
    if kind == "shop":
        count, price = rng.randint(2, 60), rng.randint(2, 99)
        _, item = rng.choice(ITEMS)
        name = rng.choice(["小明", "小红", "王老师", "李阿姨", "张叔叔", "小刚", "陈奶奶", "赵同学"])
        return Pair(
            f"{name}买了{count}个{item}，每个{price}元，一共要付多少钱？",
            f"每个{item}{price}元，买了{count}个，所以一共是 {count} × {price} = {count * price} 元。",
            "zh",
            "math",
        )
    if kind == "speed":
        speed, hours = rng.randint(20, 120), rng.randint(2, 9)
        vehicle = rng.choice(["汽车", "火车", "自行车", "轮船", "摩托车"])
        return Pair(
            f"一辆{vehicle}每小时行驶{speed}公里，{hours}小时能行驶多远？",
            f"路程 = 速度 × 时间 = {speed} × {hours} = {speed * hours} 公里。",
            "zh",
            "math",
        )
    a, b = rng.randint(100, 9999), rng.randint(100, 9999)
    return Pair(f"计算 {a} 加 {b} 等于多少？", f"{a} + {b} = {a + b}。", "zh", "math")


def _capital_en(rng: random.Random) -> Pair:
    country, capital, _, _ = rng.choice(CAPITALS)
    question = rng.choice(
        ["What is the capital of {c}?", "Which city is the capital of {c}?", "Name the capital city of {c}."]
    )
    return Pair(question.format(c=country), f"The capital of {country} is {capital}.", "en", "open_qa")


def _capital_zh(rng: random.Random) -> Pair:
    _, _, country, capital = rng.choice(CAPITALS)
    question = rng.choice(["{c}的首都是哪里？", "请问{c}的首都是哪座城市？", "{c}的首都叫什么名字？"])
    return Pair(question.format(c=country), f"{country}的首都是{capital}。", "zh", "open_qa")


def _translate(rng: random.Random) -> Pair:
    en, zh = rng.choice(SENTENCES)
    if rng.random() < 0.5:
        return Pair("Translate the following sentence into Chinese.", zh, "en", "translation", input=en)
    return Pair("把下面的句子翻译成英文。", en, "zh", "translation", input=zh)


def _sentiment_en(rng: random.Random) -> Pair:
    text, label, _, _ = rng.choice(REVIEWS)
    return Pair(
        "Classify the sentiment of this review as positive or negative.",
        f"The sentiment is {label}.",
        "en",
        "classification",
        input=text,
    )


def _sentiment_zh(rng: random.Random) -> Pair:
    _, _, text, label = rng.choice(REVIEWS)
    return Pair(
        "判断下面这条评论的情感是正面还是负面。",
        f"这条评论的情感是{label}的。",
        "zh",
        "classification",
        input=text,
    )


def _code_en(rng: random.Random) -> Pair:
    what, _, name, body = rng.choice(FUNCTIONS)
    return Pair(
        f"Write a Python function named `{name}` that returns the {what}.",
        f"Here is the function:\n\n```python\n{body}\n```\n\nIt returns the {what}.",
        "en",
        "code",
    )


def _code_zh(rng: random.Random) -> Pair:
    _, what_zh, name, body = rng.choice(FUNCTIONS)
    return Pair(
        f"用 Python 写一个名为 `{name}` 的函数，返回{what_zh}。",
        f"代码如下：\n\n```python\n{body}\n```\n\n这个函数返回{what_zh}。",
        "zh",
        "code",
    )


def _extract_en(rng: random.Random) -> Pair:
    person, (country, capital, _, _) = rng.choice(PEOPLE), rng.choice(CAPITALS)
    year = rng.randint(1990, 2023)
    text = f"{person} moved to {capital}, {country} in {year} to start a new job at a design studio."
    return Pair(
        "Extract the person's name, the city and the year from the text.",
        f"Name: {person}\nCity: {capital}\nYear: {year}",
        "en",
        "extraction",
        input=text,
    )


def _extract_zh(rng: random.Random) -> Pair:
    person, city, year = (
        rng.choice(["张伟", "王芳", "李强", "刘洋"]),
        rng.choice(CITIES_ZH),
        rng.randint(1990, 2023),
    )
    text = f"{year}年，{person}搬到了{city}，在一家设计公司开始了新工作。"
    return Pair(
        "从下面的文字中提取人名、城市和年份。",
        f"人名：{person}\n城市：{city}\n年份：{year}",
        "zh",
        "extraction",
        input=text,
    )


def _summarize_en(rng: random.Random) -> Pair:
    person, (country, capital, _, _) = rng.choice(PEOPLE), rng.choice(CAPITALS)
    days = rng.randint(3, 14)
    text = (
        f"{person} spent {days} days in {capital}. The first days were rainy, so {person} visited museums. "
        f"Later the weather improved and {person} walked through the old town and tried the local food of {country}."
    )
    return Pair(
        "Summarize the text in one sentence.",
        f"{person} spent {days} days in {capital}, visiting museums "
        f"in the rain and later exploring the old town and the food of {country}.",
        "en",
        "summarization",
        input=text,
    )


def _summarize_zh(rng: random.Random) -> Pair:
    city, days = rng.choice(CITIES_ZH), rng.randint(3, 14)
    text = f"小李在{city}待了{days}天。前几天一直下雨，他就去参观博物馆。后来天气转晴，他逛了老城区，还尝了很多当地小吃。"
    return Pair(
        "用一句话概括下面的内容。",
        f"小李在{city}的{days}天里，雨天参观博物馆，晴天逛老城、尝小吃。",
        "zh",
        "summarization",
        input=text,
    )


def _rewrite_en(rng: random.Random) -> Pair:
    en, _ = rng.choice(SENTENCES)
    style = rng.choice(["upper", "lower"])
    if style == "upper":
        return Pair("Rewrite the sentence in capital letters.", en.upper(), "en", "rewriting", input=en)
    return Pair("Rewrite the sentence in lower case.", en.lower(), "en", "rewriting", input=en)


def _brainstorm_en(rng: random.Random) -> Pair:
    _, capital, _, _ = rng.choice(CAPITALS)
    ideas = rng.sample(
        [
            "visit a museum",
            "take a walking tour",
            "try street food",
            "see a concert",
            "rent a bicycle",
            "visit a market",
            "climb a viewpoint",
            "take a river cruise",
        ],
        3,
    )
    return Pair(
        f"Give me three ideas for a weekend in {capital}.",
        "\n".join(f"{i}. {idea.capitalize()}." for i, idea in enumerate(ideas, 1)),
        "en",
        "brainstorming",
    )


def _brainstorm_zh(rng: random.Random) -> Pair:
    city = rng.choice(CITIES_ZH)
    ideas = rng.sample(
        ["参观博物馆", "逛老街", "品尝当地小吃", "去公园散步", "看一场演出", "骑自行车游湖"], 3
    )
    return Pair(
        f"给我三个在{city}度过周末的建议。",
        "\n".join(f"{i}. {idea}。" for i, idea in enumerate(ideas, 1)),
        "zh",
        "brainstorming",
    )


# How many unique rows each generator contributes per language. Templates that differ only in a slot or two are
# near-duplicates of each other (as winnow's dedup rightly says), so those are kept to a few dozen rows; the
# near-copies the demo should catch are planted separately (problems.near_copy).
QUOTAS: dict[str, list[tuple[Callable[[random.Random], Pair], int]]] = {
    "en": [
        (_math_en, 1100),
        (_capital_en, 54),
        (_translate, 12),
        (_sentiment_en, 6),
        (_code_en, 6),
        (_extract_en, 12),
        (_summarize_en, 12),
        (_rewrite_en, 24),
        (_brainstorm_en, 6),
    ],
    "zh": [
        (_math_zh, 1000),
        (_capital_zh, 54),
        (_translate, 12),
        (_sentiment_zh, 6),
        (_code_zh, 6),
        (_extract_zh, 8),
        (_summarize_zh, 8),
        (_brainstorm_zh, 8),
    ],
}
