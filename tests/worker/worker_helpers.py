"""Helpers the worker tests share (imported by name: pytest puts tests/worker/ on sys.path)."""
import engine


class Crash(BaseException):
    """Stands for kill -9: nothing in the runner may catch it."""


def spy_stylize(monkeypatch, on_step=None) -> list[dict]:
    """Wrap engine.stylize: record each call's content, params and keyword arguments, and run
    `on_step(step)` on each step before the runner sees it."""
    calls = []
    real = engine.stylize

    def spy(content, styles, params, **kwargs):
        calls.append({"content": content, "params": params, **kwargs})
        for step in real(content, styles, params, **kwargs):
            if on_step:
                on_step(step)
            yield step

    monkeypatch.setattr(engine, "stylize", spy)
    return calls
