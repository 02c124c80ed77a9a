"""The web container's health probe: ``python -m libread_tts.healthcheck``.

It asks the gunicorn in its own container for the health answer, as a load balancer would, with
a Host header that ``ALLOWED_HOSTS`` accepts: a probe to 127.0.0.1 under a production
``ALLOWED_HOSTS`` would get Django's 400 and the service would never be healthy. Exits 0 on 200.
It reads only the environment (no Django set-up), so it costs little every few seconds.
"""

import http.client
import sys

from libread_tts.env import env, env_list

HEALTH_PATH = "/api/tts/v1/tts/health"


def probe_host(allowed_hosts: list[str]) -> str:
    """A host name the service answers to: the first of ALLOWED_HOSTS, a ".example.org" pattern
    as example.org itself, "*" as localhost."""
    first = allowed_hosts[0] if allowed_hosts else "localhost"
    return "localhost" if first == "*" else first.removeprefix(".")


def healthy() -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", int(env("PORT") or "8000"), timeout=5)
    try:
        connection.request("GET", HEALTH_PATH, headers={"Host": probe_host(env_list("ALLOWED_HOSTS", ["localhost"]))})
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


if __name__ == "__main__":
    sys.exit(0 if healthy() else 1)
