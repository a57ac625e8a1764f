"""The clip's entry point: build the board, run the app. Nothing happens at import.

On a board MicroPython runs this file at boot as ``__main__``. Which board gets built is
explicit: the simulator puts its ``simboard`` module on the interpreter's path (only it
does; no board has that module), and when it is there the simulated board is built;
otherwise ``hw.boards.build()`` picks the real board's profile.
"""


def build_board():
    try:
        import simboard
    except ImportError:
        simboard = None
    if simboard is not None:
        return simboard.build()
    from hw import boards

    return boards.build()


def main():
    import asyncio

    from app.device import run

    asyncio.run(run(build_board()))


if __name__ == "__main__":
    main()
