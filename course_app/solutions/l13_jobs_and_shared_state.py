"""Reference solutions for lesson 13."""


async def welcome_once(store, user, send):
    """13.1: claim a key per user with `SET ... NX` (atomic: of several runs, in any process,
    exactly one gets True), and send only when this run claimed it."""
    if await store.set(f"welcome-sent:{user}", "yes", nx=True, ex=86_400):
        await send(user)


async def count_visit(store):
    """13.2: `INCR` reads, adds one and writes in one atomic step in Valkey, and returns the
    new value: every process counts on the same key, and no two visits get the same number."""
    return await store.incr("visits")
