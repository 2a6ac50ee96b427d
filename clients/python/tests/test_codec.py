"""Tests for herald_client: the codec, and the client against an in-test TCP server with
canned answers. Run from clients/python: python3 -m unittest discover -s tests -v"""

import os
import random
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import herald_client as h  # noqa: E402
from herald_client import Kind  # noqa: E402

MESSAGE_ID = "00112233445566778899aabbccddeeff"
ENVELOPE = h.Envelope("a@example.com", ["b@example.org"], b"Subject: x\r\n\r\nhi\r\n", "k1", 7, 1, 2)
ACK = h.EnqueueAck(MESSAGE_ID, 3, 4, True, ["c@x.org"])
ENTRY = h.SuppressionEntry("s@x.org", "complaint", "fbl", 5)

REQUESTS = [
    (Kind.HELLO, ("python-tests",)),
    (Kind.ENQUEUE, (ENVELOPE,)),
    (Kind.ENQUEUE, (h.Envelope("", ["postmaster@example.org"], b""),)),
    (Kind.ENQUEUE_BATCH, ([ENVELOPE, ENVELOPE],)),
    (Kind.MESSAGE_STATUS, (MESSAGE_ID,)),
    (Kind.CANCEL, (MESSAGE_ID,)),
    (Kind.SUPPRESS_ADD, ("x@example.com", "manual", "ops")),
    (Kind.SUPPRESS_REMOVE, ("x@example.com",)),
    (Kind.SUPPRESS_CHECK, ("x@example.com",)),
    (Kind.SUPPRESS_LIST, ("m@example.com", 10)),
    (Kind.CLUSTER_STATUS, ()),
]

RESPONSES = [
    (Kind.WELCOME, h.Welcome(1, 2, 0, 1024, 8)),
    (Kind.ENQUEUED, ACK),
    (Kind.BATCH_RESULT, [ACK, h.HeraldError(5, "bad address")]),
    (Kind.MESSAGE_STATUS_RESULT, h.MessageStatus(MESSAGE_ID, 9, [h.RecipientStatus("b@example.org", "delivered", "250 ok")])),
    (Kind.CANCELLED, 3),
    (Kind.OK, None),
    (Kind.REMOVED, True),
    (Kind.SUPPRESSION, ENTRY),
    (Kind.SUPPRESSION, None),
    (Kind.SUPPRESSION_LIST, [ENTRY, ENTRY]),
    (Kind.CLUSTER_STATUS_RESULT, h.ClusterStatus(1, 7, [h.NodeStatus(1, "leader", True, 10, 10, 0xDEADBEEF)])),
    (Kind.ERROR, (11, "no leader")),
]


def split(frame):
    """(kind, payload) of a whole frame."""
    return frame[4], frame[5:]


def same(a, b):
    if isinstance(a, h.HeraldError) and isinstance(b, h.HeraldError):
        return a.code == b.code and a.detail == b.detail
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


class CodecTests(unittest.TestCase):
    def test_requests_round_trip(self):
        for kind, args in REQUESTS:
            request_id, decoded = h.decode_request(*split(h.encode_request(42, kind, *args)))
            self.assertEqual(request_id, 42)
            expected = (1, args[0]) if kind == Kind.HELLO else args
            self.assertEqual(decoded, expected, "kind 0x%02x" % kind)

    def test_responses_round_trip(self):
        for kind, value in RESPONSES:
            request_id, decoded = h.decode_response(*split(h.encode_response(2**64 - 1, kind, value)))
            self.assertEqual(request_id, 2**64 - 1)
            expected = h.HeraldError(*value) if kind == Kind.ERROR else value
            self.assertTrue(same(decoded, expected), "kind 0x%02x: %r" % (kind, decoded))

    def test_golden_bytes_match_the_swift_codec(self):
        # The same bytes are asserted in Tests/WireTests/ProducerCodecTests.swift.
        self.assertEqual(
            h.encode_request(258, Kind.ENQUEUE, ENVELOPE).hex(),
            "0000005a1000000000000001020000000d61406578616d706c652e636f6d00010000000d62406578616d706c652e6f7267"
            "000000026b310700000000000000010000000000000002000000125375626a6563743a20780d0a0d0a68690d0a")
        self.assertEqual(
            h.encode_response(258, Kind.ENQUEUED, ACK).hex(),
            "0000003790000000000000010200112233445566778899aabbccddeeff00000000000000030000000000000004010001"
            "000000076340782e6f7267")

    def test_every_truncation_raises(self):
        for kind, args in REQUESTS:
            payload = split(h.encode_request(1, kind, *args))[1]
            for length in range(len(payload)):
                with self.assertRaises(h.ProtocolViolation):
                    h.decode_request(kind, payload[:length])
        for kind, value in RESPONSES:
            payload = split(h.encode_response(1, kind, value))[1]
            for length in range(len(payload)):
                with self.assertRaises(h.ProtocolViolation):
                    h.decode_response(kind, payload[:length])

    def test_random_bytes_only_raise_protocol_violations(self):
        rng = random.Random(7)
        kinds = [kind for kind, _ in REQUESTS] + [kind for kind, _ in RESPONSES] + [0, 0x7F, 0xFE]
        for _ in range(5000):
            kind = rng.choice(kinds)
            payload = bytes(rng.randrange(256) for _ in range(rng.randrange(64)))
            for decode in (h.decode_request, h.decode_response):
                try:
                    decode(kind, payload)
                except h.ProtocolViolation:
                    pass

    def test_limits(self):
        with self.assertRaises(h.ProtocolViolation):
            h.encode_request(1, Kind.ENQUEUE, h.Envelope("", ["r%d@x" % i for i in range(1001)], b""))
        with self.assertRaises(h.ProtocolViolation):
            h.encode_request(1, Kind.ENQUEUE, h.Envelope("", [], b""))
        with self.assertRaises(h.ProtocolViolation):
            h.encode_request(1, Kind.ENQUEUE, h.Envelope("", ["a@x"], b"", "k" * 257))
        with self.assertRaises(h.ProtocolViolation):
            h.encode_request(1, Kind.SUPPRESS_LIST, "", 1001)
        with self.assertRaises(h.ProtocolViolation):
            h.encode_request(1, Kind.SUPPRESS_ADD, "a@x", "bogus", "")
        with self.assertRaises(h.ProtocolViolation):
            h.encode_request(1, Kind.MESSAGE_STATUS, "1234")
        payload = bytearray(split(h.encode_request(1, Kind.SUPPRESS_LIST, "", 5))[1])
        payload[-4:] = (0).to_bytes(4, "big")
        with self.assertRaises(h.ProtocolViolation):
            h.decode_request(Kind.SUPPRESS_LIST, bytes(payload))
        with self.assertRaises(h.ProtocolViolation):
            h.decode_request(Kind.CLUSTER_STATUS, split(h.encode_request(1, Kind.CLUSTER_STATUS))[1] + b"\0")

    def test_frame_length_limits(self):
        with self.assertRaises(h.ProtocolViolation):
            h.read_frame_length((0).to_bytes(4, "big"), 100)
        with self.assertRaises(h.ProtocolViolation):
            h.read_frame_length((101).to_bytes(4, "big"), 100)
        self.assertEqual(h.read_frame_length((100).to_bytes(4, "big"), 100), 100)


class CannedServer:
    """A TCP server on 127.0.0.1 whose every connection runs ``script(conn)``."""

    def __init__(self, script):
        self.script = script
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.stopping = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stopping:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(ServerConnection(sock, self.connections),), daemon=True).start()

    def _serve(self, conn):
        try:
            self.script(conn)
        except (OSError, h.HeraldError):
            pass
        finally:
            conn.sock.close()

    @property
    def address(self):
        return "127.0.0.1:%d" % self.port

    def close(self):
        self.stopping = True
        self.listener.close()


class ServerConnection:
    def __init__(self, sock, number):
        self.sock = sock
        self.number = number

    def next(self):
        frame = h._read_frame(self.sock, 1 << 20)
        if frame is None:
            return None
        return frame[0], h.decode_request(*frame)

    def accept_hello(self, node=1):
        kind, (request_id, _) = self.next()
        assert kind == Kind.HELLO
        self.reply(request_id, Kind.WELCOME, h.Welcome(1, node, 1, 1 << 20, 64))

    def reply(self, request_id, kind, value=None):
        self.sock.sendall(h.encode_response(request_id, kind, value))


def refusing_address():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return "127.0.0.1:%d" % port


class ClientTests(unittest.TestCase):
    def serve(self, script):
        server = CannedServer(script)
        self.addCleanup(server.close)
        return server

    def test_pipelined_requests_match_out_of_order_responses(self):
        count = 50

        def script(conn):
            conn.accept_hello()
            received = []
            while len(received) < count:
                _, (request_id, (envelope,)) = conn.next()
                received.append((request_id, envelope.idempotency_key))
            for request_id, key in reversed(received):
                conn.reply(request_id, Kind.ENQUEUED, h.EnqueueAck(key.rjust(32, "0"), 1, request_id))
            while conn.next() is not None:
                pass

        server = self.serve(script)
        with h.HeraldClient([server.address], timeout=10) as client:
            envelopes = [h.Envelope("a@x.org", ["b@x.org"], b"m", "%d" % n) for n in range(count)]
            results = client.enqueue_many(envelopes)
        self.assertEqual([r.id for r in results], [("%d" % n).rjust(32, "0") for n in range(count)])

    def test_every_method(self):
        status = h.ClusterStatus(2, 9, [h.NodeStatus(2, "leader", True, 4, 4, 7)])

        def script(conn):
            conn.accept_hello()
            while True:
                item = conn.next()
                if item is None:
                    return
                kind, (request_id, args) = item
                answers = {
                    Kind.ENQUEUE: lambda: (Kind.ENQUEUED, ACK),
                    Kind.ENQUEUE_BATCH: lambda: (Kind.BATCH_RESULT, [ACK] + [h.HeraldError(5, "bad")] * (len(args[0]) - 1)),
                    Kind.MESSAGE_STATUS: lambda: (Kind.MESSAGE_STATUS_RESULT, h.MessageStatus(args[0], 1, [])),
                    Kind.CANCEL: lambda: (Kind.CANCELLED, 2),
                    Kind.SUPPRESS_ADD: lambda: (Kind.OK, None) if args == ("s@x.org", "manual", "ops") else (Kind.ERROR, (13, "wrong")),
                    Kind.SUPPRESS_REMOVE: lambda: (Kind.REMOVED, True),
                    Kind.SUPPRESS_CHECK: lambda: (Kind.SUPPRESSION, ENTRY if args[0] == ENTRY.address else None),
                    Kind.SUPPRESS_LIST: lambda: (Kind.SUPPRESSION_LIST, [ENTRY] if args == ("", 2) else []),
                    Kind.CLUSTER_STATUS: lambda: (Kind.CLUSTER_STATUS_RESULT, status),
                }
                conn.reply(request_id, *answers[kind]())

        server = self.serve(script)
        with h.HeraldClient([server.address]) as client:
            self.assertEqual(client.enqueue("a@x.org", ["b@x.org"], b"m", idempotency_key="k"), ACK)
            batch = client.enqueue_batch([ENVELOPE, ENVELOPE])
            self.assertEqual(batch[0], ACK)
            self.assertEqual((batch[1].code, batch[1].detail), (5, "bad"))
            self.assertEqual(client.message_status(MESSAGE_ID).id, MESSAGE_ID)
            self.assertEqual(client.cancel(MESSAGE_ID), 2)
            self.assertIsNone(client.suppress_add("s@x.org", "manual", "ops"))
            self.assertTrue(client.suppress_remove("s@x.org"))
            self.assertEqual(client.suppress_check("s@x.org"), ENTRY)
            self.assertIsNone(client.suppress_check("t@x.org"))
            self.assertEqual(client.suppress_list(limit=2), [ENTRY])
            self.assertEqual(client.cluster_status(), status)
            self.assertEqual(client.welcome.node, 1)

    def test_error_response_raises_herald_error(self):
        def script(conn):
            conn.accept_hello()
            while True:
                item = conn.next()
                if item is None:
                    return
                conn.reply(item[1][0], Kind.ERROR, (11, "no leader: election under way"))

        server = self.serve(script)
        with h.HeraldClient([server.address]) as client:
            with self.assertRaises(h.HeraldError) as caught:
                client.enqueue("a@x.org", ["b@x.org"], b"m")
        self.assertEqual(caught.exception.code, h.ErrorCode.UNAVAILABLE)
        self.assertEqual(caught.exception.detail, "no leader: election under way")
        self.assertEqual(caught.exception.name, "unavailable")
        self.assertTrue(caught.exception.retryable)

    def test_insufficient_storage_is_named_and_retryable(self):
        error = h.HeraldError(h.ErrorCode.INSUFFICIENT_STORAGE, "node 1 has 10 MiB free on its data disk")
        self.assertEqual(error.name, "insufficientStorage")
        self.assertTrue(error.retryable)
        self.assertEqual(str(error), "insufficientStorage: node 1 has 10 MiB free on its data disk")

    def test_failover_to_second_address(self):
        def script(conn):
            conn.accept_hello(node=2)
            while True:
                item = conn.next()
                if item is None:
                    return
                conn.reply(item[1][0], Kind.CLUSTER_STATUS_RESULT, h.ClusterStatus(2, 1, []))

        server = self.serve(script)
        with h.HeraldClient([refusing_address(), server.address]) as client:
            self.assertEqual(client.cluster_status().leader, 2)
            self.assertEqual(client.welcome.node, 2)

    def test_unreachable(self):
        with h.HeraldClient([refusing_address(), refusing_address()]) as client:
            with self.assertRaises(h.HeraldConnectionError) as caught:
                client.cluster_status()
        self.assertIn("no node accepted a connection", caught.exception.detail)
        self.assertTrue(caught.exception.retryable)

    def test_connection_loss_fails_in_flight_and_reconnects(self):
        def script(conn):
            conn.accept_hello()
            if conn.number == 1:
                for _ in range(3):
                    conn.next()
                return  # drop the connection without answering
            while True:
                item = conn.next()
                if item is None:
                    return
                conn.reply(item[1][0], Kind.CANCELLED, 1)

        server = self.serve(script)
        with h.HeraldClient([server.address], timeout=10) as client:
            futures = [client.submit(Kind.CANCEL, MESSAGE_ID) for _ in range(3)]
            for future in futures:
                with self.assertRaises(h.HeraldConnectionError):
                    client.wait(future)
            self.assertEqual(client.cancel(MESSAGE_ID), 1)
        self.assertEqual(server.connections, 2)

    def test_timeout(self):
        def script(conn):
            conn.accept_hello()
            warm_up = conn.next()
            conn.reply(warm_up[1][0], Kind.REMOVED, True)
            held = conn.next()
            following = conn.next()
            conn.reply(following[1][0], Kind.REMOVED, False)
            conn.reply(held[1][0], Kind.REMOVED, True)  # late: the client gave up on it
            while conn.next() is not None:
                pass

        server = self.serve(script)
        with h.HeraldClient([server.address], timeout=10) as client:
            self.assertTrue(client.suppress_remove("warm-up@x.org"))
            started = time.monotonic()
            with self.assertRaises(h.HeraldTimeout):
                client.wait(client.submit(Kind.SUPPRESS_REMOVE, "a@x.org"), timeout=0.2)
            self.assertLess(time.monotonic() - started, 5)
            self.assertFalse(client.suppress_remove("b@x.org"))

    def test_answer_of_the_wrong_kind_is_a_protocol_violation(self):
        def script(conn):
            conn.accept_hello()
            while True:
                item = conn.next()
                if item is None:
                    return
                conn.reply(item[1][0], Kind.OK)

        server = self.serve(script)
        with h.HeraldClient([server.address]) as client:
            with self.assertRaises(h.ProtocolViolation):
                client.cancel(MESSAGE_ID)

    def test_refused_hello(self):
        def script(conn):
            _, (request_id, _) = conn.next()
            conn.reply(request_id, Kind.ERROR, (3, "version 1 only"))

        server = self.serve(script)
        with h.HeraldClient([server.address]) as client:
            with self.assertRaises(h.HeraldConnectionError) as caught:
                client.cluster_status()
        self.assertIn("unsupportedVersion: version 1 only", caught.exception.detail)


if __name__ == "__main__":
    unittest.main()
