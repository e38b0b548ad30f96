"""The exercises of every lesson; importing this package registers them all with the checker."""

from course_app.exercises import (  # noqa: F401
    l00_start_here,
    l01_what_is_async,
    l02_async_routes,
    l03_async_and_await,
    l04_when_to_use_async,
    l05_async_database,
    l06_external_api_calls,
    l07_asyncio_gather,
    l08_background_tasks,
    l09_limits_of_async,
    l10_performance_and_scalability,
    l11_testing_async_apps,
    l12_capstone,
    l13_jobs_and_shared_state,
)
