/**
 * Python lines, for a test's script, that open a raw POP3 session (no
 * poplib: the test sees every byte as sent) on the port in `pop_port` and
 * log in: `cmd(line)` sends a command and returns its first reply line,
 * `multi()` the lines of a multi-line reply, dot-unstuffed, without the
 * final ".". Needs `socket` imported.
 */
export function rawPop3Login(user: string, password: string): string {
  return `s = socket.create_connection(("127.0.0.1", pop_port)); f = s.makefile("rb")
def cmd(line):
    s.sendall(line.encode() + b"\\r\\n"); return f.readline()
def multi():
    lines = []
    while True:
        line = f.readline()
        if line == b".\\r\\n": return lines
        lines.append(line[1:] if line.startswith(b".") else line)
f.readline(); cmd("USER ${user}"); cmd("PASS ${password}")`;
}
