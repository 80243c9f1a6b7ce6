// One TCP port for HTTP/1.1 and cleartext HTTP/2 (h2c): the first bytes of a connection tell
// which. Node's http2 `allowHTTP1` works only with TLS, hence the sniffing.
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { NodeHandlerFn } from "./node-types.js";

const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
/**
 * Streams one HTTP/2 connection may have open at once (advertised in SETTINGS; clients queue
 * beyond it). Without it a single connection could open thousands, each holding memory.
 */
const MAX_STREAMS_PER_CONNECTION = 100;

export interface ListenOptions {
  port: number;
  host: string;
  /** Longest time a client may take to send a whole request (slow-loris guard). */
  requestTimeoutMs: number;
}

export interface Listener {
  port: number;
  /** Stops accepting, lets in-flight requests finish for up to `graceMs`, then cuts the rest. */
  close(graceMs: number): Promise<void>;
}

export async function listen(handler: NodeHandlerFn, options: ListenOptions): Promise<Listener> {
  let closing = false;
  // Node looks for connections over their header/request time only this often (30 s by default),
  // so a slow-loris connection would outlive CLAWKEEP_REQUEST_TIMEOUT_MS by that much.
  // Our own deadline for the first request's headers: Node's checker (below) was seen to leave
  // connections that drip header bytes open when the machine is loaded, so a connection that has
  // not sent a whole request head within the request timeout of being handed over is closed.
  const headDeadlines = new WeakMap<net.Socket, NodeJS.Timeout>();
  const h1 = http.createServer({ connectionsCheckingInterval: Math.min(1000, options.requestTimeoutMs) }, (req, res) => {
    clearTimeout(headDeadlines.get(req.socket));
    if (closing) res.setHeader("connection", "close");
    handler(req, res);
  });
  h1.requestTimeout = options.requestTimeoutMs;
  h1.headersTimeout = Math.min(options.requestTimeoutMs, 60_000);
  // Node enforces those two only from a timer it starts when the server starts listening; this one
  // never listens (the TCP server hands it connections), so start that timer ourselves. Without
  // it, a slow-loris connection is held forever.
  h1.emit("listening");
  const h2 = http2.createServer({ settings: { maxConcurrentStreams: MAX_STREAMS_PER_CONNECTION } }, handler);
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
    if (closing) session.close();
  });

  const sockets = new Set<net.Socket>();
  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    // A peer that resets before we dispatch must not crash the process.
    socket.on("error", () => socket.destroy());
    // A connection that sends nothing at all is never dispatched; it gets the time a request gets.
    socket.setTimeout(options.requestTimeoutMs, () => socket.destroy());
    let seen = Buffer.alloc(0);
    const onReadable = () => {
      const chunk = socket.read() as Buffer | null;
      if (!chunk) return;
      seen = Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, H2_PREFACE.length);
      const isH2 = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
      // "P" could be "PRI" (HTTP/2) or "POST", "PUT", "PATCH": wait for the bytes that tell.
      if (isH2 && n < 4) return;
      socket.setTimeout(0);
      socket.off("readable", onReadable);
      socket.unshift(seen);
      if (!isH2) {
        const deadline = setTimeout(() => socket.destroy(), options.requestTimeoutMs).unref();
        headDeadlines.set(socket, deadline);
        socket.once("close", () => clearTimeout(deadline));
      }
      (isH2 ? h2 : h1).emit("connection", socket);
    };
    socket.on("readable", onReadable);
  });

  await new Promise<void>((resolve, reject) => {
    tcp.once("error", reject);
    tcp.listen(options.port, options.host, () => {
      tcp.off("error", reject);
      resolve();
    });
  });
  const port = (tcp.address() as net.AddressInfo).port;

  return {
    port,
    async close(graceMs) {
      closing = true;
      const stopped = new Promise<void>((resolve) => tcp.close(() => resolve()));
      for (const session of sessions) session.close(); // GOAWAY: open streams may finish
      const deadline = Date.now() + graceMs;
      while (sockets.size > 0 && Date.now() < deadline) {
        h1.closeIdleConnections();
        await new Promise((r) => setTimeout(r, 25));
      }
      for (const socket of sockets) socket.destroy();
      h1.close(() => undefined); // stops the timer started above (it was never listening itself)
      await stopped;
    },
  };
}
