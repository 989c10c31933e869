"""The Task Comments page (docs L19404–19490), example by example, and the time records of a task
(`/v1/tasks/:taskId/time`, entities index L10254); each test names its doc line (docs dump of 2026-05-05).

The seeded portal (clock pinned) plus the records the examples name: task 311 with comments 123 and 456.
"""

from __future__ import annotations

import pytest

from server.emulator import Portal
from server.emulator.registry import generate

from .conftest import FIXED_NOW, Api

BASE = generate(seed=7, scale=0.2, now=FIXED_NOW)


@pytest.fixture
def api() -> Api:
    data = {name: list(rows) for name, rows in BASE.items()}
    task = {**data["tasks"][0], "id": 311, "title": "Подготовить КП для ООО «Ромашка»", "status": 3}
    data["tasks"].append(task)
    comments = [c for c in data["task-comments"] if int(str(c["id"])) < 123]
    comments += [
        {"id": 123, "taskId": 311, "authorId": 1, "message": "Черновик готов", "createdAt": "2026-04-10T09:00:00.000Z"},
        {"id": 456, "taskId": 311, "authorId": 1, "message": "Жду ответа", "createdAt": "2026-04-11T09:00:00.000Z"},
    ]
    data["task-comments"] = comments
    return Api(Portal(data=data, clock=lambda: FIXED_NOW))


def test_list_comments_of_a_task_l19438(api: Api) -> None:
    body = api.ok("GET", "/v1/tasks/311/comments")
    assert [c["id"] for c in body["data"]] == [123, 456] and body["total"] == 2
    assert {c["taskId"] for c in body["data"]} == {311}
    assert set(body["data"][0]) == {"id", "taskId", "authorId", "message", "createdAt"}  # the page's Fields table


def test_get_comment_by_id_l19445(api: Api) -> None:
    assert api.ok("GET", "/v1/tasks/311/comments/123")["data"]["message"] == "Черновик готов"
    other = next(c for c in BASE["task-comments"] if c["taskId"] != 311)
    status, error = api.error("GET", f"/v1/tasks/311/comments/{other['id']}")
    assert (status, error["code"]) == (404, "ENTITY_NOT_FOUND")  # another task's comment is not under 311


def test_create_comment_l19452(api: Api) -> None:
    made = api.ok("POST", "/v1/tasks/311/comments", body={"message": "New comment text"}, status=201)["data"]
    assert made["taskId"] == 311 and made["authorId"] == 1 and made["message"] == "New comment text"
    assert made["createdAt"].startswith("2026-04-14")
    assert made["id"] in [c["id"] for c in api.ok("GET", "/v1/tasks/311/comments")["data"]]


def test_update_comment_l19461(api: Api) -> None:
    updated = api.ok("PATCH", "/v1/tasks/311/comments/123", body={"message": "Updated comment text"})["data"]
    assert (updated["id"], updated["message"], updated["taskId"]) == (123, "Updated comment text", 311)
    status, error = api.error("PATCH", "/v1/tasks/311/comments/123", body={"taskId": 5, "message": "x"})
    assert (status, error["code"]) == (400, "VALIDATION_ERROR")


def test_delete_comment_l19470(api: Api) -> None:
    assert api.call("DELETE", "/v1/tasks/311/comments/123").status == 204
    assert [c["id"] for c in api.ok("GET", "/v1/tasks/311/comments")["data"]] == [456]


def test_batch_create_l19477(api: Api) -> None:
    body = {"action": "create", "items": [{"message": "First"}, {"message": "Second"}]}
    results = api.ok("POST", "/v1/tasks/311/comments/batch", body=body)["data"]["results"]
    assert [r["success"] for r in results] == [True, True]
    listed = api.ok("GET", "/v1/tasks/311/comments")["data"]
    assert [c["message"] for c in listed][-2:] == ["First", "Second"]


def test_batch_delete_l19486(api: Api) -> None:
    data = api.ok("POST", "/v1/tasks/311/comments/batch", body={"action": "delete", "ids": [123, 456]})["data"]
    assert data["summary"] == {"total": 2, "succeeded": 2, "failed": 0}
    assert api.ok("GET", "/v1/tasks/311/comments")["data"] == []


def test_nested_batch_takes_at_most_50_items_api_md_l338(api: Api) -> None:
    items = [{"message": f"#{i}"} for i in range(51)]
    status, error = api.error("POST", "/v1/tasks/311/comments/batch", body={"action": "create", "items": items})
    assert (status, error["code"]) == (400, "BATCH_LIMIT_EXCEEDED")
    assert api.ok("GET", "/v1/tasks/311/comments")["total"] == 2  # nothing of it was written


def test_comments_only_via_the_nested_route_api_md_l239(api: Api) -> None:
    status, error = api.error("GET", "/v1/task-comments")
    assert (status, error["code"]) == (404, "ROUTE_NOT_FOUND") and "/v1/tasks/:taskId/comments" in error["hint"]
    response = api.call("POST", "/v1/batch", body={"calls": [{"entity": "task-comments", "action": "list"}]})
    assert response.json()["data"]["errors"]["0"]["code"] == "ENTITY_CUSTOM_ROUTES"


def test_a_missing_or_malformed_task_l19410(api: Api) -> None:
    missing = {"code": "NOT_FOUND", "message": "Task 999999 not found"}
    assert api.error("GET", "/v1/tasks/999999/comments") == (404, missing)
    assert api.error("POST", "/v1/tasks/abc/comments", body={"message": "x"})[1]["code"] == "INVALID_PARAMS"


def test_time_records_list_add_update_delete_l10254(api: Api) -> None:
    made = api.ok("POST", "/v1/tasks/311/time", body={"seconds": 1800, "commentText": "Звонок с клиентом"}, status=201)
    record = made["data"]
    assert (record["taskId"], record["userId"], record["minutes"]) == (311, 1, 30)
    assert record["dateStop"] == record["createdDate"] and record["dateStart"] < record["dateStop"]
    listed = api.ok("GET", "/v1/tasks/311/time")["data"]
    assert [r["id"] for r in listed] == [record["id"]]
    changed = api.ok("PATCH", f"/v1/tasks/311/time/{record['id']}", body={"seconds": 2700})["data"]
    assert changed["minutes"] == 45
    assert api.error("POST", "/v1/tasks/311/time", body={"seconds": 0})[1]["code"] == "VALIDATION_ERROR"
    assert api.error("POST", "/v1/tasks/311/time", body={"commentText": "x"})[1]["code"] == "VALIDATION_ERROR"
    assert api.call("DELETE", f"/v1/tasks/311/time/{record['id']}").status == 204
    assert api.ok("GET", "/v1/tasks/311/time")["data"] == []


def test_seeded_tasks_have_comments_and_time_by_their_people() -> None:
    tasks = {t["id"]: t for t in BASE["tasks"]}
    assert BASE["task-comments"] and BASE["task-time"]
    for comment in BASE["task-comments"]:
        task = tasks[comment["taskId"]]
        assert comment["authorId"] in (task["responsibleId"], task["createdBy"])
        assert str(comment["createdAt"]) >= str(task["createdDate"])
    assert all(tasks[r["taskId"]]["status"] in (3, 4, 5) for r in BASE["task-time"])
