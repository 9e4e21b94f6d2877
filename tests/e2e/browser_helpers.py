"""Helpers the browser tests of the site's pages share (imported by name: pytest puts tests/e2e/
on sys.path, as it is not a package)."""
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}


def sign_in(page, live_server, user) -> None:
    """Signs `user` in to the page's browser with a session cookie: no log-in form to fill."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])



def log_in(page, url: str, username: str, password: str) -> None:
    """Logs in through the log-in form, as a person does."""
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def painted_share(page) -> float:
    """The share of the regions canvas painted as the subject (opaque enough to count)."""
    return page.evaluate("""() => {
        const c = document.querySelector('[data-regions-canvas]');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 127) n++;
        return n / (c.width * c.height);
    }""")
