// The ceiling every figure is read against: a bare node:http server answering a small JSON
// document, in a process of its own, on the same machine and in the same run.
import { createServer } from "node:http";

const body = JSON.stringify({ status: "healthy", version: "ceiling" });
const server = createServer((_req, res) => {
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (address && typeof address === "object") process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
