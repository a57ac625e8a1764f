"""The clip's entry point: build the board, run the app. Nothing happens at import.

On a board MicroPython runs this file at boot as ``__main__``. Which board runs is explicit:
the simulator puts its ``simboard`` module on the interpreter's path (only it does; no board
has that module), and when it is there the simulated board is built and runs the app until
its samples run out (``simboard.run``); otherwise ``hw.boards.build()`` picks the real
board's profile and ``app.device.run`` runs the app on it for ever.
"""


def main():
    import asyncio

    try:
        import simboard
    except ImportError:
        simboard = None
    if simboard is not None:
        board = simboard.build()
        asyncio.run(simboard.run(board))
        return
    from app.device import run
    from hw import boards

    asyncio.run(run(boards.build()))


if __name__ == "__main__":
    main()
