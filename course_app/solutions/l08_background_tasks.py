"""Reference solutions for lesson 08."""

from course_app.lessons.l08_background_tasks import deliver, response_then_task


async def waits() -> dict[str, float]:
    """08.1: measure both, as section 8.1 does."""
    measured = await response_then_task()
    return {way: response_s for way, (response_s, _) in measured.items()}


def notify(email: str) -> None:
    """08.2: a plain `def` task runs in the threadpool, so its blocking call is harmless."""
    deliver(email)
