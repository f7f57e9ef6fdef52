import asyncio

import pytest


@pytest.mark.asyncio
async def test_awaits():
    await asyncio.sleep(0)
    assert True


@pytest.mark.asyncio
async def test_awaits_and_fails():
    await asyncio.sleep(0)
    assert False
