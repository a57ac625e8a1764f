"""Device application: asyncio tasks that wire the pure logic to an injected board."""
