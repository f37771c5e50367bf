/** A loopback listener for Connection tests: the server side is a TcpTransport, as in the server. */
import { TcpTransport } from "../../src/net/tcp_transport.ts";

/** Listens on 127.0.0.1 on a free port. */
export function listenOnLoopback() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  return {
    port: listener.addr.port,
    /** The next connection, as the server's Connection would get it. */
    accept: async () => {
      const conn = await listener.accept();
      conn.setNoDelay(true);
      return new TcpTransport(conn);
    },
    close: () => listener.close(),
  };
}
