"""The app's poll budget: never more than ``max_rate`` polls in any window, one list request for many
predictions, per-id GETs for the rest, and polls near a predicted end that come fast within the budget."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses

from desktop_app.replicate import FollowPolicy, NotFoundError, ReplicateClient, parse_model
from desktop_app.replicate.poll_budget import PollBudget, Watch
from desktop_app.replicate.predictions import run_prediction

BASE = "https://api.replicate.com/v1"
ALMOST_DONE = "  95%|█████████▌| 19/20 [00:02<00:00,  9.5it/s]\n"
JSON = dict[str, Any]


class FakeClock:
    """Time that only the injected sleep moves; sleeps still yield to the loop."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


class ScriptedClient(ReplicateClient):
    """Answers GETs from a script per path (the last answer repeats) and records when each was asked."""

    def __init__(self, session: aiohttp.ClientSession, clock: FakeClock, script: dict[str, list[Any]],
                 token: str = "r8_unit_test_token_abcdefghijklmnop") -> None:
        super().__init__(session, token=token, base_url=BASE)
        self.clock = clock
        self.script = script
        self.asked: list[tuple[str, float]] = []

    async def get_json(self, path_or_url: str, *, read_timeout: float = 30.0) -> JSON:
        path = path_or_url.removeprefix(f"{BASE}/")
        self.asked.append((path, self.clock()))
        answers = self.script[path]
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, Exception):
            raise answer
        return dict(answer)


def prediction(id_: str, status: str, output: object = None, **extra: object) -> JSON:
    body: JSON = {"id": id_, "status": status, "output": output, "logs": "", "error": None,
                  "urls": {"get": f"{BASE}/predictions/{id_}", "cancel": f"{BASE}/predictions/{id_}/cancel"}}
    if status in {"succeeded", "failed", "canceled", "aborted"}:
        body["metrics"] = {"predict_time": 1.0}
    body.update(extra)
    return body


def listing(*items: JSON) -> JSON:
    return {"next": None, "previous": None, "results": list(items)}


def windows_hold_at_most(times: list[float], rate: int, window: float = 1.0) -> bool:
    return all(len([t for t in times if start <= t < start + window - 1e-9]) <= rate for start in times)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


async def follow(budget: PollBudget, watch: Watch, step: float) -> JSON:
    """A follower that asks every ``step`` seconds after its last fresh object, until a terminal status."""
    while True:
        latest = await budget.refresh(watch, not_before=watch.fresh_at + step)
        if latest["status"] in {"succeeded", "failed", "canceled", "aborted"}:
            return latest


async def test_one_prediction_is_polled_evenly_at_the_budget(session: aiohttp.ClientSession) -> None:
    clock = FakeClock()
    script: dict[str, list[Any]] = {"predictions/a": [prediction("a", "processing")] * 30
                                    + [prediction("a", "succeeded", ["x"])]}
    client = ScriptedClient(session, clock, script)
    budget = PollBudget(clock=clock, sleep=clock.sleep)
    with budget.following(client, prediction("a", "processing")) as watch:
        final = await follow(budget, watch, budget.spacing)
    assert final["output"] == ["x"]
    times = [at for _, at in client.asked]
    assert len(times) == 31
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert gaps == [pytest.approx(0.102)] * 30  # 10 per 1.02 s: a 20 ms margin for the server's clock
    assert windows_hold_at_most(times, 10)
    assert budget.list_polls == 0  # one prediction: its own GET is the cheapest


async def test_a_greedy_follower_is_held_to_the_window(session: aiohttp.ClientSession) -> None:
    clock = FakeClock()
    client = ScriptedClient(session, clock, {"predictions/a": [prediction("a", "processing")] * 40
                                             + [prediction("a", "succeeded", ["x"])]})
    budget = PollBudget(clock=clock, sleep=clock.sleep)
    with budget.following(client, prediction("a", "processing")) as watch:
        await follow(budget, watch, 0.0)  # asks again at once, every time
    times = [at for _, at in client.asked]
    assert len(times) == 41
    assert windows_hold_at_most(times, 10, window=1.02)
    assert times[9] == 0.0 and times[10] == pytest.approx(1.02)  # a burst of 10, then one as each ages out


async def test_several_in_flight_share_one_list_request(session: aiohttp.ClientSession) -> None:
    clock = FakeClock()
    running = listing(*(prediction(name, "processing") for name in "abc"))
    done = listing(*(prediction(name, "succeeded", [name]) for name in "abc"))
    client = ScriptedClient(session, clock, {"predictions": [running, running, done]})
    budget = PollBudget(clock=clock, sleep=clock.sleep)
    with budget.following(client, prediction("a", "starting")) as a, \
            budget.following(client, prediction("b", "starting")) as b, \
            budget.following(client, prediction("c", "starting")) as c:
        finals = await asyncio.gather(*(follow(budget, watch, budget.spacing) for watch in (a, b, c)))
    assert [final["output"] for final in finals] == [["a"], ["b"], ["c"]]
    assert [path for path, _ in client.asked] == ["predictions"] * 3  # three predictions, one request a round
    assert budget.polls == budget.list_polls == 3


async def test_predictions_missing_from_the_list_get_their_own_gets(session: aiohttp.ClientSession) -> None:
    clock = FakeClock()
    # "b" is older than the list's first page; "c" ended, but its list item carries no output (in doubt)
    page = listing(prediction("a", "succeeded", ["a"]), {"id": "c", "status": "succeeded"})
    client = ScriptedClient(session, clock, {
        "predictions": [page],
        "predictions/b": [prediction("b", "processing"), prediction("b", "succeeded", ["b"])],
        "predictions/c": [prediction("c", "succeeded", ["c"])],
    })
    budget = PollBudget(clock=clock, sleep=clock.sleep)
    with budget.following(client, prediction("a", "starting")) as a, \
            budget.following(client, prediction("b", "starting")) as b, \
            budget.following(client, prediction("c", "starting")) as c:
        finals = await asyncio.gather(*(follow(budget, watch, budget.spacing) for watch in (a, b, c)))
    assert [final["output"] for final in finals] == [["a"], ["b"], ["c"]]
    paths = [path for path, _ in client.asked]
    assert paths[0] == "predictions"
    assert sorted(paths[1:3]) == ["predictions/b", "predictions/c"]  # right after the list, each by id
    assert paths.count("predictions") == 1  # "b" and "c" are not listed again, and "a" is done


async def test_a_failing_list_falls_back_to_gets_by_id(session: aiohttp.ClientSession) -> None:
    clock = FakeClock()
    client = ScriptedClient(session, clock, {
        "predictions": [NotFoundError(404, "no listing here")],
        "predictions/a": [prediction("a", "succeeded", ["a"])],
        "predictions/b": [prediction("b", "succeeded", ["b"])],
    })
    budget = PollBudget(clock=clock, sleep=clock.sleep)
    with budget.following(client, prediction("a", "starting")) as a, \
            budget.following(client, prediction("b", "starting")) as b:
        finals = await asyncio.gather(follow(budget, a, 0.1), follow(budget, b, 0.1))
    assert [final["output"] for final in finals] == [["a"], ["b"]]
    assert sorted(path for path, _ in client.asked) == ["predictions", "predictions/a", "predictions/b"]


async def test_a_list_showing_an_end_wakes_a_follower_waiting_for_a_far_predicted_end(
    session: aiohttp.ClientSession,
) -> None:
    clock = FakeClock()
    running = listing(*(prediction(name, "processing") for name in "abc"))
    ended = listing(prediction("a", "processing"), prediction("b", "succeeded", ["b"]), prediction("c", "processing"))
    client = ScriptedClient(session, clock, {"predictions": [running, ended]})
    budget = PollBudget()  # real time (about 0.2 s): a fake clock cannot let a 30 s sleep overlap shorter ones
    with budget.following(client, prediction("a", "starting")) as a, \
            budget.following(client, prediction("b", "starting")) as b, \
            budget.following(client, prediction("c", "starting")) as c:
        began = budget.clock()
        late = asyncio.ensure_future(budget.refresh(b, not_before=began + 30.0))  # "b" expects 30 s more work
        for _ in range(2):  # "a" and "c" poll every spacing: one list request serves both
            rounds = await asyncio.gather(*(budget.refresh(w, not_before=w.fresh_at + budget.spacing)
                                            for w in (a, c)))
            assert [latest["status"] for latest in rounds] == ["processing", "processing"]
        woken = await asyncio.wait_for(late, 5.0)  # "b" learns of its end from the others' list, long before 30 s
    assert woken["output"] == ["b"]
    assert [path for path, _ in client.asked] == ["predictions", "predictions"]


async def test_accounts_are_not_mixed_in_one_list(session: aiohttp.ClientSession) -> None:
    clock = FakeClock()
    mine = ScriptedClient(session, clock, {"predictions/a": [prediction("a", "succeeded", ["a"])]})
    theirs = ScriptedClient(session, clock, {"predictions/b": [prediction("b", "succeeded", ["b"])]},
                            token="r8_someone_else_entirely_0123456789")
    budget = PollBudget(clock=clock, sleep=clock.sleep)
    with budget.following(mine, prediction("a", "starting")) as a, \
            budget.following(theirs, prediction("b", "starting")) as b:
        await asyncio.gather(follow(budget, a, 0.1), follow(budget, b, 0.1))
    assert mine.asked[0][0] == "predictions/a"
    assert theirs.asked[0][0] == "predictions/b"
    assert budget.list_polls == 0


async def test_its_own_get_failing_is_raised_to_the_follower(session: aiohttp.ClientSession) -> None:
    clock = FakeClock()
    client = ScriptedClient(session, clock, {"predictions/a": [NotFoundError(404, "gone")]})
    budget = PollBudget(clock=clock, sleep=clock.sleep)
    with budget.following(client, prediction("a", "starting")) as watch, pytest.raises(NotFoundError, match="gone"):
        await budget.refresh(watch, not_before=0.0)
    assert budget.in_flight == 0


def _prediction_with_logs(status: str, output: object = None) -> dict[str, object]:
    return {"id": "p1", "status": status, "output": output, "logs": ALMOST_DONE, "error": None,
            "urls": {"get": f"{BASE}/predictions/p1", "cancel": f"{BASE}/predictions/p1/cancel"}}


async def test_polls_near_the_end_never_exceed_ten_a_second() -> None:
    clock = [0.0]
    poll_times: list[float] = []

    async def sleep(seconds: float) -> None:
        clock[0] += seconds

    with aioresponses() as m:
        m.post(f"{BASE}/models/acme/painter/predictions", status=201, payload=_prediction_with_logs("processing"))
        for _ in range(35):
            m.get(f"{BASE}/predictions/p1", payload=_prediction_with_logs("processing"))
        m.get(f"{BASE}/predictions/p1", payload=_prediction_with_logs("succeeded", ["https://x.test/a.png"]))
        async with aiohttp.ClientSession() as session:
            client = ReplicateClient(session, token="r8_x", base_url=BASE, sleep=sleep)
            original = client.get_json

            async def recording_get(url: str, *, read_timeout: float = 30.0) -> dict[str, Any]:
                poll_times.append(clock[0])
                return await original(url, read_timeout=read_timeout)

            client.get_json = recording_get  # type: ignore[method-assign,assignment]
            policy = FollowPolicy(max_attempts=100, delay=1.0)
            events = run_prediction(client, parse_model("acme/painter"), {"prompt": "x"}, kind="image",
                                    policy=policy, sleep=sleep, clock=lambda: clock[0])
            async for _ in events:
                pass

    assert len(poll_times) == 36
    assert abs(poll_times[1] - poll_times[0] - 0.05) < 1e-9  # fast near the predicted end
    assert windows_hold_at_most(poll_times, 10)
