"""Every exercise: its reference solution passes, and typical wrong answers get their hint."""

import asyncio
import inspect
import time
from contextlib import asynccontextmanager, contextmanager
from decimal import Decimal

import httpx
import pytest
from fastapi.concurrency import run_in_threadpool
from tortoise.exceptions import IntegrityError
from tortoise.functions import Count
from tortoise.transactions import atomic, in_transaction

from course_app.check import evaluate, exercises
from course_app.database import Author, Book
from course_app.lessons.l03_async_and_await import butter, fetch_data, make_coffee, make_toast
from course_app.lessons.l08_background_tasks import deliver, record_delivery
from course_app.lessons.l09_primes import count_primes
from course_app.solutions import show_solution

pytestmark = pytest.mark.anyio


async def reference_answer(exercise_id):
    item = exercises()[exercise_id]
    if item.expects != "value":
        return item.solution
    value = item.solution()
    return await value if inspect.isawaitable(value) else value


@pytest.mark.parametrize("exercise_id", list(exercises()))
async def test_reference_solution_passes(exercise_id, progress_file):
    passed, message = await evaluate(exercise_id, await reference_answer(exercise_id))
    assert passed, message


@pytest.mark.parametrize("exercise_id", list(exercises()))
def test_show_solution_prints_the_reference_source(exercise_id, capsys):
    show_solution(exercise_id)
    out = capsys.readouterr().out
    assert out.startswith(f"# Reference solution of exercise {exercise_id}")
    assert "def " in out


def test_show_solution_of_an_unknown_exercise(capsys):
    show_solution("99.9")
    assert "There is no exercise '99.9'" in capsys.readouterr().out


# --- wrong answers, each with the hint it must get ------------------------------------------


async def _fetch_forgets_await(client, name):
    response = client.get(f"/hello/{name}")
    return response.json()["message"]


async def _fetch_returns_response(client, name):
    return await client.get(f"/hello/{name}")


async def _fetch_returns_body(client, name):
    return (await client.get(f"/hello/{name}")).json()


async def _fetch_wrong_path(client, name):
    return (await client.get("/hello")).json()["message"]


async def _fetch_blocking(client, name):
    time.sleep(0.2)
    return (await client.get(f"/hello/{name}")).json()["message"]


async def _fetch_ignores_client(client, name):
    from course_app.client import AppClient
    from course_app.lessons.l00_start_here import hello_app

    async with AppClient(hello_app) as own:
        return (await own.get(f"/hello/{name}")).json()["message"]


async def _serve_makes_up_results(names, grind, brew):
    for name in names:
        grind(name)
    return [f"{name} is ready" for name in names]


async def _serve_gathers_a_generator(names, grind, brew):
    return await asyncio.gather(brew(name) for name in names)  # no `*`


async def _serve_gathers_a_list(names, grind, brew):
    return await asyncio.gather([brew(name) for name in names])


async def _serve_awaits_grind(names, grind, brew):
    async def one(name):
        await grind(name)
        return await brew(name)

    return await asyncio.gather(*(one(name) for name in names))


async def _serve_yields(names, grind, brew):
    for name in names:
        grind(name)
        yield await brew(name)


async def _serve_sequentially(names, grind, brew):
    results = []
    for name in names:
        grind(name)
        results.append(await brew(name))
    return results


async def _serve_blocking(names, grind, brew):
    for name in names:
        grind(name)
    time.sleep(0.3)
    return [f"{name} is ready" for name in names]


async def _serve_forgets_to_grind(names, grind, brew):
    return await asyncio.gather(*(brew(name) for name in names))


async def _serve_forgets_return(names, grind, brew):
    for name in names:
        grind(name)
    await asyncio.gather(*(brew(name) for name in names))


async def _serve_returns_gather_future(names, grind, brew):
    for name in names:
        grind(name)
    return asyncio.gather(*(brew(name) for name in names))


async def _serve_wrong_order(names, grind, brew):
    for name in names:
        grind(name)
    return list(reversed(await asyncio.gather(*(brew(name) for name in names))))


async def _serve_old_signature(names):
    return [f"{name} is ready" for name in names]


async def _serve_in_threads(names, grind, brew):
    async def one(name):
        await asyncio.to_thread(grind, name)
        return await brew(name)

    return await asyncio.gather(*(one(name) for name in names))


def _double_app(path="/double/{number}", plain=False, typed=True, factor=2, blocking=False,
                returns_nothing=False, unfinished=False):
    from fastapi import FastAPI

    app = FastAPI()
    if blocking or returns_nothing or unfinished:
        async def double(number: int) -> dict | None:
            if unfinished:
                raise NotImplementedError
            time.sleep(0.2 if blocking else 0)
            return None if returns_nothing else {"result": 2 * number}
    elif typed:
        async def double(number: int) -> dict:
            return {"result": factor * number}
    else:
        async def double(number) -> dict:
            return {"result": factor * int(number) if str(number).isdigit() else 0}
    if plain:
        def double(number: int) -> dict:  # noqa: F811 - the plain-def variant
            return {"result": factor * number}
    app.get(path)(double)
    return app


async def _lifespan_generator(app):
    yield {"specials": ["chai"]}


@asynccontextmanager
async def _lifespan_no_state(app):
    yield


@asynccontextmanager
async def _lifespan_empty(app):
    yield {"specials": []}


@asynccontextmanager
async def _lifespan_string(app):
    yield {"specials": "iced latte"}


@asynccontextmanager
async def _lifespan_without_yield(app):
    pass


@asynccontextmanager
async def _lifespan_yields_a_list(app):
    yield ["latte"]


@contextmanager
def _lifespan_sync(app):
    yield {"specials": ["chai"]}


async def _main_forgets_await():
    data = fetch_data()
    return data["data"]


async def _main_made_up():
    return "Sample data"


async def _main_blocking():
    time.sleep(0.2)
    return (await fetch_data())["data"]


async def _main_returns_dict():
    return await fetch_data()


async def _breakfast_sequential():
    return [await make_coffee(), await butter(await make_toast())]


async def _breakfast_butters_after_the_coffee():
    coffee, toast = await asyncio.gather(make_coffee(), make_toast())
    return [coffee, await butter(toast)]


async def _breakfast_butters_before_the_toast():
    coffee, _, buttered = await asyncio.gather(make_coffee(), make_toast(), butter("toast ready"))
    return [coffee, buttered]


async def _breakfast_butters_bread():
    return list(await asyncio.gather(make_coffee(), butter("bread")))


async def _breakfast_returns_tasks():
    return [asyncio.create_task(make_coffee()), asyncio.create_task(make_toast())]


async def _breakfast_returns_a_coroutine():
    return butter("toast ready")


async def _breakfast_wrong_order():
    async def buttered():
        return await butter(await make_toast())

    coffee, toast = asyncio.create_task(make_coffee()), asyncio.create_task(buttered())
    return [await toast, await coffee]


async def _breakfast_made_up():
    return ["coffee ready", "buttered toast"]


async def _breakfast_sleeps_instead():
    await asyncio.sleep(0.4)
    return ["coffee ready", "buttered toast"]


async def _breakfast_skips_the_butter():
    return list(await asyncio.gather(make_coffee(), make_toast()))


async def _breakfast_returns_number():
    await asyncio.gather(make_coffee(), make_toast())
    return 5


async def _breakfast_task_fails():
    async def burnt():
        raise ValueError("burnt toast")

    async with asyncio.TaskGroup() as group:
        group.create_task(make_coffee())
        group.create_task(burnt())


async def _breakfast_blocking():
    time.sleep(0.6)
    return ["coffee ready", "buttered toast"]


async def _customers_blocking(ids, lookup):
    return [lookup(customer_id) for customer_id in ids]


async def _customers_one_at_a_time(ids, lookup):
    return [await run_in_threadpool(lookup, customer_id) for customer_id in ids]


async def _customers_made_up(ids, lookup):
    return [{"customer": customer_id, "status": "gold"} for customer_id in ids]


async def _customers_sleep_instead(ids, lookup):
    await asyncio.sleep(0.2)
    return [{"customer": customer_id, "status": "gold"} for customer_id in ids]


async def _customers_exit(ids, lookup):
    raise SystemExit(1)


async def _customers_asyncio_run(ids, lookup):
    return asyncio.run(asyncio.to_thread(lookup, ids[0]))


async def _customers_return_coroutines(ids, lookup):
    return [asyncio.to_thread(lookup, customer_id) for customer_id in ids]


async def _customers_wrong_order(ids, lookup):
    results = await asyncio.gather(*(asyncio.to_thread(lookup, n) for n in ids))
    return list(reversed(results))


async def _customers_old_signature(customer_id):
    return {"customer": customer_id, "status": "gold"}


def _customers_plain_def(ids, lookup):
    return [lookup(customer_id) for customer_id in ids]


async def _customers_in_threads(ids, lookup):
    return await asyncio.gather(*(asyncio.to_thread(lookup, n) for n in ids))


async def _count_inline(limits, pool):
    return [count_primes(limit) for limit in limits]


async def _count_in_threads(limits, pool):
    return await asyncio.gather(*(asyncio.to_thread(count_primes, n) for n in limits))


async def _count_one_at_a_time(limits, pool):
    loop = asyncio.get_running_loop()
    return [await loop.run_in_executor(pool, count_primes, limit) for limit in limits]


async def _count_with_a_cell_function(limits, pool):
    """What happens with a function defined in a notebook cell: it lives in `__main__` of the
    kernel only, and a spawned worker cannot import it by name."""
    import __main__

    def count_in_a_cell(n):
        return n

    count_in_a_cell.__module__ = "__main__"
    count_in_a_cell.__qualname__ = "count_in_a_cell"
    __main__.count_in_a_cell = count_in_a_cell
    try:
        loop = asyncio.get_running_loop()
        return await asyncio.gather(*(loop.run_in_executor(pool, count_in_a_cell, n)
                                      for n in limits))
    finally:
        del __main__.count_in_a_cell


async def _count_made_up(limits, pool):
    await asyncio.sleep(0)
    return [17_984] * len(limits)


async def _count_wrong_order(limits, pool):
    loop = asyncio.get_running_loop()
    counts = await asyncio.gather(*(loop.run_in_executor(pool, count_primes, n) for n in limits))
    return list(reversed(counts))


async def _count_returns_futures(limits, pool):
    loop = asyncio.get_running_loop()
    return [loop.run_in_executor(pool, count_primes, limit) for limit in limits]


async def _count_old_signature(limit):
    return await asyncio.to_thread(count_primes, limit)


async def _notify_blocking(email):
    deliver(email)
    await record_delivery(email)


async def _notify_forgets(email):
    await asyncio.sleep(0)


def _notify_wrong_signature():
    deliver("nobody@example.com")


async def _notify_blocks_later(email):
    await asyncio.sleep(0.1)
    deliver(email)
    await record_delivery(email)


async def _notify_raises(email):
    raise ConnectionRefusedError("smtp down")


async def _notify_runs_asyncio_run(email):
    asyncio.run(asyncio.sleep(0))


def _notify_plain_def_drops_the_record(email):
    deliver(email)


async def _notify_records_first(email):
    from fastapi.concurrency import run_in_threadpool

    await record_delivery(email)
    await run_in_threadpool(deliver, email)


async def _notify_to_thread(email):
    await asyncio.to_thread(deliver, email)
    await record_delivery(email)


async def _forecast_no_mapping(client, city):
    return (await client.get(f"/weather/{city}")).json()


async def _forecast_only_status(client, city):
    from fastapi import HTTPException

    response = await client.get(f"/weather/{city}")
    if response.is_error:
        raise HTTPException(502, "upstream failed")
    return response.json()


async def _forecast_everything_502(client, city):
    from fastapi import HTTPException

    try:
        response = await client.get(f"/weather/{city}")
        response.raise_for_status()
    except httpx.HTTPError:
        raise HTTPException(502, "upstream trouble") from None
    return response.json()


async def _forecast_every_status_502(client, city):
    from fastapi import HTTPException

    try:
        response = await client.get(f"/weather/{city}")
        response.raise_for_status()
    except httpx.TimeoutException:
        raise HTTPException(504, "too slow") from None
    except httpx.HTTPError:
        raise HTTPException(502, "upstream trouble") from None
    return response.json()


async def _forecast_blocking(client, city):
    time.sleep(0.1)
    return await solutions_forecast(client, city)


async def _forecast_own_client(client, city):
    async with httpx.AsyncClient(base_url="http://127.0.0.1:9") as own:
        return await solutions_forecast(own, city)


async def _forecast_no_message(client, city):
    from fastapi import HTTPException

    try:
        return await solutions_forecast(client, city)
    except HTTPException as error:
        raise HTTPException(error.status_code) from None


async def solutions_forecast(client, city):
    from course_app.solutions.l06_external_api_calls import forecast

    return await forecast(client, city)


async def _forecast_returns_response(client, city):
    return await client.get(f"/weather/{city}")


@asynccontextmanager
async def _upstream_never_closed(app):
    yield {"upstream": httpx.AsyncClient(base_url=app.state.upstream_url)}


@asynccontextmanager
async def _upstream_wrong_url(app):
    async with httpx.AsyncClient(base_url="http://127.0.0.1:9") as client:
        yield {"upstream": client}


@asynccontextmanager
async def _upstream_missing(app):
    yield {}


@asynccontextmanager
async def _upstream_on_app_state(app):
    async with httpx.AsyncClient(base_url=app.state.upstream_url) as client:
        app.state.upstream = client
        yield


@asynccontextmanager
async def _upstream_yields_client(app):
    async with httpx.AsyncClient(base_url=app.state.upstream_url) as client:
        yield client


async def _within_one_deadline(client, cities, deadline):
    async with asyncio.timeout(deadline):
        responses = await asyncio.gather(*(client.get(f"/weather/{c}") for c in cities))
    return {c: r.json() for c, r in zip(cities, responses, strict=True)}


async def _within_no_deadline(client, cities, deadline):
    responses = await asyncio.gather(*(client.get(f"/weather/{c}") for c in cities))
    return {c: r.json() for c, r in zip(cities, responses, strict=True)}


async def _within_one_at_a_time(client, cities, deadline):
    bodies = {}
    for city in cities:
        try:
            async with asyncio.timeout(deadline):
                bodies[city] = (await client.get(f"/weather/{city}")).json()
        except TimeoutError:
            bodies[city] = None
    return bodies


async def _within_exceptions_in_place(client, cities, deadline):
    results = await asyncio.gather(
        *(asyncio.wait_for(client.get(f"/weather/{c}"), deadline) for c in cities),
        return_exceptions=True)
    return {c: r if isinstance(r, BaseException) else r.json()
            for c, r in zip(cities, results, strict=True)}


async def _within_list(client, cities, deadline):
    return list((await _within_reference(client, cities, deadline)).values())


async def _within_reference(client, cities, deadline):
    from course_app.solutions.l07_asyncio_gather import weather_within

    return await weather_within(client, cities, deadline)


async def _within_left_running(client, cities, deadline):
    tasks = {c: asyncio.create_task(client.get(f"/weather/{c}")) for c in cities}
    await asyncio.wait(tasks.values(), timeout=deadline)  # the pending ones are never cancelled
    return {c: t.result().json() if t.done() else None for c, t in tasks.items()}


async def _within_blocking(client, cities, deadline):
    time.sleep(0.3)
    return await _within_reference(client, cities, deadline)


async def _within_all_none(client, cities, deadline):
    try:
        return await _within_one_deadline(client, cities, deadline)
    except TimeoutError:
        return dict.fromkeys(cities)


async def _bounded_semaphore_per_call(client, cities, limit):
    async def one(city):
        async with asyncio.Semaphore(limit):
            response = await client.get(f"/weather/{city}")
        response.raise_for_status()
        return response.json()

    return await asyncio.gather(*(one(c) for c in cities), return_exceptions=True)


async def _bounded_hard_coded(client, cities, limit):
    semaphore = asyncio.Semaphore(2)

    async def one(city):
        async with semaphore:
            response = await client.get(f"/weather/{city}")
        response.raise_for_status()
        return response.json()

    return await asyncio.gather(*(one(c) for c in cities), return_exceptions=True)


async def _bounded_raises(client, cities, limit):
    semaphore = asyncio.Semaphore(limit)

    async def one(city):
        async with semaphore:
            response = await client.get(f"/weather/{city}")
        response.raise_for_status()
        return response.json()

    return await asyncio.gather(*(one(c) for c in cities))


async def _bounded_error_bodies(client, cities, limit):
    semaphore = asyncio.Semaphore(limit)

    async def one(city):
        async with semaphore:
            return (await client.get(f"/weather/{city}")).json()

    return await asyncio.gather(*(one(c) for c in cities))


async def _bounded_one_at_a_time(client, cities, limit):
    results = []
    for city in cities:
        response = await client.get(f"/weather/{city}")
        results.append(response.json() if response.is_success else httpx.HTTPStatusError(
            "failed", request=response.request, response=response))
    return results


async def _bounded_responses(client, cities, limit):
    return await asyncio.gather(*(client.get(f"/weather/{c}") for c in cities))


RIGHT_CHOICES = {
    "call a weather API with httpx.AsyncClient": "async def",
    "query a database with a driver that has no async API": "def",
    "resize a large image in pure Python": "process pool",
}


# lesson 05


async def _add_without_transaction(name, titles):
    author = await Author.create(name=name)
    for title in titles:
        await Book.create(author=author, title=title, year=2000)
    return author


async def _add_swallowing_the_error(name, titles):
    try:
        async with in_transaction():
            author = await Author.create(name=name)
            for title in titles:
                await Book.create(author=author, title=title, year=2000)
    except IntegrityError:
        return None
    return author


async def _add_forgets_await(name, titles):
    async with in_transaction():
        author = Author.create(name=name)
        for title in titles:
            Book.create(author=author, title=title, year=2000)
    return author


async def _add_with_sync_transaction(name, titles):
    with in_transaction():
        await Author.create(name=name)


async def _add_writes_nothing(name, titles):
    raise IntegrityError("duplicate")


async def _add_blocking(name, titles):
    time.sleep(0.2)
    return await _add_without_transaction(name, titles)


async def _add_forgets_await_on_books(name, titles):
    async with in_transaction():
        author = await Author.create(name=name)
        for title in titles:
            Book.create(author=author, title=title, year=2000)
    return author


@atomic
async def _add_atomic_without_parentheses(name, titles):
    return await _add_without_transaction(name, titles)


async def _add_awaits_the_transaction(name, titles):
    await in_transaction()


async def _counts_three_queries():
    authors = await Author.all().prefetch_related("books")
    await Author.all().count()
    await Book.all().count()
    return {author.name: len(author.books) for author in authors}


async def _counts_forgets_await_on_count():
    return {author.name: author.books.all().count() for author in await Author.all()}


async def _counts_floats():
    authors = await Author.all().prefetch_related("books")
    return {author.name: float(len(author.books)) for author in authors}


async def _counts_loops_over_a_queryset():
    authors = Author.all()
    return {authors[0].name: 0}


async def _counts_wrong_relation():
    authors = await Author.annotate(n=Count("book"))
    return {author.name: author.n for author in authors}


async def _counts_n_plus_1():
    return {author.name: await author.books.all().count() for author in await Author.all()}


async def _counts_books_not_numbers():
    authors = await Author.all().prefetch_related("books")
    return {author.name: list(author.books) for author in authors}


async def _counts_wrong_numbers():
    return {author.name: 1 for author in await Author.all()}


async def _counts_returns_queryset():
    return Author.all()


async def _counts_forgets_await():
    authors = Author.all().prefetch_related("books")
    return {author.name: len(author.books) for author in authors}


async def _counts_returns_nothing():
    await Author.all().prefetch_related("books")


# lesson 10


def _knee_vs_previous(results):
    for before, after in zip(results, results[1:], strict=False):
        if after.p95_ms > 1.5 * before.p95_ms:
            return after.concurrency
    return None


def _knee_median(results):
    for result in results[1:]:
        if result.p50_ms > 1.5 * results[0].p50_ms:
            return result.concurrency
    return None


def _knee_returns_the_result(results):
    for result in results[1:]:
        if result.p95_ms > 1.5 * results[0].p95_ms:
            return result
    return None


def _knee_always_last(results):
    return results[-1].concurrency


async def _knee_async(results):
    return None


def _knee_unwritten(results):
    ...


def _knee_max(results):
    for result in results[1:]:
        if result.max_ms > 1.5 * results[0].max_ms:
            return result.concurrency
    return None


def _best_highest_concurrency_within(results, p95_limit_ms):
    within = [r for r in results if r.p95_ms <= p95_limit_ms]
    return max(within, key=lambda r: r.concurrency).concurrency if within else None


def _best_ignores_the_limit(results, p95_limit_ms):
    return max(results, key=lambda r: r.throughput).concurrency


def _best_fastest(results, p95_limit_ms):
    return min(results, key=lambda r: r.p95_ms).concurrency


def _best_never_none(results, p95_limit_ms):
    within = [r for r in results if r.p95_ms <= p95_limit_ms] or results
    return max(within, key=lambda r: r.throughput).concurrency


def _best_returns_the_result(results, p95_limit_ms):
    within = [r for r in results if r.p95_ms <= p95_limit_ms]
    return max(within, key=lambda r: r.throughput) if within else None


# lesson 12


async def _sections_no_deadline(calls, seconds):
    return dict(zip(calls, await asyncio.gather(*calls.values()), strict=True))


async def _within_wait_for(calls, seconds):
    results = await asyncio.wait_for(asyncio.gather(*calls.values()), seconds)
    return dict(zip(calls, results, strict=True))


async def _within_never_cancels(calls, seconds):
    tasks = {name: asyncio.create_task(call) for name, call in calls.items()}
    await asyncio.wait(tasks.values(), timeout=seconds)
    return {name: task.result() if task.done() else
            {"error": f"{name}: no answer within {seconds} s", "status": 504}
            for name, task in tasks.items()}


async def _within_wrong_message(calls, seconds):
    tasks = {name: asyncio.create_task(call) for name, call in calls.items()}
    await asyncio.wait(tasks.values(), timeout=seconds)
    for task in tasks.values():
        task.cancel()
    return {name: task.result() if task.done() and not task.cancelled() else
            {"error": "timed out", "status": 504} for name, task in tasks.items()}


async def _within_only_finished(calls, seconds):
    tasks = {name: asyncio.create_task(call) for name, call in calls.items()}
    done, pending = await asyncio.wait(tasks.values(), timeout=seconds)
    for task in pending:
        task.cancel()
    return {name: task.result() for name, task in tasks.items() if task in done}


async def _within_all_or_nothing(calls, seconds):
    try:
        async with asyncio.timeout(seconds):
            results = await asyncio.gather(*calls.values())
    except TimeoutError:
        return {name: {"error": f"{name}: no answer within {seconds} s", "status": 504}
                for name in calls}
    return dict(zip(calls, results, strict=True))


async def _events_new_client_without_timeout(client, url):
    try:
        async with httpx.AsyncClient(timeout=None) as own:
            response = await own.get(url)
            response.raise_for_status()
    except httpx.HTTPError:
        return {"error": "events unavailable"}
    return {"data": response.json()}


async def _events_forgets_await(client, url):
    try:
        response = client.get(url)
        response.raise_for_status()
    except httpx.HTTPError:
        return {"error": "events unavailable"}
    return {"data": response.json()}


async def _events_json_not_called(client, url):
    try:
        response = await client.get(url)
        response.raise_for_status()
    except httpx.HTTPError:
        return {"error": "events unavailable"}
    return {"data": response.json}


async def _events_empty_message(client, url):
    try:
        response = await client.get(url)
        response.raise_for_status()
    except httpx.HTTPError as error:
        return {"error": str(error) if not isinstance(error, httpx.TimeoutException) else ""}
    return {"data": response.json()}


async def _events_blocking(client, url):
    try:
        response = httpx.get(url, timeout=0.3)
        response.raise_for_status()
    except httpx.HTTPError:
        return {"error": "events unavailable"}
    return {"data": response.json()}


async def _events_raises(client, url):
    response = await client.get(url)
    response.raise_for_status()
    return {"data": response.json()}


async def _events_never_checks_the_status(client, url):
    try:
        response = await client.get(url)
    except httpx.HTTPError:
        return {"error": "events unavailable"}
    return {"data": response.json()}


async def _events_only_status_errors(client, url):
    response = await client.get(url)
    try:
        response.raise_for_status()
    except httpx.HTTPStatusError:
        return {"error": "events unavailable"}
    return {"data": response.json()}


async def _events_returns_nothing_on_error(client, url):
    try:
        response = await client.get(url)
        response.raise_for_status()
    except httpx.HTTPError:
        return None
    return {"data": response.json()}


# lesson 11


async def _test_404_status_only(client):
    response = await client.get("/authors/9999")
    assert response.status_code == 404


async def _test_404_asserts_nothing(client):
    await client.get("/authors/9999")


async def _test_404_expects_200(client):
    response = await client.get("/authors/9999")
    assert response.status_code == 200


async def _test_404_not_a_500_only(client):
    response = await client.get("/authors/9999")
    assert response.status_code != 500
    assert "detail" in response.json()


async def _test_404_message_only(client):
    response = await client.get("/authors/9999")
    assert response.json() == {"detail": "no author with id 9999"}


async def _test_404_without_the_client():
    assert True


async def _timing_absolute(fetch_all, fetch_one):
    started = time.perf_counter()
    results = await fetch_all(["a", "b", "c", "d"])
    assert time.perf_counter() - started < 0.1
    assert [r["city"] for r in results] == ["a", "b", "c", "d"]


async def _timing_only_results(fetch_all, fetch_one):
    results = await fetch_all(["a", "b", "c", "d"])
    assert [r["city"] for r in results] == ["a", "b", "c", "d"]


async def _timing_only_time(fetch_all, fetch_one):
    started = time.perf_counter()
    await fetch_one("a")
    one = time.perf_counter() - started
    started = time.perf_counter()
    await fetch_all(["a", "b", "c", "d"])
    assert time.perf_counter() - started < 2 * one


async def _timing_empty(fetch_all, fetch_one):
    ...


async def _timing_never_calls_fetch_all(fetch_all, fetch_one):
    await fetch_one("a")


async def _timing_too_strict(fetch_all, fetch_one):
    results = await fetch_all(["a", "b"])
    assert results == [{"city": "a"}, {"city": "b"}, {"city": "c"}]


WRONG_ANSWERS = {
    "10.1": [
        (_knee_vs_previous, "compare each run with the *first* run"),
        (_knee_median, "use the p95"),
        (_knee_returns_the_result, "return its `.concurrency`"),
        (_knee_always_last, "the knee is at c=2"),
        (_knee_async, "make it a plain `def`"),
        (_knee_unwritten, "has no body"),
        (_knee_max, "one slow request in a hundred"),
    ],
    "10.2": [
        (_best_ignores_the_limit, "keep only the runs within"),
        (_best_fastest, "the aim is the most throughput within the limit"),
        (_best_never_none, "no run qualifies"),
        (_best_returns_the_result, "return its `.concurrency`"),
        (_best_highest_concurrency_within, "pick the most throughput"),
    ],
    "12.1": [
        (_sections_no_deadline, "stop waiting at the deadline"),
        (_within_wait_for, "let a `TimeoutError` escape"),
        (_within_never_cancels, "cancel the late calls"),
        (_within_wrong_message, "`flights` was late: expected"),
        (_within_only_finished, "return a dict with every call's name"),
        (_within_all_or_nothing, "`rates` finished in time"),
    ],
    "12.2": [
        (_events_raises, "raised HTTPStatusError"),
        (_events_never_checks_the_status, "is not an exception until"),
        (_events_only_status_errors, "raised ReadTimeout"),
        (_events_returns_nothing_on_error, "return a dict, not NoneType"),
        (_events_new_client_without_timeout, "whose timeout (0.3 s here)"),
        (_events_forgets_await, "never awaited"),
        (_events_json_not_called, "call `.json()`"),
        (_events_empty_message, "the error message is empty"),
        (_events_blocking, "event loop was frozen"),
    ],
    "11.1": [
        (_test_404_status_only, "FastAPI's default message"),
        (_test_404_asserts_nothing, "answers 200 with an empty body"),
        (_test_404_expects_200, "failed against the correct app"),
        (_test_404_not_a_500_only, "answers 404 with FastAPI's default message"),
        (_test_404_message_only, 'answers 200 with {"detail"'),
        (_test_404_without_the_client, "must take exactly these arguments"),
    ],
    "11.2": [
        (_timing_absolute, "on a slower machine"),
        (_timing_only_results, "one after another"),
        (_timing_only_time, "wrong order"),
        (_timing_empty, "has no body"),
        (_timing_too_strict, "failed against a correct, concurrent"),
        (_timing_never_calls_fetch_all, "never calls `fetch_all`"),
    ],
    "05.1": [
        (_add_without_transaction, "stayed in the database"),
        (_add_swallowing_the_error, "let the IntegrityError propagate"),
        (_add_forgets_await, "never awaited"),
        (_add_with_sync_transaction, "enter it with `async with`"),
        (_add_writes_nothing, "with the valid titles"),
        (_add_blocking, "event loop was frozen"),
        (_add_forgets_await_on_books, "never awaited"),
        (_add_atomic_without_parentheses, "`@atomic()`"),
        (_add_awaits_the_transaction, "instead of `await`-ing it"),
    ],
    "05.2": [
        (_counts_n_plus_1, "the N+1 trap"),
        (_counts_books_not_numbers, "should be a number"),
        (_counts_wrong_numbers, "expected {"),
        (_counts_returns_queryset, "still to be awaited"),
        (_counts_forgets_await, "QuerySet"),
        (_counts_returns_nothing, "returned None"),
        (_counts_three_queries, "at most two are needed"),
        (_counts_forgets_await_on_count, "still to be awaited"),
        (_counts_floats, "whole number"),
        (_counts_loops_over_a_queryset, "runs only when awaited"),
        (_counts_wrong_relation, "cannot find that field or relation"),
    ],
    "00.1": [
        (httpx.Response(200, json={"message": "Hello, Ada!"}), "whole `Response` object"),
        ("Hello, Ada!", "pass the JSON body as a dict"),
        ({"message": "Hello, async world!"}, "ask for `/hello/Ada`"),
        (42, "expected the JSON body"),
    ],
    "00.2": [
        (_fetch_forgets_await, "'AsyncClient.get' was never awaited"),
        (_fetch_returns_response, "returned the `Response`"),
        (_fetch_returns_body, "returned the whole body"),
        (_fetch_wrong_path, "is the name in the path?"),
        (_fetch_blocking, "the event loop was frozen"),
        (_fetch_ignores_client, "did not use the `client` it was given"),
    ],
    "01.1": [
        (2.0, "one-after-another total"),
        (0.1, "not quite"),
        ("half a second", "give the time as a number"),
        (True, "give the time as a number"),
        (Decimal("2.0"), "one-after-another total"),
    ],
    "01.2": [
        (_serve_sequentially, "the brews ran one after another"),
        (_serve_blocking, "brew each order once"),
        (_serve_forgets_return, "returned None"),
        (_serve_returns_gather_future, "still to be awaited"),
        (_serve_wrong_order, "in the order of `names`"),
        (_serve_makes_up_results, "brew each order once"),
        (_serve_gathers_a_list, "unpack the list with `*`"),
        (_serve_gathers_a_generator, "unpack it with `*`"),
        (_serve_yields, "async generator"),
        (_serve_awaits_grind, "call it without `await`"),
        (_serve_forgets_to_grind, "grind each order once"),
        (_serve_old_signature, "takes three arguments"),
    ],
    "02.1": [
        (_double_app(path="/twice/{number}"), "found no path operation"),
        (_double_app(plain=True), "is a plain `def`"),
        (_double_app(typed=False), "declare `number: int`"),
        (_double_app(factor=3), "returned {'result': 63}"),
        ("double_app", "expected a FastAPI app"),
        (_double_app(blocking=True), "the event loop was frozen"),
        (_double_app(returns_nothing=True), "is the `return` missing?"),
        (_double_app(unfinished=True), "looks unfinished"),
    ],
    "02.2": [
        (_lifespan_generator, "decorate it with `@asynccontextmanager`"),
        (_lifespan_no_state, "yield a dict"),
        (_lifespan_empty, "`specials` is empty"),
        (fetch_data, "`async def` with one `yield`"),
        (_lifespan_string, "make it a list of drink names"),
        (_lifespan_without_yield, "has no `yield`"),
        (_lifespan_yields_a_list, "yield a dict"),
        (_lifespan_sync, "not `@contextmanager`"),
    ],
    "04.1": [
        ({**RIGHT_CHOICES, "resize a large image in pure Python": "async def"},
         "not 'async def' for 'resize a large image in pure Python'"),
        ({**RIGHT_CHOICES, "call a weather API with httpx.AsyncClient": "thread"},
         "'thread' for 'call a weather API with httpx.AsyncClient' is not one of"),
        ({"weather": "async def"}, "needs an entry for"),
        (dict.fromkeys(RIGHT_CHOICES), "nothing to check yet"),
        (["async def", "def", "process pool"], "expected a dict"),
    ],
    "04.2": [
        (_customers_blocking, "the event loop was frozen"),
        (_customers_one_at_a_time, "they ran one after another"),
        (_customers_made_up, "call `lookup` once per id"),
        (_customers_sleep_instead, "call `lookup` once per id"),
        (_customers_exit, "called `exit()` or `sys.exit()`"),
        (_customers_asyncio_run, "`asyncio.run` starts a new event loop"),
        (_customers_return_coroutines, "still to be awaited"),
        (_customers_wrong_order, "in the order of `ids`"),
        (_customers_old_signature, "takes two arguments"),
        (_customers_plain_def, "is a plain `def`"),
    ],
    "09.1": [
        (_count_inline, "the event loop was frozen"),
        (_count_in_threads, "ran in `pool`"),
        (_count_one_at_a_time, "one after another"),
        (_count_made_up, "but the counts are"),
        (_count_wrong_order, "in the order of `limits`"),
        (_count_with_a_cell_function, "must be importable by name"),
        (_count_returns_futures, "still to be awaited"),
        (_count_old_signature, "takes two arguments"),
        (count_primes, "plain `def`"),
    ],
    "09.2": [
        (0.4, "would mean the two jobs ran in parallel"),
        (2.0, "not quite"),
        ("0.8", "give the time as a number"),
    ],
    "08.1": [
        ({"real server": 0.5, "in-process": 0.5}, "too long: the response goes out before"),
        ({"real server": 0.0, "in-process": 0.0}, "too short for the in-process client"),
        ({"real server": None, "in-process": None}, "nothing to check yet"),
        ((0.0, 0.5), "expected a dict with the keys"),
        ({"real server": 0.0, "in-process": "half"}, "should be a number of seconds"),
        ({"real server": -5, "in-process": 0.5}, "cannot be a time"),
        ({"real server": float("nan"), "in-process": 0.5}, "cannot be a time"),
        ({"real server": 10, "in-process": 500}, "not milliseconds"),
    ],
    "08.2": [
        (_notify_blocking, "the event loop was frozen"),
        (_notify_forgets, "never finished `deliver(email)`"),
        (_notify_wrong_signature, "the task failed on the server: TypeError"),
        ("notify", "expected a function"),
        (_notify_blocks_later, "the event loop was frozen"),
        (_notify_raises, "the task failed on the server: ConnectionRefusedError: smtp down"),
        (_notify_runs_asyncio_run, "the task failed on the server: RuntimeError: asyncio.run()"),
        (_notify_plain_def_drops_the_record, "`record_delivery(email)` never finished"),
        (_notify_records_first, "ran before `deliver(email)` had finished"),
    ],
    "06.1": [
        (_forecast_no_mapping, "raise `HTTPException(502, ...)` instead"),
        (_forecast_only_status, "let `ReadTimeout` escape"),
        (_forecast_everything_502, "should get 504, not 502"),
        (_forecast_returns_response, "not the Response"),
        (_forecast_blocking, "the event loop was frozen"),
        (_forecast_own_client, "did not use the `client` it was given"),
        (_forecast_no_message, "give the 502 a message"),
        (_forecast_every_status_502, "the mistake is our caller's"),
    ],
    "06.2": [
        (_upstream_never_closed, "still open after shut-down"),
        (_upstream_wrong_url, "base_url=app.state.upstream_url"),
        (_upstream_missing, "yield `{\"upstream\": client}`"),
        (_upstream_on_app_state, "it is on `app.state`"),
        (_upstream_yields_client, "yield a dict"),
        (_lifespan_without_yield, "has no `yield`"),
        (_lifespan_generator, "decorate it with `@asynccontextmanager`"),
    ],
    "07.1": [
        (_within_one_deadline, "`TimeoutError` escaped"),
        (_within_all_none, "within the deadline of 0.25 s, but you returned None"),
        (_within_no_deadline, "longer than the deadline of 0.25 s, yet you returned its body"),
        (_within_one_at_a_time, "the calls ran one at a time"),
        (_within_exceptions_in_place, "put `None` there"),
        (_within_list, "should return a dict"),
        (_within_left_running, "still running after `weather_within` returned"),
        (_within_blocking, "the event loop was frozen"),
    ],
    "07.2": [
        (_bounded_semaphore_per_call, "more than limit=3"),
        (_bounded_one_at_a_time, "only 1 call(s) at a time"),
        (_bounded_hard_coded, "only 2 call(s) at a time: with limit=3"),
        (_bounded_raises, "escaped from `fetch_bounded`"),
        (_bounded_error_bodies, "call `response.raise_for_status()`"),
        (_bounded_responses, "returned `Response` objects"),
    ],
    "03.1": [
        (_main_forgets_await, "'fetch_data' was never awaited"),
        (_main_returns_dict, "expected 'Sample data'"),
        (fetch_data(), "without parentheses"),
        (_main_made_up, "never awaited `fetch_data()`"),
        (_main_blocking, "the event loop was frozen"),
    ],
    "03.2": [
        (_breakfast_sequential, "the toast waited for the coffee"),
        (_breakfast_butters_after_the_coffee, "the butter waited for the coffee"),
        (_breakfast_butters_before_the_toast, "nothing to butter"),
        (_breakfast_butters_bread, "nothing to butter: got 'bread'"),
        (_breakfast_returns_tasks, "you returned the tasks themselves"),
        (_breakfast_returns_a_coroutine, "await it before returning"),
        (_breakfast_wrong_order, "coffee first"),
        (_breakfast_blocking, "the event loop was frozen"),
        (_breakfast_made_up, "`make_coffee(...)` never finished"),
        (_breakfast_sleeps_instead, "`make_coffee(...)` never finished"),
        (_breakfast_skips_the_butter, "`butter(...)` never finished"),
        (_breakfast_returns_number, "return a list"),
        (_breakfast_task_fails, "the first is ValueError: burnt toast"),
    ],
}


WRONG_ANSWERS_ELSEWHERE = {"13.1", "13.2"}
"""Exercises whose wrong answers live in tests/lessons/test_lNN_*_exercises.py."""


def test_every_exercise_has_at_least_three_wrong_answers():
    assert set(WRONG_ANSWERS) | WRONG_ANSWERS_ELSEWHERE == set(exercises())
    assert all(len(cases) >= 3 for cases in WRONG_ANSWERS.values())


@pytest.mark.parametrize(
    ("exercise_id", "answer", "hint"),
    [(eid, answer, hint) for eid, cases in WRONG_ANSWERS.items() for answer, hint in cases],
)
async def test_wrong_answer_gets_its_hint(exercise_id, answer, hint, progress_file):
    passed, message = await evaluate(exercise_id, answer)
    assert not passed
    assert hint in message


async def _add_naming_the_connection(name, titles):
    async with in_transaction("default"):  # as Tortoise's documentation writes it
        author = await Author.create(name=name)
        for title in titles:
            await Book.create(author=author, title=title, year=2000)


async def _add_reraising_another_error(name, titles):
    try:
        async with in_transaction():
            author = await Author.create(name=name)
            for title in titles:
                await Book.create(author=author, title=title, year=2000)
    except IntegrityError as error:
        raise ValueError(f"could not add {name}") from error


@pytest.mark.parametrize("answer", [_add_naming_the_connection, _add_reraising_another_error])
async def test_05_1_accepts_other_correct_answers(answer):
    passed, message = await evaluate("05.1", answer)
    assert passed, message


async def _test_404_with_pytest_fail(client):
    response = await client.get("/authors/9999")
    if response.status_code != 404:
        pytest.fail(f"expected 404, got {response.status_code}")
    assert response.json()["detail"] == "no author with id 9999"


async def test_11_1_accepts_a_test_that_fails_with_pytest_fail():
    passed, message = await evaluate("11.1", _test_404_with_pytest_fail)
    assert passed, message


async def test_02_1_accepts_a_path_operation_added_through_a_router():
    from fastapi import APIRouter, FastAPI

    router = APIRouter()

    @router.get("/double/{number}")
    async def double(number: int) -> dict:
        return {"result": 2 * number}

    app = FastAPI()
    app.include_router(router)
    passed, message = await evaluate("02.1", app)
    assert passed, message


async def test_04_1_forgives_capitals_and_spaces():
    sloppy = {job: f" {choice.upper()} " for job, choice in RIGHT_CHOICES.items()}
    passed, message = await evaluate("04.1", sloppy)
    assert passed, message


async def test_01_2_accepts_grinding_in_threads():
    passed, message = await evaluate("01.2", _serve_in_threads)
    assert passed, message


async def test_04_2_accepts_asyncio_to_thread():
    passed, message = await evaluate("04.2", _customers_in_threads)
    assert passed, message


async def test_08_2_accepts_an_async_task_that_uses_asyncio_to_thread():
    passed, message = await evaluate("08.2", _notify_to_thread)
    assert passed, message
