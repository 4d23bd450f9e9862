"""A local platform's ports come from one block below the ephemeral range: distinct, free, and
never a port an outgoing connection could hold (a metrics port once collided with one)."""

import socket

from moodline_devkit.infra import _ephemeral_low, free_port_block, platform_ports


def test_platform_ports_are_distinct_free_and_below_the_ephemeral_range():
    ports = {name: int(value) for name, value in platform_ports().items()}
    grpc, metrics = ports["MOODLINE_GRPC_PORT_BASE"], ports["MOODLINE_METRICS_PORT_BASE"]
    used = [p for name, p in ports.items() if not name.endswith("_BASE")]
    used += [grpc + i for i in range(16)] + [metrics + i for i in range(32)]
    assert len(set(used)) == len(used)
    assert max(used) < _ephemeral_low()
    for port in used:
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))


def test_a_block_skips_a_taken_port():
    base = free_port_block(8)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", base + 3))
        for _ in range(20):
            other = free_port_block(8)
            assert not other <= base + 3 < other + 8
