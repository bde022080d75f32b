import asyncio
from concurrent.futures import ThreadPoolExecutor


def run_async(coroutine) -> object:
    """asyncio.run in a thread of its own: Playwright's sync API may own this thread's loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result(timeout=60)
