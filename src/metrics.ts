/** Prometheus text exposition of a few process gauges. */
export function renderMetrics(gauges: { actors: number; connections: number }): string {
  return [
    "# HELP spool_actors Thread actors active in this process.",
    "# TYPE spool_actors gauge",
    `spool_actors ${gauges.actors}`,
    "# HELP spool_stream_connections Open SSE and WebSocket streams.",
    "# TYPE spool_stream_connections gauge",
    `spool_stream_connections ${gauges.connections}`,
    "",
  ].join("\n");
}
