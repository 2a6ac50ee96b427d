"""Enqueue one message with the Python client.

    python3 clients/python/example.py 127.0.0.1:7201 127.0.0.1:7202 127.0.0.1:7203
"""
import email.utils
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from herald_client import HeraldClient  # noqa: E402


def main() -> None:
    addresses = sys.argv[1:] or ["127.0.0.1:7201", "127.0.0.1:7202", "127.0.0.1:7203"]
    message = (
        "From: me@example.com\r\n"
        "To: you@example.org\r\n"
        "Subject: Hello from Python\r\n"
        f"Date: {email.utils.formatdate()}\r\n"
        f"Message-ID: {email.utils.make_msgid(domain='example.com')}\r\n"
        "\r\n"
        "Sent through Herald's producer protocol.\r\n"
    ).encode()
    with HeraldClient(addresses) as client:
        ack = client.enqueue("me@example.com", ["you@example.org"], message)
        print(f"enqueued {ack.id} at term {ack.term}, index {ack.index}")
        print(client.message_status(ack.id))


if __name__ == "__main__":
    main()
