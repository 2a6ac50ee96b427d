"""A Python client for Herald's producer protocol (docs/protocol.md).

Standard library only, Python 3.9+. One TCP connection to one node at a time; requests
are pipelined (many in flight, matched to responses by request id). When the connection
drops, requests in flight fail with ``HeraldConnectionError`` and the next request
connects to the next address. Retry enqueues with the same idempotency key.

    client = HeraldClient(["10.0.0.1:7101", "10.0.0.2:7101"])
    ack = client.enqueue("a@example.com", ["b@example.org"], message_bytes, idempotency_key="order-17")
    print(ack.id)
"""

from __future__ import annotations

import socket
import struct
import threading
from collections import deque
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout  # NB: not the builtin before 3.11
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

__all__ = [
    "HeraldClient", "HeraldError", "HeraldConnectionError", "HeraldTimeout", "ProtocolViolation",
    "Envelope", "EnqueueAck", "RecipientStatus", "MessageStatus", "SuppressionEntry", "NodeStatus",
    "ClusterStatus", "Welcome", "ErrorCode", "Kind", "REASONS", "STATES",
    "encode_frame", "read_frame_length", "encode_request", "decode_request", "encode_response", "decode_response",
]

VERSION = 1
MAX_RECIPIENTS = 1000
MAX_BATCH = 1000
MAX_LIST_LIMIT = 1000
MAX_CLIENT_NAME = 256
MAX_KEY = 256
MAX_ADDRESS = 256
MAX_SOURCE = 256
MAX_DETAIL = 4096
MAX_ROLE = 64
MAX_STATUS_NODES = 1000
DEFAULT_MAX_FRAME = 32 << 20


class Kind:
    """Frame kinds."""
    HELLO = 0x01
    ENQUEUE = 0x10
    ENQUEUE_BATCH = 0x11
    MESSAGE_STATUS = 0x12
    CANCEL = 0x13
    SUPPRESS_ADD = 0x14
    SUPPRESS_REMOVE = 0x15
    SUPPRESS_CHECK = 0x16
    SUPPRESS_LIST = 0x17
    CLUSTER_STATUS = 0x18
    WELCOME = 0x81
    ENQUEUED = 0x90
    BATCH_RESULT = 0x91
    MESSAGE_STATUS_RESULT = 0x92
    CANCELLED = 0x93
    OK = 0x94
    REMOVED = 0x95
    SUPPRESSION = 0x96
    SUPPRESSION_LIST = 0x97
    CLUSTER_STATUS_RESULT = 0x98
    ERROR = 0xFF


class ErrorCode:
    """Error codes a node answers with."""
    MALFORMED_REQUEST = 1
    UNKNOWN_REQUEST = 2
    UNSUPPORTED_VERSION = 3
    FRAME_TOO_LARGE = 4
    INVALID_ADDRESS = 5
    INVALID_MESSAGE = 6
    MESSAGE_TOO_LARGE = 7
    TOO_MANY_RECIPIENTS = 8
    NOT_FOUND = 9
    OVERLOADED = 10
    UNAVAILABLE = 11
    OUTCOME_UNKNOWN = 12
    INTERNAL = 13
    HELLO_REQUIRED = 14
    INSUFFICIENT_STORAGE = 15

    NAMES = {
        1: "malformedRequest", 2: "unknownRequest", 3: "unsupportedVersion", 4: "frameTooLarge",
        5: "invalidAddress", 6: "invalidMessage", 7: "messageTooLarge", 8: "tooManyRecipients",
        9: "notFound", 10: "overloaded", 11: "unavailable", 12: "outcomeUnknown", 13: "internal",
        14: "helloRequired", 15: "insufficientStorage",
    }
    RETRYABLE = frozenset({10, 11, 12, 13, 15})

    @classmethod
    def name(cls, code: int) -> str:
        return cls.NAMES.get(code, "code %d" % code)


REASONS = ("hard-bounce", "complaint", "unsubscribe", "manual")
STATES = ("queued", "suppressed", "cancelled", "delivered", "deferred", "bounced", "expired")


# MARK: - Errors

class HeraldError(Exception):
    """A node refused a request: ``code`` (an ``ErrorCode``) and ``detail`` (a sentence)."""

    def __init__(self, code: Optional[int], detail: str):
        super().__init__(detail if code is None else "%s: %s" % (ErrorCode.name(code), detail))
        self.code = code
        self.detail = detail

    @property
    def name(self) -> str:
        return "connection" if self.code is None else ErrorCode.name(self.code)

    @property
    def retryable(self) -> bool:
        """Whether the same request may succeed if sent again (same idempotency key)."""
        return self.code in ErrorCode.RETRYABLE


class HeraldConnectionError(HeraldError):
    """No node could be reached, or the connection dropped with the request in flight
    (it may or may not have taken effect). ``code`` is None; always retryable."""

    def __init__(self, detail: str):
        super().__init__(None, detail)

    @property
    def retryable(self) -> bool:
        return True


class HeraldTimeout(HeraldConnectionError):
    """No answer within the timeout; the request may or may not have taken effect."""


class ProtocolViolation(HeraldError):
    """Bytes that do not decode, or a request outside the protocol's limits."""

    def __init__(self, detail: str):
        super().__init__(None, detail)


# MARK: - Values

@dataclass
class Envelope:
    mail_from: str
    recipients: List[str]
    message: bytes
    idempotency_key: str = ""
    priority: int = 5
    not_before_ms: int = 0
    expires_at_ms: int = 0


@dataclass
class EnqueueAck:
    id: str  # 32 lowercase hex digits
    term: int
    index: int
    duplicate: bool = False
    suppressed: List[str] = field(default_factory=list)


@dataclass
class RecipientStatus:
    address: str
    state: str  # one of STATES
    detail: str = ""


@dataclass
class MessageStatus:
    id: str
    enqueued_at_ms: int
    recipients: List[RecipientStatus]


@dataclass
class SuppressionEntry:
    address: str
    reason: str  # one of REASONS
    source: str
    since_ms: int


@dataclass
class NodeStatus:
    node: int
    role: str
    reachable: bool
    commit_index: int
    applied_index: int
    digest: int


@dataclass
class ClusterStatus:
    leader: int  # 0 when unknown
    term: int
    nodes: List[NodeStatus]


@dataclass
class Welcome:
    version: int
    node: int
    leader: int
    max_frame_bytes: int
    max_in_flight: int


# MARK: - Codec

class _Writer:
    def __init__(self) -> None:
        self.parts: List[bytes] = []

    def u8(self, value: int) -> "_Writer":
        self.parts.append(struct.pack(">B", value))
        return self

    def u16(self, value: int) -> "_Writer":
        self.parts.append(struct.pack(">H", value))
        return self

    def u32(self, value: int) -> "_Writer":
        self.parts.append(struct.pack(">I", value))
        return self

    def u64(self, value: int) -> "_Writer":
        self.parts.append(struct.pack(">Q", value))
        return self

    def bytes_(self, value: bytes) -> "_Writer":
        self.u32(len(value))
        self.parts.append(bytes(value))
        return self

    def str_(self, value: str, limit: Optional[int] = None, what: str = "string") -> "_Writer":
        data = value.encode("utf-8")
        if limit is not None and len(data) > limit:
            raise ProtocolViolation("%s of %d bytes exceeds %d" % (what, len(data), limit))
        return self.bytes_(data)

    def id_(self, value: str) -> "_Writer":
        self.parts.append(_id_bytes(value))
        return self

    def data(self) -> bytes:
        return b"".join(self.parts)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = memoryview(data)
        self.offset = 0

    def _take(self, count: int, what: str) -> memoryview:
        if self.offset + count > len(self.data):
            raise ProtocolViolation("truncated %s" % what)
        chunk = self.data[self.offset:self.offset + count]
        self.offset += count
        return chunk

    def u8(self, what: str) -> int:
        return self._take(1, what)[0]

    def u16(self, what: str) -> int:
        return struct.unpack(">H", self._take(2, what))[0]

    def u32(self, what: str) -> int:
        return struct.unpack(">I", self._take(4, what))[0]

    def u64(self, what: str) -> int:
        return struct.unpack(">Q", self._take(8, what))[0]

    def bool_(self, what: str) -> bool:
        value = self.u8(what)
        if value > 1:
            raise ProtocolViolation("%s is %d, expected 0 or 1" % (what, value))
        return value == 1

    def bytes_(self, what: str, limit: int) -> bytes:
        length = self.u32(what + " length")
        if length > limit:
            raise ProtocolViolation("%s of %d bytes exceeds %d" % (what, length, limit))
        return bytes(self._take(length, what))

    def str_(self, what: str, limit: int) -> str:
        try:
            return self.bytes_(what, limit).decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolViolation("%s is not UTF-8" % what) from None

    def count(self, what: str, low: int, high: int) -> int:
        value = self.u16(what)
        if not low <= value <= high:
            raise ProtocolViolation("%s %d is outside %d-%d" % (what, value, low, high))
        return value

    def id_(self, what: str = "id") -> str:
        return bytes(self._take(16, what)).hex()

    def done(self, what: str) -> None:
        left = len(self.data) - self.offset
        if left:
            raise ProtocolViolation("%d trailing bytes after %s" % (left, what))


def _id_bytes(value: str) -> bytes:
    try:
        data = bytes.fromhex(value)
    except ValueError:
        data = b""
    if len(data) != 16:
        raise ProtocolViolation("message id %r is not 32 hex digits" % (value,))
    return data


def encode_frame(kind: int, payload: bytes) -> bytes:
    """``length: u32`` (kind + payload), ``kind: u8``, payload."""
    return struct.pack(">IB", len(payload) + 1, kind) + payload


def read_frame_length(header: bytes, max_frame_bytes: int) -> int:
    """The body length (kind + payload) from a 4-byte header, checked against the limit."""
    (length,) = struct.unpack(">I", header)
    if length == 0:
        raise ProtocolViolation("empty frame")
    if length > max_frame_bytes:
        raise ProtocolViolation("frame of %d bytes exceeds the limit of %d" % (length, max_frame_bytes))
    return length


def _write_envelope(writer: _Writer, envelope: Envelope) -> None:
    if not 1 <= len(envelope.recipients) <= MAX_RECIPIENTS:
        raise ProtocolViolation("recipient count %d is outside 1-%d" % (len(envelope.recipients), MAX_RECIPIENTS))
    if not 0 <= envelope.priority <= 9:
        raise ProtocolViolation("priority %d is outside 0-9" % envelope.priority)
    writer.str_(envelope.mail_from, MAX_ADDRESS, "mailFrom")
    writer.u16(len(envelope.recipients))
    for recipient in envelope.recipients:
        writer.str_(recipient, MAX_ADDRESS, "recipient")
    writer.str_(envelope.idempotency_key, MAX_KEY, "idempotencyKey")
    writer.u8(envelope.priority).u64(envelope.not_before_ms).u64(envelope.expires_at_ms).bytes_(envelope.message)


def _read_envelope(reader: _Reader) -> Envelope:
    mail_from = reader.str_("mailFrom", MAX_ADDRESS)
    count = reader.count("recipient count", 1, MAX_RECIPIENTS)
    recipients = [reader.str_("recipient", MAX_ADDRESS) for _ in range(count)]
    key = reader.str_("idempotencyKey", MAX_KEY)
    priority = reader.u8("priority")
    if priority > 9:
        raise ProtocolViolation("priority %d exceeds 9" % priority)
    not_before = reader.u64("notBefore")
    expires_at = reader.u64("expiresAt")
    message = reader.bytes_("message", 0xFFFFFFFF)
    return Envelope(mail_from, recipients, message, key, priority, not_before, expires_at)


def encode_request(request_id: int, kind: int, *args) -> bytes:
    """A whole request frame. ``args`` by kind: HELLO (client_name), ENQUEUE (Envelope),
    ENQUEUE_BATCH ([Envelope]), MESSAGE_STATUS / CANCEL (id hex), SUPPRESS_ADD (address,
    reason name, source), SUPPRESS_REMOVE / SUPPRESS_CHECK (address), SUPPRESS_LIST
    (after, limit), CLUSTER_STATUS ()."""
    writer = _Writer().u64(request_id)
    if kind == Kind.HELLO:
        writer.u16(VERSION).str_(args[0], MAX_CLIENT_NAME, "client name")
    elif kind == Kind.ENQUEUE:
        _write_envelope(writer, args[0])
    elif kind == Kind.ENQUEUE_BATCH:
        envelopes = list(args[0])
        if not 1 <= len(envelopes) <= MAX_BATCH:
            raise ProtocolViolation("envelope count %d is outside 1-%d" % (len(envelopes), MAX_BATCH))
        writer.u16(len(envelopes))
        for envelope in envelopes:
            _write_envelope(writer, envelope)
    elif kind in (Kind.MESSAGE_STATUS, Kind.CANCEL):
        writer.id_(args[0])
    elif kind == Kind.SUPPRESS_ADD:
        address, reason, source = args
        if reason not in REASONS:
            raise ProtocolViolation("reason %r is not one of %s" % (reason, ", ".join(REASONS)))
        writer.str_(address, MAX_ADDRESS, "address").u8(REASONS.index(reason)).str_(source, MAX_SOURCE, "source")
    elif kind in (Kind.SUPPRESS_REMOVE, Kind.SUPPRESS_CHECK):
        writer.str_(args[0], MAX_ADDRESS, "address")
    elif kind == Kind.SUPPRESS_LIST:
        after, limit = args
        if not 1 <= limit <= MAX_LIST_LIMIT:
            raise ProtocolViolation("limit %d is outside 1-%d" % (limit, MAX_LIST_LIMIT))
        writer.str_(after, MAX_ADDRESS, "after").u32(limit)
    elif kind == Kind.CLUSTER_STATUS:
        pass
    else:
        raise ProtocolViolation("kind 0x%02x is not a request" % kind)
    return encode_frame(kind, writer.data())


def decode_request(kind: int, payload: bytes) -> Tuple[int, tuple]:
    """``(request_id, args)`` for a request frame, args as ``encode_request`` takes them."""
    reader = _Reader(payload)
    request_id = reader.u64("requestID")
    if kind == Kind.HELLO:
        args: tuple = (reader.u16("version"), reader.str_("client name", MAX_CLIENT_NAME))
    elif kind == Kind.ENQUEUE:
        args = (_read_envelope(reader),)
    elif kind == Kind.ENQUEUE_BATCH:
        count = reader.count("envelope count", 1, MAX_BATCH)
        args = ([_read_envelope(reader) for _ in range(count)],)
    elif kind in (Kind.MESSAGE_STATUS, Kind.CANCEL):
        args = (reader.id_(),)
    elif kind == Kind.SUPPRESS_ADD:
        address = reader.str_("address", MAX_ADDRESS)
        reason = reader.u8("reason")
        if reason >= len(REASONS):
            raise ProtocolViolation("unknown reason %d" % reason)
        args = (address, REASONS[reason], reader.str_("source", MAX_SOURCE))
    elif kind in (Kind.SUPPRESS_REMOVE, Kind.SUPPRESS_CHECK):
        args = (reader.str_("address", MAX_ADDRESS),)
    elif kind == Kind.SUPPRESS_LIST:
        after = reader.str_("after", MAX_ADDRESS)
        limit = reader.u32("limit")
        if not 1 <= limit <= MAX_LIST_LIMIT:
            raise ProtocolViolation("limit %d is outside 1-%d" % (limit, MAX_LIST_LIMIT))
        args = (after, limit)
    elif kind == Kind.CLUSTER_STATUS:
        args = ()
    else:
        raise ProtocolViolation("unknown request kind 0x%02x" % kind)
    reader.done("request")
    return request_id, args


def _write_ack(writer: _Writer, ack: EnqueueAck) -> None:
    writer.id_(ack.id).u64(ack.term).u64(ack.index).u8(1 if ack.duplicate else 0).u16(len(ack.suppressed))
    for address in ack.suppressed:
        writer.str_(address, MAX_ADDRESS, "suppressed recipient")


def _read_ack(reader: _Reader) -> EnqueueAck:
    id_ = reader.id_()
    term = reader.u64("term")
    index = reader.u64("index")
    duplicate = reader.bool_("duplicate")
    count = reader.count("suppressed count", 0, MAX_RECIPIENTS)
    return EnqueueAck(id_, term, index, duplicate, [reader.str_("suppressed recipient", MAX_ADDRESS) for _ in range(count)])


def _write_entry(writer: _Writer, entry: SuppressionEntry) -> None:
    writer.str_(entry.address).u8(REASONS.index(entry.reason)).str_(entry.source).u64(entry.since_ms)


def _read_entry(reader: _Reader) -> SuppressionEntry:
    address = reader.str_("address", MAX_ADDRESS)
    reason = reader.u8("reason")
    if reason >= len(REASONS):
        raise ProtocolViolation("unknown reason %d" % reason)
    return SuppressionEntry(address, REASONS[reason], reader.str_("source", MAX_SOURCE), reader.u64("since"))


def _cut(text: str, limit: int) -> str:
    data = text.encode("utf-8")[:limit]
    return data.decode("utf-8", errors="ignore")


def encode_response(request_id: int, kind: int, value=None) -> bytes:
    """A whole response frame. ``value`` by kind: WELCOME (Welcome), ENQUEUED (EnqueueAck),
    BATCH_RESULT (list of EnqueueAck or HeraldError), MESSAGE_STATUS_RESULT (MessageStatus),
    CANCELLED (int), OK (None), REMOVED (bool), SUPPRESSION (SuppressionEntry or None),
    SUPPRESSION_LIST ([SuppressionEntry]), CLUSTER_STATUS_RESULT (ClusterStatus),
    ERROR ((code, detail))."""
    writer = _Writer().u64(request_id)
    if kind == Kind.WELCOME:
        writer.u16(value.version).u64(value.node).u64(value.leader).u32(value.max_frame_bytes).u32(value.max_in_flight)
    elif kind == Kind.ENQUEUED:
        _write_ack(writer, value)
    elif kind == Kind.BATCH_RESULT:
        writer.u16(len(value))
        for item in value:
            if isinstance(item, HeraldError):
                writer.u8(1).u16(item.code or 0).str_(_cut(item.detail, MAX_DETAIL))
            else:
                writer.u8(0)
                _write_ack(writer, item)
    elif kind == Kind.MESSAGE_STATUS_RESULT:
        writer.id_(value.id).u64(value.enqueued_at_ms).u16(len(value.recipients))
        for recipient in value.recipients:
            writer.str_(recipient.address).u8(STATES.index(recipient.state)).str_(_cut(recipient.detail, MAX_DETAIL))
    elif kind == Kind.CANCELLED:
        writer.u16(value)
    elif kind == Kind.OK:
        pass
    elif kind == Kind.REMOVED:
        writer.u8(1 if value else 0)
    elif kind == Kind.SUPPRESSION:
        if value is None:
            writer.u8(0)
        else:
            writer.u8(1)
            _write_entry(writer, value)
    elif kind == Kind.SUPPRESSION_LIST:
        writer.u16(len(value))
        for entry in value:
            _write_entry(writer, entry)
    elif kind == Kind.CLUSTER_STATUS_RESULT:
        writer.u64(value.leader).u64(value.term).u16(len(value.nodes))
        for node in value.nodes:
            writer.u64(node.node).str_(node.role).u8(1 if node.reachable else 0)
            writer.u64(node.commit_index).u64(node.applied_index).u64(node.digest)
    elif kind == Kind.ERROR:
        code, detail = value
        writer.u16(code).str_(_cut(detail, MAX_DETAIL))
    else:
        raise ProtocolViolation("kind 0x%02x is not a response" % kind)
    return encode_frame(kind, writer.data())


def decode_response(kind: int, payload: bytes) -> Tuple[int, object]:
    """``(request_id, value)`` for a response frame, value as ``encode_response`` takes it;
    an ERROR decodes to a ``HeraldError``."""
    reader = _Reader(payload)
    request_id = reader.u64("requestID")
    value: object
    if kind == Kind.WELCOME:
        value = Welcome(reader.u16("version"), reader.u64("node"), reader.u64("leader"),
                        reader.u32("maxFrameBytes"), reader.u32("maxInFlight"))
    elif kind == Kind.ENQUEUED:
        value = _read_ack(reader)
    elif kind == Kind.BATCH_RESULT:
        items: List[Union[EnqueueAck, HeraldError]] = []
        for _ in range(reader.count("result count", 1, MAX_BATCH)):
            tag = reader.u8("result tag")
            if tag == 0:
                items.append(_read_ack(reader))
            elif tag == 1:
                items.append(HeraldError(reader.u16("code"), reader.str_("detail", MAX_DETAIL)))
            else:
                raise ProtocolViolation("result tag is %d, expected 0 or 1" % tag)
        value = items
    elif kind == Kind.MESSAGE_STATUS_RESULT:
        id_ = reader.id_()
        enqueued_at = reader.u64("enqueuedAt")
        recipients = []
        for _ in range(reader.count("recipient count", 0, MAX_RECIPIENTS)):
            address = reader.str_("address", MAX_ADDRESS)
            state = reader.u8("state")
            if state >= len(STATES):
                raise ProtocolViolation("unknown recipient state %d" % state)
            recipients.append(RecipientStatus(address, STATES[state], reader.str_("detail", MAX_DETAIL)))
        value = MessageStatus(id_, enqueued_at, recipients)
    elif kind == Kind.CANCELLED:
        value = reader.u16("cancelledRecipients")
    elif kind == Kind.OK:
        value = None
    elif kind == Kind.REMOVED:
        value = reader.bool_("found")
    elif kind == Kind.SUPPRESSION:
        value = _read_entry(reader) if reader.bool_("found") else None
    elif kind == Kind.SUPPRESSION_LIST:
        value = [_read_entry(reader) for _ in range(reader.count("entry count", 0, MAX_LIST_LIMIT))]
    elif kind == Kind.CLUSTER_STATUS_RESULT:
        leader = reader.u64("leader")
        term = reader.u64("term")
        nodes = []
        for _ in range(reader.count("node count", 0, MAX_STATUS_NODES)):
            nodes.append(NodeStatus(reader.u64("node"), reader.str_("role", MAX_ROLE), reader.bool_("reachable"),
                                    reader.u64("commitIndex"), reader.u64("appliedIndex"), reader.u64("digest")))
        value = ClusterStatus(leader, term, nodes)
    elif kind == Kind.ERROR:
        value = HeraldError(reader.u16("code"), reader.str_("detail", MAX_DETAIL))
    else:
        raise ProtocolViolation("unknown response kind 0x%02x" % kind)
    reader.done("response")
    return request_id, value


# MARK: - Client

Address = Union[str, Tuple[str, int]]


def _parse_address(address: Address) -> Tuple[str, int]:
    if isinstance(address, tuple):
        return address[0], int(address[1])
    if address.startswith("["):
        host, _, port = address[1:].partition("]:")
    else:
        host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError("address %r is not host:port" % (address,))
    return host, int(port)


def _read_exactly(sock: socket.socket, count: int) -> Optional[bytes]:
    """``count`` bytes, or None at a clean end of stream before the first byte."""
    chunks = []
    left = count
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            if left == count:
                return None
            raise HeraldConnectionError("connection closed mid-frame")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_frame(sock: socket.socket, max_frame_bytes: int) -> Optional[Tuple[int, bytes]]:
    header = _read_exactly(sock, 4)
    if header is None:
        return None
    length = read_frame_length(header, max_frame_bytes)
    body = _read_exactly(sock, length)
    if body is None:
        raise HeraldConnectionError("connection closed mid-frame")
    return body[0], body[1:]


class _Connection:
    """One welcomed connection: a socket, a reader thread, and the futures of the
    requests in flight on it."""

    def __init__(self, sock: socket.socket, address: str, welcome: Welcome, max_frame_bytes: int) -> None:
        self.sock = sock
        self.address = address
        self.welcome = welcome
        self.max_frame_bytes = max_frame_bytes
        self.lock = threading.Lock()
        self.write_lock = threading.Lock()
        self.pending: Dict[int, Future] = {}
        self.closed_with: Optional[HeraldError] = None
        self.reader = threading.Thread(target=self._read_loop, name="herald-reader %s" % address, daemon=True)
        self.reader.start()

    @property
    def is_open(self) -> bool:
        with self.lock:
            return self.closed_with is None

    def send(self, request_id: int, frame: bytes) -> Future:
        future: Future = Future()
        with self.lock:
            if self.closed_with is not None:
                future.set_exception(self.closed_with)
                return future
            self.pending[request_id] = future
        try:
            with self.write_lock:
                self.sock.sendall(frame)
        except OSError as error:
            self.fail("could not write to %s: %s" % (self.address, error))
        return future

    def forget(self, request_id: int) -> None:
        with self.lock:
            self.pending.pop(request_id, None)

    def fail(self, reason: str) -> None:
        """Closes the connection; every request in flight fails with HeraldConnectionError."""
        with self.lock:
            if self.closed_with is None:
                self.closed_with = HeraldConnectionError(reason)
            error = self.closed_with
            pending, self.pending = self.pending, {}
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        for future in pending.values():
            if not future.done():
                future.set_exception(HeraldConnectionError(error.detail))

    def close(self) -> None:
        self.fail("the client was closed")
        if threading.current_thread() is not self.reader:
            self.reader.join(timeout=5)
        self.sock.close()

    def _read_loop(self) -> None:
        reason = "%s closed the connection" % self.address
        try:
            while True:
                frame = _read_frame(self.sock, self.max_frame_bytes)
                if frame is None:
                    break
                kind = frame[0]
                request_id, value = decode_response(*frame)
                if request_id == 0:
                    if isinstance(value, HeraldError):
                        reason = "%s closed the connection: %s" % (self.address, value)
                    continue
                with self.lock:
                    future = self.pending.pop(request_id, None)
                if future is None or future.done():
                    continue  # a late answer to a request that timed out
                if isinstance(value, HeraldError):
                    future.set_exception(value)
                else:
                    future.set_result((kind, value))
        except ProtocolViolation as error:
            reason = "%s sent bytes that do not decode: %s" % (self.address, error.detail)
        except HeraldError as error:
            reason = "%s: %s" % (self.address, error.detail)
        except OSError as error:
            reason = "connection to %s failed: %s" % (self.address, error)
        self.fail(reason)


_RESPONSE_KIND = {
    Kind.ENQUEUE: Kind.ENQUEUED, Kind.ENQUEUE_BATCH: Kind.BATCH_RESULT,
    Kind.MESSAGE_STATUS: Kind.MESSAGE_STATUS_RESULT, Kind.CANCEL: Kind.CANCELLED,
    Kind.SUPPRESS_ADD: Kind.OK, Kind.SUPPRESS_REMOVE: Kind.REMOVED, Kind.SUPPRESS_CHECK: Kind.SUPPRESSION,
    Kind.SUPPRESS_LIST: Kind.SUPPRESSION_LIST, Kind.CLUSTER_STATUS: Kind.CLUSTER_STATUS_RESULT,
}


class HeraldClient:
    """A pipelined client for a Herald cluster.

    ``addresses`` are the nodes' client addresses (``"host:port"`` or ``(host, port)``),
    tried in order; when one is down or a connection drops, the next is used. Thread
    safe: many threads may call at once, and ``submit`` / ``enqueue_many`` keep many
    requests in flight on the one connection. Failures raise ``HeraldError`` (the node's
    ``code`` and ``detail``), ``HeraldConnectionError`` or ``HeraldTimeout``.
    """

    def __init__(self, addresses: Sequence[Address], timeout: float = 30.0, connect_timeout: float = 5.0,
                 client_name: str = "herald-python-client", max_response_bytes: int = 2 * DEFAULT_MAX_FRAME) -> None:
        if not addresses:
            raise ValueError("a HeraldClient needs at least one address")
        self.addresses = [_parse_address(address) for address in addresses]
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.client_name = client_name
        self.max_response_bytes = max_response_bytes
        self._lock = threading.Lock()
        self._connection: Optional[_Connection] = None
        self._next_index = 0
        self._last_request_id = 0
        self._closed = False

    def __enter__(self) -> "HeraldClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Closes the connection; requests in flight fail with HeraldConnectionError."""
        with self._lock:
            self._closed = True
            connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    @property
    def welcome(self) -> Optional[Welcome]:
        """What the current node said in ``welcome``; None while disconnected."""
        connection = self._connection
        return connection.welcome if connection is not None else None

    # MARK: Connection

    def _request_id(self) -> int:
        with self._lock:
            self._last_request_id += 1
            return self._last_request_id

    def _connect(self) -> _Connection:
        with self._lock:
            if self._closed:
                raise HeraldConnectionError("the client was closed")
            if self._connection is not None and self._connection.is_open:
                return self._connection
            failures = []
            for offset in range(len(self.addresses)):
                index = (self._next_index + offset) % len(self.addresses)
                host, port = self.addresses[index]
                try:
                    self._connection = self._open(host, port)
                    # After this connection drops, start with the next address.
                    self._next_index = (index + 1) % len(self.addresses)
                    return self._connection
                except (OSError, HeraldError) as error:
                    failures.append("%s:%d: %s" % (host, port, getattr(error, "detail", None) or error))
            raise HeraldConnectionError("no node accepted a connection (%s)" % "; ".join(failures))

    def _open(self, host: str, port: int) -> _Connection:
        sock = socket.create_connection((host, port), timeout=self.connect_timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._last_request_id += 1  # NB: called with self._lock held
            hello_id = self._last_request_id
            sock.sendall(encode_request(hello_id, Kind.HELLO, self.client_name))
            frame = _read_frame(sock, self.max_response_bytes)
            if frame is None:
                raise HeraldConnectionError("closed before welcome")
            request_id, value = decode_response(*frame)
            if isinstance(value, HeraldError):
                raise HeraldConnectionError("refused hello: %s" % value)
            if frame[0] != Kind.WELCOME or request_id != hello_id:
                raise ProtocolViolation("expected welcome, got kind 0x%02x" % frame[0])
            sock.settimeout(None)
            return _Connection(sock, "%s:%d" % (host, port), value, self.max_response_bytes)
        except BaseException:
            sock.close()
            raise

    # MARK: Sending

    def submit(self, kind: int, *args) -> Future:
        """Sends one request without waiting and returns a Future; read it with
        ``wait(future)``, which returns the decoded response (see ``decode_response``)
        or raises."""
        request_id = self._request_id()
        frame = encode_request(request_id, kind, *args)
        connection = self._connect()
        if len(frame) - 4 > connection.welcome.max_frame_bytes:
            raise ProtocolViolation("request of %d bytes exceeds the node's limit of %d"
                                    % (len(frame) - 4, connection.welcome.max_frame_bytes))
        future = connection.send(request_id, frame)
        future.herald_request = (connection, request_id, _RESPONSE_KIND.get(kind))  # type: ignore[attr-defined]
        return future

    def wait(self, future: Future, timeout: Optional[float] = None):
        """The result of a ``submit``; raises HeraldTimeout after ``timeout`` (default: the
        client's) and forgets the request."""
        seconds = self.timeout if timeout is None else timeout
        connection, request_id, expected_kind = future.herald_request  # type: ignore[attr-defined]
        try:
            kind, value = future.result(seconds)
        except FutureTimeout:
            connection.forget(request_id)
            raise HeraldTimeout("no answer from %s within %.1f s" % (connection.address, seconds)) from None
        if kind != expected_kind:
            raise ProtocolViolation("%s answered with kind 0x%02x, expected 0x%02x" % (connection.address, kind, expected_kind))
        return value

    def call(self, kind: int, *args):
        """Sends one request and waits for its response."""
        return self.wait(self.submit(kind, *args))

    # MARK: Requests

    def enqueue(self, mail_from: str, recipients: Sequence[str], message: bytes, idempotency_key: str = "",
                priority: int = 5, not_before_ms: int = 0, expires_at_ms: int = 0) -> EnqueueAck:
        """Queues one message; returns once a majority has it. Give an idempotency key to
        make retries (after HeraldConnectionError or a retryable HeraldError) safe."""
        envelope = Envelope(mail_from, list(recipients), bytes(message), idempotency_key, priority,
                            not_before_ms, expires_at_ms)
        return self.call(Kind.ENQUEUE, envelope)

    def enqueue_many(self, envelopes: Iterable[Envelope], window: Optional[int] = None) -> List[Union[EnqueueAck, HeraldError]]:
        """Queues many messages, one ``enqueue`` request each, pipelined: up to ``window``
        (default: the node's ``maxInFlight``) in flight at once. Returns one result per
        envelope, in order: an EnqueueAck, or the HeraldError that refused it."""
        results: List[Union[EnqueueAck, HeraldError, None]] = []
        in_flight: deque = deque()

        def settle() -> None:
            index, future = in_flight.popleft()
            try:
                results[index] = future if isinstance(future, HeraldError) else self.wait(future)
            except HeraldError as error:
                results[index] = error

        for envelope in envelopes:
            results.append(None)
            try:
                future = self.submit(Kind.ENQUEUE, envelope)
            except HeraldError as error:
                future = error
            in_flight.append((len(results) - 1, future))
            limit = window or (self.welcome.max_in_flight if self.welcome else 64)
            while len(in_flight) >= max(1, limit):
                settle()
        while in_flight:
            settle()
        return results  # type: ignore[return-value]

    def enqueue_batch(self, envelopes: Sequence[Envelope]) -> List[Union[EnqueueAck, HeraldError]]:
        """Queues 1-1000 messages in one request; one result per envelope, in order."""
        return self.call(Kind.ENQUEUE_BATCH, list(envelopes))

    def message_status(self, message_id: str) -> MessageStatus:
        """Where every recipient of a message stands; HeraldError notFound if unknown."""
        return self.call(Kind.MESSAGE_STATUS, message_id)

    def cancel(self, message_id: str) -> int:
        """Cancels the recipients still queued; returns how many."""
        return self.call(Kind.CANCEL, message_id)

    def suppress_add(self, address: str, reason: str, source: str = "") -> None:
        """Adds an address to the suppression list; ``reason`` is one of REASONS."""
        self.call(Kind.SUPPRESS_ADD, address, reason, source)

    def suppress_remove(self, address: str) -> bool:
        """Removes an address from the suppression list; returns whether it was there."""
        return self.call(Kind.SUPPRESS_REMOVE, address)

    def suppress_check(self, address: str) -> Optional[SuppressionEntry]:
        """The address's suppression entry, or None."""
        return self.call(Kind.SUPPRESS_CHECK, address)

    def suppress_list(self, after: str = "", limit: int = MAX_LIST_LIMIT) -> List[SuppressionEntry]:
        """Up to ``limit`` entries after ``after``, in address order."""
        return self.call(Kind.SUPPRESS_LIST, after, limit)

    def cluster_status(self) -> ClusterStatus:
        """The answering node's view: leader, term, and per-node progress."""
        return self.call(Kind.CLUSTER_STATUS)
